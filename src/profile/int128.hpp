// Private: a 128-bit integer for exact intermediate products (GCC and Clang extension;
// __extension__ keeps -Wpedantic quiet).
#pragma once

namespace emscore::profile::detail {
__extension__ typedef __int128 I128;
__extension__ typedef unsigned __int128 U128;
}  // namespace emscore::profile::detail

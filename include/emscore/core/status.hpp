// emscore/core/status.hpp — the error vocabulary of the SDK.
//
// Every fallible function returns absl::Status or absl::StatusOr<T>; library code never
// throws. A message says what went wrong, where (byte offset, line, JSON path) and what was
// expected, prefixed by the module, e.g.
//   "mbus: long frame at offset 4: checksum 0x3A, expected 0x3B"
#pragma once

#include <cstddef>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "emscore/core/strings.hpp"

namespace emscore {

using absl::Status;
using absl::StatusOr;

// "<module>: <what> at offset <offset>: <detail>" as InvalidArgument: the input is malformed.
inline absl::Status decode_error(std::string_view module, std::string_view what,
                                 std::size_t offset, std::string_view detail) {
  return absl::InvalidArgumentError(
      str_cat(module, ": ", what, " at offset ", offset, ": ", detail));
}

// "<module>: <what> at offset <offset>: need <need> bytes, <have> left" as OutOfRange: the
// input ended early (a stream decoder may wait for more bytes).
inline absl::Status truncated_error(std::string_view module, std::string_view what,
                                    std::size_t offset, std::size_t need, std::size_t have) {
  return absl::OutOfRangeError(str_cat(module, ": ", what, " at offset ", offset,
                                            ": truncated, need ", need, " bytes, ", have,
                                            " left"));
}

// "<module>: <what>: got <got>, expected <expected>" as InvalidArgument.
inline absl::Status mismatch_error(std::string_view module, std::string_view what,
                                   std::string_view got, std::string_view expected) {
  return absl::InvalidArgumentError(
      str_cat(module, ": ", what, ": got ", got, ", expected ", expected));
}

// Prefixes the message of a non-OK status with context ("record 3: ..."), keeping its code.
inline absl::Status with_context(const absl::Status& s, std::string_view context) {
  if (s.ok()) return s;
  return absl::Status(s.code(), str_cat(context, ": ", s.message()));
}

}  // namespace emscore

#define EMSCORE_INTERNAL_CONCAT2(a, b) a##b
#define EMSCORE_INTERNAL_CONCAT(a, b) EMSCORE_INTERNAL_CONCAT2(a, b)

// Returns from the enclosing function when `expr` (an absl::Status) is not OK.
#define EMSCORE_RETURN_IF_ERROR(expr)                 \
  do {                                                \
    ::absl::Status emscore_status_ = (expr);          \
    if (!emscore_status_.ok()) return emscore_status_; \
  } while (false)

// `EMSCORE_ASSIGN_OR_RETURN(auto x, f());` declares x from a StatusOr or returns its error.
#define EMSCORE_ASSIGN_OR_RETURN(lhs, expr) \
  EMSCORE_INTERNAL_ASSIGN_OR_RETURN(EMSCORE_INTERNAL_CONCAT(emscore_sor_, __LINE__), lhs, expr)
#define EMSCORE_INTERNAL_ASSIGN_OR_RETURN(tmp, lhs, expr) \
  auto tmp = (expr);                                      \
  if (!tmp.ok()) return std::move(tmp).status();          \
  lhs = std::move(tmp).value()

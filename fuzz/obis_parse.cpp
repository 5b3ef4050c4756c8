// Fuzzes OBIS text parsing: the Spirit X3 parser must never crash, must agree with the
// constexpr parser behind the literal, and what it accepts must round-trip through
// to_string().
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "emscore/obis/obis_code.hpp"
#include "emscore/obis/registry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = emscore::obis::ObisCode::parse(text);
  emscore::obis::detail::ConstexprObisParser p{text};
  emscore::obis::ObisCode c;
  const bool ok = p.parse(c);
  if (ok != r.ok()) std::abort();
  if (r.ok()) {
    if (!(c == *r)) std::abort();
    auto again = emscore::obis::ObisCode::parse(r->to_string());
    if (!again.ok() || !(*again == *r)) std::abort();
    (void)emscore::obis::describe(*r);
  }
  return 0;
}

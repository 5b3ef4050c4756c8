#include "emscore/metering/wiring.hpp"

#include <cctype>
#include <string>

namespace emscore::metering {

std::optional<Wiring> parse_wiring(std::string_view name) noexcept {
  std::string u;
  for (char c : name) {
    if (c == '-' || c == '_' || c == ' ') continue;
    u.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (u == "1P2W" || u == "1P") return Wiring::k1P2W;
  if (u == "2P3W" || u == "2P") return Wiring::k2P3W;
  if (u == "3P4W" || u == "3P") return Wiring::k3P4W;
  if (u == "3P3W") return Wiring::k3P3W;
  if (u == "ARON" || u == "3P3WARON") return Wiring::k3P3WAron;
  if (u == "WILDLEG" || u == "HIGHLEG") return Wiring::kWildLegDelta;
  return std::nullopt;
}

}  // namespace emscore::metering

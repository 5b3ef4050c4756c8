// emscore/metering/wiring.hpp — the electrical systems a meter can be connected to.
//
// A wiring system fixes which signals the ADC delivers in one sample set, in this order:
// voltage inputs, current inputs, then (optionally) a measured neutral current.
//
//   1P2W     single-phase 2-wire        V1N, I1
//   2P3W     two-phase (split-phase)    V1N, V2N, I1, I2            [+ IN]
//   3P4W     three-phase 4-wire (star)  V1N, V2N, V3N, I1, I2, I3   [+ IN]
//   3P3W     three-phase 3-wire, 3 CTs  U12, U23, I1, I2, I3
//   ARON     three-phase 3-wire, 2 CTs  U12, U32, I1, I3  (two-wattmeter / Blondel: I2 =
//            -(I1 + I3), P = U12·I1 + U32·I3)
//   WILDLEG  wild-leg (high-leg) delta, 4-wire: V1N, V2N, V3N, I1, I2, I3 [+ IN]; one L-N
//            voltage (the high leg) is about sqrt(3) times the other two.
//
// In the 3-wire systems there is no neutral: the per-phase L-N voltages and powers are taken
// against a virtual star point (the point where the three L-N voltages sum to zero). The
// system active power is then exactly the two-wattmeter sum (Blondel's theorem); per-phase
// values of a 3-wire system are a convention, not something a 4-wire meter would measure.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace emscore::metering {

enum class Wiring : std::uint8_t { k1P2W, k2P3W, k3P4W, k3P3W, k3P3WAron, kWildLegDelta };

struct WiringInfo {
  Wiring wiring;
  std::string_view name;         // "3P4W"
  std::string_view description;  // one line
  int phases;                    // phase conductors (1, 2 or 3)
  int voltage_inputs;            // voltage channels in a sample set
  int current_inputs;            // current channels in a sample set (without a neutral)
  bool neutral;                  // the system has a neutral conductor
  int line_voltages;             // line-to-line voltages reported (0, 1 or 3)
};

inline constexpr WiringInfo kWiringTable[] = {
    {Wiring::k1P2W, "1P2W", "single-phase 2-wire: V1N, I1", 1, 1, 1, true, 0},
    {Wiring::k2P3W, "2P3W", "two-phase 3-wire: V1N, V2N, I1, I2", 2, 2, 2, true, 1},
    {Wiring::k3P4W, "3P4W", "three-phase 4-wire: V1N, V2N, V3N, I1, I2, I3", 3, 3, 3, true, 3},
    {Wiring::k3P3W, "3P3W", "three-phase 3-wire, 3 CTs: U12, U23, I1, I2, I3", 3, 2, 3, false,
     3},
    {Wiring::k3P3WAron, "ARON", "three-phase 3-wire, two-wattmeter: U12, U32, I1, I3", 3, 2, 2,
     false, 3},
    {Wiring::kWildLegDelta, "WILDLEG",
     "wild-leg delta 4-wire: V1N, V2N, V3N (one high leg), I1, I2, I3", 3, 3, 3, true, 3},
};

constexpr const WiringInfo& wiring_info(Wiring w) noexcept {
  return kWiringTable[static_cast<std::size_t>(w)];
}

// Whether a measured neutral-current channel can follow the phase currents.
constexpr bool supports_measured_neutral(Wiring w) noexcept {
  return wiring_info(w).neutral && wiring_info(w).phases >= 2;
}

// Channels in one interleaved sample set.
constexpr int channel_count(Wiring w, bool measured_neutral) noexcept {
  const WiringInfo& i = wiring_info(w);
  return i.voltage_inputs + i.current_inputs +
         (measured_neutral && supports_measured_neutral(w) ? 1 : 0);
}

// Accepts the names above case-insensitively, plus "3P3W-ARON", "WILD-LEG", "1P", "3P".
std::optional<Wiring> parse_wiring(std::string_view name) noexcept;

}  // namespace emscore::metering

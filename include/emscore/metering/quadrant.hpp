// emscore/metering/quadrant.hpp — the four quadrants of the P/Q plane.
//
// IEC 62053-23 (and IEC 62056-6-1's OBIS quadrant registers) number the quadrants from the
// consumer's point of view, with imported active power on the positive P axis and inductive
// (lagging) reactive power on the positive Q axis:
//   I   P >= 0, Q >= 0   import, inductive load
//   II  P <  0, Q >= 0   export, capacitive from the grid's point of view
//   III P <  0, Q <  0   export, inductive from the grid's point of view
//   IV  P >= 0, Q <  0   import, capacitive load
// The boundaries belong to the import side (P = 0 is import, Q = 0 is positive), so that
// every pair (P, Q) has exactly one quadrant and energy registers split without gaps.
#pragma once

#include <cstdint>
#include <string_view>

namespace emscore::metering {

enum class Quadrant : std::uint8_t { kI = 0, kII = 1, kIII = 2, kIV = 3 };

constexpr Quadrant quadrant_of(double p, double q) noexcept {
  if (p >= 0) return q >= 0 ? Quadrant::kI : Quadrant::kIV;
  return q >= 0 ? Quadrant::kII : Quadrant::kIII;
}

constexpr bool is_import(Quadrant q) noexcept { return q == Quadrant::kI || q == Quadrant::kIV; }
constexpr bool is_reactive_positive(Quadrant q) noexcept {
  return q == Quadrant::kI || q == Quadrant::kII;
}

constexpr std::string_view quadrant_name(Quadrant q) noexcept {
  switch (q) {
    case Quadrant::kI: return "I";
    case Quadrant::kII: return "II";
    case Quadrant::kIII: return "III";
    case Quadrant::kIV: return "IV";
  }
  return "I";
}

// The power factor as meters display it: |P| / S with the sign of P (negative while
// exporting); 1 when there is no apparent power. Whether it is lagging (inductive) or leading
// (capacitive) is the quadrant's business: lagging in I and III, leading in II and IV.
constexpr double signed_power_factor(double p, double s) noexcept {
  if (!(s > 0)) return 1.0;
  double pf = p / s;
  if (pf > 1.0) pf = 1.0;
  if (pf < -1.0) pf = -1.0;
  return pf;
}
constexpr bool is_lagging(Quadrant q) noexcept { return q == Quadrant::kI || q == Quadrant::kIII; }

}  // namespace emscore::metering

// emscore/metering/accumulator.hpp — whole quanta out of real-valued increments, nothing lost.
//
// A meter integrates small energy increments (a few mWh per 200 ms window) into registers
// that reach 10^8 kWh. Adding them to a double loses the low bits as the total grows (at
// 10 kA for a year a double in kWh drifts by more than the 0.001 kWh resolution; a float
// stops counting altogether). QuantaCarry instead turns each increment into whole quanta
// (e.g. µWh) and carries the fraction to the next increment: the integer sum of what take()
// returned is always within one quantum of the exact sum of the increments, however many
// there are, because the rounding only ever acts on one increment plus a carry in [0, 1).
#pragma once

#include <cmath>
#include <cstdint>

namespace emscore::metering {

class QuantaCarry {
 public:
  // Larger increments are not energy but corrupted input (1e15 µWh = 1 GWh in one window):
  // they are dropped rather than converted to an integer they do not fit.
  static constexpr double kMaxQuanta = 1e15;

  // `quanta` >= 0 (negative, NaN, infinite or > kMaxQuanta increments are ignored: the
  // caller splits signed energy into import/export streams first). Returns the whole quanta
  // to add.
  std::int64_t take(double quanta) noexcept {
    if (!(quanta > 0) || !(quanta <= kMaxQuanta)) return 0;
    const double total = quanta + carry_;
    const double whole = std::floor(total);
    carry_ = total - whole;
    if (carry_ >= 1.0) carry_ = 0.0;  // only reachable through rounding of huge inputs
    return static_cast<std::int64_t>(whole);
  }
  double carry() const noexcept { return carry_; }
  // Restores a persisted carry (clamped into [0, 1)).
  void set_carry(double c) noexcept { carry_ = (c >= 0 && c < 1.0) ? c : 0.0; }

 private:
  double carry_ = 0.0;
};

}  // namespace emscore::metering

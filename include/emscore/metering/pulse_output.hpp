// emscore/metering/pulse_output.hpp — the energy LED / pulse output.
//
// The pulse weight follows the analyser data sheet (LED, 16 Hz maximum):
//   5 A CT input, by CT ratio:           <= 7: 0.001, <= 70: 0.01, <= 700: 0.1, <= 2000: 1 kWh
//   333 mV input, by primary current I_n: <= 35 A: 0.001, <= 350: 0.01, <= 3500: 0.1, else 1 kWh
// At the largest power the inputs allow (3 phases x 277 V x 1.15 x 1.2 I_n) every row stays
// under 16 Hz (e.g. CT ratio 7: 11.1 Hz). The data sheet has direct voltage inputs only; with
// a VT (our extension) the weight is raised by decades until that bound holds again.
//
// PulseOutput turns energy quanta (µWh from EnergyRegisters::Increments) into on/off levels:
// each pulse is `on_ns` long (30 ms, the S0 minimum of EN 62053-31), pulses start at least
// 1/max_rate apart, energy that arrives faster waits (pending) and nothing is lost.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "emscore/core/value.hpp"
#include "emscore/metering/scaling.hpp"

namespace emscore::metering {

inline constexpr double kMaxLedRateHz = 16.0;
inline constexpr double kMaxPhaseVoltage = 277.0 * 1.15;  // U_n max + 15 % overload
inline constexpr double kMaxCurrentFactor = 1.2;          // I_max = 1.2 I_n

// kWh per pulse as the data sheet's table gives it (VT-adjusted, see above).
absl::StatusOr<Value> led_pulse_weight(const Scaling& scaling);
// Pulse rate at the largest power the inputs allow, for a weight in kWh per pulse.
double max_pulse_rate_hz(const Scaling& scaling, const Value& kwh_per_pulse);

class PulseOutput {
 public:
  struct Config {
    std::int64_t micro_per_pulse = 1'000'000;  // µWh per pulse (0.001 kWh)
    double max_rate_hz = kMaxLedRateHz;
    std::int64_t on_ns = 30'000'000;
  };
  // InvalidArgument unless micro_per_pulse > 0, 0 < max_rate_hz <= 1000 and the pulse fits
  // in the period (0 < on_ns < 1 / max_rate_hz).
  static absl::StatusOr<PulseOutput> create(const Config& c);
  // From a weight in kWh per pulse (led_pulse_weight()).
  static absl::StatusOr<PulseOutput> for_weight(const Value& kwh_per_pulse);

  // Adds energy (µWh, >= 0; negative is ignored).
  void add(std::int64_t micro) noexcept;
  // The output level at monotonic time now_ns (call it at least every few ms).
  bool level(std::int64_t now_ns) noexcept;

  std::int64_t emitted() const noexcept { return emitted_; }
  std::int64_t pending() const noexcept { return pending_; }
  // More than one second of pulses waiting: the weight is too small for the power.
  bool overrun() const noexcept { return pending_ > static_cast<std::int64_t>(cfg_.max_rate_hz); }

 private:
  explicit PulseOutput(const Config& c);
  Config cfg_;
  std::int64_t period_ns_ = 0;
  std::int64_t energy_ = 0;  // µWh not yet turned into a pulse
  std::int64_t pending_ = 0;
  std::int64_t emitted_ = 0;
  std::int64_t started_ = 0;
  bool on_ = false;
  bool any_ = false;
};

}  // namespace emscore::metering

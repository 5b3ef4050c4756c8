// refgateway/demo_model.hpp — the physics behind the demo's simulated meters.
//
// The demo (demo.hpp) serves meters that must look real to a person watching the gateway and
// be exactly reproducible in a test. So everything here is a function of an injected time
// and a seed, never of the wall clock or a global random generator:
//   * noise is a hash of (seed, channel, time step), smoothed where a real quantity drifts
//     slowly (mains voltage, frequency);
//   * the load follows a daily shape (night base load, morning, midday and evening peaks)
//     in the installation's time zone;
//   * each phase sums its loads as phasors (current and power factor), so that
//     P = U·I·PF, S = U·I and Q = sqrt(S² − P²) hold for every phase and for the total, and a
//     meter upstream of others (the installation's total meter) sees their currents;
//   * energy registers integrate power (trapezoid rule between two steps) and never decrease:
//     a step back in time is ignored.
#pragma once

#include <array>
#include <complex>
#include <cstdint>
#include <vector>

#include "absl/time/time.h"
#include "emscore/obis/reading.hpp"

namespace emscore::refgw {

// Deterministic noise in [-1, 1] for (seed, channel, step): the same arguments give the same
// number on every machine.
double demo_noise(std::uint64_t seed, std::uint32_t channel, std::int64_t step) noexcept;
// Noise in [-1, 1] that drifts smoothly: linear between demo_noise() values `period` apart.
double demo_smooth_noise(std::uint64_t seed, std::uint32_t channel, absl::Time t,
                         absl::Duration period) noexcept;

// The relative load of a building at local time `t` (0.25 at night .. about 1 at the
// evening peak; weekends a little higher at midday).
double daily_load_shape(absl::Time t, const absl::TimeZone& zone) noexcept;

// Currents are phasors relative to their phase voltage: real part = active component
// (I·PF), imaginary part = reactive component (−I·sin φ for an inductive load).
using Phasor = std::complex<double>;
Phasor load_phasor(double current_a, double power_factor) noexcept;

struct ElectricMeterModel {
  int phases = 3;                       // 1 (L1 only) or 3
  std::array<double, 3> peak_current_a{10, 10, 10};  // own load at shape 1.0, per phase
  double power_factor = 0.95;           // of the own load (inductive)
  double current_noise = 0.08;          // relative, per second
  double nominal_voltage = 230.0;
  double import_kwh = 0;                // registers at the start
  double export_kwh = 0;
  double import_kvarh = 0;
  double export_kvarh = 0;
  std::uint64_t seed = 1;
  std::uint32_t channel = 0;            // separates the noise of meters with the same seed
};

// One phase's instantaneous values after a step.
struct PhaseValues {
  double voltage_v = 0;
  double current_a = 0;
  double active_w = 0;     // signed: import positive
  double reactive_var = 0;
  double apparent_va = 0;
  double power_factor = 1;
};

class ElectricMeterSim {
 public:
  ElectricMeterSim(const ElectricMeterModel& model, const absl::TimeZone& zone);

  // Moves the meter to `now`: its own load from the daily shape and noise plus `extra`
  // (per-phase load of downstream meters and charging stations), then energy integrated over
  // the time since the previous step. A step to an earlier time than the previous one leaves
  // everything as it is; the first step only sets the instantaneous values.
  void step(absl::Time now, const std::array<Phasor, 3>& extra = {});

  // Every quantity the model knows as Readings at the time of the last step: per phase (L1..L3,
  // or L1 only) voltage 32/52/72.7.0, current 31/51/71.7.0, active power 21/41/61.7.0,
  // apparent power 29/49/69.7.0, reactive power 23/43/63.7.0, power factor 33/53/73.7.0; totals
  // 16.7.0 (net W), 1.7.0 / 2.7.0 (import / export W), 9.7.0 (VA), 3.7.0 (var), 13.7.0 (PF),
  // 14.7.0 (Hz), 91.7.0 (neutral current, 3-phase only), energy 1.8.0, 1.8.1 (single-rate
  // meter: tariff 1 = total), 2.8.0, 3.8.0, 4.8.0 (kWh, kvarh), 15.8.0 (import + export).
  std::vector<Reading> readings(DeviceRef device) const;

  // The current each phase draws (for the meter upstream of this one).
  const std::array<Phasor, 3>& phase_phasors() const noexcept { return phasor_; }
  const PhaseValues& phase(int index) const noexcept { return phase_[index]; }  // 0..2
  double frequency_hz() const noexcept { return frequency_; }
  double active_power_w() const noexcept;
  double import_kwh() const noexcept { return import_kwh_; }
  double export_kwh() const noexcept { return export_kwh_; }
  double neutral_current_a() const noexcept;
  absl::Time last_step() const noexcept { return last_; }
  const ElectricMeterModel& model() const noexcept { return model_; }

 private:
  ElectricMeterModel model_;
  absl::TimeZone zone_;
  absl::Time last_ = absl::InfinitePast();
  std::array<PhaseValues, 3> phase_{};
  std::array<Phasor, 3> phasor_{};
  double frequency_ = 50.0;
  double import_kwh_ = 0;
  double export_kwh_ = 0;
  double import_kvarh_ = 0;
  double export_kvarh_ = 0;
};

// A meter value from a double, truncated (not rounded) to `decimals`, so that a register that
// never decreases as a double never decreases as a Value either.
Value demo_value(double v, int decimals, Unit unit) noexcept;

}  // namespace emscore::refgw

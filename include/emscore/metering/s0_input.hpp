// emscore/metering/s0_input.hpp — S0 pulse inputs as virtual meters.
//
// An S0 output (EN 62053-31) closes a contact for >= 30 ms per unit of energy or volume. The
// virtual meter counts the closures of a digital input after debouncing and shows
//   reading = starting reading + pulses / pulses_per_unit
// as an exact Value (truncated to `decimals`), with a medium and an OBIS code so that it
// becomes a Reading like any real meter's register (e.g. a water meter with 100 pulses/m³:
// medium water, 8-0:1.0.0, m³).
//
// Debounce: a level is accepted only after it has been stable for debounce_ns; a pulse is
// counted when a closed level is accepted. update() takes the input level and the time, from
// an edge interrupt or from polling, whichever the firmware has.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "emscore/core/value.hpp"
#include "emscore/obis/medium.hpp"
#include "emscore/obis/obis_code.hpp"
#include "emscore/obis/reading.hpp"

namespace emscore::metering {

struct S0Config {
  std::uint32_t pulses_per_unit = 1000;   // 1 .. 1 000 000 (e.g. 1000 imp/kWh)
  Unit unit = Unit::kKiloWattHour;        // the unit one `pulses_per_unit` pulses make
  Value start{0, 0, Unit::kKiloWattHour}; // starting reading (same dimension as unit)
  int decimals = 3;                        // 0..9
  std::int64_t debounce_ns = 10'000'000;   // 0 .. 1 s
  obis::Medium medium = obis::Medium::kElectricity;
  obis::ObisCode code{1, 0, 1, 8, 0};      // its group A must match the medium
  DeviceRef device;
};

class S0Meter {
 public:
  static absl::StatusOr<S0Meter> create(const S0Config& c);

  // The input level (true = contact closed) at monotonic time now_ns.
  void update(bool closed, std::int64_t now_ns) noexcept;

  std::uint64_t pulses() const noexcept { return pulses_; }
  // start + pulses / pulses_per_unit in `unit`, truncated to `decimals`.
  absl::StatusOr<Value> value() const;
  absl::StatusOr<Reading> reading(absl::Time at) const;
  // Sets the reading (e.g. to the meter's index after commissioning): start = v, pulses = 0.
  absl::Status set_reading(const Value& v);
  const S0Config& config() const noexcept { return cfg_; }

 private:
  explicit S0Meter(const S0Config& c) : cfg_(c) {}
  S0Config cfg_;
  std::uint64_t pulses_ = 0;
  bool stable_ = false;
  bool candidate_ = false;
  bool has_candidate_ = false;
  std::int64_t since_ = 0;
};

}  // namespace emscore::metering

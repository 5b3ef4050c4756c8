// emscore/profile/consumption.hpp — consumption per raster interval from a counter.
//
// A cumulative register (1-0:1.8.0 in kWh, a gas volume in m^3) read on a raster gives the
// consumption of interval [b_j, b_j+1) as reading(b_j+1) - reading(b_j). What makes it hard
// is the real world, handled explicitly here and flagged per interval:
//   - counter roll-over: a register with N digits wraps to 0; with `rollover_at` set, a
//     decrease that is plausible as a wrap (the wrapped difference is below a tenth of the
//     range)
//     is counted across the wrap (flag kRollover, still measured);
//   - meter replacement: given the old meter's final and the new meter's initial reading,
//     the interval gets (old_final - before) + (after - new_initial) (flag kMeterReplaced);
//   - counter reset: any other decrease. The consumption across it is unknown, so the
//     interval has no value (flag kCounterReset) — a reset never shows up as a spike;
//   - missing readouts: intervals without both readings have no value (kMissing); the gap's
//     total is reported once in `gaps`; with `interpolate` it is spread evenly over the gap
//     (kEstimated); the first interval after a gap carries kRecoveredAfterDowntime;
//   - readings flagged estimated/substituted make the interval estimated/substituted.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "emscore/profile/raster.hpp"

namespace emscore::profile {

enum IntervalFlag : std::uint16_t {
  kMeasured = 1 << 0,
  kEstimated = 1 << 1,
  kSubstituted = 1 << 2,
  kCounterReset = 1 << 3,
  kMeterReplaced = 1 << 4,
  kRecoveredAfterDowntime = 1 << 5,
  kRollover = 1 << 6,
  kMissing = 1 << 7,
};
// "measured|rollover" style names of the set flags.
std::string interval_flags_name(std::uint16_t flags);

struct Interval {
  absl::Time start;
  absl::Time end;
  std::optional<Value> consumption;  // empty when unknown (missing, counter reset)
  std::uint16_t flags = 0;
};

struct Gap {
  absl::Time start;  // the last boundary with a readout before the gap
  absl::Time end;    // the first boundary with a readout after it
  std::optional<Value> total;  // consumption across the gap when computable
};

struct MeterReplacement {
  absl::Time at;
  Value old_final;    // last reading of the removed meter
  Value new_initial;  // first reading of the installed meter
};

struct ConsumptionOptions {
  // The value at which the register wraps to zero (e.g. 100000 kWh for 5 integer digits).
  std::optional<Value> rollover_at;
  std::vector<MeterReplacement> replacements;
  bool interpolate = false;
  absl::Duration late_after = absl::Minutes(1);
};

struct ConsumptionResult {
  std::vector<Interval> intervals;
  std::vector<Gap> gaps;
};

// Intervals of [from, to) on the raster. The counter samples must satisfy check_series().
absl::StatusOr<ConsumptionResult> consumption(std::span<const Sample> counter,
                                              const Raster& raster, absl::Time from,
                                              absl::Time to, const ConsumptionOptions& options = {});

}  // namespace emscore::profile

// emscore/profile/series.hpp — one series of samples: the unit of a load profile.
//
// A series is what one device reports for one quantity (OBIS code) over time: samples with
// an absolute timestamp, an exact decimal Value and a Quality. Everything in this module
// (raster alignment, consumption, downsampling, the codec, the store, exports) works on a
// span of samples that is strictly increasing in time and has one unit; check_series()
// gives the clear answer when that is not so.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "emscore/core/value.hpp"
#include "emscore/obis/reading.hpp"

namespace emscore::profile {

struct Sample {
  absl::Time at;
  Value value;
  Quality quality = Quality::kMeasured;

  friend bool operator==(const Sample& a, const Sample& b) noexcept {
    return a.at == b.at && a.value.identical(b.value) && a.quality == b.quality;
  }
};

// What a series measures, which decides how it is aggregated: a counter (cumulative
// register, e.g. 1-0:1.8.0 in kWh), an interval value (consumption per interval, summed
// when coarsened) or an instantaneous value (power, voltage: min/max/mean when coarsened).
enum class SeriesKind : std::uint8_t { kCounter, kInterval, kInstantaneous };

// Counter for quantity group D = 8 (time integral 1, i.e. meter readings), D = 9/29 (time
// integral / energy delta over a period) as interval, everything else instantaneous (IEC
// 62056-6-1 §7.5.3.3 processing of the value group D).
SeriesKind kind_of(const obis::ObisCode& code) noexcept;

// OK when the samples are strictly increasing in time and share one unit. Otherwise an
// InvalidArgument that names the index, both timestamps or both units:
//   "profile: sample 4 at 2024-01-01T00:15:00Z is not after sample 3 at ...: duplicate"
absl::Status check_series(std::span<const Sample> samples);

// The samples of readings of one (device, quantity), in the order given.
std::vector<Sample> samples_of(std::span<const Reading> readings);

}  // namespace emscore::profile

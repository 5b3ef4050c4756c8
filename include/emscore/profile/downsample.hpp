// emscore/profile/downsample.hpp — coarser tiers and how long each is kept.
//
// Seeds 003/004: "sampling of data (accuracy per minutes) is over time reduced, passing to
// an accuracy per hour -> per day -> per month -> per year for the oldest stored data";
// energy, water and gas are kept forever, statistics (min/max/average) as space allows.
// A Tier is a bucket size — a raster step in a time zone (15 min, 1 h, 1 d) or a calendar
// month/year in that zone — and a retention (how long data at this resolution is kept).
// Aggregation depends on what the series measures (SeriesKind):
//   interval values (consumption) -> sum;  instantaneous -> min, max, mean;
//   counters -> first and last reading in the bucket (consumption = difference of lasts).
// Every aggregate carries count, sum, min, max, first, last and mean, exact in decimal
// (mean rounded half away from zero to one decimal more than the inputs).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "emscore/profile/raster.hpp"

namespace emscore::profile {

enum class Calendar : std::uint8_t { kNone, kMonth, kYear };

struct Tier {
  std::string name;               // "15min", "hour", "day", "month", "year"
  absl::Duration step;            // raster step when calendar == kNone
  Calendar calendar = Calendar::kNone;
  absl::Duration retention = absl::InfiniteDuration();

  static Tier minutes(int m, absl::Duration keep);
  static Tier hours(int h, absl::Duration keep);
  static Tier days(int d, absl::Duration keep);
  static Tier month(absl::Duration keep = absl::InfiniteDuration());
  static Tier year(absl::Duration keep = absl::InfiniteDuration());

  // Bucket containing t and the start of the next bucket, in `tz`.
  absl::Time bucket_start(absl::Time t, const absl::TimeZone& tz) const;
  absl::Time bucket_end(absl::Time t, const absl::TimeZone& tz) const;
};

// Tier 0 is the finest. The default of the issue: 15 min for 2 years, hourly for 5 years,
// daily, monthly and yearly forever (years of 365 days for retention arithmetic).
struct RetentionPolicy {
  std::vector<Tier> tiers;
  absl::TimeZone tz = absl::UTCTimeZone();

  static RetentionPolicy standard(absl::TimeZone tz = absl::UTCTimeZone());
  // Data of tier i older than this may be dropped (once tier i+1 holds its aggregate).
  absl::Time expire_before(std::size_t tier, absl::Time now) const;
  // OK when every tier is coarser than the one before and keeps data at least as long.
  absl::Status validate() const;
};

struct Aggregate {
  absl::Time start;
  absl::Time end;
  std::uint32_t count = 0;
  Value sum, min, max, mean, first, last;
  Quality quality = Quality::kMeasured;  // the worst of its samples
  // The value a coarser tier stores for this bucket: sum (interval), last (counter), mean
  // (instantaneous).
  Value representative(SeriesKind kind) const;
};

// Buckets of `tier` over the samples (check_series() must hold); empty buckets are absent.
absl::StatusOr<std::vector<Aggregate>> downsample(std::span<const Sample> samples,
                                                  const Tier& tier, const absl::TimeZone& tz);

}  // namespace emscore::profile

// emscore/profile/raster.hpp — wall-clock readout rasters.
//
// A data logger reads its meters on a raster: with 15 minutes at .00, .15, .30, .45, with
// one hour on the full hour (seed 002, "raster readout"; intervals 15, 20, 30, 45, 60, 90,
// 120, 150 min and 3, 6, 12, 18, 24, 48, 168, 672 h). A raster is defined in civil (local
// wall-clock) time: a slot boundary is every instant whose local time is a whole multiple
// of the interval counted from Monday 1970-01-05 00:00 local. So:
//   - intervals that divide a day start at local midnight every day (.00/.15/..., 03:00 ...);
//   - 24 h starts at local midnight, 168 h on Monday midnight, 48 h / 672 h count days
//     from that Monday;
//   - 150 min and 18 h, which do not divide a day, run on as a continuous civil grid.
// Across DST: a skipped civil boundary does not exist (the slot around it is longer in
// wall time, e.g. 45 min on spring-forward), a repeated civil boundary exists twice (the
// fall-back day has 100 quarter hours); a 3 h slot that spans the fall-back is 4 h long.
//
// Readouts are matched to slots, never invented: a slot gets the first sample inside it
// (on time when within `late_after` of the boundary, late otherwise) or is missing.
// Interpolation happens only when asked and the result is flagged (Quality::kEstimated,
// SlotStatus::kInterpolated).
#pragma once

#include <array>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "emscore/profile/series.hpp"

namespace emscore::profile {

// The readout intervals of the data logger in seed 002, in minutes.
inline constexpr std::array<int, 16> kLoggerIntervalsMinutes = {
    15, 20, 30, 45, 60, 90, 120, 150, 180, 360, 720, 1080, 1440, 2880, 10080, 40320};

class Raster {
 public:
  // Any whole number of minutes from 1 minute to 672 h; InvalidArgument otherwise.
  static absl::StatusOr<Raster> create(absl::Duration interval,
                                       absl::TimeZone tz = absl::UTCTimeZone());

  absl::Duration interval() const noexcept { return absl::Seconds(interval_s_); }
  const absl::TimeZone& time_zone() const noexcept { return tz_; }
  // True for the intervals the seed's data logger offers.
  bool is_logger_interval() const noexcept;

  // The last boundary at or before t (the start of the slot containing t).
  absl::Time floor(absl::Time t) const;
  // The first boundary strictly after t (the end of the slot containing t).
  absl::Time next(absl::Time t) const;
  bool is_boundary(absl::Time t) const { return floor(t) == t; }
  // The boundaries in [from, to), at most `limit` of them (a guard against huge ranges).
  std::vector<absl::Time> boundaries(absl::Time from, absl::Time to,
                                     std::size_t limit = 10'000'000) const;

 private:
  Raster(std::int64_t interval_s, absl::TimeZone tz) : interval_s_(interval_s), tz_(tz) {}
  std::int64_t interval_s_;
  absl::TimeZone tz_;
};

enum class SlotStatus : std::uint8_t { kOnTime, kLate, kMissing, kInterpolated };
std::string_view slot_status_name(SlotStatus s) noexcept;

struct Slot {
  absl::Time start;
  absl::Time end;
  SlotStatus status = SlotStatus::kMissing;
  // The readout: the first sample in [start, end) (its own timestamp kept), or for an
  // interpolated slot the estimate at `start`. Empty when missing.
  std::optional<Sample> sample;
  // Further samples that fell into the slot and were not used.
  std::uint32_t extra = 0;
};

struct RasterOptions {
  // A readout later than this after its boundary is late (still used, but marked).
  absl::Duration late_after = absl::Minutes(1);
  // Fill missing slots by linear interpolation at the boundary between the neighbouring
  // readouts (flagged). Only meaningful for counters.
  bool interpolate = false;
};

// The slots of [from, to) (from and to are floored to boundaries) with their readouts.
// The samples must satisfy check_series().
absl::StatusOr<std::vector<Slot>> assign_to_raster(std::span<const Sample> samples,
                                                   const Raster& raster, absl::Time from,
                                                   absl::Time to, const RasterOptions& options = {});

// The value at `at` on the straight line between two samples, exact in decimal and rounded
// half away from zero to the finer of their two exponents. Quality::kEstimated.
absl::StatusOr<Sample> interpolate(const Sample& a, const Sample& b, absl::Time at);

}  // namespace emscore::profile

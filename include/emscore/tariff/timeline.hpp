// emscore/tariff/timeline.hpp — cost rules compiled into switch instants.
//
// Rules speak civil time; consumption is measured in absolute time. Instead of converting
// each interval to civil time and scanning the rules (what a naive implementation does per
// interval), a Timeline is compiled once per billing period: an ordered list of absolute
// instants at which the tariff or its price changes, each with the tariff, the rule that
// chose it and the price. Pricing an interval is then a lookup (usually of the same or the
// next segment).
//
// Correct across DST by construction: the period is cut at the zone's offset transitions;
// inside a piece the offset is constant, so civil time is a plain shift of absolute time and
// every civil breakpoint maps to exactly one instant. A rule boundary in a skipped hour
// (02:30 on a spring-forward night) therefore switches at the transition itself, and a
// boundary in a repeated hour switches on both passes through it, because the civil clock
// crosses it twice. A 23-hour day has 23 hours of segments, a 25-hour day 25.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "emscore/core/value.hpp"
#include "emscore/tariff/cost_rule.hpp"

namespace emscore::tariff {

// The instant at which civil time `cs` happens in `tz`: the unique instant; for a time in a
// DST gap (it never shows on the clock), the transition instant at which the clock jumps past
// it; for a repeated time, its first occurrence.
absl::Time civil_instant(const absl::TimeZone& tz, absl::CivilSecond cs) noexcept;

struct Segment {
  absl::Time start;  // the segment lasts until the next segment's start
  int tariff = -1;   // index into the plan's tariffs; -1 = unpriced (no rule holds, or the
                     // tariff has no price yet on that day)
  int rule = -1;     // the rule that decided, -1 if none
  Value price;       // per billing unit; zero when unpriced
  int bucket = -1;   // period bucket (see compile), -1 outside the compiled period
};

class Timeline {
 public:
  // Compiles `plan` (validated) in zone `tz` for the period from boundaries.front() to
  // boundaries.back(). The boundaries (at least two, strictly increasing, finite) also cut
  // the period into buckets: bucket k is [boundaries[k], boundaries[k+1]). A bill passes its
  // hour/day/month starts; a plain timeline passes {from, to}.
  static absl::StatusOr<Timeline> compile(const TariffPlan& plan, const absl::TimeZone& tz,
                                          std::span<const absl::Time> boundaries);

  // All segments in time order. The first starts at InfinitePast and the last at the end of
  // the period, both with bucket -1, so that every instant lies in exactly one segment.
  std::span<const Segment> segments() const noexcept { return segments_; }
  // Index of the segment that contains t (binary search).
  std::size_t index_at(absl::Time t) const noexcept;
  const Segment& at(absl::Time t) const noexcept { return segments_[index_at(t)]; }
  // End of segment i (the next one's start; InfiniteFuture for the last).
  absl::Time end_of(std::size_t i) const noexcept {
    return i + 1 < segments_.size() ? segments_[i + 1].start : absl::InfiniteFuture();
  }
  // The instants inside the period at which the tariff, rule or price changes (bucket
  // boundaries that change nothing are not switches).
  std::vector<absl::Time> switch_instants() const;

 private:
  std::vector<Segment> segments_;
};

}  // namespace emscore::tariff

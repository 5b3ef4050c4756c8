#include "emscore/profile/raster.hpp"

#include <algorithm>

#include "emscore/core/status.hpp"
#include "emscore/core/time.hpp"
#include "int128.hpp"

namespace emscore::profile {
namespace {

// Civil seconds of Monday 1970-01-05 00:00 counted like Unix seconds: the raster origin.
constexpr std::int64_t kOrigin = 4 * 86400;
// A guard against zones with absurd transition tables: a slot spans at most this many
// offset changes.
constexpr int kMaxSegments = 1000;

std::int64_t floor_mod(std::int64_t a, std::int64_t m) {
  const std::int64_t r = a % m;
  return r < 0 ? r + m : r;
}

std::int64_t offset_at(const absl::TimeZone& tz, std::int64_t unix_s) {
  return tz.At(absl::FromUnixSeconds(unix_s)).offset;
}

// The instant of a transition reported by NextTransition/PrevTransition.
std::int64_t transition_instant(const absl::TimeZone& tz,
                                const absl::TimeZone::CivilTransition& ct) {
  return absl::ToUnixSeconds(tz.At(ct.to).trans);
}

}  // namespace

absl::StatusOr<Raster> Raster::create(absl::Duration interval, absl::TimeZone tz) {
  const std::int64_t s = absl::ToInt64Seconds(interval);
  if (absl::Seconds(s) != interval || s % 60 != 0 || s < 60 || s > 672 * 3600) {
    return absl::InvalidArgumentError(
        str_cat("profile: raster interval ", absl::FormatDuration(interval),
                " is not a whole number of minutes between 1 min and 672 h"));
  }
  return Raster(s, tz);
}

bool Raster::is_logger_interval() const noexcept {
  return std::find(kLoggerIntervalsMinutes.begin(), kLoggerIntervalsMinutes.end(),
                   interval_s_ / 60) != kLoggerIntervalsMinutes.end();
}

absl::Time Raster::floor(absl::Time t) const {
  std::int64_t s = absl::ToUnixSeconds(t);  // rounds towards the past
  for (int guard = 0; guard < kMaxSegments; ++guard) {
    const std::int64_t o = offset_at(tz_, s);
    const std::int64_t u = s - floor_mod(s + o - kOrigin, interval_s_);
    absl::TimeZone::CivilTransition ct;
    // The segment of constant offset that holds s starts at the last transition <= s.
    if (!tz_.PrevTransition(absl::FromUnixSeconds(s + 1), &ct)) return absl::FromUnixSeconds(u);
    const std::int64_t seg_start = transition_instant(tz_, ct);
    if (u >= seg_start || seg_start > s) return absl::FromUnixSeconds(u);
    // No boundary in this segment at or before s: the answer lies in an earlier segment.
    s = seg_start - 1;
  }
  return absl::FromUnixSeconds(s);
}

absl::Time Raster::next(absl::Time t) const {
  std::int64_t s = absl::ToUnixSeconds(t);
  const bool fractional = absl::FromUnixSeconds(s) != t;
  for (int guard = 0; guard < kMaxSegments; ++guard) {
    const std::int64_t o = offset_at(tz_, s);
    const std::int64_t r = floor_mod(s + o - kOrigin, interval_s_);
    // The first grid point > t under this offset (s itself counts when t is past it).
    const std::int64_t u = (r == 0 && fractional && guard == 0) ? s + interval_s_
                                                               : s + (interval_s_ - r);
    absl::TimeZone::CivilTransition ct;
    if (!tz_.NextTransition(absl::FromUnixSeconds(s), &ct)) return absl::FromUnixSeconds(u);
    const std::int64_t seg_end = transition_instant(tz_, ct);
    if (seg_end <= s || u < seg_end) return absl::FromUnixSeconds(u);
    // The offset changes first: the transition instant is a boundary if its new local
    // time is on the grid; otherwise continue in the new segment.
    if (floor_mod(seg_end + offset_at(tz_, seg_end) - kOrigin, interval_s_) == 0) {
      return absl::FromUnixSeconds(seg_end);
    }
    s = seg_end;
  }
  return absl::FromUnixSeconds(s);
}

std::vector<absl::Time> Raster::boundaries(absl::Time from, absl::Time to,
                                           std::size_t limit) const {
  std::vector<absl::Time> out;
  absl::Time b = floor(from);
  if (b < from) b = next(b);
  while (b < to && out.size() < limit) {
    out.push_back(b);
    b = next(b);
  }
  return out;
}

std::string_view slot_status_name(SlotStatus s) noexcept {
  switch (s) {
    case SlotStatus::kOnTime: return "on_time";
    case SlotStatus::kLate: return "late";
    case SlotStatus::kMissing: return "missing";
    case SlotStatus::kInterpolated: return "interpolated";
  }
  return "missing";
}

absl::StatusOr<Sample> interpolate(const Sample& a, const Sample& b, absl::Time at) {
  if (!(a.at < b.at)) {
    return absl::InvalidArgumentError("profile: interpolation needs two samples in time order");
  }
  if (!same_dimension(a.value.unit, b.value.unit)) {
    return absl::InvalidArgumentError("profile: interpolation between different dimensions");
  }
  EMSCORE_ASSIGN_OR_RETURN(Value bv, b.value.converted(a.value.unit));
  const int e = std::min<int>(a.value.exponent, bv.exponent);
  EMSCORE_ASSIGN_OR_RETURN(Value av, a.value.rescaled(e));
  EMSCORE_ASSIGN_OR_RETURN(bv, bv.rescaled(e));
  // v = a + (b - a) * (at - ta) / (tb - ta), in 128-bit integers, rounded half away from 0.
  const detail::I128 num = static_cast<detail::I128>(bv.mantissa - av.mantissa) *
                       absl::ToInt64Milliseconds(at - a.at);
  const detail::I128 den = absl::ToInt64Milliseconds(b.at - a.at);
  detail::I128 q = num / den;
  const detail::I128 rem = num % den;
  if (2 * (rem < 0 ? -rem : rem) >= den) q += (num < 0 ? -1 : 1);
  const detail::I128 m = static_cast<detail::I128>(av.mantissa) + q;
  if (m > INT64_MAX || m < INT64_MIN) return absl::OutOfRangeError("profile: interpolation overflow");
  return Sample{at, Value(static_cast<std::int64_t>(m), e, a.value.unit), Quality::kEstimated};
}

absl::StatusOr<std::vector<Slot>> assign_to_raster(std::span<const Sample> samples,
                                                   const Raster& raster, absl::Time from,
                                                   absl::Time to, const RasterOptions& options) {
  EMSCORE_RETURN_IF_ERROR(check_series(samples));
  std::vector<Slot> slots;
  absl::Time b = raster.floor(from);
  std::size_t i = 0;
  while (i < samples.size() && samples[i].at < b) ++i;
  while (b < to) {
    Slot slot;
    slot.start = b;
    slot.end = raster.next(b);
    if (i < samples.size() && samples[i].at < slot.end) {
      slot.sample = samples[i];
      slot.status = samples[i].at - b <= options.late_after ? SlotStatus::kOnTime
                                                            : SlotStatus::kLate;
      ++i;
      while (i < samples.size() && samples[i].at < slot.end) {
        ++slot.extra;
        ++i;
      }
    } else if (options.interpolate && i > 0 && i < samples.size()) {
      // Neighbours: the last sample before the slot and the first one after it.
      EMSCORE_ASSIGN_OR_RETURN(Sample est, interpolate(samples[i - 1], samples[i], b));
      slot.sample = est;
      slot.status = SlotStatus::kInterpolated;
    }
    slots.push_back(std::move(slot));
    b = slots.back().end;
  }
  return slots;
}

}  // namespace emscore::profile

#include "emscore/profile/consumption.hpp"

#include "emscore/core/status.hpp"
#include "int128.hpp"

namespace emscore::profile {
namespace {

struct Diff {
  std::optional<Value> value;
  std::uint16_t flags = 0;
};

std::uint16_t quality_flags(const Sample& a, const Sample& b) {
  std::uint16_t f = 0;
  for (const Sample* s : {&a, &b}) {
    if (s->quality == Quality::kEstimated) f |= kEstimated;
    if (s->quality == Quality::kSubstituted) f |= kSubstituted;
  }
  return f == 0 ? static_cast<std::uint16_t>(kMeasured) : f;
}

bool negative(const Value& v) { return v.mantissa < 0; }

// Consumption between two counter readings, with replacements and roll-over.
absl::StatusOr<Diff> difference(const Sample& a, const Sample& b, const ConsumptionOptions& o) {
  Diff d;
  d.flags = quality_flags(a, b);
  Value before = a.value;
  Value total(0, a.value.exponent, a.value.unit);
  for (const MeterReplacement& r : o.replacements) {
    if (r.at <= a.at || r.at > b.at) continue;
    EMSCORE_ASSIGN_OR_RETURN(Value old_part, r.old_final.minus(before));
    EMSCORE_ASSIGN_OR_RETURN(total, total.plus(old_part));
    before = r.new_initial;
    d.flags |= kMeterReplaced;
  }
  EMSCORE_ASSIGN_OR_RETURN(Value last_part, b.value.minus(before));
  if (negative(last_part) && o.rollover_at) {
    EMSCORE_ASSIGN_OR_RETURN(Value wrapped, last_part.plus(*o.rollover_at));
    // Plausible as a wrap only when the wrapped difference is below a tenth of the range
    // (the register was near its end): 50000.3 -> 0.012 on a 100000 register is a reset.
    EMSCORE_ASSIGN_OR_RETURN(Value tenfold, wrapped.scaled(10, 0));
    if (!negative(wrapped) && compare(tenfold, *o.rollover_at) == std::partial_ordering::less) {
      last_part = wrapped;
      d.flags |= kRollover;
    }
  }
  if (negative(last_part)) {
    d.flags = static_cast<std::uint16_t>((d.flags & ~kMeasured) | kCounterReset);
    return d;
  }
  EMSCORE_ASSIGN_OR_RETURN(total, total.plus(last_part));
  d.value = total;
  return d;
}

// total / parts as `parts` exact decimals that add up to total (the remainder is given one
// unit of the last digit at a time to the first intervals).
std::vector<Value> split_evenly(const Value& total, std::size_t parts) {
  std::vector<Value> out;
  const std::int64_t n = static_cast<std::int64_t>(parts);
  const std::int64_t q = total.mantissa / n;
  std::int64_t r = total.mantissa % n;
  for (std::size_t i = 0; i < parts; ++i) {
    std::int64_t m = q;
    if (r > 0) {
      ++m;
      --r;
    }
    out.emplace_back(m, total.exponent, total.unit);
  }
  return out;
}

}  // namespace

std::string interval_flags_name(std::uint16_t flags) {
  static constexpr std::pair<std::uint16_t, const char*> kNames[] = {
      {kMeasured, "measured"},         {kEstimated, "estimated"},
      {kSubstituted, "substituted"},   {kCounterReset, "counter_reset"},
      {kMeterReplaced, "meter_replaced"}, {kRecoveredAfterDowntime, "recovered_after_downtime"},
      {kRollover, "rollover"},         {kMissing, "missing"}};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if ((flags & bit) == 0) continue;
    if (!out.empty()) out += '|';
    out += name;
  }
  return out;
}

absl::StatusOr<ConsumptionResult> consumption(std::span<const Sample> counter,
                                              const Raster& raster, absl::Time from,
                                              absl::Time to, const ConsumptionOptions& options) {
  RasterOptions ro;
  ro.late_after = options.late_after;
  // One slot more than asked: the reading that closes the last interval.
  const absl::Time first = raster.floor(from);
  absl::Time last = raster.floor(to);
  if (last < to) last = raster.next(last);
  EMSCORE_ASSIGN_OR_RETURN(std::vector<Slot> slots,
                           assign_to_raster(counter, raster, first, raster.next(last), ro));
  ConsumptionResult res;
  const std::size_t n = slots.size() - 1;
  res.intervals.resize(n);
  for (std::size_t j = 0; j < n; ++j) {
    res.intervals[j].start = slots[j].start;
    res.intervals[j].end = slots[j + 1].start;
  }
  std::optional<std::size_t> prev;  // last slot index with a readout
  for (std::size_t j = 0; j <= n; ++j) {
    if (!slots[j].sample) continue;
    if (prev) {
      const std::size_t p = *prev;
      EMSCORE_ASSIGN_OR_RETURN(Diff d, difference(*slots[p].sample, *slots[j].sample, options));
      if (j == p + 1) {
        res.intervals[p].consumption = d.value;
        res.intervals[p].flags = static_cast<std::uint16_t>(res.intervals[p].flags | d.flags);
      } else {
        res.gaps.push_back(Gap{slots[p].start, slots[j].start, d.value});
        const std::size_t parts = j - p;
        if (options.interpolate && d.value) {
          const auto shares = split_evenly(*d.value, parts);
          for (std::size_t k = 0; k < parts; ++k) {
            Interval& iv = res.intervals[p + k];
            iv.consumption = shares[k];
            iv.flags = static_cast<std::uint16_t>(((d.flags & ~kMeasured) | kEstimated));
          }
        } else {
          for (std::size_t k = 0; k < parts; ++k) {
            res.intervals[p + k].flags = static_cast<std::uint16_t>(
                kMissing | (d.flags & (kCounterReset | kMeterReplaced | kRollover)));
          }
        }
        if (j < n) res.intervals[j].flags |= kRecoveredAfterDowntime;
      }
    } else {
      for (std::size_t k = 0; k < j && k < n; ++k) res.intervals[k].flags |= kMissing;
    }
    prev = j;
  }
  if (!prev) {
    for (Interval& iv : res.intervals) iv.flags |= kMissing;
  } else {
    for (std::size_t k = *prev; k < n; ++k) res.intervals[k].flags |= kMissing;
  }
  return res;
}

}  // namespace emscore::profile

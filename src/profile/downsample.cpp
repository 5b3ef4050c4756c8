#include "emscore/profile/downsample.hpp"

#include <algorithm>

#include "emscore/core/status.hpp"
#include "int128.hpp"

namespace emscore::profile {
namespace {

Quality worse(Quality a, Quality b) {
  // Measured < estimated < substituted < questionable < invalid in trust order.
  return static_cast<std::uint8_t>(a) >= static_cast<std::uint8_t>(b) ? a : b;
}

}  // namespace

Tier Tier::minutes(int m, absl::Duration keep) {
  return Tier{std::to_string(m) + "min", absl::Minutes(m), Calendar::kNone, keep};
}
Tier Tier::hours(int h, absl::Duration keep) {
  return Tier{h == 1 ? "hour" : std::to_string(h) + "h", absl::Hours(h), Calendar::kNone, keep};
}
Tier Tier::days(int d, absl::Duration keep) {
  return Tier{d == 1 ? "day" : std::to_string(d) + "d", absl::Hours(24 * d), Calendar::kNone, keep};
}
Tier Tier::month(absl::Duration keep) { return Tier{"month", absl::ZeroDuration(), Calendar::kMonth, keep}; }
Tier Tier::year(absl::Duration keep) { return Tier{"year", absl::ZeroDuration(), Calendar::kYear, keep}; }

absl::Time Tier::bucket_start(absl::Time t, const absl::TimeZone& tz) const {
  switch (calendar) {
    case Calendar::kMonth: return absl::FromCivil(absl::CivilMonth(absl::ToCivilSecond(t, tz)), tz);
    case Calendar::kYear: return absl::FromCivil(absl::CivilYear(absl::ToCivilSecond(t, tz)), tz);
    case Calendar::kNone: break;
  }
  auto r = Raster::create(step, tz);
  return r.ok() ? r->floor(t) : t;
}

absl::Time Tier::bucket_end(absl::Time t, const absl::TimeZone& tz) const {
  switch (calendar) {
    case Calendar::kMonth:
      return absl::FromCivil(absl::CivilMonth(absl::ToCivilSecond(t, tz)) + 1, tz);
    case Calendar::kYear:
      return absl::FromCivil(absl::CivilYear(absl::ToCivilSecond(t, tz)) + 1, tz);
    case Calendar::kNone: break;
  }
  auto r = Raster::create(step, tz);
  return r.ok() ? r->next(t) : t + step;
}

RetentionPolicy RetentionPolicy::standard(absl::TimeZone tz) {
  const absl::Duration year = absl::Hours(24 * 365);
  return RetentionPolicy{{Tier::minutes(15, 2 * year), Tier::hours(1, 5 * year),
                          Tier::days(1, absl::InfiniteDuration()), Tier::month(), Tier::year()},
                         tz};
}

absl::Time RetentionPolicy::expire_before(std::size_t tier, absl::Time now) const {
  if (tier >= tiers.size() || tiers[tier].retention == absl::InfiniteDuration()) {
    return absl::InfinitePast();
  }
  return now - tiers[tier].retention;
}

absl::Status RetentionPolicy::validate() const {
  auto approx = [](const Tier& t) {
    if (t.calendar == Calendar::kMonth) return absl::Hours(24 * 28);
    if (t.calendar == Calendar::kYear) return absl::Hours(24 * 365);
    return t.step;
  };
  for (std::size_t i = 0; i < tiers.size(); ++i) {
    if (tiers[i].calendar == Calendar::kNone && !Raster::create(tiers[i].step, tz).ok()) {
      return absl::InvalidArgumentError(str_cat("profile: tier ", i, " (", tiers[i].name,
                                                "): step is not a raster interval"));
    }
    if (i == 0) continue;
    if (approx(tiers[i]) <= approx(tiers[i - 1])) {
      return absl::InvalidArgumentError(str_cat("profile: tier ", i, " (", tiers[i].name,
                                                ") is not coarser than tier ", i - 1));
    }
    if (tiers[i].retention < tiers[i - 1].retention) {
      return absl::InvalidArgumentError(str_cat("profile: tier ", i, " (", tiers[i].name,
                                                ") keeps data for less time than tier ", i - 1));
    }
  }
  return absl::OkStatus();
}

Value Aggregate::representative(SeriesKind kind) const {
  switch (kind) {
    case SeriesKind::kInterval: return sum;
    case SeriesKind::kCounter: return last;
    case SeriesKind::kInstantaneous: return mean;
  }
  return mean;
}

absl::StatusOr<std::vector<Aggregate>> downsample(std::span<const Sample> samples,
                                                  const Tier& tier, const absl::TimeZone& tz) {
  EMSCORE_RETURN_IF_ERROR(check_series(samples));
  if (tier.calendar == Calendar::kNone) {
    EMSCORE_RETURN_IF_ERROR(Raster::create(tier.step, tz).status());
  }
  std::vector<Aggregate> out;
  std::size_t i = 0;
  while (i < samples.size()) {
    Aggregate a;
    a.start = tier.bucket_start(samples[i].at, tz);
    a.end = tier.bucket_end(samples[i].at, tz);
    int e = samples[i].value.exponent;
    std::size_t j = i;
    for (; j < samples.size() && samples[j].at < a.end; ++j) e = std::min<int>(e, samples[j].value.exponent);
    a.first = samples[i].value;
    a.last = samples[j - 1].value;
    a.min = a.max = samples[i].value;
    a.sum = Value(0, e, samples[i].value.unit);
    a.quality = samples[i].quality;
    for (std::size_t k = i; k < j; ++k) {
      const Value& v = samples[k].value;
      EMSCORE_ASSIGN_OR_RETURN(a.sum, a.sum.plus(v));
      if (compare(v, a.min) == std::partial_ordering::less) a.min = v;
      if (compare(v, a.max) == std::partial_ordering::greater) a.max = v;
      a.quality = worse(a.quality, samples[k].quality);
    }
    a.count = static_cast<std::uint32_t>(j - i);
    // mean = sum / count with one more decimal, rounded half away from zero.
    const detail::I128 num = static_cast<detail::I128>(a.sum.mantissa) * 10;
    const detail::I128 den = a.count;
    detail::I128 q = num / den;
    const detail::I128 rem = num % den;
    if (2 * (rem < 0 ? -rem : rem) >= den) q += num < 0 ? -1 : 1;
    a.mean = Value(static_cast<std::int64_t>(q), a.sum.exponent - 1, a.sum.unit);
    out.push_back(a);
    i = j;
  }
  return out;
}

}  // namespace emscore::profile

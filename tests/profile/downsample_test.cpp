#include "emscore/profile/downsample.hpp"

#include <gtest/gtest.h>

#include "emscore/core/time.hpp"
#include "vectors.hpp"

namespace emscore::profile {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1704067200);  // 2024-01-01T00:00:00Z

TEST(Downsample, HourlySumsOfQuarterHourConsumption) {
  std::vector<Sample> s;
  for (int i = 0; i < 8; ++i) s.push_back({kT0 + absl::Minutes(15 * i), Value(100 + i, -3, Unit::kKiloWattHour)});
  auto a = downsample(s, Tier::hours(1, absl::InfiniteDuration()), absl::UTCTimeZone());
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[0].sum.to_string(), "0.406");
  EXPECT_EQ((*a)[1].sum.to_string(), "0.422");
  EXPECT_EQ((*a)[0].count, 4u);
  EXPECT_EQ((*a)[0].representative(SeriesKind::kInterval).to_string(), "0.406");
  EXPECT_EQ((*a)[1].start, kT0 + absl::Hours(1));
  EXPECT_EQ((*a)[1].end, kT0 + absl::Hours(2));
}

TEST(Downsample, MinMaxMeanOfInstantaneousRealVoltage) {
  const auto v = testing::uci(3);
  ASSERT_GT(v.size(), 2800u);
  auto a = downsample(v, Tier::hours(1, absl::InfiniteDuration()), absl::UTCTimeZone());
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->size(), 48u);
  for (const auto& h : *a) {
    EXPECT_LE(h.min.to_double(), h.mean.to_double());
    EXPECT_LE(h.mean.to_double(), h.max.to_double());
    EXPECT_EQ(h.count, 60u);
  }
  // The first hour of 2007-01-01, computed independently.
  double sum = 0, mn = 1e9, mx = 0;
  for (int i = 0; i < 60; ++i) {
    sum += v[static_cast<std::size_t>(i)].value.to_double();
    mn = std::min(mn, v[static_cast<std::size_t>(i)].value.to_double());
    mx = std::max(mx, v[static_cast<std::size_t>(i)].value.to_double());
  }
  EXPECT_NEAR((*a)[0].mean.to_double(), sum / 60, 0.0005);
  EXPECT_DOUBLE_EQ((*a)[0].min.to_double(), mn);
  EXPECT_DOUBLE_EQ((*a)[0].max.to_double(), mx);
  EXPECT_EQ((*a)[0].mean.unit, Unit::kVolt);
}

TEST(Downsample, CalendarTiersFollowTheLocalCalendar) {
  auto zurich = load_time_zone("Europe/Zurich");
  ASSERT_TRUE(zurich.ok());
  // Daily counter readings over two months in Zurich.
  std::vector<Sample> s;
  const absl::Time start = absl::FromCivil(absl::CivilDay(2024, 3, 1), *zurich);
  for (int d = 0; d < 61; ++d) {
    s.push_back({absl::FromCivil(absl::CivilDay(2024, 3, 1) + d, *zurich),
                 Value(1000 + 10 * d, 0, Unit::kKiloWattHour)});
  }
  auto months = downsample(s, Tier::month(), *zurich);
  ASSERT_TRUE(months.ok());
  ASSERT_EQ(months->size(), 2u);
  EXPECT_EQ((*months)[0].start, start);
  EXPECT_EQ((*months)[0].count, 31u);
  EXPECT_EQ((*months)[0].first.to_string(), "1000");
  EXPECT_EQ((*months)[0].last.to_string(), "1300");
  EXPECT_EQ((*months)[0].representative(SeriesKind::kCounter).to_string(), "1300");
  // March 2024 in Zurich has 31 days minus the DST hour.
  EXPECT_EQ((*months)[0].end - (*months)[0].start, absl::Hours(31 * 24 - 1));
  auto years = downsample(s, Tier::year(), *zurich);
  ASSERT_EQ(years->size(), 1u);
  EXPECT_EQ(format_iso8601((*years)[0].start, *zurich), "2024-01-01T00:00:00+01:00");
  // Days follow local midnight (the spring-forward day is 23 h).
  auto days = downsample(s, Tier::days(1, absl::InfiniteDuration()), *zurich);
  ASSERT_EQ(days->size(), 61u);
  EXPECT_EQ((*days)[30].end - (*days)[30].start, absl::Hours(23));
}

TEST(Downsample, QualityIsTheWorstOfTheBucket) {
  std::vector<Sample> s = {{kT0, Value(1, 0, Unit::kWatt)},
                           {kT0 + absl::Minutes(1), Value(3, 0, Unit::kWatt), Quality::kSubstituted},
                           {kT0 + absl::Minutes(2), Value(2, 0, Unit::kWatt), Quality::kEstimated}};
  auto a = downsample(s, Tier::minutes(15, absl::Hours(1)), absl::UTCTimeZone());
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)[0].quality, Quality::kSubstituted);
  EXPECT_EQ((*a)[0].mean.to_string(), "2.0");
}

TEST(Retention, StandardPolicyAndValidation) {
  const auto p = RetentionPolicy::standard();
  ASSERT_TRUE(p.validate().ok());
  ASSERT_EQ(p.tiers.size(), 5u);
  EXPECT_EQ(p.tiers[0].name, "15min");
  EXPECT_EQ(p.expire_before(0, kT0), kT0 - absl::Hours(2 * 365 * 24));
  EXPECT_EQ(p.expire_before(1, kT0), kT0 - absl::Hours(5 * 365 * 24));
  EXPECT_EQ(p.expire_before(2, kT0), absl::InfinitePast());
  RetentionPolicy bad = p;
  std::swap(bad.tiers[0], bad.tiers[1]);
  EXPECT_EQ(bad.validate().message(), "profile: tier 1 (15min) is not coarser than tier 0");
  RetentionPolicy shorter{{Tier::minutes(15, absl::Hours(100)), Tier::hours(1, absl::Hours(10))}};
  EXPECT_FALSE(shorter.validate().ok());
}

}  // namespace
}  // namespace emscore::profile

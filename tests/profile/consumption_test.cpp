#include "emscore/profile/consumption.hpp"

#include <gtest/gtest.h>

#include "vectors.hpp"

namespace emscore::profile {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1704067200);  // 2024-01-01T00:00:00Z
Value kwh(std::int64_t m) { return Value(m, -3, Unit::kKiloWattHour); }
Sample at(int minutes, std::int64_t m, Quality q = Quality::kMeasured) {
  return Sample{kT0 + absl::Minutes(minutes), kwh(m), q};
}

TEST(Consumption, DifferencesOfAQuarterHourCounter) {
  auto r = Raster::create(absl::Minutes(15));
  std::vector<Sample> s = {at(0, 1000), at(15, 1250), at(30, 1300), at(45, 1800), at(60, 1800)};
  auto c = consumption(s, *r, kT0, kT0 + absl::Hours(1));
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->intervals.size(), 4u);
  const std::int64_t want[] = {250, 50, 500, 0};
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(c->intervals[i].consumption.has_value());
    EXPECT_TRUE(c->intervals[i].consumption->identical(kwh(want[i])));
    EXPECT_EQ(c->intervals[i].flags, kMeasured);
  }
  EXPECT_TRUE(c->gaps.empty());
}

TEST(Consumption, RolloverIsCountedAcrossTheWrap) {
  auto r = Raster::create(absl::Minutes(15));
  // A 5-digit kWh register: 99999.900 -> 00000.150 is 0.250 kWh.
  std::vector<Sample> s = {at(0, 99'999'900), at(15, 150), at(30, 400)};
  ConsumptionOptions o;
  o.rollover_at = Value(100000, 0, Unit::kKiloWattHour);
  auto c = consumption(s, *r, kT0, kT0 + absl::Minutes(30), o);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->intervals[0].consumption->to_string(), "0.250");
  EXPECT_EQ(c->intervals[0].flags, kMeasured | kRollover);
  EXPECT_EQ(interval_flags_name(c->intervals[0].flags), "measured|rollover");
  EXPECT_EQ(c->intervals[1].consumption->to_string(), "0.250");
}

TEST(Consumption, CounterResetNeverShowsAsASpike) {
  auto r = Raster::create(absl::Minutes(15));
  std::vector<Sample> s = {at(0, 50'000'000), at(15, 50'000'300), at(30, 12), at(45, 40)};
  ConsumptionOptions o;
  o.rollover_at = Value(100000, 0, Unit::kKiloWattHour);  // a wrap would be 49999.71 kWh: no
  for (const ConsumptionOptions& opt : {ConsumptionOptions{}, o}) {
    auto c = consumption(s, *r, kT0, kT0 + absl::Minutes(45), opt);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->intervals[0].consumption->to_string(), "0.300");
    EXPECT_FALSE(c->intervals[1].consumption.has_value());
    EXPECT_TRUE(c->intervals[1].flags & kCounterReset);
    EXPECT_FALSE(c->intervals[1].flags & kMeasured);
    EXPECT_EQ(c->intervals[2].consumption->to_string(), "0.028");
    for (const auto& iv : c->intervals) {
      if (iv.consumption) {
        EXPECT_LT(iv.consumption->to_double(), 1.0);
      }
    }
  }
}

TEST(Consumption, MeterReplacementUsesBothMetersReadings) {
  auto r = Raster::create(absl::Minutes(15));
  // Old meter at 1500.000 removed at 00:20 reading 1500.100; new one starts at 0.000.
  std::vector<Sample> s = {at(0, 1'500'000), at(15, 1'500'080), at(30, 70), at(45, 200)};
  ConsumptionOptions o;
  o.replacements.push_back({kT0 + absl::Minutes(20), kwh(1'500'100), kwh(0)});
  auto c = consumption(s, *r, kT0, kT0 + absl::Minutes(45), o);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->intervals[1].consumption->to_string(), "0.090");  // 0.020 + 0.070
  EXPECT_EQ(c->intervals[1].flags, kMeasured | kMeterReplaced);
  EXPECT_EQ(c->intervals[2].consumption->to_string(), "0.130");
}

TEST(Consumption, GapsAreMissingUnlessInterpolationIsAsked) {
  auto r = Raster::create(absl::Minutes(15));
  std::vector<Sample> s = {at(0, 1000), at(15, 1100), at(60, 1401), at(75, 1500),
                           at(90, 1600, Quality::kSubstituted)};
  auto c = consumption(s, *r, kT0, kT0 + absl::Minutes(90));
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->intervals.size(), 6u);
  for (int i : {1, 2, 3}) {
    EXPECT_FALSE(c->intervals[i].consumption.has_value());
    EXPECT_EQ(c->intervals[i].flags, kMissing);
  }
  ASSERT_EQ(c->gaps.size(), 1u);
  EXPECT_EQ(c->gaps[0].start, kT0 + absl::Minutes(15));
  EXPECT_EQ(c->gaps[0].end, kT0 + absl::Minutes(60));
  EXPECT_EQ(c->gaps[0].total->to_string(), "0.301");
  EXPECT_EQ(c->intervals[4].flags, kMeasured | kRecoveredAfterDowntime);
  EXPECT_EQ(c->intervals[5].flags, kSubstituted);

  ConsumptionOptions o;
  o.interpolate = true;
  auto e = consumption(s, *r, kT0, kT0 + absl::Minutes(90), o);
  ASSERT_TRUE(e.ok());
  // 0.301 over three intervals: 0.101 + 0.100 + 0.100, flagged estimated, sum exact.
  EXPECT_EQ(e->intervals[1].consumption->to_string(), "0.101");
  EXPECT_EQ(e->intervals[2].consumption->to_string(), "0.100");
  EXPECT_EQ(e->intervals[3].consumption->to_string(), "0.100");
  EXPECT_EQ(e->intervals[2].flags, kEstimated);
  // Before the first and after the last readout nothing is known.
  auto wide = consumption(s, *r, kT0 - absl::Minutes(30), kT0 + absl::Hours(2));
  ASSERT_TRUE(wide.ok());
  EXPECT_EQ(wide->intervals.front().flags, kMissing);
  EXPECT_EQ(wide->intervals.back().flags, kMissing);
}

TEST(Consumption, RealOpsdRegisterHourly) {
  const auto s = testing::opsd_grid_import();
  ASSERT_EQ(s.size(), 2000u);
  auto r = Raster::create(absl::Hours(1));
  auto c = consumption(s, *r, s.front().at, s.back().at);
  ASSERT_TRUE(c.ok()) << c.status();
  // Every known interval is non-negative, and known intervals plus gap totals add up to the
  // register's difference: nothing lost, nothing invented.
  Value total(0, -3, Unit::kKiloWattHour);
  std::size_t known = 0;
  for (const auto& iv : c->intervals) {
    if (!iv.consumption) continue;
    ++known;
    EXPECT_GE(iv.consumption->mantissa, 0);
    total = *total.plus(*iv.consumption);
  }
  for (const auto& g : c->gaps) total = *total.plus(*g.total);
  EXPECT_TRUE(total == *s.back().value.minus(s.front().value)) << total.to_string();
  EXPECT_EQ(known + 0, s.size() - 1 - c->gaps.size());
  EXPECT_FALSE(c->gaps.empty());  // the re-export has holes
}

}  // namespace
}  // namespace emscore::profile

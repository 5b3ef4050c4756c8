#include "emscore/profile/raster.hpp"

#include <gtest/gtest.h>

#include "emscore/core/strings.hpp"
#include "emscore/core/time.hpp"

namespace emscore::profile {
namespace {

absl::Time utc(int y, int mo, int d, int h, int mi, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone());
}
absl::TimeZone zurich() { return *load_time_zone("Europe/Zurich"); }
absl::Time local(int y, int mo, int d, int h, int mi) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), zurich());
}

TEST(Raster, QuarterHoursStartAtWholeQuarters) {
  auto r = Raster::create(absl::Minutes(15));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->floor(utc(2024, 5, 1, 10, 7, 31)), utc(2024, 5, 1, 10, 0));
  EXPECT_EQ(r->next(utc(2024, 5, 1, 10, 7, 31)), utc(2024, 5, 1, 10, 15));
  EXPECT_EQ(r->next(utc(2024, 5, 1, 10, 15)), utc(2024, 5, 1, 10, 30));
  EXPECT_EQ(r->floor(utc(2024, 5, 1, 10, 45)), utc(2024, 5, 1, 10, 45));
  EXPECT_EQ(r->next(utc(2024, 5, 1, 10, 45) - absl::Milliseconds(1)), utc(2024, 5, 1, 10, 45));
  EXPECT_EQ(r->next(utc(2024, 5, 1, 10, 45) + absl::Milliseconds(1)), utc(2024, 5, 1, 11, 0));
  EXPECT_TRUE(r->is_logger_interval());
}

TEST(Raster, HourlyRasterInZurichIsOnTheLocalFullHour) {
  auto r = Raster::create(absl::Hours(1), zurich());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->floor(local(2024, 7, 1, 13, 59)), local(2024, 7, 1, 13, 0));
  // India is UTC+05:30: its full hours are at :30 UTC.
  auto kolkata = load_time_zone("Asia/Kolkata");
  ASSERT_TRUE(kolkata.ok());
  auto rk = Raster::create(absl::Hours(1), *kolkata);
  EXPECT_EQ(rk->floor(utc(2024, 7, 1, 10, 10)), utc(2024, 7, 1, 9, 30));
}

TEST(Raster, EveryLoggerIntervalIsAlignedAndRegularWithoutDst) {
  const absl::Time t0 = utc(2024, 1, 3, 0, 0);  // a Wednesday
  for (int minutes : kLoggerIntervalsMinutes) {
    SCOPED_TRACE(minutes);
    auto r = Raster::create(absl::Minutes(minutes));
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->is_logger_interval());
    for (int k = 0; k < 50; ++k) {
      const absl::Time t = t0 + absl::Seconds(k * 7919 * 13);
      const absl::Time f = r->floor(t);
      EXPECT_LE(f, t);
      EXPECT_EQ(r->next(f) - f, absl::Minutes(minutes));
      EXPECT_GT(r->next(t), t);
      EXPECT_EQ(r->next(t), r->next(f));
      EXPECT_TRUE(r->is_boundary(f));
      // Civil alignment: minutes since Monday 1970-01-05 00:00 are a multiple.
      const std::int64_t since = absl::ToInt64Minutes(f - utc(1970, 1, 5, 0, 0));
      EXPECT_EQ(since % minutes, 0);
    }
    if (1440 % minutes == 0) {
      // Intervals that divide a day start at midnight.
      EXPECT_TRUE(r->is_boundary(utc(2024, 3, 7, 0, 0)));
      EXPECT_EQ(r->boundaries(utc(2024, 3, 7, 0, 0), utc(2024, 3, 8, 0, 0)).size(),
                static_cast<std::size_t>(1440 / minutes));
    }
  }
  // 168 h starts on Monday midnight, 672 h every fourth Monday.
  auto week = Raster::create(absl::Hours(168));
  EXPECT_EQ(week->floor(utc(2024, 1, 3, 12, 0)), utc(2024, 1, 1, 0, 0));
  auto four_weeks = Raster::create(absl::Hours(672));
  EXPECT_EQ(absl::GetWeekday(absl::ToCivilDay(four_weeks->floor(utc(2024, 1, 3, 12, 0)),
                                              absl::UTCTimeZone())),
            absl::Weekday::monday);
}

TEST(Raster, RejectsIntervalsThatAreNotWholeMinutes) {
  EXPECT_FALSE(Raster::create(absl::Seconds(90)).ok());
  EXPECT_FALSE(Raster::create(absl::ZeroDuration()).ok());
  EXPECT_FALSE(Raster::create(absl::Hours(673)).ok());
  auto r = Raster::create(absl::Minutes(10));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->is_logger_interval());
  EXPECT_EQ(Raster::create(absl::Seconds(90)).status().message(),
            "profile: raster interval 1m30s is not a whole number of minutes between 1 min and "
            "672 h");
}

TEST(Raster, FallBackDayHasOneHundredQuarterHoursInZurich) {
  auto r = Raster::create(absl::Minutes(15), zurich());
  const auto fall = r->boundaries(local(2024, 10, 27, 0, 0), local(2024, 10, 28, 0, 0));
  EXPECT_EQ(fall.size(), 100u);
  const auto spring_day = r->boundaries(local(2024, 3, 31, 0, 0), local(2024, 4, 1, 0, 0));
  EXPECT_EQ(spring_day.size(), 92u);
  for (std::size_t i = 1; i < fall.size(); ++i) EXPECT_EQ(fall[i] - fall[i - 1], absl::Minutes(15));
}

TEST(Raster, ThreeHourSlotAcrossFallBackIsFourHoursLong) {
  auto r = Raster::create(absl::Hours(3), zurich());
  const absl::Time midnight = local(2024, 10, 27, 0, 0);
  EXPECT_EQ(r->next(midnight) - midnight, absl::Hours(4));
  EXPECT_EQ(r->next(midnight), local(2024, 10, 27, 3, 0));
  // Spring forward: 00:00 -> 03:00 local is two hours.
  const absl::Time spring = local(2024, 3, 31, 0, 0);
  EXPECT_EQ(r->next(spring) - spring, absl::Hours(2));
  // The day raster follows local midnight: 23 h and 25 h days.
  auto day = Raster::create(absl::Hours(24), zurich());
  EXPECT_EQ(day->next(spring) - spring, absl::Hours(23));
  EXPECT_EQ(day->next(midnight) - midnight, absl::Hours(25));
  EXPECT_EQ(day->floor(local(2024, 10, 27, 23, 59)), midnight);
}

TEST(Raster, FortyFiveMinutesSkipTheMissingCivilBoundary) {
  auto r = Raster::create(absl::Minutes(45), zurich());
  // Civil 02:15 does not exist on 2024-03-31: the 01:30 slot runs to 03:00 CEST (45 min).
  const absl::Time b = local(2024, 3, 31, 1, 30);
  EXPECT_TRUE(r->is_boundary(b));
  EXPECT_EQ(r->next(b), local(2024, 3, 31, 3, 0));
  EXPECT_EQ(r->next(b) - b, absl::Minutes(30));
  EXPECT_EQ(r->floor(local(2024, 3, 31, 3, 10)), local(2024, 3, 31, 3, 0));
}

TEST(Raster, OnTimeLateMissingNeverInvented) {
  auto r = Raster::create(absl::Minutes(15));
  const absl::Time t0 = utc(2024, 5, 1, 0, 0);
  std::vector<Sample> s = {
      {t0 + absl::Seconds(20), Value(1000, -3, Unit::kKiloWattHour)},
      {t0 + absl::Minutes(15) + absl::Minutes(4), Value(1250, -3, Unit::kKiloWattHour)},
      {t0 + absl::Minutes(15) + absl::Minutes(5), Value(1251, -3, Unit::kKiloWattHour)},
      // 00:30 missing
      {t0 + absl::Minutes(45), Value(1900, -3, Unit::kKiloWattHour)},
  };
  auto slots = assign_to_raster(s, *r, t0, t0 + absl::Hours(1));
  ASSERT_TRUE(slots.ok()) << slots.status();
  ASSERT_EQ(slots->size(), 4u);
  EXPECT_EQ((*slots)[0].status, SlotStatus::kOnTime);
  EXPECT_EQ((*slots)[1].status, SlotStatus::kLate);
  EXPECT_EQ((*slots)[1].extra, 1u);
  EXPECT_TRUE((*slots)[1].sample->value.identical(Value(1250, -3, Unit::kKiloWattHour)));
  EXPECT_EQ((*slots)[2].status, SlotStatus::kMissing);
  EXPECT_FALSE((*slots)[2].sample.has_value());
  EXPECT_EQ((*slots)[3].status, SlotStatus::kOnTime);
  EXPECT_EQ(slot_status_name((*slots)[2].status), "missing");

  RasterOptions interp;
  interp.interpolate = true;
  auto filled = assign_to_raster(s, *r, t0, t0 + absl::Hours(1), interp);
  ASSERT_TRUE(filled.ok());
  const Slot& f = (*filled)[2];
  EXPECT_EQ(f.status, SlotStatus::kInterpolated);
  ASSERT_TRUE(f.sample.has_value());
  EXPECT_EQ(f.sample->quality, Quality::kEstimated);
  EXPECT_EQ(f.sample->at, t0 + absl::Minutes(30));
  // Between 1.251 at 00:20 and 1.900 at 00:45: 1.251 + 0.649 * 10/25 = 1.5106 -> 1.511.
  EXPECT_TRUE(f.sample->value.identical(Value(1511, -3, Unit::kKiloWattHour)))
      << f.sample->value.to_string();
}

TEST(Raster, BadSeriesGetAClearAnswer) {
  auto r = Raster::create(absl::Minutes(15));
  const absl::Time t0 = utc(2024, 5, 1, 0, 0);
  std::vector<Sample> dup = {{t0, Value(1, 0, Unit::kWattHour)}, {t0, Value(1, 0, Unit::kWattHour)}};
  auto a = assign_to_raster(dup, *r, t0, t0 + absl::Hours(1));
  EXPECT_EQ(a.status().message(),
            "profile: sample 1 at 2024-05-01T00:00:00Z is not after sample 0 at "
            "2024-05-01T00:00:00Z: duplicate timestamp");
  std::vector<Sample> unit = {{t0, Value(1, 0, Unit::kWattHour)},
                              {t0 + absl::Minutes(1), Value(1, 0, Unit::kKiloWattHour)}};
  EXPECT_EQ(check_series(unit).message(),
            "profile: sample 1 at 2024-05-01T00:01:00Z: unit changed from \"Wh\" to \"kWh\" "
            "within one series (store a new series, or convert before storing)");
  std::vector<Sample> back = {{t0, Value(1, 0)}, {t0 - absl::Minutes(1), Value(1, 0)}};
  EXPECT_NE(to_std(check_series(back).message()).find("time goes backwards"), std::string::npos);
}

}  // namespace
}  // namespace emscore::profile

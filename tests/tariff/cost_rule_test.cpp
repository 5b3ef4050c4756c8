#include "emscore/tariff/cost_rule.hpp"

#include <gtest/gtest.h>

#include "test_site.hpp"

namespace emscore::tariff {
namespace {

using testing::seed_plan;

absl::CivilMinute at(int y, int mo, int d, int h, int mi) {
  return absl::CivilMinute(y, mo, d, h, mi);
}

TEST(WeekdaySet, ParseRangeAndFormat) {
  EXPECT_EQ(WeekdaySet::parse("all")->bits(), 0x7F);
  EXPECT_EQ(WeekdaySet::parse("mon-fri")->bits(), 0x1F);
  EXPECT_EQ(WeekdaySet::parse("Sat, SUN")->bits(), 0x60);
  EXPECT_EQ(WeekdaySet::parse("mon-wed,fri")->to_string(), "mon-wed,fri");
  EXPECT_EQ(WeekdaySet::parse("sat-mon")->to_string(), "mon,sat-sun");  // wraps
  EXPECT_EQ(WeekdaySet::range(absl::Weekday::monday, absl::Weekday::friday).to_string(), "mon-fri");
  EXPECT_EQ(WeekdaySet::range(absl::Weekday::sunday, absl::Weekday::sunday).to_string(), "sun");
  EXPECT_EQ(WeekdaySet::all().to_string(), "all");
  EXPECT_FALSE(WeekdaySet::parse("monday").ok());
  EXPECT_FALSE(WeekdaySet::parse("mon-").ok());
  EXPECT_FALSE(WeekdaySet::parse("").ok());
  EXPECT_TRUE(WeekdaySet::parse("fri")->contains(absl::Weekday::friday));
  EXPECT_FALSE(WeekdaySet::parse("fri")->contains(absl::Weekday::thursday));
}

TEST(DayWindow, InclusiveMinutesAsTheSeedWritesThem) {
  const DayWindow w = *DayWindow::parse("00:00-18:59");
  EXPECT_EQ(w.first_minute, 0);
  EXPECT_EQ(w.last_minute, 18 * 60 + 59);
  EXPECT_TRUE(w.contains(18 * 60 + 59));
  EXPECT_FALSE(w.contains(19 * 60));
  EXPECT_EQ(w.to_string(), "00:00-18:59");
  EXPECT_EQ(*DayWindow::parse("19:00 \xE2\x80\x93 23:59"), (DayWindow{1140, 1439}));  // en dash
  EXPECT_TRUE(DayWindow::parse("00:00-23:59")->whole_day());
}

TEST(DayWindow, WrapsOverMidnight) {
  const DayWindow night = *DayWindow::parse("22:00-05:59");
  EXPECT_TRUE(night.contains(23 * 60));
  EXPECT_TRUE(night.contains(0));
  EXPECT_TRUE(night.contains(5 * 60 + 59));
  EXPECT_FALSE(night.contains(6 * 60));
  EXPECT_FALSE(night.contains(21 * 60 + 59));
}

TEST(DayWindow, RejectsMalformedTimes) {
  for (const char* bad : {"24:00-01:00", "00:60-01:00", "0:00-1:00", "00:00", "aa:bb-cc:dd", ""}) {
    EXPECT_FALSE(DayWindow::parse(bad).ok()) << bad;
  }
}

TEST(CostRule, ValidityPeriodIsInclusive) {
  const CostRule march = testing::seed_rule_march_2020();
  EXPECT_FALSE(march.applies_on(absl::CivilDay(2020, 2, 29)));
  EXPECT_TRUE(march.applies_on(absl::CivilDay(2020, 3, 1)));
  EXPECT_TRUE(march.applies_on(absl::CivilDay(2020, 3, 31)));
  EXPECT_FALSE(march.applies_on(absl::CivilDay(2020, 4, 1)));
  EXPECT_FALSE(march.applies_on(absl::CivilDay(2021, 3, 10)));  // not every year
}

TEST(CostRule, RepeatEveryYearUsesMonthAndDay) {
  const CostRule xmas = testing::seed_rule_christmas();
  EXPECT_TRUE(xmas.applies_on(absl::CivilDay(2020, 12, 25)));
  EXPECT_TRUE(xmas.applies_on(absl::CivilDay(2031, 12, 25)));
  EXPECT_FALSE(xmas.applies_on(absl::CivilDay(2020, 12, 24)));
  // A holiday period over New Year wraps.
  const CostRule holidays =
      testing::period_rule(0, absl::CivilDay(2000, 12, 24), absl::CivilDay(2001, 1, 6), true);
  EXPECT_TRUE(holidays.applies_on(absl::CivilDay(2022, 12, 31)));
  EXPECT_TRUE(holidays.applies_on(absl::CivilDay(2023, 1, 6)));
  EXPECT_FALSE(holidays.applies_on(absl::CivilDay(2023, 1, 7)));
  EXPECT_FALSE(holidays.applies_on(absl::CivilDay(2023, 12, 23)));
}

TEST(CostRule, LeapDayEveryYearHoldsOnlyInLeapYears) {
  const CostRule leap =
      testing::period_rule(0, absl::CivilDay(2020, 2, 29), absl::CivilDay(2020, 2, 29), true);
  EXPECT_TRUE(leap.applies_on(absl::CivilDay(2024, 2, 29)));
  for (absl::CivilDay d(2021, 2, 20); d < absl::CivilDay(2021, 3, 10); ++d) {
    EXPECT_FALSE(leap.applies_on(d)) << d;  // 2021 has no 29 February
  }
}

TEST(CostRule, ValidateRejectsInconsistentRules) {
  CostRule r = testing::seed_rule_weekday_day();
  EXPECT_TRUE(r.validate(3).ok());
  EXPECT_FALSE(r.validate(0).ok());  // no such tariff
  r.weekdays = WeekdaySet::none();
  EXPECT_FALSE(r.validate(3).ok());
  CostRule y = testing::seed_rule_christmas();
  y.to.reset();
  EXPECT_FALSE(y.validate(3).ok());  // every year needs both ends
  CostRule back =
      testing::period_rule(0, absl::CivilDay(2020, 3, 31), absl::CivilDay(2020, 3, 1), false);
  EXPECT_NE(back.validate(3).message().find("before it starts"), absl::string_view::npos);
}

// The seed's example, in its right order: exceptions first.
TEST(TariffPlan, SeedRulesInTheRightOrder) {
  const TariffPlan p = seed_plan(true);
  ASSERT_TRUE(p.validate().ok());
  EXPECT_EQ(p.tariff_at(at(2020, 3, 4, 10, 0)), 2);     // Wed in March 2020: T3
  EXPECT_EQ(p.tariff_at(at(2020, 3, 4, 20, 0)), 2);     // evening too
  EXPECT_EQ(p.tariff_at(at(2020, 3, 7, 12, 0)), 2);     // Saturday in March 2020
  EXPECT_EQ(p.tariff_at(at(2020, 12, 25, 10, 0)), 1);   // Christmas (a Friday): T2
  EXPECT_EQ(p.tariff_at(at(2021, 12, 25, 10, 0)), 1);   // every year (a Saturday)
  EXPECT_EQ(p.tariff_at(at(2020, 12, 24, 18, 59)), 0);  // Thursday 18:59: T1
  EXPECT_EQ(p.tariff_at(at(2020, 12, 24, 19, 0)), 1);   // Thursday 19:00: T2
  EXPECT_EQ(p.tariff_at(at(2020, 12, 26, 12, 0)), -1);  // Saturday: no rule holds
  EXPECT_EQ(p.first_match(at(2020, 3, 4, 10, 0)), 0);
}

// The same rules with the exceptions last: the weekday rules swallow them.
TEST(TariffPlan, SeedRulesInTheWrongOrderShowWhyOrderMatters) {
  const TariffPlan p = seed_plan(false);
  EXPECT_EQ(p.tariff_at(at(2020, 3, 4, 10, 0)), 0);    // March weekday: T1, not T3
  EXPECT_EQ(p.tariff_at(at(2020, 3, 4, 20, 0)), 1);    // March weekday evening: T2, not T3
  EXPECT_EQ(p.tariff_at(at(2020, 3, 7, 12, 0)), 2);    // only the weekend gets T3
  EXPECT_EQ(p.tariff_at(at(2020, 12, 25, 10, 0)), 0);  // Christmas Friday: T1, not T2
  EXPECT_EQ(p.tariff_at(at(2021, 12, 25, 10, 0)), 1);  // Christmas Saturday: still T2
}

}  // namespace
}  // namespace emscore::tariff

#include "emscore/tariff/timeline.hpp"

#include <gtest/gtest.h>

#include <random>

#include "emscore/core/strings.hpp"
#include "emscore/core/time.hpp"
#include "test_site.hpp"

namespace emscore::tariff {
namespace {

using testing::local;
using testing::rule;
using testing::zone;

absl::Time utc(const char* text) { return *parse_iso8601(text); }

std::vector<std::string> switches_iso(const Timeline& t, const absl::TimeZone& tz) {
  std::vector<std::string> out;
  for (absl::Time s : t.switch_instants()) out.push_back(format_iso8601(s, tz));
  return out;
}

TEST(CivilInstant, GapsGoToTheTransitionRepeatsToTheFirstPass) {
  const absl::TimeZone zh = zone("Europe/Zurich");
  EXPECT_EQ(civil_instant(zh, absl::CivilSecond(2020, 3, 29, 2, 30, 0)),
            utc("2020-03-29T01:00:00Z"));  // 02:30 does not exist: the jump at 01:00Z
  EXPECT_EQ(civil_instant(zh, absl::CivilSecond(2020, 10, 25, 2, 30, 0)),
            utc("2020-10-25T00:30:00Z"));  // first 02:30 (CEST)
  EXPECT_EQ(civil_instant(zh, absl::CivilSecond(2020, 6, 1, 12, 0, 0)),
            utc("2020-06-01T10:00:00Z"));
}

TEST(Timeline, SeedRulesOverAWeekOfMarch2020) {
  const absl::TimeZone zh = zone("Europe/Zurich");
  const TariffPlan wrong = testing::seed_plan(false);
  const absl::Time b[] = {local(zh, 2020, 3, 27), local(zh, 2020, 3, 31)};
  const Timeline t = *Timeline::compile(wrong, zh, b);
  // Fri 27th: T1 until 19:00, T2 until midnight; weekend (incl. the 23 h Sunday): T3 from the
  // March rule; Monday: T1 at 00:00, T2 at 19:00.
  EXPECT_EQ(switches_iso(t, zh),
            (std::vector<std::string>{"2020-03-27T19:00:00+01:00", "2020-03-28T00:00:00+01:00",
                                      "2020-03-30T00:00:00+02:00", "2020-03-30T19:00:00+02:00"}));
  EXPECT_EQ(t.at(utc("2020-03-29T12:00:00Z")).tariff, 2);
  EXPECT_EQ(t.at(utc("2020-03-29T12:00:00Z")).rule, 3);
  EXPECT_EQ(t.at(utc("2020-03-27T17:59:59Z")).tariff, 0);
  EXPECT_EQ(t.at(utc("2020-03-27T18:00:00Z")).tariff, 1);
  EXPECT_EQ(t.at(utc("2020-03-27T18:00:00Z")).price.to_string(), "0.1500");
  // Outside the period: the sentinels.
  EXPECT_EQ(t.at(utc("2020-03-01T00:00:00Z")).bucket, -1);
  EXPECT_EQ(t.at(utc("2020-04-01T00:00:00Z")).bucket, -1);
  EXPECT_EQ(t.segments().front().start, absl::InfinitePast());

  const Timeline right = *Timeline::compile(testing::seed_plan(true), zh, b);
  EXPECT_TRUE(right.switch_instants().empty());  // all of it is March 2020: T3
}

TEST(Timeline, BoundaryInASkippedHourSwitchesAtTheTransition) {
  const absl::TimeZone zh = zone("Europe/Zurich");
  TariffPlan p;
  p.tariffs = {testing::make_tariff("A", Value(1, 0)), testing::make_tariff("B", Value(2, 0))};
  p.rules = {rule(1, *DayWindow::parse("02:30-05:59")), rule(0, DayWindow{})};
  const absl::Time b[] = {local(zh, 2020, 3, 29), local(zh, 2020, 3, 30)};
  const Timeline t = *Timeline::compile(p, zh, b);
  // 02:30 never shows on the clock: B starts when the clock jumps to 03:00.
  EXPECT_EQ(switches_iso(t, zh),
            (std::vector<std::string>{"2020-03-29T03:00:00+02:00", "2020-03-29T06:00:00+02:00"}));
}

TEST(Timeline, BoundaryInARepeatedHourSwitchesOnBothPasses) {
  const absl::TimeZone ny = zone("America/New_York");
  TariffPlan p;
  p.tariffs = {testing::make_tariff("A", Value(1, 0)), testing::make_tariff("B", Value(2, 0))};
  p.rules = {rule(1, *DayWindow::parse("01:30-01:59")), rule(0, DayWindow{})};
  const absl::Time b[] = {local(ny, 2020, 11, 1), local(ny, 2020, 11, 2)};
  const Timeline t = *Timeline::compile(p, ny, b);
  // 01:30-01:59 happens twice (EDT, then EST): B twice, A in between from 01:00 EST.
  EXPECT_EQ(switches_iso(t, ny),
            (std::vector<std::string>{"2020-11-01T01:30:00-04:00", "2020-11-01T01:00:00-05:00",
                                      "2020-11-01T01:30:00-05:00", "2020-11-01T02:00:00-05:00"}));
}

TEST(Timeline, PriceChangesSwitchAtCivilMidnight) {
  const absl::TimeZone zh = zone("Europe/Zurich");
  TariffPlan p;
  p.tariffs = {Tariff{"T1",
                      "",
                      {PricePoint{std::nullopt, Value(2000, -4)},
                       PricePoint{absl::CivilDay(2020, 3, 16), Value(2200, -4)}}}};
  p.rules = {rule(0, DayWindow{})};
  const absl::Time b[] = {local(zh, 2020, 3, 1), local(zh, 2020, 4, 1)};
  const Timeline t = *Timeline::compile(p, zh, b);
  EXPECT_EQ(switches_iso(t, zh), (std::vector<std::string>{"2020-03-16T00:00:00+01:00"}));
  EXPECT_EQ(t.at(utc("2020-03-15T22:59:59Z")).price.to_string(), "0.2000");
  EXPECT_EQ(t.at(utc("2020-03-15T23:00:00Z")).price.to_string(), "0.2200");
}

TEST(Timeline, BucketsCutSegmentsWithoutBeingSwitches) {
  const absl::TimeZone zh = zone("Europe/Zurich");
  TariffPlan p;
  p.tariffs = {testing::make_tariff("A", Value(1, 0))};
  p.rules = {rule(0, DayWindow{})};
  const absl::Time b[] = {local(zh, 2020, 3, 1), local(zh, 2020, 3, 2), local(zh, 2020, 3, 3)};
  const Timeline t = *Timeline::compile(p, zh, b);
  ASSERT_EQ(t.segments().size(), 4u);  // sentinel, day 1, day 2, sentinel
  EXPECT_EQ(t.segments()[1].bucket, 0);
  EXPECT_EQ(t.segments()[2].bucket, 1);
  EXPECT_TRUE(t.switch_instants().empty());
}

TEST(Timeline, NoRuleMeansUnpricedAndEmptyPlanIsAllUnpriced) {
  const absl::TimeZone zh = zone("Europe/Zurich");
  const absl::Time b[] = {local(zh, 2020, 3, 1), local(zh, 2020, 3, 2)};
  const Timeline t = *Timeline::compile(TariffPlan{}, zh, b);
  EXPECT_EQ(t.at(local(zh, 2020, 3, 1, 12)).tariff, -1);
  EXPECT_EQ(t.at(local(zh, 2020, 3, 1, 12)).bucket, 0);
}

TEST(Timeline, RejectsBadBoundaries) {
  const absl::TimeZone zh = zone("Europe/Zurich");
  const absl::Time one[] = {local(zh, 2020, 3, 1)};
  EXPECT_FALSE(Timeline::compile(TariffPlan{}, zh, one).ok());
  const absl::Time backwards[] = {local(zh, 2020, 3, 2), local(zh, 2020, 3, 1)};
  EXPECT_FALSE(Timeline::compile(TariffPlan{}, zh, backwards).ok());
  const absl::Time infinite[] = {absl::InfinitePast(), local(zh, 2020, 3, 1)};
  EXPECT_FALSE(Timeline::compile(TariffPlan{}, zh, infinite).ok());
}

// The compiled timeline agrees with the seed's rule scan at every instant: random rules,
// random instants over a year with both DST changes, in two zones.
TEST(Timeline, AgreesWithTheRuleScanEverywhere) {
  std::mt19937 rng(8);
  for (const char* name : {"Europe/Zurich", "America/New_York"}) {
    const absl::TimeZone tz = zone(name);
    for (int round = 0; round < 20; ++round) {
      TariffPlan p;
      for (int i = 0; i < 4; ++i) {
        p.tariffs.push_back(
            Tariff{emscore::str_cat("T", i),
                   "",
                   {PricePoint{std::nullopt, Value(100 + i, -3)},
                    PricePoint{absl::CivilDay(2020, 1, 1) + static_cast<int>(rng() % 366),
                               Value(200 + i, -3)}}});
      }
      const int n_rules = 1 + static_cast<int>(rng() % 6);
      for (int i = 0; i < n_rules; ++i) {
        CostRule r;
        r.tariff = static_cast<int>(rng() % 4);
        r.window = DayWindow{static_cast<int>(rng() % 1440), static_cast<int>(rng() % 1440)};
        r.weekdays = WeekdaySet::range(static_cast<absl::Weekday>(rng() % 7),
                                       static_cast<absl::Weekday>(rng() % 7));
        const int kind = static_cast<int>(rng() % 3);
        if (kind > 0) {
          const absl::CivilDay a = absl::CivilDay(2020, 1, 1) + static_cast<int>(rng() % 366);
          r.from = a;
          r.to = a + static_cast<int>(rng() % 60);
          r.every_year = kind == 2;
        }
        p.rules.push_back(r);
      }
      const absl::Time b[] = {local(tz, 2020, 1, 1), local(tz, 2021, 1, 1)};
      const Timeline t = *Timeline::compile(p, tz, b);
      for (int k = 0; k < 3000; ++k) {
        const absl::Time at =
            b[0] + absl::Seconds(static_cast<std::int64_t>(rng() % (366LL * 86400)));
        const absl::CivilMinute cm(tz.At(at).cs);
        const int expect_rule = p.first_match(cm);
        const Segment& s = t.at(at);
        ASSERT_EQ(s.rule, expect_rule) << name << " " << format_iso8601(at, tz);
        if (expect_rule >= 0) {
          const Value* price =
              p.tariffs[static_cast<std::size_t>(p.rules[expect_rule].tariff)].price_on(
                  absl::CivilDay(cm));
          ASSERT_EQ(s.tariff, p.rules[expect_rule].tariff);
          ASSERT_TRUE(s.price.identical(*price));
        }
      }
    }
  }
}

}  // namespace
}  // namespace emscore::tariff

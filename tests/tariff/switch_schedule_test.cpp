#include "emscore/tariff/switch_schedule.hpp"

#include <gtest/gtest.h>

#include "emscore/core/strings.hpp"
#include "emscore/core/time.hpp"
#include "test_site.hpp"

namespace emscore::tariff {
namespace {

using testing::local;
using testing::zone;

// Seed 002: "Tariff during the day" 1, Mon..Fri 07:00; "Tariff during the night" 2, Mon..Fri 20:00.
SwitchSchedule day_night() {
  return *SwitchSchedule::create({SwitchCommand{"Tariff during the day", 1, absl::Weekday::monday,
                                                absl::Weekday::friday, 7, 0},
                                  SwitchCommand{"Tariff during the night", 2, absl::Weekday::monday,
                                                absl::Weekday::friday, 20, 0}});
}

std::vector<std::string> iso(const std::vector<SwitchEvent>& ev, const absl::TimeZone& tz) {
  std::vector<std::string> out;
  for (const auto& e : ev)
    out.push_back(emscore::str_cat(format_iso8601(e.at, tz), " T", e.tariff));
  return out;
}

TEST(SwitchSchedule, SeedDayAndNightTariffOverAWeekWithADstChange) {
  const absl::TimeZone zh = zone("Europe/Zurich");
  const SwitchSchedule s = day_night();
  // Thu 26 March 2020 .. Tue 31 March: the weekend has no switch; DST starts on Sunday 29th.
  const auto ev = s.events(zh, local(zh, 2020, 3, 26), local(zh, 2020, 3, 31));
  EXPECT_EQ(iso(ev, zh), (std::vector<std::string>{
                             "2020-03-26T07:00:00+01:00 T1", "2020-03-26T20:00:00+01:00 T2",
                             "2020-03-27T07:00:00+01:00 T1", "2020-03-27T20:00:00+01:00 T2",
                             "2020-03-30T07:00:00+02:00 T1", "2020-03-30T20:00:00+02:00 T2"}));
  EXPECT_EQ(ev[4].command, 0u);
  EXPECT_EQ(ev[4].local, absl::CivilSecond(2020, 3, 30, 7, 0, 0));
  EXPECT_TRUE(s.warnings().empty());
}

TEST(SwitchSchedule, TariffInForceAtAnyInstant) {
  const absl::TimeZone ny = zone("America/New_York");
  const SwitchSchedule s = day_night();
  EXPECT_EQ(s.tariff_at(ny, local(ny, 2020, 11, 4, 12)), 1);  // Wednesday noon
  EXPECT_EQ(s.tariff_at(ny, local(ny, 2020, 11, 4, 21)), 2);  // Wednesday evening
  EXPECT_EQ(s.tariff_at(ny, local(ny, 2020, 11, 7, 12)), 2);  // Saturday: since Friday 20:00
  EXPECT_EQ(s.tariff_at(ny, local(ny, 2020, 11, 9, 7)), 1);   // exactly at the switch
  EXPECT_EQ(s.tariff_at(ny, local(ny, 2020, 11, 9, 7) - absl::Seconds(1)), 2);
  EXPECT_FALSE(SwitchSchedule::create({})->tariff_at(ny, local(ny, 2020, 11, 9)).has_value());
}

TEST(SwitchSchedule, SkippedTimeFiresAtTheTransitionRepeatedTimeOnce) {
  const absl::TimeZone zh = zone("Europe/Zurich");
  const SwitchSchedule s = *SwitchSchedule::create(
      {SwitchCommand{"night", 2, absl::Weekday::sunday, absl::Weekday::sunday, 2, 30}});
  const auto spring = s.events(zh, local(zh, 2020, 3, 28), local(zh, 2020, 3, 30));
  ASSERT_EQ(spring.size(), 1u);
  EXPECT_EQ(format_iso8601_utc(spring[0].at), "2020-03-29T01:00:00Z");  // the jump 02:00->03:00
  const auto autumn = s.events(zh, local(zh, 2020, 10, 24), local(zh, 2020, 10, 26));
  ASSERT_EQ(autumn.size(), 1u);
  EXPECT_EQ(format_iso8601(autumn[0].at, zh), "2020-10-25T02:30:00+02:00");  // first pass
}

TEST(SwitchSchedule, WeekdayRangeWrapsAndEmptyPeriods) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const SwitchSchedule s = *SwitchSchedule::create(
      {SwitchCommand{"weekend", 3, absl::Weekday::saturday, absl::Weekday::monday, 0, 0}});
  // Week of Mon 2 Nov 2020 .. Mon 9 Nov: fires Mon 2, Sat 7, Sun 8 (the 9th is excluded).
  const auto ev = s.events(utc, local(utc, 2020, 11, 2), local(utc, 2020, 11, 9));
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(format_iso8601_utc(ev[1].at), "2020-11-07T00:00:00Z");
  EXPECT_TRUE(s.events(utc, local(utc, 2020, 11, 9), local(utc, 2020, 11, 9)).empty());
}

TEST(SwitchSchedule, RejectsBadAndConflictingCommands) {
  EXPECT_FALSE(SwitchSchedule::create(
                   {SwitchCommand{"x", 0, absl::Weekday::monday, absl::Weekday::friday, 7, 0}})
                   .ok());
  EXPECT_FALSE(SwitchSchedule::create(
                   {SwitchCommand{"x", 1, absl::Weekday::monday, absl::Weekday::friday, 24, 0}})
                   .ok());
  const auto conflict = SwitchSchedule::create(
      {SwitchCommand{"a", 1, absl::Weekday::monday, absl::Weekday::friday, 7, 0},
       SwitchCommand{"b", 2, absl::Weekday::friday, absl::Weekday::sunday, 7, 0}});
  EXPECT_NE(conflict.status().message().find("same time"), absl::string_view::npos);
  // The same tariff twice at one time is harmless.
  EXPECT_TRUE(SwitchSchedule::create(
                  {SwitchCommand{"a", 1, absl::Weekday::monday, absl::Weekday::friday, 7, 0},
                   SwitchCommand{"b", 1, absl::Weekday::friday, absl::Weekday::sunday, 7, 0}})
                  .ok());
}

TEST(SwitchSchedule, WarnsAboutPtbA507QuarterHours) {
  const SwitchSchedule s = *SwitchSchedule::create(
      {SwitchCommand{"a", 1, absl::Weekday::monday, absl::Weekday::monday, 7, 5},
       SwitchCommand{"b", 2, absl::Weekday::monday, absl::Weekday::monday, 7, 15}});
  const auto w = s.warnings();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_NE(w[0].find("quarter hour"), std::string::npos);
  EXPECT_NE(w[1].find("10 minutes apart"), std::string::npos);
}

}  // namespace
}  // namespace emscore::tariff

#include "emscore/dsmr/timestamp.hpp"

#include <gtest/gtest.h>

#include "emscore/core/time.hpp"

namespace emscore::dsmr {
namespace {

absl::TimeZone amsterdam() {
  auto tz = load_time_zone("Europe/Amsterdam");
  EXPECT_TRUE(tz.ok());
  return *tz;
}

std::string utc(std::string_view ts, const absl::TimeZone& zone, bool fixed = false) {
  absl::Time t;
  if (!parse_timestamp(ts, zone, &t, nullptr, fixed)) return "invalid";
  return format_iso8601_utc(t);
}

TEST(Timestamp, WinterAndSummer) {
  const auto tz = amsterdam();
  // ndokter telegram_v5: 0-0:1.0.0(170102192002W) is 18:20:02 UTC.
  EXPECT_EQ(utc("170102192002W", tz), "2017-01-02T18:20:02Z");
  // Fluvius: 200512135409S is 13:54:09 CEST = 11:54:09 UTC.
  EXPECT_EQ(utc("200512135409S", tz), "2020-05-12T11:54:09Z");
  char flag = 0;
  absl::Time t;
  ASSERT_TRUE(parse_timestamp("200512135409S", tz, &t, &flag));
  EXPECT_EQ(flag, 'S');
}

TEST(Timestamp, FlagResolvesTheRepeatedHour) {
  const auto tz = amsterdam();
  // 2023-10-29 02:30 happens twice in Amsterdam: 00:30 UTC (summer) and 01:30 UTC (winter).
  EXPECT_EQ(utc("231029023000S", tz), "2023-10-29T00:30:00Z");
  EXPECT_EQ(utc("231029023000W", tz), "2023-10-29T01:30:00Z");
  // Without a flag (DSMR 2.2/3.0) the earlier one.
  EXPECT_EQ(utc("231029023000", tz), "2023-10-29T00:30:00Z");
}

TEST(Timestamp, SkippedHourUsesTheFlaggedOffset) {
  const auto tz = amsterdam();
  // 2023-03-26 02:30 does not exist in Amsterdam; "S" means +02:00, "W" +01:00.
  EXPECT_EQ(utc("230326023000S", tz), "2023-03-26T00:30:00Z");
  EXPECT_EQ(utc("230326023000W", tz), "2023-03-26T01:30:00Z");
}

TEST(Timestamp, CallerChosenZone) {
  auto dublin = load_time_zone("Europe/Dublin");
  ASSERT_TRUE(dublin.ok());
  // Irish meters: winter is UTC+0, summer UTC+1.
  EXPECT_EQ(utc("230202132747W", *dublin), "2023-02-02T13:27:47Z");
  EXPECT_EQ(utc("230702132747S", *dublin), "2023-07-02T12:27:47Z");
}

TEST(Timestamp, FallbackZoneUsesTheFlag) {
  const absl::TimeZone fixed = absl::FixedTimeZone(3600);
  EXPECT_TRUE(is_fallback_zone(fixed));
  EXPECT_FALSE(is_fallback_zone(amsterdam()));
  EXPECT_EQ(utc("170102192002W", fixed, true), "2017-01-02T18:20:02Z");
  EXPECT_EQ(utc("200512135409S", fixed, true), "2020-05-12T11:54:09Z");
}

TEST(Timestamp, DefaultZoneIsAmsterdam) {
  EXPECT_EQ(default_time_zone().name(), "Europe/Amsterdam");
}

TEST(Timestamp, RejectsBadInput) {
  const auto tz = amsterdam();
  for (std::string_view bad :
       {"", "17010219200W", "170102192002X", "171302192002W", "170431192002W", "230229120000W",
        "170102242002W", "170102196002W", "170102192060W", "17010219200aW", "1701021920021W"}) {
    absl::Time t;
    EXPECT_FALSE(parse_timestamp(bad, tz, &t)) << bad;
  }
  // 2024 is a leap year.
  EXPECT_EQ(utc("240229120000W", tz), "2024-02-29T11:00:00Z");
}

TEST(Timestamp, FormatRoundTrip) {
  const auto tz = amsterdam();
  absl::Time t;
  for (std::string_view ts : {"170102192002W", "200512135409S", "231029023000S",
                              "231029023000W", "000101000000W", "991231235959W"}) {
    ASSERT_TRUE(parse_timestamp(ts, tz, &t)) << ts;
    EXPECT_EQ(format_timestamp(t, tz), ts);
  }
}

}  // namespace
}  // namespace emscore::dsmr

#include "emscore/core/time.hpp"

#include <gtest/gtest.h>

namespace emscore {
namespace {

TEST(Time, CheckedCivilRejectsNormalisation) {
  EXPECT_TRUE(checked_civil_second(2024, 2, 29, 23, 59, 59).ok());
  EXPECT_FALSE(checked_civil_second(2023, 2, 29, 0, 0, 0).ok());
  EXPECT_FALSE(checked_civil_second(2024, 13, 1, 0, 0, 0).ok());
  EXPECT_FALSE(checked_civil_second(2024, 1, 1, 24, 0, 0).ok());
  EXPECT_FALSE(checked_civil_second(2024, 1, 1, 0, 60, 0).ok());
  EXPECT_EQ(checked_civil_second(2023, 2, 29, 0, 0, 0).status().message(),
            "time: 2023-2-29 0:0:0 is not a valid date and time");
}

TEST(Time, Iso8601) {
  const absl::Time t = absl::FromUnixSeconds(1712840425);  // 2024-04-11T13:00:25Z
  EXPECT_EQ(format_iso8601_utc(t), "2024-04-11T13:00:25Z");
  EXPECT_EQ(format_iso8601_utc(t + absl::Milliseconds(500)), "2024-04-11T13:00:25.5Z");
  auto zurich = load_time_zone("Europe/Zurich");
  ASSERT_TRUE(zurich.ok());
  EXPECT_EQ(format_iso8601(t, *zurich), "2024-04-11T15:00:25+02:00");
  EXPECT_EQ(*parse_iso8601("2024-04-11T15:00:25+02:00"), t);
  EXPECT_EQ(*parse_iso8601("2024-04-11T13:00:25Z"), t);
  EXPECT_FALSE(parse_iso8601("11.04.2024").ok());
}

TEST(Time, UnknownZoneIsAnError) {
  EXPECT_EQ(load_time_zone("Mars/Olympus_Mons").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace emscore

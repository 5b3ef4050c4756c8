#include "emscore/metering/tariff_switch.hpp"

#include <gtest/gtest.h>

namespace emscore::metering {
namespace {

TEST(TariffSwitch, DigitalInput) {
  EXPECT_EQ(tariff_from_input(true), Tariff::kT2);
  EXPECT_EQ(tariff_from_input(false), Tariff::kT1);
  EXPECT_EQ(tariff_from_input(true, false), Tariff::kT1);
  EXPECT_EQ(tariff_from_input(false, false), Tariff::kT2);
}

TEST(TariffSwitch, ScheduleWithAWindowPastMidnight) {
  TariffSchedule s;
  // t2 (off-peak) Mon-Fri nights 22:00-06:00, and all of Saturday and Sunday.
  ASSERT_TRUE(s.add_t2_window({0x1F, 22 * 60, 6 * 60}).ok());
  ASSERT_TRUE(s.add_t2_window({0x60, 0, 1439}).ok());
  // 2024-04-15 is a Monday.
  EXPECT_EQ(s.at(absl::CivilMinute(2024, 4, 15, 12, 0)), Tariff::kT1);
  EXPECT_EQ(s.at(absl::CivilMinute(2024, 4, 15, 22, 0)), Tariff::kT2);
  EXPECT_EQ(s.at(absl::CivilMinute(2024, 4, 16, 5, 59)), Tariff::kT2);  // Monday's night
  EXPECT_EQ(s.at(absl::CivilMinute(2024, 4, 16, 6, 0)), Tariff::kT1);
  EXPECT_EQ(s.at(absl::CivilMinute(2024, 4, 15, 3, 0)), Tariff::kT1);   // Sunday's night: not in 0x1F
  EXPECT_EQ(s.at(absl::CivilMinute(2024, 4, 20, 12, 0)), Tariff::kT2);  // Saturday
  EXPECT_EQ(s.at(absl::CivilMinute(2024, 4, 22, 6, 0)), Tariff::kT1);   // Monday 06:00
}

TEST(TariffSwitch, RejectsBadWindows) {
  TariffSchedule s;
  EXPECT_FALSE(s.add_t2_window({0x7F, 1440, 0}).ok());
  EXPECT_FALSE(s.add_t2_window({0x7F, 60, 60}).ok());
  EXPECT_FALSE(s.add_t2_window({0x00, 0, 60}).ok());
  for (int k = 0; k < TariffSchedule::kMaxWindows; ++k) {
    ASSERT_TRUE(s.add_t2_window({0x01, k, k + 1}).ok());
  }
  EXPECT_EQ(s.add_t2_window({0x01, 100, 200}).code(), absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace emscore::metering

#include "emscore/control/command.hpp"

#include <gtest/gtest.h>

namespace emscore::control {
namespace {

TEST(Command, FormatsAmpsExactly) {
  EXPECT_EQ(format_amps(24'000), "24.000 A");
  EXPECT_EQ(format_amps(7'500), "7.500 A");
  EXPECT_EQ(format_amps(0), "0.000 A");
  EXPECT_EQ(format_amps(-1'250), "-1.250 A");
}

TEST(Command, ToStringCarriesKindCurrentAndReason) {
  const Command set{DeviceRef{3}, CommandKind::kSetCurrent, 24'000, Reason::kRedReduction,
                    "red zone; step1"};
  EXPECT_EQ(set.to_string(), "station 3: set_current 24.000 A (red_reduction: red zone; step1)");
  const Command stop{DeviceRef{4}, CommandKind::kStop, 0, Reason::kRedStop, ""};
  EXPECT_EQ(stop.to_string(), "station 4: stop (red_stop)");
  const Command pause{DeviceRef{5}, CommandKind::kPause, 0, Reason::kBelowIecMinimum, "x"};
  EXPECT_EQ(pause.to_string(), "station 5: pause (below_iec_minimum: x)");
}

TEST(Command, NamesAreStable) {
  EXPECT_EQ(command_kind_name(CommandKind::kStart), "start");
  EXPECT_EQ(command_kind_name(CommandKind::kPause), "pause");
  EXPECT_EQ(reason_name(Reason::kMakeRoom), "make_room");
  EXPECT_EQ(reason_name(Reason::kFailSafe), "fail_safe");
  for (int r = 0; r <= static_cast<int>(Reason::kStationFailed); ++r) {
    EXPECT_NE(reason_name(static_cast<Reason>(r)), "unknown") << r;
  }
}

}  // namespace
}  // namespace emscore::control

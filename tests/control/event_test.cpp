#include "emscore/control/event.hpp"

#include <gtest/gtest.h>

namespace emscore::control {
namespace {

TEST(Event, FormatsOneLogLine) {
  const Event e{absl::FromUnixSeconds(1712840425), EventKind::kAlarmRaised, "rule overvoltage",
                "L1 253.1 V > 253 V for 10s"};
  EXPECT_EQ(e.to_string(),
            "2024-04-11T13:00:25Z alarm_raised rule overvoltage: L1 253.1 V > 253 V for 10s");
}

TEST(Event, EveryKindHasAName) {
  for (int k = 0; k <= static_cast<int>(EventKind::kRemoteCommand); ++k) {
    EXPECT_NE(event_kind_name(static_cast<EventKind>(k)), "unknown") << k;
  }
  EXPECT_EQ(event_kind_name(EventKind::kFailSafeEntered), "fail_safe_entered");
}

}  // namespace
}  // namespace emscore::control

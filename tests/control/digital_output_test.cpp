#include "emscore/control/digital_output.hpp"

#include <gtest/gtest.h>

namespace emscore::control {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);
absl::Time at(double s) { return kT0 + absl::Seconds(s); }

TEST(DigitalOutput, MaintainedNormallyOpen) {
  DigitalOutput o({"DO1", OutputFunction::kAlarm, NormalState::kNormallyOpen,
                   OutputMode::kMaintained, absl::ZeroDuration()});
  EXPECT_FALSE(o.contact_closed(at(0)));
  EXPECT_TRUE(o.activate(at(1)));
  EXPECT_FALSE(o.activate(at(2)));  // already on
  EXPECT_TRUE(o.contact_closed(at(1000)));
  EXPECT_FALSE(o.next_change(at(5)).has_value());
  EXPECT_FALSE(o.expire(at(1000)).has_value());
  EXPECT_TRUE(o.deactivate(at(1001)));
  EXPECT_FALSE(o.deactivate(at(1002)));
  EXPECT_FALSE(o.contact_closed(at(1001)));
}

TEST(DigitalOutput, NormallyClosedOpensWhenActive) {
  DigitalOutput o({"DO1", OutputFunction::kAlarm, NormalState::kNormallyClosed,
                   OutputMode::kMaintained, absl::ZeroDuration()});
  EXPECT_TRUE(o.contact_closed(at(0)));
  o.activate(at(1));
  EXPECT_FALSE(o.contact_closed(at(2)));
  EXPECT_TRUE(o.energized(at(2)));
}

TEST(DigitalOutput, ImpulsiveGivesOnePulseOfTheOnTime) {
  DigitalOutput o({"DO1", OutputFunction::kAlarm, NormalState::kNormallyOpen,
                   OutputMode::kImpulsive, absl::Seconds(2)});
  EXPECT_EQ(o.mode(), OutputMode::kImpulsive);
  o.activate(at(10));
  EXPECT_TRUE(o.contact_closed(at(10)));
  EXPECT_TRUE(o.contact_closed(at(11.999)));
  EXPECT_FALSE(o.contact_closed(at(12)));
  EXPECT_EQ(o.next_change(at(11)), at(12));
  EXPECT_FALSE(o.expire(at(11)).has_value());
  EXPECT_EQ(o.expire(at(15)), at(12));  // the pulse ended at 12 s
  EXPECT_FALSE(o.active());
  EXPECT_FALSE(o.next_change(at(15)).has_value());
}

TEST(DigitalOutput, ImpulsiveWithZeroOnTimeIsMaintained) {
  // seeds/003: "if ON time = 0, the command is maintained".
  DigitalOutput o({"DO1", OutputFunction::kRemote, NormalState::kNormallyOpen,
                   OutputMode::kImpulsive, absl::ZeroDuration()});
  EXPECT_EQ(o.mode(), OutputMode::kMaintained);
  o.activate(at(0));
  EXPECT_FALSE(o.expire(at(1000)).has_value());
  EXPECT_TRUE(o.contact_closed(at(1000)));
}

TEST(DigitalOutput, BlinkingTogglesWithTheOnTimeCadence) {
  DigitalOutput o({"DO1", OutputFunction::kAlarm, NormalState::kNormallyOpen,
                   OutputMode::kBlinking, absl::Milliseconds(500)});
  o.activate(at(0));
  EXPECT_TRUE(o.contact_closed(at(0)));
  EXPECT_TRUE(o.contact_closed(at(0.499)));
  EXPECT_FALSE(o.contact_closed(at(0.5)));
  EXPECT_TRUE(o.contact_closed(at(1.0)));
  EXPECT_FALSE(o.contact_closed(at(1.7)));
  EXPECT_EQ(o.next_change(at(1.7)), at(2.0));
  EXPECT_FALSE(o.expire(at(100)).has_value());  // blinks until deactivated
  o.deactivate(at(100.2));
  EXPECT_FALSE(o.contact_closed(at(100.2)));
  DigitalOutput nc({"DO2", OutputFunction::kAlarm, NormalState::kNormallyClosed,
                    OutputMode::kBlinking, absl::Seconds(1)});
  nc.activate(at(0));
  EXPECT_FALSE(nc.contact_closed(at(0.5)));
  EXPECT_TRUE(nc.contact_closed(at(1.5)));
}

TEST(OutputConfig, Validates) {
  EXPECT_FALSE(OutputConfig{}.validate().ok());  // no name
  OutputConfig c{"DO1", OutputFunction::kAlarm, NormalState::kNormallyOpen,
                 OutputMode::kBlinking, absl::ZeroDuration()};
  EXPECT_FALSE(c.validate().ok());
  c.on_time = absl::Seconds(-1);
  EXPECT_FALSE(c.validate().ok());
  c.on_time = absl::Seconds(1);
  EXPECT_TRUE(c.validate().ok());
  EXPECT_EQ(output_mode_name(OutputMode::kBlinking), "blinking");
  EXPECT_EQ(normal_state_name(NormalState::kNormallyClosed), "NC");
  EXPECT_EQ(output_function_name(OutputFunction::kRemote), "remote");
}

}  // namespace
}  // namespace emscore::control

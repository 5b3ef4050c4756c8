#include "emscore/control/alarm_controller.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "emscore/core/strings.hpp"
#include "emscore/obis/obis_code.hpp"

namespace emscore::control {
namespace {

using namespace emscore::obis::literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);
absl::Time at(int s) { return kT0 + absl::Seconds(s); }

// Clang 14 refuses a consteval literal in a default argument: a named constant instead.
constexpr obis::ObisCode kVoltageL1(1, 0, 32, 7, 0);

Reading volts(std::int64_t deci, int s, obis::ObisCode q = kVoltageL1) {
  return Reading{DeviceRef{1}, q, Value(deci, -1, Unit::kVolt), at(s), Quality::kMeasured};
}

ThresholdRule overvoltage(std::string name, obis::ObisCode q = kVoltageL1) {
  ThresholdRule r;
  r.name = std::move(name);
  r.quantity = q;
  r.threshold = Value(253, 0, Unit::kVolt);  // 230 V + 10 %
  r.hysteresis = Value(3, 0, Unit::kVolt);
  r.on_delay = absl::Seconds(5);
  return r;
}

std::vector<std::string> kinds(const std::vector<Event>& es) {
  std::vector<std::string> out;
  for (const Event& e : es) out.push_back(str_cat(event_kind_name(e.kind), " ", e.source));
  return out;
}

TEST(AlarmController, AlarmDrivesAMaintainedOutput) {
  AlarmController ac;
  ASSERT_TRUE(ac.add_output({"DO1", OutputFunction::kAlarm, NormalState::kNormallyOpen,
                             OutputMode::kMaintained, absl::ZeroDuration()})
                  .ok());
  ASSERT_TRUE(ac.add_rule(overvoltage("overvoltage-L1"), "DO1").ok());
  ASSERT_TRUE(ac.on_reading(volts(2540, 0)).ok());
  EXPECT_TRUE(ac.poll(at(4)).empty());  // on-delay running
  EXPECT_EQ(ac.next_wakeup(at(4)), at(5));
  auto es = ac.poll(at(6));
  EXPECT_THAT(kinds(es), ElementsAre("alarm_raised rule overvoltage-L1", "output_changed output DO1"));
  EXPECT_EQ(es[1].at, at(5));
  EXPECT_EQ(es[1].message,
            "on (NO, maintained, contact closed): alarm overvoltage-L1 raised");
  EXPECT_EQ(ac.contact_closed("DO1", at(6)), true);
  EXPECT_EQ(ac.alarm_active("overvoltage-L1"), true);
  EXPECT_TRUE(ac.poll(at(100)).empty());  // no repeated events while it holds
  ASSERT_TRUE(ac.on_reading(volts(2490, 101)).ok());
  es = ac.poll(at(101));
  EXPECT_THAT(kinds(es), ElementsAre("alarm_cleared rule overvoltage-L1", "output_changed output DO1"));
  EXPECT_EQ(ac.contact_closed("DO1", at(101)), false);
}

TEST(AlarmController, ImpulsiveOutputPulsesOncePerAlarm) {
  AlarmController ac;
  ASSERT_TRUE(ac.add_output({"DO1", OutputFunction::kAlarm, NormalState::kNormallyClosed,
                             OutputMode::kImpulsive, absl::Seconds(2)})
                  .ok());
  ThresholdRule r = overvoltage("ov");
  r.on_delay = absl::ZeroDuration();
  ASSERT_TRUE(ac.add_rule(r, "DO1").ok());
  ASSERT_TRUE(ac.on_reading(volts(2600, 0)).ok());
  auto es = ac.poll(at(0));
  ASSERT_EQ(es.size(), 2u);
  EXPECT_EQ(ac.contact_closed("DO1", at(1)), false);  // NC: open while pulsing
  es = ac.poll(at(3));
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(es[0].at, at(2));
  EXPECT_THAT(es[0].message, HasSubstr("off (NC, impulsive 2s, contact closed): impulse"));
  // The alarm still holds: no second pulse.
  ASSERT_TRUE(ac.on_reading(volts(2600, 10)).ok());
  EXPECT_TRUE(ac.poll(at(10)).empty());
  // Released and raised again: a new pulse.
  ASSERT_TRUE(ac.on_reading(volts(2400, 20)).ok());
  ac.poll(at(20));
  ASSERT_TRUE(ac.on_reading(volts(2600, 30)).ok());
  es = ac.poll(at(30));
  EXPECT_THAT(kinds(es), ElementsAre("alarm_raised rule ov", "output_changed output DO1"));
}

TEST(AlarmController, SeveralRulesOnOneOutputAreOred) {
  AlarmController ac;
  ASSERT_TRUE(ac.add_output({"DO1", OutputFunction::kAlarm, NormalState::kNormallyOpen,
                             OutputMode::kBlinking, absl::Seconds(1)})
                  .ok());
  ThresholdRule l1 = overvoltage("ov-L1", "1-0:32.7.0"_obis);
  ThresholdRule l2 = overvoltage("ov-L2", "1-0:52.7.0"_obis);
  l1.on_delay = l2.on_delay = absl::ZeroDuration();
  ASSERT_TRUE(ac.add_rule(l1, "DO1").ok());
  ASSERT_TRUE(ac.add_rule(l2, "DO1").ok());
  ASSERT_TRUE(ac.on_reading(volts(2600, 0, "1-0:32.7.0"_obis)).ok());
  ASSERT_TRUE(ac.on_reading(volts(2600, 0, "1-0:52.7.0"_obis)).ok());
  EXPECT_EQ(ac.poll(at(0)).size(), 3u);  // two alarms, one output change
  EXPECT_EQ(ac.contact_closed("DO1", at(0)), true);
  EXPECT_EQ(ac.contact_closed("DO1", at(1)), false);  // blinking
  EXPECT_EQ(ac.next_wakeup(at(1)), at(2));
  ASSERT_TRUE(ac.on_reading(volts(2400, 5, "1-0:32.7.0"_obis)).ok());
  EXPECT_THAT(kinds(ac.poll(at(5))), ElementsAre("alarm_cleared rule ov-L1"));  // L2 holds it
  ASSERT_TRUE(ac.on_reading(volts(2400, 6, "1-0:52.7.0"_obis)).ok());
  EXPECT_THAT(kinds(ac.poll(at(6))),
              ElementsAre("alarm_cleared rule ov-L2", "output_changed output DO1"));
  EXPECT_EQ(ac.contact_closed("DO1", at(6)), false);
}

TEST(AlarmController, RemoteCommandsOnRemoteOutputsOnly) {
  AlarmController ac;
  ASSERT_TRUE(ac.add_output({"DO1", OutputFunction::kRemote, NormalState::kNormallyOpen,
                             OutputMode::kMaintained, absl::ZeroDuration()})
                  .ok());
  ASSERT_TRUE(ac.add_output({"DO2", OutputFunction::kAlarm, NormalState::kNormallyOpen,
                             OutputMode::kMaintained, absl::ZeroDuration()})
                  .ok());
  ASSERT_TRUE(ac.remote_command("DO1", RemoteCommand::kOn, at(1), "installer").ok());
  ASSERT_TRUE(ac.remote_command("DO1", RemoteCommand::kOn, at(2), "installer").ok());
  auto es = ac.poll(at(3));
  ASSERT_EQ(es.size(), 3u);
  EXPECT_EQ(es[0].kind, EventKind::kRemoteCommand);
  EXPECT_EQ(es[0].message, "on by installer");
  EXPECT_EQ(es[1].kind, EventKind::kOutputChanged);
  EXPECT_EQ(es[2].message, "on by installer (no change)");
  EXPECT_EQ(ac.contact_closed("DO1", at(3)), true);
  EXPECT_EQ(ac.remote_command("DO2", RemoteCommand::kOn, at(4), "x").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ac.remote_command("DO9", RemoteCommand::kOn, at(4), "x").code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(ac.remote_command("DO1", RemoteCommand::kOff, at(5), "admin").ok());
  EXPECT_EQ(ac.contact_closed("DO1", at(5)), false);
  auto views = ac.outputs(at(5));
  ASSERT_EQ(views.size(), 2u);
  EXPECT_FALSE(views[0].active);
  EXPECT_EQ(views[1].config.name, "DO2");
}

TEST(AlarmController, RejectsBadWiring) {
  AlarmController ac;
  ASSERT_TRUE(ac.add_output({"DO1", OutputFunction::kRemote, NormalState::kNormallyOpen,
                             OutputMode::kMaintained, absl::ZeroDuration()})
                  .ok());
  EXPECT_EQ(ac.add_output({"DO1", OutputFunction::kAlarm, NormalState::kNormallyOpen,
                           OutputMode::kMaintained, absl::ZeroDuration()})
                .code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ac.add_rule(overvoltage("a"), "DO1").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ac.add_rule(overvoltage("a"), "DO7").code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(ac.add_rule(overvoltage("a")).ok());  // a rule may only log
  EXPECT_EQ(ac.add_rule(overvoltage("a")).code(), absl::StatusCode::kAlreadyExists);
  Reading amps{DeviceRef{1}, "1-0:32.7.0"_obis, Value(5, 0, Unit::kAmpere), at(0),
               Quality::kMeasured};
  EXPECT_THAT(std::string(ac.on_reading(amps).message()), HasSubstr("rule 'a'"));
  EXPECT_FALSE(ac.alarm_active("zz").has_value());
  EXPECT_FALSE(ac.contact_closed("zz", at(0)).has_value());
}

// One misconfigured rule (a threshold of another dimension) must not blind the other rules
// that watch the same reading: every rule is fed, the first error is returned.
TEST(AlarmController, ARuleWithAWrongUnitDoesNotBlindTheOthers) {
  AlarmController ac;
  ThresholdRule watts = overvoltage("in-watts");
  watts.threshold = Value(253, 0, Unit::kWatt);
  watts.hysteresis = Value(3, 0, Unit::kWatt);
  watts.on_delay = absl::ZeroDuration();
  ASSERT_TRUE(ac.add_rule(watts).ok());
  ThresholdRule volts_rule = overvoltage("in-volts");
  volts_rule.on_delay = absl::ZeroDuration();
  ASSERT_TRUE(ac.add_rule(volts_rule).ok());
  EXPECT_THAT(std::string(ac.on_reading(volts(2600, 0)).message()), HasSubstr("in-watts"));
  EXPECT_THAT(kinds(ac.poll(at(1))), ElementsAre("alarm_raised rule in-volts"));
  EXPECT_EQ(ac.alarm_active("in-volts"), true);
}

}  // namespace
}  // namespace emscore::control

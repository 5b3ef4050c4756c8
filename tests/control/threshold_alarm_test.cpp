#include "emscore/control/threshold_alarm.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "emscore/obis/obis_code.hpp"

namespace emscore::control {
namespace {

using namespace emscore::obis::literals;
using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

Reading amps(std::int64_t milli, int at_s, std::uint32_t device = 1) {
  return Reading{DeviceRef{device}, "1-0:31.7.0"_obis, Value(milli, -3, Unit::kAmpere),
                 kT0 + absl::Seconds(at_s), Quality::kMeasured};
}

ThresholdRule overcurrent() {
  ThresholdRule r;
  r.name = "overcurrent-L1";
  r.quantity = "1-0:31.7.0"_obis;
  r.comparison = Comparison::kAbove;
  r.threshold = Value(100, 0, Unit::kAmpere);
  r.hysteresis = Value(5, 0, Unit::kAmpere);
  return r;
}

TEST(ThresholdAlarm, AboveWithHysteresis) {
  auto a = *ThresholdAlarm::create(overcurrent());
  ASSERT_TRUE(a.on_reading(amps(100'000, 0)).ok());  // equal: not above
  EXPECT_FALSE(a.poll(kT0).has_value());
  ASSERT_TRUE(a.on_reading(amps(100'001, 1)).ok());
  auto e = a.poll(kT0 + absl::Seconds(1));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind, EventKind::kAlarmRaised);
  EXPECT_EQ(e->source, "rule overcurrent-L1");
  EXPECT_EQ(e->message, "raised: 1-0:31.7.0 100.001 A > 100 A");
  EXPECT_TRUE(a.active());
  // Inside the band (95, 100]: stays raised, however often it crosses 100 A.
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(a.on_reading(amps(i % 2 ? 101'000 : 96'000, 2 + i)).ok());
    EXPECT_FALSE(a.poll(kT0 + absl::Seconds(2 + i)).has_value());
  }
  ASSERT_TRUE(a.on_reading(amps(95'000, 20)).ok());  // at threshold - hysteresis: released
  e = a.poll(kT0 + absl::Seconds(20));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind, EventKind::kAlarmCleared);
  EXPECT_EQ(e->message, "released: 1-0:31.7.0 95.000 A <= 95 A");
}

TEST(ThresholdAlarm, BelowAcrossUnits) {
  ThresholdRule r;
  r.name = "low-power";
  r.quantity = "1-0:1.7.0"_obis;
  r.comparison = Comparison::kBelow;
  r.threshold = Value(2, 0, Unit::kKiloWatt);
  r.hysteresis = Value(100, 0, Unit::kWatt);
  auto a = *ThresholdAlarm::create(r);
  auto w = [](std::int64_t watts, int s) {
    return Reading{DeviceRef{1}, "1-0:1.7.0"_obis, Value(watts, 0, Unit::kWatt),
                   kT0 + absl::Seconds(s), Quality::kMeasured};
  };
  ASSERT_TRUE(a.on_reading(w(1999, 0)).ok());
  ASSERT_TRUE(a.poll(kT0).has_value());
  ASSERT_TRUE(a.on_reading(w(2050, 1)).ok());  // inside the band
  EXPECT_FALSE(a.poll(kT0 + absl::Seconds(1)).has_value());
  ASSERT_TRUE(a.on_reading(w(2100, 2)).ok());  // 2.1 kW = threshold + hysteresis
  auto e = a.poll(kT0 + absl::Seconds(2));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->message, "released: 1-0:1.7.0 2100 W >= 2.100 kW");
}

TEST(ThresholdAlarm, OnDelayIgnoresShortSpikes) {
  ThresholdRule r = overcurrent();
  r.on_delay = absl::Seconds(10);
  auto a = *ThresholdAlarm::create(r);
  ASSERT_TRUE(a.on_reading(amps(120'000, 0)).ok());
  EXPECT_FALSE(a.poll(kT0 + absl::Seconds(5)).has_value());
  EXPECT_EQ(a.pending_until(), kT0 + absl::Seconds(10));
  ASSERT_TRUE(a.on_reading(amps(90'000, 6)).ok());  // spike of 6 s: nothing
  EXPECT_FALSE(a.poll(kT0 + absl::Seconds(30)).has_value());
  EXPECT_FALSE(a.pending_until().has_value());
  ASSERT_TRUE(a.on_reading(amps(120'000, 40)).ok());
  ASSERT_TRUE(a.on_reading(amps(121'000, 45)).ok());  // still above: the delay keeps running
  auto e = a.poll(kT0 + absl::Seconds(57));  // noticed late, dated when the delay ran out
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->at, kT0 + absl::Seconds(50));
  EXPECT_THAT(e->message, HasSubstr("121.000 A > 100 A for 10s"));
}

TEST(ThresholdAlarm, OffDelayHoldsTheAlarm) {
  ThresholdRule r = overcurrent();
  r.off_delay = absl::Seconds(60);
  auto a = *ThresholdAlarm::create(r);
  ASSERT_TRUE(a.on_reading(amps(120'000, 0)).ok());
  ASSERT_TRUE(a.poll(kT0).has_value());
  ASSERT_TRUE(a.on_reading(amps(50'000, 10)).ok());
  EXPECT_FALSE(a.poll(kT0 + absl::Seconds(69)).has_value());
  ASSERT_TRUE(a.on_reading(amps(101'000, 65)).ok());  // back up before the off-delay ended
  EXPECT_FALSE(a.poll(kT0 + absl::Seconds(200)).has_value());
  EXPECT_TRUE(a.active());
  ASSERT_TRUE(a.on_reading(amps(10'000, 300)).ok());
  auto e = a.poll(kT0 + absl::Seconds(360));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind, EventKind::kAlarmCleared);
  EXPECT_EQ(e->at, kT0 + absl::Seconds(360));
}

TEST(ThresholdAlarm, IgnoresOldAndInvalidReadingsAndFiltersDevices) {
  ThresholdRule r = overcurrent();
  r.device = DeviceRef{7};
  auto a = *ThresholdAlarm::create(r);
  EXPECT_FALSE(a.matches(amps(120'000, 0, 1)));
  EXPECT_TRUE(a.matches(amps(120'000, 0, 7)));
  EXPECT_FALSE(a.on_reading(amps(120'000, 0, 1)).ok());
  ASSERT_TRUE(a.on_reading(amps(50'000, 10, 7)).ok());
  ASSERT_TRUE(a.on_reading(amps(120'000, 5, 7)).ok());  // older than the newest: ignored
  EXPECT_FALSE(a.poll(kT0 + absl::Seconds(10)).has_value());
  Reading bad = amps(120'000, 11, 7);
  bad.quality = Quality::kInvalid;
  ASSERT_TRUE(a.on_reading(bad).ok());
  EXPECT_FALSE(a.poll(kT0 + absl::Seconds(11)).has_value());
  Reading volts = amps(0, 12, 7);
  volts.value = Value(230, 0, Unit::kVolt);
  EXPECT_THAT(std::string(a.on_reading(volts).message()), HasSubstr("reading in V"));
}

TEST(ThresholdAlarm, RejectsBadRules) {
  ThresholdRule r = overcurrent();
  r.name.clear();
  EXPECT_FALSE(ThresholdAlarm::create(r).ok());
  r = overcurrent();
  r.hysteresis = Value(-1, 0, Unit::kAmpere);
  EXPECT_FALSE(ThresholdAlarm::create(r).ok());
  r = overcurrent();
  r.hysteresis = Value(1, 0, Unit::kVolt);
  EXPECT_FALSE(ThresholdAlarm::create(r).ok());
  r = overcurrent();
  r.on_delay = absl::Seconds(-1);
  EXPECT_FALSE(ThresholdAlarm::create(r).ok());
  r = overcurrent();
  r.hysteresis = Value(2, 0);  // no unit: the threshold's
  EXPECT_TRUE(ThresholdAlarm::create(r).ok());
  EXPECT_EQ(comparison_name(Comparison::kBelow), "below");
}

}  // namespace
}  // namespace emscore::control

#include "emscore/metering/pulse_output.hpp"

#include <gtest/gtest.h>

namespace emscore::metering {
namespace {

Scaling ct(double ratio) {
  Scaling s;
  s.ct_ratio = ratio;
  return s;
}
Scaling mv(double primary) {
  Scaling s;
  s.current_input = CurrentInput::kSensor333mV;
  s.sensor_primary_a = primary;
  return s;
}

TEST(LedWeight, DataSheetTableForCtRatio) {
  struct Row { double ratio; const char* kwh; };
  for (const Row& r : {Row{1, "0.001"}, Row{7, "0.001"}, Row{7.5, "0.01"}, Row{70, "0.01"},
                       Row{71, "0.1"}, Row{700, "0.1"}, Row{701, "1"}, Row{2000, "1"}}) {
    auto w = led_pulse_weight(ct(r.ratio));
    ASSERT_TRUE(w.ok()) << w.status();
    EXPECT_EQ(w->to_string(), r.kwh) << r.ratio;
    EXPECT_EQ(w->unit, Unit::kKiloWattHour);
  }
  EXPECT_FALSE(led_pulse_weight(ct(2001)).ok());
}

TEST(LedWeight, DataSheetTableForPrimaryCurrent) {
  struct Row { double amps; const char* kwh; };
  for (const Row& r : {Row{5, "0.001"}, Row{35, "0.001"}, Row{36, "0.01"}, Row{350, "0.01"},
                       Row{351, "0.1"}, Row{3500, "0.1"}, Row{3501, "1"}, Row{10000, "1"}}) {
    auto w = led_pulse_weight(mv(r.amps));
    ASSERT_TRUE(w.ok()) << w.status();
    EXPECT_EQ(w->to_string(), r.kwh) << r.amps;
  }
  EXPECT_FALSE(led_pulse_weight(mv(10001)).ok());
}

// Property: every CT ratio 1..2000 and primary current 1..10000 A gives at most 16 Hz at the
// largest power the inputs take.
TEST(LedWeight, NeverFasterThanSixteenHertz) {
  for (int r = 1; r <= 2000; ++r) {
    auto w = led_pulse_weight(ct(r));
    ASSERT_TRUE(w.ok());
    EXPECT_LE(max_pulse_rate_hz(ct(r), *w), 16.0) << r;
  }
  for (int a = 1; a <= 10000; a += 7) {
    auto w = led_pulse_weight(mv(a));
    ASSERT_TRUE(w.ok());
    EXPECT_LE(max_pulse_rate_hz(mv(a), *w), 16.0) << a;
  }
  // With a 20 kV / 100 V VT (ratio 200) and CT 2000 the weight climbs by decades.
  Scaling s = ct(2000);
  s.vt_ratio = 200;
  auto w = led_pulse_weight(s);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->to_string(), "100");  // 2.3 GW at most: 6.4 Hz at 100 kWh per pulse
  EXPECT_LE(max_pulse_rate_hz(s, *w), 16.0);
}

TEST(PulseOutput, PulsesAreSpacedAndNothingIsLost) {
  auto p = PulseOutput::for_weight(Value(1, -3, Unit::kKiloWattHour));  // 1 Wh per pulse
  ASSERT_TRUE(p.ok()) << p.status();
  p->add(2'500'000);  // 2.5 Wh: two pulses now, half a pulse kept
  EXPECT_EQ(p->pending(), 2);
  constexpr std::int64_t ms = 1'000'000;
  EXPECT_TRUE(p->level(0));
  EXPECT_TRUE(p->level(29 * ms));
  EXPECT_FALSE(p->level(30 * ms));   // 30 ms pulse
  EXPECT_FALSE(p->level(62 * ms));   // next one not before 62.5 ms (16 Hz)
  EXPECT_TRUE(p->level(63 * ms));
  EXPECT_FALSE(p->level(100 * ms));
  EXPECT_FALSE(p->level(200 * ms));  // nothing pending
  p->add(500'000);                   // completes the third Wh
  EXPECT_TRUE(p->level(201 * ms));
  EXPECT_EQ(p->emitted(), 3);
  EXPECT_EQ(p->pending(), 0);
  EXPECT_FALSE(p->overrun());
  p->add(-5);  // ignored
  p->add(40'000'000);
  EXPECT_TRUE(p->overrun());
}

TEST(PulseOutput, RejectsBadConfig) {
  PulseOutput::Config c;
  c.micro_per_pulse = 0;
  EXPECT_FALSE(PulseOutput::create(c).ok());
  c = {};
  c.on_ns = 70'000'000;  // longer than the 62.5 ms period
  EXPECT_FALSE(PulseOutput::create(c).ok());
  c = {};
  c.max_rate_hz = 0;
  EXPECT_FALSE(PulseOutput::create(c).ok());
}

}  // namespace
}  // namespace emscore::metering

#include "emscore/metering/s0_input.hpp"

#include <gtest/gtest.h>

#include "emscore/core/strings.hpp"

namespace emscore::metering {
namespace {

using namespace emscore::obis::literals;
constexpr std::int64_t kMs = 1'000'000;

// One clean pulse: closed for `width` ms starting at t ms, polled every ms.
void pulse(S0Meter& m, std::int64_t& t, int width = 40, int gap = 60) {
  for (int k = 0; k < width; ++k) m.update(true, (t++) * kMs);
  for (int k = 0; k < gap; ++k) m.update(false, (t++) * kMs);
}

TEST(S0Meter, CountsPulsesFromTheStartingReading) {
  S0Config c;
  c.pulses_per_unit = 800;  // 800 imp/kWh: 1.25 Wh per pulse
  c.start = Value(1234567, -3, Unit::kKiloWattHour);
  auto m = S0Meter::create(c);
  ASSERT_TRUE(m.ok()) << m.status();
  std::int64_t t = 0;
  for (int k = 0; k < 1000; ++k) pulse(*m, t);
  EXPECT_EQ(m->pulses(), 1000u);
  auto v = m->value();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->to_string_with_unit(), "1235.817 kWh");  // 1234.567 + 1.25 (1000/800)
  auto r = m->reading(absl::FromUnixSeconds(1700000000));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->quantity.to_string(), "1-0:1.8.0");
}

TEST(S0Meter, DebounceRejectsBounceAndShortGlitches) {
  S0Config c;
  c.debounce_ns = 10 * kMs;
  auto m = S0Meter::create(c);
  ASSERT_TRUE(m.ok());
  // Contact bounce: 1 ms on/off for 8 ms, then closed for 40 ms: one pulse.
  std::int64_t t = 0;
  for (int k = 0; k < 8; ++k) m->update(k % 2 == 0, (t++) * kMs);
  for (int k = 0; k < 40; ++k) m->update(true, (t++) * kMs);
  // Open with a 3 ms re-closing glitch in the middle: still one pulse.
  for (int k = 0; k < 20; ++k) m->update(false, (t++) * kMs);
  for (int k = 0; k < 3; ++k) m->update(true, (t++) * kMs);
  for (int k = 0; k < 40; ++k) m->update(false, (t++) * kMs);
  EXPECT_EQ(m->pulses(), 1u);
  // Edge-driven use: the close edge, then a poll 12 ms later.
  m->update(true, (t + 0) * kMs);
  m->update(true, (t + 12) * kMs);
  EXPECT_EQ(m->pulses(), 2u);
}

TEST(S0Meter, WaterMeterWithMediumAndObis) {
  S0Config c;
  c.pulses_per_unit = 100;  // 10 l per pulse
  c.unit = Unit::kCubicMetre;
  c.start = Value(5, 0, Unit::kCubicMetre);
  c.decimals = 2;
  c.medium = obis::Medium::kWaterCold;
  c.code = "8-0:1.0.0"_obis;
  c.debounce_ns = 0;
  auto m = S0Meter::create(c);
  ASSERT_TRUE(m.ok()) << m.status();
  std::int64_t t = 0;
  for (int k = 0; k < 37; ++k) pulse(*m, t, 30, 30);
  EXPECT_EQ(m->value()->to_string_with_unit(), "5.37 m^3");
  ASSERT_TRUE(m->set_reading(Value(100000, -3, Unit::kLitre)).ok());  // 100 l = 0.1 m³
  EXPECT_EQ(m->pulses(), 0u);
  EXPECT_EQ(m->value()->to_string_with_unit(), "0.10 m^3");
  EXPECT_FALSE(m->set_reading(Value(1, 0, Unit::kKiloWattHour)).ok());
}

TEST(S0Meter, RejectsInconsistentConfig) {
  S0Config c;
  c.pulses_per_unit = 0;
  EXPECT_FALSE(S0Meter::create(c).ok());
  c = {};
  c.medium = obis::Medium::kGas;  // OBIS 1-0:1.8.0 is electricity
  auto m = S0Meter::create(c);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(emscore::to_std(m.status().message()).find("1-0:1.8.0"), std::string_view::npos);
  c = {};
  c.start = Value(1, 0, Unit::kCubicMetre);
  EXPECT_FALSE(S0Meter::create(c).ok());
  c = {};
  c.decimals = 10;
  EXPECT_FALSE(S0Meter::create(c).ok());
}

}  // namespace
}  // namespace emscore::metering

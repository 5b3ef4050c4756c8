#include "demo_model.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace emscore::refgw {
namespace {

using namespace emscore::obis::literals;

const absl::TimeZone kUtc = absl::UTCTimeZone();
// Monday 2026-11-23.
absl::Time at(int hour, int minute = 0) {
  return absl::FromCivil(absl::CivilSecond(2026, 11, 23, hour, minute, 0), kUtc);
}

const Reading* find(const std::vector<Reading>& rs, const obis::ObisCode& c) {
  for (const Reading& r : rs)
    if (r.quantity == c) return &r;
  return nullptr;
}

TEST(DemoNoise, DeterministicAndInRange) {
  EXPECT_EQ(demo_noise(7, 3, 100), demo_noise(7, 3, 100));
  EXPECT_NE(demo_noise(7, 3, 100), demo_noise(7, 3, 101));
  EXPECT_NE(demo_noise(7, 3, 100), demo_noise(8, 3, 100));
  double lo = 1, hi = -1, sum = 0;
  for (int i = 0; i < 10000; ++i) {
    const double n = demo_noise(1, 0, i);
    ASSERT_GE(n, -1.0);
    ASSERT_LT(n, 1.0);
    lo = std::min(lo, n);
    hi = std::max(hi, n);
    sum += n;
  }
  EXPECT_LT(lo, -0.99);
  EXPECT_GT(hi, 0.99);
  EXPECT_NEAR(sum / 10000, 0.0, 0.05);
}

TEST(DemoNoise, SmoothNoiseIsContinuous) {
  const absl::Time t = at(12);
  const double a = demo_smooth_noise(1, 2, t, absl::Seconds(60));
  const double b = demo_smooth_noise(1, 2, t + absl::Seconds(1), absl::Seconds(60));
  EXPECT_LT(std::abs(a - b), 2.0 / 60 + 1e-9);  // at most the full range over one period
}

TEST(DailyLoadShape, NightLowEveningHigh) {
  const double night = daily_load_shape(at(3), kUtc);
  const double evening = daily_load_shape(at(19), kUtc);
  const double morning = daily_load_shape(at(7, 30), kUtc);
  EXPECT_NEAR(night, 0.25, 0.02);
  EXPECT_GT(evening, 0.8);
  EXPECT_GT(morning, night + 0.2);
  for (int h = 0; h < 24; ++h) {
    const double s = daily_load_shape(at(h), kUtc);
    EXPECT_GE(s, 0.25);
    EXPECT_LE(s, 1.1);
  }
}

TEST(LoadPhasor, ActiveAndReactiveParts) {
  const Phasor p = load_phasor(10, 0.8);
  EXPECT_NEAR(p.real(), 8.0, 1e-12);
  EXPECT_NEAR(p.imag(), -6.0, 1e-12);
  EXPECT_NEAR(std::abs(p), 10.0, 1e-12);
}

ElectricMeterModel three_phase() {
  ElectricMeterModel m;
  m.phases = 3;
  m.peak_current_a = {10, 10, 10};
  m.power_factor = 0.9;
  m.import_kwh = 1000;
  m.seed = 42;
  return m;
}

TEST(ElectricMeterSim, PowerIsConsistentWithVoltageCurrentAndPowerFactor) {
  ElectricMeterSim sim(three_phase(), kUtc);
  sim.step(at(19));
  for (int p = 0; p < 3; ++p) {
    const PhaseValues& v = sim.phase(p);
    EXPECT_GT(v.voltage_v, 225.0);
    EXPECT_LT(v.voltage_v, 235.0);
    EXPECT_GT(v.current_a, 5.0);
    EXPECT_LT(v.current_a, 15.0);
    EXPECT_NEAR(v.active_w, v.voltage_v * v.current_a * v.power_factor, 1e-6);
    EXPECT_NEAR(v.apparent_va * v.apparent_va, v.active_w * v.active_w + v.reactive_var * v.reactive_var, 1e-3);
    EXPECT_GT(v.reactive_var, 0);  // inductive
    EXPECT_NEAR(v.power_factor, 0.9, 0.03);
  }
  EXPECT_NEAR(sim.frequency_hz(), 50.0, 0.05);
  // Nearly balanced phases: a small neutral current.
  EXPECT_LT(sim.neutral_current_a(), 0.5 * sim.phase(0).current_a);
}

TEST(ElectricMeterSim, EnergyIsTheIntegralOfPowerAndNeverDecreases) {
  ElectricMeterSim sim(three_phase(), kUtc);
  absl::Time t = at(0);
  sim.step(t);
  EXPECT_DOUBLE_EQ(sim.import_kwh(), 1000.0);  // the first step only sets values
  double expected = 1000.0;
  double prev_p = sim.active_power_w();
  double prev_e = sim.import_kwh();
  for (int i = 0; i < 24 * 60; ++i) {
    t += absl::Minutes(1);
    sim.step(t);
    expected += 0.5 * (prev_p + sim.active_power_w()) / 60.0 / 1000.0;
    prev_p = sim.active_power_w();
    ASSERT_GE(sim.import_kwh(), prev_e);
    prev_e = sim.import_kwh();
  }
  EXPECT_NEAR(sim.import_kwh(), expected, 1e-6);
  // About 3 * 230 V * 10 A * 0.9 * mean shape (~0.45) * 24 h = ~67 kWh in a day.
  EXPECT_GT(sim.import_kwh() - 1000.0, 40.0);
  EXPECT_LT(sim.import_kwh() - 1000.0, 100.0);
  // A step back in time changes nothing.
  const double before = sim.import_kwh();
  sim.step(t - absl::Hours(1));
  EXPECT_EQ(sim.import_kwh(), before);
  EXPECT_EQ(sim.last_step(), t);
}

TEST(ElectricMeterSim, SameSeedSameValues) {
  ElectricMeterSim a(three_phase(), kUtc), b(three_phase(), kUtc);
  for (int i = 0; i < 10; ++i) {
    a.step(at(8) + absl::Seconds(i));
    b.step(at(8) + absl::Seconds(i));
  }
  EXPECT_EQ(a.import_kwh(), b.import_kwh());
  EXPECT_EQ(a.phase(1).current_a, b.phase(1).current_a);
}

TEST(ElectricMeterSim, DownstreamLoadAddsToThePhase) {
  ElectricMeterSim alone(three_phase(), kUtc), loaded(three_phase(), kUtc);
  alone.step(at(3));
  loaded.step(at(3), {load_phasor(32, 1.0), Phasor{}, Phasor{}});
  EXPECT_GT(loaded.phase(0).current_a, alone.phase(0).current_a + 30.0);
  EXPECT_NEAR(loaded.phase(1).current_a, alone.phase(1).current_a, 1e-9);
  EXPECT_GT(loaded.phase(0).power_factor, alone.phase(0).power_factor);  // resistive load added
  EXPECT_GT(loaded.neutral_current_a(), 25.0);  // unbalanced
}

TEST(ElectricMeterSim, ReadingsCarryEveryQuantity) {
  ElectricMeterSim sim(three_phase(), kUtc);
  sim.step(at(12));
  const auto rs = sim.readings(DeviceRef{5});
  for (const auto& c : {"1-0:32.7.0"_obis, "1-0:52.7.0"_obis, "1-0:72.7.0"_obis, "1-0:31.7.0"_obis,
                        "1-0:71.7.0"_obis, "1-0:21.7.0"_obis, "1-0:33.7.0"_obis, "1-0:16.7.0"_obis,
                        "1-0:14.7.0"_obis, "1-0:91.7.0"_obis, "1-0:1.8.0"_obis, "1-0:1.8.1"_obis,
                        "1-0:15.8.0"_obis}) {
    const Reading* r = find(rs, c);
    ASSERT_NE(r, nullptr) << c.to_string();
    EXPECT_EQ(r->device, DeviceRef{5});
    EXPECT_EQ(r->at, at(12));
  }
  EXPECT_EQ(find(rs, "1-0:1.8.0"_obis)->value.unit, Unit::kKiloWattHour);
  EXPECT_EQ(find(rs, "1-0:32.7.0"_obis)->value.unit, Unit::kVolt);

  ElectricMeterModel single = three_phase();
  single.phases = 1;
  ElectricMeterSim one(single, kUtc);
  one.step(at(12));
  const auto r1 = one.readings(DeviceRef{6});
  EXPECT_NE(find(r1, "1-0:31.7.0"_obis), nullptr);
  EXPECT_EQ(find(r1, "1-0:51.7.0"_obis), nullptr);
  EXPECT_EQ(find(r1, "1-0:91.7.0"_obis), nullptr);
  EXPECT_EQ(one.phase(1).current_a, 0.0);
}

TEST(DemoValue, TruncatesToTheDecimals) {
  EXPECT_TRUE(demo_value(12.3456, 3, Unit::kKiloWattHour).identical(Value(12345, -3, Unit::kKiloWattHour)));
  EXPECT_TRUE(demo_value(229.999, 1, Unit::kVolt).identical(Value(2299, -1, Unit::kVolt)));
  EXPECT_TRUE(demo_value(0.1 + 0.2, 1, Unit::kNone).identical(Value(3, -1)));
}

}  // namespace
}  // namespace emscore::refgw

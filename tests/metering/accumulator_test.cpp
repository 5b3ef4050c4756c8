#include "emscore/metering/accumulator.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

namespace emscore::metering {
namespace {

TEST(QuantaCarry, CarriesTheFraction) {
  QuantaCarry q;
  EXPECT_EQ(q.take(0.4), 0);
  EXPECT_EQ(q.take(0.4), 0);
  EXPECT_EQ(q.take(0.4), 1);  // 1.2
  EXPECT_NEAR(q.carry(), 0.2, 1e-12);
  EXPECT_EQ(q.take(2.9), 3);  // 3.1
  EXPECT_NEAR(q.carry(), 0.1, 1e-12);
}

TEST(QuantaCarry, IgnoresNegativeNaNAndInfinity) {
  QuantaCarry q;
  q.take(0.5);
  EXPECT_EQ(q.take(-3.0), 0);
  EXPECT_EQ(q.take(std::numeric_limits<double>::quiet_NaN()), 0);
  EXPECT_EQ(q.take(std::numeric_limits<double>::infinity()), 0);
  EXPECT_EQ(q.take(2.2e43), 0);  // found by fuzzing: would not fit an int64
  EXPECT_EQ(q.take(QuantaCarry::kMaxQuanta), static_cast<std::int64_t>(1e15));
  EXPECT_DOUBLE_EQ(q.carry(), 0.5);
  q.set_carry(7.0);  // out of range on restore: dropped
  EXPECT_DOUBLE_EQ(q.carry(), 0.0);
}

// A year of 200 ms windows of a 10 kA, 480 V three-phase load (8.31 MW): 157.68 million
// increments of 461.6 Wh. The integer register must equal the exact sum to within one
// quantum (1 µWh); a double accumulator in kWh, the textbook approach, is shown to drift.
TEST(QuantaCarry, AYearAtTenKiloAmpereLosesNothing) {
  const double p_w = 3.0 * 277.128 * 10000.0;       // W
  const double wh = p_w * 0.2 / 3600.0;             // per window
  const double micro = wh * 1e6;                    // µWh per window, as the registers see it
  const std::int64_t windows = 365LL * 24 * 3600 * 5;
  QuantaCarry q;
  std::int64_t reg = 0;
  double naive_kwh = 0.0;
  float naive_float_kwh = 0.0f;
  for (std::int64_t k = 0; k < windows; ++k) {
    reg += q.take(micro);
    naive_kwh += wh / 1000.0;
    naive_float_kwh += static_cast<float>(wh / 1000.0);
  }
  // Exact sum of the doubles the register was given, in long double (64-bit mantissa: the
  // product ~7.3e16 keeps 2^-8 µWh of resolution).
  const long double exact = static_cast<long double>(micro) * static_cast<long double>(windows);
  EXPECT_LE(std::fabs(static_cast<long double>(reg) + q.carry() - exact), 1.0L);
  // 8 313 840 W * 8760 h = 72 829 238.4 kWh.
  EXPECT_NEAR(static_cast<double>(reg) / 1e9, 72'829'238.4, 1e-3);
  // The baselines: a double in kWh is already off by more than 0.001 kWh (the register
  // resolution), a float by whole MWh.
  EXPECT_GT(std::fabs(static_cast<long double>(naive_kwh) * 1e9L - exact), 1e6L);
  EXPECT_GT(std::fabs(static_cast<long double>(naive_float_kwh) * 1e9L - exact), 1e12L);
}

}  // namespace
}  // namespace emscore::metering

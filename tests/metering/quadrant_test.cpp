#include "emscore/metering/quadrant.hpp"

#include <gtest/gtest.h>

namespace emscore::metering {
namespace {

TEST(Quadrant, SignsAndBoundaries) {
  EXPECT_EQ(quadrant_of(1, 1), Quadrant::kI);
  EXPECT_EQ(quadrant_of(-1, 1), Quadrant::kII);
  EXPECT_EQ(quadrant_of(-1, -1), Quadrant::kIII);
  EXPECT_EQ(quadrant_of(1, -1), Quadrant::kIV);
  EXPECT_EQ(quadrant_of(0, 0), Quadrant::kI);   // boundaries belong to the import side
  EXPECT_EQ(quadrant_of(0, -1), Quadrant::kIV);
  EXPECT_EQ(quadrant_of(-1, 0), Quadrant::kII);
  EXPECT_TRUE(is_import(Quadrant::kIV));
  EXPECT_FALSE(is_import(Quadrant::kII));
  EXPECT_TRUE(is_reactive_positive(Quadrant::kII));
  EXPECT_TRUE(is_lagging(Quadrant::kIII));
  EXPECT_EQ(quadrant_name(Quadrant::kIII), "III");
}

TEST(Quadrant, SignedPowerFactor) {
  EXPECT_DOUBLE_EQ(signed_power_factor(500, 1000), 0.5);
  EXPECT_DOUBLE_EQ(signed_power_factor(-800, 1000), -0.8);
  EXPECT_DOUBLE_EQ(signed_power_factor(0, 0), 1.0);
  EXPECT_DOUBLE_EQ(signed_power_factor(1000.0000001, 1000), 1.0);  // clamped
}

}  // namespace
}  // namespace emscore::metering

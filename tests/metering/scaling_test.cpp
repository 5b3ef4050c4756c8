#include "emscore/metering/scaling.hpp"

#include <gtest/gtest.h>

namespace emscore::metering {
namespace {

TEST(Scaling, FactorsAndRatedCurrent) {
  Scaling ct;
  ct.ct_ratio = 2000;
  EXPECT_DOUBLE_EQ(ct.current_factor(), 2000);
  EXPECT_DOUBLE_EQ(ct.rated_primary_current(), 10000);  // 5 A * 2000 = 10 kA
  EXPECT_TRUE(ct.validate().ok());
  Scaling mv;
  mv.current_input = CurrentInput::kSensor333mV;
  mv.sensor_primary_a = 10000;
  EXPECT_NEAR(mv.current_factor() * 0.333, 10000, 1e-9);
  EXPECT_DOUBLE_EQ(mv.rated_primary_current(), 10000);
  EXPECT_TRUE(mv.validate().ok());
}

TEST(Scaling, LimitsOfTheDataSheet) {
  Scaling s;
  s.ct_ratio = 2000.5;
  EXPECT_EQ(s.validate().code(), absl::StatusCode::kInvalidArgument);
  s.ct_ratio = 0.5;
  EXPECT_FALSE(s.validate().ok());
  s.ct_ratio = 1;
  s.vt_ratio = 0;
  EXPECT_FALSE(s.validate().ok());
  Scaling mv;
  mv.current_input = CurrentInput::kSensor333mV;
  mv.sensor_primary_a = 10000.1;
  EXPECT_FALSE(mv.validate().ok());
  mv.sensor_primary_a = -5;
  EXPECT_FALSE(mv.validate().ok());
}

}  // namespace
}  // namespace emscore::metering

#include "emscore/tariff/site.hpp"

#include <gtest/gtest.h>

#include "test_site.hpp"

namespace emscore::tariff {
namespace {

TEST(Site, ValidateAndLookUp) {
  Site s = testing::site_with(testing::seed_plan(true));
  EXPECT_TRUE(s.validate().ok());
  EXPECT_EQ(s.device_index("main"), 0);
  EXPECT_EQ(s.device_index("nobody"), -1);
  s.devices.push_back(Device{"", Medium::kWater, "", "", false});
  EXPECT_FALSE(s.validate().ok());
  s.devices.back().id = "main";
  EXPECT_NE(s.validate().message().find("used twice"), absl::string_view::npos);
  s.devices.pop_back();
  s.gas_kwh_per_m3 = Value(-1, 0);
  EXPECT_FALSE(s.validate().ok());
  s.gas_kwh_per_m3 = Value(1055, -2);
  s.plan(Medium::kGas).rules.push_back(CostRule{});  // names tariff 0 of an empty plan
  EXPECT_NE(s.validate().message().find("gas"), absl::string_view::npos);
}

}  // namespace
}  // namespace emscore::tariff

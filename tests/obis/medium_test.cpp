#include "emscore/obis/medium.hpp"

#include <gtest/gtest.h>

namespace emscore::obis {
namespace {

TEST(Medium, GroupA) {
  EXPECT_EQ(medium_of_group_a(0), Medium::kAbstract);
  EXPECT_EQ(medium_of_group_a(1), Medium::kElectricity);
  EXPECT_EQ(medium_of_group_a(4), Medium::kHeatCostAllocator);
  EXPECT_EQ(medium_of_group_a(5), Medium::kCooling);
  EXPECT_EQ(medium_of_group_a(6), Medium::kHeat);
  EXPECT_EQ(medium_of_group_a(7), Medium::kGas);
  EXPECT_EQ(medium_of_group_a(8), Medium::kWaterCold);
  EXPECT_EQ(medium_of_group_a(9), Medium::kWaterHot);
  EXPECT_EQ(medium_of_group_a(15), Medium::kOther);
  for (int a : {2, 3, 10, 14, 16, 255}) {
    EXPECT_EQ(medium_of_group_a(static_cast<std::uint8_t>(a)), Medium::kReserved) << a;
  }
}

TEST(Medium, Names) {
  EXPECT_EQ(medium_name(Medium::kElectricity), "electricity");
  EXPECT_EQ(medium_name(Medium::kGas), "gas");
  EXPECT_EQ(medium_name(Medium::kWaterHot), "hot water");
  EXPECT_EQ(medium_name(Medium::kHeatCostAllocator), "heat cost allocator");
}

}  // namespace
}  // namespace emscore::obis

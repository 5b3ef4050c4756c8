#include "emscore/mbus/vif.hpp"

#include <gtest/gtest.h>

#include "emscore/core/strings.hpp"

namespace emscore::mbus {
namespace {

TEST(Vif, PrimaryEnergyVolumePowerDecades) {
  EXPECT_EQ(primary_vif(0x03).unit, Unit::kWattHour);
  EXPECT_EQ(primary_vif(0x03).exponent, 0);
  EXPECT_EQ(primary_vif(0x06).exponent, 3);   // kWh
  EXPECT_EQ(primary_vif(0x0E).unit, Unit::kJoule);
  EXPECT_EQ(primary_vif(0x0E).exponent, 6);   // MJ
  EXPECT_EQ(primary_vif(0x13).unit, Unit::kCubicMetre);
  EXPECT_EQ(primary_vif(0x13).exponent, -3);  // litre
  EXPECT_EQ(primary_vif(0x2B).unit, Unit::kWatt);
  EXPECT_EQ(primary_vif(0x2B).exponent, 0);
  EXPECT_EQ(primary_vif(0x3B).unit, Unit::kCubicMetrePerHour);
  EXPECT_EQ(primary_vif(0x3B).exponent, -3);
  EXPECT_EQ(primary_vif(0x46).unit, Unit::kCubicMetrePerMinute);
  EXPECT_EQ(primary_vif(0x4E).unit, Unit::kCubicMetrePerSecond);
  EXPECT_EQ(primary_vif(0x53).unit, Unit::kKilogramPerHour);
  EXPECT_EQ(primary_vif(0x1B).quantity, "Mass");
  // The extension bit does not change the meaning.
  EXPECT_EQ(primary_vif(0x86).exponent, primary_vif(0x06).exponent);
}

TEST(Vif, TemperaturesPressureAndTimes) {
  EXPECT_EQ(primary_vif(0x59).quantity, "Flow temperature");
  EXPECT_EQ(primary_vif(0x59).exponent, -2);
  EXPECT_EQ(primary_vif(0x5D).quantity, "Return temperature");
  EXPECT_EQ(primary_vif(0x61).unit, Unit::kKelvin);
  EXPECT_EQ(primary_vif(0x67).quantity, "External temperature");
  EXPECT_EQ(primary_vif(0x68).unit, Unit::kBar);
  EXPECT_EQ(primary_vif(0x68).exponent, -3);
  EXPECT_EQ(primary_vif(0x22).seconds, 3600);  // on time in hours
  EXPECT_EQ(primary_vif(0x27).seconds, 86400);
  EXPECT_EQ(primary_vif(0x27).quantity, "Operating time");
  EXPECT_EQ(primary_vif(0x6C).kind, VifKind::kDate);
  EXPECT_EQ(primary_vif(0x6D).kind, VifKind::kDateTime);
  EXPECT_EQ(primary_vif(0x6E).unit, Unit::kHeatCostAllocation);
  EXPECT_EQ(primary_vif(0x6F).kind, VifKind::kReserved);
  EXPECT_EQ(primary_vif(0x71).seconds, 60);
  EXPECT_EQ(primary_vif(0x75).quantity, "Actuality Duration");
  EXPECT_EQ(primary_vif(0x78).kind, VifKind::kIdentifier);
  EXPECT_EQ(primary_vif(0x7A).quantity, "Bus Address");
  EXPECT_EQ(primary_vif(0x7F).kind, VifKind::kManufacturer);
}

TEST(Vif, ExtensionTables) {
  EXPECT_EQ(fd_vif(0x17).quantity, "Error flags");
  EXPECT_EQ(fd_vif(0x17).kind, VifKind::kBitField);
  EXPECT_EQ(fd_vif(0x0E).quantity, "Firmware version");
  EXPECT_EQ(fd_vif(0x48).unit, Unit::kVolt);
  EXPECT_EQ(fd_vif(0x48).exponent, -1);
  EXPECT_EQ(fd_vif(0x59).unit, Unit::kAmpere);
  EXPECT_EQ(fd_vif(0x59).exponent, -3);
  EXPECT_EQ(fd_vif(0x02).unit, Unit::kCurrency);
  EXPECT_EQ(fd_vif(0x26).seconds, 3600);
  EXPECT_EQ(fd_vif(0x28).unit, Unit::kMonth);
  EXPECT_EQ(fd_vif(0x1C).unit, Unit::kBaud);
  EXPECT_EQ(fd_vif(0x7C).kind, VifKind::kReserved);
  EXPECT_EQ(fb_vif(0x00).unit, Unit::kWattHour);
  EXPECT_EQ(fb_vif(0x01).exponent, 6);      // 1 MWh
  EXPECT_EQ(fb_vif(0x09).unit, Unit::kJoule);
  EXPECT_EQ(fb_vif(0x09).exponent, 9);      // 1 GJ
  EXPECT_EQ(fb_vif(0x11).exponent, 3);      // 1000 m^3
  EXPECT_EQ(fb_vif(0x19).exponent, 6);      // 1000 t in kg
  EXPECT_EQ(fb_vif(0x29).exponent, 6);      // 1 MW
  EXPECT_EQ(fb_vif(0x5A).unit, Unit::kFahrenheit);
  EXPECT_EQ(fb_vif(0x7B).quantity, "Cumul count max power");
  EXPECT_EQ(fb_vif(0x40).kind, VifKind::kReserved);
}

TEST(Vif, CombinableExtensions) {
  EXPECT_EQ(combinable_vife(0x22).kind, VifeKind::kPerTime);
  EXPECT_EQ(combinable_vife(0x22).per_time, Unit::kHour);
  EXPECT_EQ(combinable_vife(0x74).kind, VifeKind::kMultiplicative);
  EXPECT_EQ(combinable_vife(0x74).exponent, -2);
  EXPECT_EQ(combinable_vife(0x7D).exponent, 3);
  EXPECT_EQ(combinable_vife(0x79).kind, VifeKind::kAdditive);
  EXPECT_EQ(combinable_vife(0x15).kind, VifeKind::kErrorCode);
  EXPECT_EQ(combinable_vife(0x15).text, "no data available (undefined value)");
  EXPECT_EQ(combinable_vife(0x3B).kind, VifeKind::kAccumulationPositive);
  EXPECT_EQ(combinable_vife(0x39).kind, VifeKind::kStartDateOf);
  EXPECT_EQ(combinable_vife(0x48).kind, VifeKind::kLimitValue);
  EXPECT_EQ(combinable_vife(0x7F).kind, VifeKind::kManufacturerNext);
  EXPECT_EQ(record_error_text(0x16), "data overflow");
}

}  // namespace
}  // namespace emscore::mbus

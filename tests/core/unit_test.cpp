#include "emscore/core/unit.hpp"

#include <gtest/gtest.h>

namespace emscore {
namespace {

TEST(Unit, SymbolsAndDlmsCodes) {
  EXPECT_EQ(unit_symbol(Unit::kWattHour), "Wh");
  EXPECT_EQ(unit_symbol(Unit::kCubicMetre), "m^3");
  EXPECT_EQ(unit_symbol(Unit::kCelsius), "°C");
  EXPECT_EQ(unit_info(Unit::kWattHour).dlms_code, 30);
  EXPECT_EQ(unit_info(Unit::kVolt).dlms_code, 35);
  EXPECT_EQ(unit_from_dlms(27), Unit::kWatt);
  EXPECT_EQ(unit_from_dlms(13), Unit::kCubicMetre);
  EXPECT_EQ(unit_from_dlms(255), Unit::kNone);
  EXPECT_EQ(unit_from_dlms(0), std::nullopt);
  EXPECT_EQ(unit_from_dlms(200), std::nullopt);
}

TEST(Unit, EveryDlmsCodeIsUnique) {
  for (const auto& a : kUnitTable) {
    if (a.dlms_code == 0) continue;
    for (const auto& b : kUnitTable) {
      if (&a != &b) {
        EXPECT_NE(a.dlms_code, b.dlms_code) << a.symbol << " " << b.symbol;
      }
    }
  }
}

TEST(Unit, Scales) {
  EXPECT_EQ(unit_scale(Unit::kKiloWattHour, Unit::kWattHour), 3);
  EXPECT_EQ(unit_scale(Unit::kWattHour, Unit::kMegaWattHour), -6);
  EXPECT_EQ(unit_scale(Unit::kLitre, Unit::kCubicMetre), -3);
  EXPECT_EQ(unit_scale(Unit::kGigaJoule, Unit::kMegaJoule), 3);
  EXPECT_EQ(unit_scale(Unit::kWattHour, Unit::kJoule), std::nullopt);
  EXPECT_EQ(unit_scale(Unit::kWatt, Unit::kWattHour), std::nullopt);
  EXPECT_TRUE(same_dimension(Unit::kBar, Unit::kPascal));
}

TEST(Unit, ParsesMeterSpellings) {
  EXPECT_EQ(parse_unit("kWh"), Unit::kKiloWattHour);
  EXPECT_EQ(parse_unit("m3"), Unit::kCubicMetre);
  EXPECT_EQ(parse_unit("m^3"), Unit::kCubicMetre);
  EXPECT_EQ(parse_unit("m\xC2\xB3"), Unit::kCubicMetre);
  EXPECT_EQ(parse_unit("kvarh"), Unit::kKiloVarHour);
  EXPECT_EQ(parse_unit("kVArh"), Unit::kKiloVarHour);
  EXPECT_EQ(parse_unit("V"), Unit::kVolt);
  EXPECT_EQ(parse_unit("A"), Unit::kAmpere);
  EXPECT_EQ(parse_unit("kW"), Unit::kKiloWatt);
  EXPECT_EQ(parse_unit("GJ"), Unit::kGigaJoule);
  EXPECT_EQ(parse_unit("s"), Unit::kSecond);
  EXPECT_EQ(parse_unit("°C"), Unit::kCelsius);
  EXPECT_EQ(parse_unit("MW"), Unit::kMegaWatt);
  EXPECT_EQ(parse_unit("furlong"), std::nullopt);
  EXPECT_EQ(parse_unit(""), Unit::kNone);
}

TEST(Unit, EverySymbolParsesBack) {
  for (const auto& u : kUnitTable) {
    EXPECT_EQ(parse_unit(u.symbol), u.unit) << u.symbol;
  }
}

}  // namespace
}  // namespace emscore

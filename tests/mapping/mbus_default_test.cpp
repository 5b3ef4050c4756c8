#include "emscore/mapping/mbus_default.hpp"

#include <gtest/gtest.h>

#include "mbus_frames.hpp"

namespace emscore::mapping {
namespace {

using namespace emscore::obis::literals;
using testing::LoadedTelegram;

struct Expect {
  obis::ObisCode code;
  Value value;
};

void expect_readings(const std::string& frame, const std::vector<Expect>& expect,
                     Quality quality = Quality::kMeasured) {
  SCOPED_TRACE(frame);
  LoadedTelegram t(testing::hex_file(frame));
  ASSERT_TRUE(t.ok());
  std::vector<Reading> out;
  const auto at = absl::FromUnixSeconds(1700000000);
  EXPECT_EQ(mbus_default_readings(*t, DeviceRef{3}, at, out), expect.size());
  ASSERT_EQ(out.size(), expect.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].quantity, expect[i].code) << out[i].quantity.to_string();
    EXPECT_TRUE(out[i].value.identical(expect[i].value))
        << out[i].quantity.to_string() << ": " << out[i].value.to_string_with_unit() << " ("
        << out[i].value.mantissa << "e" << int(out[i].value.exponent) << "), expected "
        << expect[i].value.to_string_with_unit();
    EXPECT_EQ(out[i].quality, quality);
    EXPECT_EQ(out[i].device.id, 3u);
    EXPECT_EQ(out[i].at, at);
  }
}

// libmbus test frames (tests/vectors/mbus/libmbus), values as libmbus decodes them.
TEST(MbusDefault, ElectricityEmuProfessional) {
  // Energy per tariff (subunit 0) and total power; subunit-2 records, records with the
  // manufacturer VIFE (per-phase values), min/max, voltages and currents are not defaults.
  expect_readings("EMU_EMU-Professional-375-M-Bus.hex",
                  {{"1-0:1.8.1"_obis, Value(1364, -3, Unit::kKiloWattHour)},
                   {"1-0:1.8.2"_obis, Value(0, -3, Unit::kKiloWattHour)},
                   {"1-0:1.7.0"_obis, Value(-2, -3, Unit::kKiloWatt)}});
}

TEST(MbusDefault, HeatKamstrupMultical601) {
  // Storage 1 (values at the due date), subunits 1-3, maxima and the time point are skipped.
  expect_readings("kamstrup_multical_601.hex",
                  {{"6-0:1.0.0"_obis, Value(37351, 0, Unit::kKiloWattHour)},
                   {"6-0:2.0.0"_obis, Value(56108, -2, Unit::kCubicMetre)},
                   {"0-0:96.8.0"_obis, Value(3546000, 0, Unit::kSecond)},
                   {"6-0:3.1.0"_obis, Value(10169, -2, Unit::kCelsius)},
                   {"6-0:3.2.0"_obis, Value(4616, -2, Unit::kCelsius)},
                   {"6-0:12.0.0"_obis, Value(5553, -2, Unit::kKelvin)},
                   {"6-0:8.0.0"_obis, Value(347, -1, Unit::kKiloWatt)},
                   {"6-0:3.3.0"_obis, Value(543, -3, Unit::kCubicMetrePerHour)},
                   {"6-0:1.0.1"_obis, Value(0, 0, Unit::kKiloWattHour)},
                   {"6-0:1.0.2"_obis, Value(0, 0, Unit::kKiloWattHour)}});
}

TEST(MbusDefault, WaterGasAndWarmWater) {
  // Itron Cyble: status 0x30 has the temporary-error bit: questionable. The second volume
  // record of storage 0 does not override the first.
  expect_readings("itron_cyble_m-bus_v1.4_water.hex",
                  {{"8-0:1.0.0"_obis, Value(12349, -2, Unit::kCubicMetre)}}, Quality::kQuestionable);
  expect_readings("itron_cyble_m-bus_v1.4_gas.hex", {{"7-0:3.0.0"_obis, Value(26, -2, Unit::kCubicMetre)}});
  expect_readings("oms_frame1.hex", {{"7-0:3.0.0"_obis, Value(2850427, -2, Unit::kCubicMetre)}});
  // Engelmann WaterStar, warm water: status 0x27 (abnormal condition, power low).
  expect_readings("EFE_Engelmann-WaterStar.hex",
                  {{"9-0:1.0.0"_obis, Value(332, -3, Unit::kCubicMetre)},
                   {"9-0:2.0.0"_obis, Value(0, -3, Unit::kCubicMetrePerHour)},
                   {"0-0:96.8.0"_obis, Value(102902400, 0, Unit::kSecond)}},
                  Quality::kQuestionable);
}

TEST(MbusDefault, MediaWithoutDefaultsAndStoredOnlyValues) {
  // Elvaco CMa10 (medium "other"): nothing. Landis+Gyr G350 gas: the volume is storage 1 only.
  expect_readings("ELV-Elvaco-CMa10.hex", {});
  expect_readings("LGB_G350.hex", {});
}

// Crafted records for the unit steps and the electricity export direction.
TEST(MbusDefault, UnitStepsAndExport) {
  auto data = testing::long_header(0x04);  // heat
  data.insert(data.end(), {
      0x04, 0x0E, 0x40, 0xE2, 0x01, 0x00,  // energy 123456 * 10^6 J = 123.456 GJ (VIF 0x0E)
      0x02, 0x43, 0x0A, 0x00,              // volume flow 10 * 10^-4 m³/min (VIF 0x43) = 0.06 m³/h
  });
  LoadedTelegram heat(testing::long_frame(0x72, data));
  ASSERT_TRUE(heat.ok());
  std::vector<Reading> out;
  ASSERT_EQ(mbus_default_readings(*heat, DeviceRef{1}, absl::UnixEpoch(), out), 2u);
  EXPECT_EQ(out[0].quantity, "6-0:1.0.0"_obis);
  EXPECT_TRUE(out[0].value == Value(123456, -3, Unit::kGigaJoule)) << out[0].value.to_string_with_unit();
  EXPECT_EQ(out[0].value.unit, Unit::kGigaJoule);
  EXPECT_EQ(out[1].quantity, "6-0:3.3.0"_obis);
  EXPECT_TRUE(out[1].value == Value(6, -2, Unit::kCubicMetrePerHour)) << out[1].value.to_string_with_unit();
  EXPECT_EQ(out[1].value.unit, Unit::kCubicMetrePerHour);

  auto e = testing::long_header(0x02);  // electricity
  e.insert(e.end(), {
      0x04, 0x83, 0x3C, 0x10, 0x27, 0x00, 0x00,  // energy 10000 Wh, accumulation negative
      0x84, 0x10, 0x03, 0x20, 0x4E, 0x00, 0x00,  // energy 20000 Wh, tariff 1
      0x84, 0x40, 0x03, 0x30, 0x75, 0x00, 0x00,  // energy 30000 Wh, subunit 1: skipped
      0x14, 0x03, 0x40, 0x9C, 0x00, 0x00,        // energy, maximum: skipped
  });
  LoadedTelegram el(testing::long_frame(0x72, e));
  ASSERT_TRUE(el.ok());
  out.clear();
  ASSERT_EQ(mbus_default_readings(*el, DeviceRef{1}, absl::UnixEpoch(), out), 2u);
  EXPECT_EQ(out[0].quantity, "1-0:2.8.0"_obis);
  EXPECT_TRUE(out[0].value == Value(10, 0, Unit::kKiloWattHour));
  EXPECT_EQ(out[1].quantity, "1-0:1.8.1"_obis);
  EXPECT_TRUE(out[1].value == Value(20, 0, Unit::kKiloWattHour));
}

TEST(MbusDefault, MediumTable) {
  EXPECT_EQ(obis_medium_of(0x02), 1);
  EXPECT_EQ(obis_medium_of(0x03), 7);
  EXPECT_EQ(obis_medium_of(0x04), 6);
  EXPECT_EQ(obis_medium_of(0x0C), 6);
  EXPECT_EQ(obis_medium_of(0x0A), 5);
  EXPECT_EQ(obis_medium_of(0x07), 8);
  EXPECT_EQ(obis_medium_of(0x16), 8);
  EXPECT_EQ(obis_medium_of(0x06), 9);
  EXPECT_EQ(obis_medium_of(0x15), 9);
  EXPECT_EQ(obis_medium_of(0x08), std::nullopt);  // heat cost allocator: no common VIFs
  EXPECT_EQ(obis_medium_of(0x00), std::nullopt);
}

}  // namespace
}  // namespace emscore::mapping

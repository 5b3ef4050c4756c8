#include "emscore/mapping/apply.hpp"

#include <gtest/gtest.h>

namespace emscore::mapping {
namespace {

using namespace emscore::obis::literals;
using VT = modbus::ValueType;

ModbusDriver emu_like() {
  ModbusDriver d;
  ModbusField e;
  e.meaning.name = "Active energy import T1";
  e.meaning.obis = "1-0:1.8.1"_obis;
  e.meaning.unit = Unit::kWattHour;
  e.meaning.output_unit = Unit::kKiloWattHour;
  e.meaning.tariff = 1;
  e.table = Table::kHoldingRegister;
  e.address = 6004;
  e.type = VT::kU64;
  ModbusField v;
  v.meaning.name = "Voltage L1";
  v.meaning.obis = "1-0:32.7.0"_obis;
  v.meaning.unit = Unit::kVolt;
  v.meaning.scaling.factor = Value(1, -1);
  v.table = Table::kHoldingRegister;
  v.address = 6100;
  v.type = VT::kU16;
  ModbusField f;
  f.meaning.name = "Frequency";
  f.meaning.obis = "1-0:14.7.0"_obis;
  f.meaning.unit = Unit::kHertz;
  f.table = Table::kInputRegister;
  f.address = 0;
  f.type = VT::kF32;
  f.order = modbus::WordOrder::kCDAB;
  ModbusField noobis = v;
  noobis.meaning.obis.reset();
  noobis.address = 6101;
  d.fields = {e, v, f, noobis};
  return d;
}

TEST(Apply, DecodesScalesConvertsAndTags) {
  const ModbusDriver d = emu_like();
  const std::uint16_t energy[] = {0, 0, 0x0002, 0xC0F6};  // 180470 Wh
  const std::uint16_t volts[] = {2301, 2299};
  const std::uint16_t freq[] = {0xEB85, 0x4247};  // 49.98f, word-swapped
  const RegisterBlock blocks[] = {{Table::kHoldingRegister, 6004, energy},
                                  {Table::kHoldingRegister, 6100, volts},
                                  {Table::kInputRegister, 0, freq}};
  std::vector<Reading> out;
  std::vector<FieldError> errors;
  const absl::Time at = absl::FromUnixSeconds(1712840425);
  EXPECT_EQ(apply(d, blocks, DeviceRef{9}, at, out, &errors), 3u);
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].quantity, "1-0:1.8.1"_obis);
  EXPECT_TRUE(out[0].value.identical(Value(180470, -3, Unit::kKiloWattHour)));
  EXPECT_EQ(out[0].value.to_string_with_unit(), "180.470 kWh");
  EXPECT_EQ(out[0].device, DeviceRef{9});
  EXPECT_EQ(out[0].at, at);
  EXPECT_TRUE(out[1].value.identical(Value(2301, -1, Unit::kVolt)));
  EXPECT_EQ(out[2].value.to_string_with_unit(), "49.98 Hz");
}

TEST(Apply, MissingAndBadRegistersAreReportedNotFatal) {
  const ModbusDriver d = emu_like();
  const std::uint16_t volts[] = {2301, 2299};
  const std::uint16_t nan[] = {0xFFFF, 0x7FC0};  // NaN in CDAB
  const RegisterBlock blocks[] = {{Table::kHoldingRegister, 6100, volts},
                                  {Table::kInputRegister, 0, nan}};
  std::vector<Reading> out;
  std::vector<FieldError> errors;
  EXPECT_EQ(apply(d, blocks, DeviceRef{1}, absl::UnixEpoch(), out, &errors), 1u);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].field, 0u);
  EXPECT_EQ(errors[0].message, "Active energy import T1: holding address 6004 was not read");
  EXPECT_EQ(errors[1].field, 2u);
  EXPECT_NE(errors[1].message.find("Frequency: "), std::string::npos);
  // Without an error sink the good values still come out.
  out.clear();
  EXPECT_EQ(apply(d, blocks, DeviceRef{1}, absl::UnixEpoch(), out), 1u);
}

TEST(Apply, BitsAndBlockBounds) {
  ModbusDriver d;
  ModbusField c;
  c.meaning.name = "Breaker";
  c.meaning.obis = "0-0:96.3.10"_obis;
  c.table = Table::kCoil;
  c.address = 3;
  d.fields = {c};
  const std::uint16_t bits[] = {0, 0, 0, 1};
  std::vector<Reading> out;
  EXPECT_EQ(apply(d, std::vector<RegisterBlock>{{Table::kCoil, 0, bits}}, DeviceRef{}, absl::UnixEpoch(), out), 1u);
  EXPECT_TRUE(out[0].value.identical(Value(1, 0)));
  // A block that ends one register early does not contain the field.
  std::vector<FieldError> errors;
  EXPECT_EQ(apply(d, std::vector<RegisterBlock>{{Table::kCoil, 0, std::span(bits).first(3)}}, DeviceRef{},
                  absl::UnixEpoch(), out, &errors), 0u);
  EXPECT_EQ(errors.size(), 1u);
}

}  // namespace
}  // namespace emscore::mapping

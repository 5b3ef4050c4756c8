#include "emscore/mapping/apply.hpp"

#include <gtest/gtest.h>

#include "mbus_frames.hpp"

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
  // Each Reading's field: the voltage is field 1 (fields 0 and 2 failed, 3 has no OBIS code).
  out.clear();
  std::vector<std::uint32_t> fields;
  EXPECT_EQ(apply(d, blocks, DeviceRef{1}, absl::UnixEpoch(), out, nullptr, &fields), 1u);
  EXPECT_EQ(fields, std::vector<std::uint32_t>{1});
  // All good: one field index per Reading, the OBIS-less field skipped.
  const std::uint16_t energy[] = {0, 0, 0x0002, 0xC0F6};
  const std::uint16_t freq[] = {0xEB85, 0x4247};
  const RegisterBlock all[] = {{Table::kHoldingRegister, 6004, energy},
                               {Table::kHoldingRegister, 6100, volts},
                               {Table::kInputRegister, 0, freq}};
  out.clear();
  fields.clear();
  EXPECT_EQ(apply(d, all, DeviceRef{1}, absl::UnixEpoch(), out, nullptr, &fields), 3u);
  EXPECT_EQ(fields, (std::vector<std::uint32_t>{0, 1, 2}));
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


// --- M-Bus drivers ---------------------------------------------------------------------

using testing::LoadedTelegram;

MbusField mfield(std::uint32_t record, std::string_view obis, Unit unit, std::uint8_t tariff = 0) {
  MbusField f;
  f.record = record;
  f.meaning.name = std::string("record ") + std::to_string(record);
  if (!obis.empty()) f.meaning.obis = *obis::ObisCode::parse(obis);
  f.meaning.unit = unit;
  f.meaning.tariff = tariff;
  return f;
}

bool has_error(const std::vector<FieldError>& errors, std::size_t field, std::string_view text) {
  for (const auto& e : errors) {
    if (e.field == field && e.message.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(ApplyMbus, RecordsByIndexExactValuesConvertedUnits) {
  LoadedTelegram t(testing::hex_file("kamstrup_multical_601.hex"));
  ASSERT_TRUE(t.ok());
  MbusDriver d;
  d.match = {"KAM", 0x04, 8, 28};
  d.fields.push_back(mfield(1, "6-0:1.0.0", Unit::kKiloWattHour));  // 37351000 Wh
  d.fields.push_back(mfield(2, "6-0:2.0.0", Unit::kNone));          // the VIF's unit kept
  d.fields.push_back(mfield(4, "6-0:3.1.0", Unit::kCelsius));
  auto energy_mwh = mfield(1, "6-0:1.0.0*1", Unit::kKiloWattHour);
  energy_mwh.meaning.output_unit = Unit::kMegaWattHour;
  d.fields.push_back(energy_mwh);
  auto corrected = mfield(2, "6-0:2.0.0*2", Unit::kLitre);  // 561.08 m³ = 561080 l, / 4
  corrected.meaning.scaling.divisor = Value(4, 0);
  d.fields.push_back(corrected);
  auto stored = mfield(17, "6-0:1.0.0*101", Unit::kKiloWattHour);
  stored.storage = 1;
  d.fields.push_back(stored);
  d.fields.push_back(mfield(0, "", Unit::kNone));  // fabrication number: checked, no reading
  std::vector<Reading> out;
  std::vector<FieldError> errors;
  const auto at = absl::FromUnixSeconds(1294241160);
  EXPECT_EQ(apply(d, *t, DeviceRef{7}, at, out, &errors), 6u);
  EXPECT_TRUE(errors.empty()) << errors[0].message;
  ASSERT_EQ(out.size(), 6u);
  EXPECT_TRUE(out[0].value.identical(Value(37351, 0, Unit::kKiloWattHour))) << out[0].value.to_string_with_unit();
  EXPECT_TRUE(out[1].value.identical(Value(56108, -2, Unit::kCubicMetre))) << out[1].value.to_string_with_unit();
  EXPECT_TRUE(out[2].value.identical(Value(10169, -2, Unit::kCelsius)));
  EXPECT_TRUE(out[3].value == Value(37351, -3, Unit::kMegaWattHour));
  EXPECT_EQ(out[3].value.unit, Unit::kMegaWattHour);
  EXPECT_TRUE(out[4].value == Value(140270, 0, Unit::kLitre)) << out[4].value.to_string_with_unit();
  EXPECT_TRUE(out[5].value == Value(33361, 0, Unit::kKiloWattHour));
  for (const auto& r : out) {
    EXPECT_EQ(r.device.id, 7u);
    EXPECT_EQ(r.at, at);
    EXPECT_EQ(r.quality, Quality::kMeasured);
  }
}

TEST(ApplyMbus, StorageTariffAndTelegramMismatchesAreFieldErrors) {
  LoadedTelegram t(testing::hex_file("EMU_EMU-Professional-375-M-Bus.hex"));
  ASSERT_TRUE(t.ok());
  MbusDriver d;
  d.fields.push_back(mfield(1, "1-0:1.8.0", Unit::kKiloWattHour));       // record has tariff 1
  auto st = mfield(1, "1-0:1.8.1", Unit::kKiloWattHour, 1);
  st.storage = 1;                                                          // record has storage 0
  d.fields.push_back(st);
  d.fields.push_back(mfield(40, "1-0:2.8.0", Unit::kKiloWattHour));      // only 32 records
  d.fields.push_back(mfield(13, "1-0:32.7.0", Unit::kKiloWattHour));     // a voltage
  d.fields.push_back(mfield(2, "1-0:1.8.2", Unit::kKiloWattHour, 2));    // fine
  std::vector<Reading> out;
  std::vector<FieldError> errors;
  EXPECT_EQ(apply(d, *t, DeviceRef{1}, absl::UnixEpoch(), out, &errors), 1u);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].quantity, "1-0:1.8.2"_obis);
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_TRUE(has_error(errors, 0, "record 1 has storage 0 tariff 1, the driver expects storage 0 tariff 0"));
  EXPECT_TRUE(has_error(errors, 1, "expects storage 1 tariff 1"));
  EXPECT_TRUE(has_error(errors, 2, "record 40 is not in the telegram (32 records)"));
  EXPECT_TRUE(has_error(errors, 3, "record 13 is in V, not convertible to kWh"));
  // Without an error sink the good field still comes out, and it is field 4.
  out.clear();
  std::vector<std::uint32_t> fields;
  EXPECT_EQ(apply(d, *t, DeviceRef{1}, absl::UnixEpoch(), out, nullptr, &fields), 1u);
  EXPECT_EQ(fields, std::vector<std::uint32_t>{4});
}

TEST(ApplyMbus, DatesAndManufacturerDataAreNotValues) {
  LoadedTelegram t(testing::hex_file("kamstrup_multical_601.hex"));
  ASSERT_TRUE(t.ok());
  MbusDriver d;
  d.fields.push_back(mfield(16, "0-0:1.0.0", Unit::kNone));  // time point
  d.fields.push_back(mfield(27, "0-0:96.99.0", Unit::kNone));  // DIF 0x0F
  std::vector<Reading> out;
  std::vector<FieldError> errors;
  EXPECT_EQ(apply(d, *t, DeviceRef{1}, absl::UnixEpoch(), out, &errors), 0u);
  EXPECT_TRUE(has_error(errors, 0, "a date/time, not a number"));
  EXPECT_TRUE(has_error(errors, 1, "manufacturer specific"));
}

TEST(ApplyMbus, QualityFromHeaderStatusAndErrorVife) {
  // Volume 12.345 m³ (VIF 0x13), then the same with error VIFE 0x18 (VIF 0x93 + 0x18).
  std::vector<std::uint8_t> records = {0x04, 0x13, 0x39, 0x30, 0x00, 0x00,
                                       0x04, 0x93, 0x18, 0x39, 0x30, 0x00, 0x00};
  MbusDriver d;
  d.fields.push_back(mfield(0, "8-0:1.0.0", Unit::kCubicMetre));
  d.fields.push_back(mfield(1, "8-0:1.0.0*1", Unit::kCubicMetre));
  const std::pair<std::uint8_t, Quality> cases[] = {
      {0x00, Quality::kMeasured},     {0x04, Quality::kMeasured},  // power low alone: fine
      {0x01, Quality::kQuestionable}, {0x02, Quality::kQuestionable},
      {0x08, Quality::kQuestionable}, {0x10, Quality::kQuestionable},
      {0xE0, Quality::kMeasured}};  // manufacturer bits
  for (const auto& [status, quality] : cases) {
    SCOPED_TRACE(static_cast<int>(status));
    auto data = testing::long_header(0x07, status);
    data.insert(data.end(), records.begin(), records.end());
    LoadedTelegram t(testing::long_frame(0x72, data));
    ASSERT_TRUE(t.ok());
    std::vector<Reading> out;
    std::vector<FieldError> errors;
    ASSERT_EQ(apply(d, *t, DeviceRef{1}, absl::UnixEpoch(), out, &errors), 2u);
    EXPECT_TRUE(out[0].value.identical(Value(12345, -3, Unit::kCubicMetre)));
    EXPECT_EQ(out[0].quality, quality);
    EXPECT_EQ(out[1].quality, Quality::kQuestionable);
  }
}

TEST(ApplyMbus, MalformedRecordsReportTheReaderError) {
  // A 32-bit record cut after two data bytes.
  auto data = testing::long_header(0x07);
  data.insert(data.end(), {0x04, 0x13, 0x39, 0x30, 0x04, 0x13, 0x01});
  LoadedTelegram t(testing::long_frame(0x72, data));
  ASSERT_TRUE(t.ok());
  MbusDriver d;
  d.fields.push_back(mfield(1, "8-0:1.0.0", Unit::kCubicMetre));
  std::vector<Reading> out;
  std::vector<FieldError> errors;
  EXPECT_EQ(apply(d, *t, DeviceRef{1}, absl::UnixEpoch(), out, &errors), 0u);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("not in the telegram"), std::string::npos) << errors[0].message;
}

}  // namespace
}  // namespace emscore::mapping

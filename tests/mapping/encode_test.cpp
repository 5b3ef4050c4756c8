#include "emscore/mapping/encode.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "emscore/mapping/apply.hpp"
#include "emscore/mapping/driver_json.hpp"
#include "emscore/mapping/read_plan.hpp"

namespace emscore::mapping {
namespace {

using namespace emscore::obis::literals;
using VT = modbus::ValueType;
using WO = modbus::WordOrder;

// What a poller does: the driver's planned reads against the model, then apply().
std::vector<Reading> read_back(const ModbusDriver& d, modbus::MemoryDataModel& model, std::uint8_t unit) {
  auto plan = plan_reads(d);
  EXPECT_TRUE(plan.ok()) << plan.status();
  if (!plan.ok()) return {};
  std::vector<std::vector<std::uint16_t>> data;
  data.reserve(plan->size());
  std::vector<RegisterBlock> blocks;
  for (const PlannedRead& r : *plan) {
    data.emplace_back(r.count);
    auto& regs = data.back();
    modbus::ExceptionCode e = modbus::ExceptionCode::kNone;
    if (is_bit_table(r.table)) {
      std::unique_ptr<bool[]> bits(new bool[r.count]);
      std::span<bool> span(bits.get(), r.count);
      e = r.table == Table::kCoil ? model.read_coils(unit, r.start, span)
                                  : model.read_discrete_inputs(unit, r.start, span);
      for (std::size_t i = 0; i < r.count; ++i) regs[i] = span[i] ? 1 : 0;
    } else if (r.table == Table::kHoldingRegister) {
      e = model.read_holding_registers(unit, r.start, regs);
    } else {
      e = model.read_input_registers(unit, r.start, regs);
    }
    EXPECT_EQ(e, modbus::ExceptionCode::kNone);
    blocks.push_back(RegisterBlock{r.table, r.start, regs});
  }
  std::vector<Reading> out;
  std::vector<FieldError> errors;
  apply(d, blocks, DeviceRef{1}, absl::UnixEpoch(), out, &errors);
  for (const auto& e : errors) ADD_FAILURE() << e.message;
  return out;
}

void expect_same(const std::vector<Reading>& a, const std::vector<Reading>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].quantity, b[i].quantity);
    EXPECT_EQ(a[i].value.unit, b[i].value.unit) << a[i].quantity.to_string();
    EXPECT_TRUE(a[i].value == b[i].value) << a[i].quantity.to_string() << ": "
                                          << a[i].value.to_string_with_unit() << " vs "
                                          << b[i].value.to_string_with_unit();
  }
}

// Every shipped Modbus driver: golden image -> readings -> encode -> plan + apply -> the same.
TEST(Encode, RoundTripForEveryShippedDriver) {
  int drivers = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::string(EMSCORE_SOURCE_DIR) + "/drivers")) {
    if (e.path().extension() != ".json") continue;
    auto file = load_driver_file(e.path().string());
    ASSERT_TRUE(file.ok()) << file.status();
    const auto* d = std::get_if<ModbusDriver>(&file->driver);
    if (d == nullptr) continue;
    SCOPED_TRACE(d->id);
    for (const auto& t : file->modbus_tests) {
      const auto blocks = t.blocks();
      std::vector<Reading> golden;
      apply(*d, blocks, DeviceRef{1}, absl::UnixEpoch(), golden);
      ASSERT_FALSE(golden.empty());
      modbus::MemoryDataModel model;
      ASSERT_TRUE(encode(*d, golden, model, 5).ok());
      expect_same(read_back(*d, model, 5), golden);
      // The registers themselves are the golden image where the driver has fields.
      for (std::size_t b = 0; b < blocks.size(); ++b) {
        for (const ModbusField& f : d->fields) {
          if (!blocks[b].contains(f.table, f.address, f.width()) || !f.meaning.obis) continue;
          for (std::size_t k = 0; k < f.width(); ++k) {
            const auto& bank = *model.bank(5);
            const std::uint16_t got = f.table == Table::kInputRegister ? bank.input[f.address + k]
                                                                       : bank.holding[f.address + k];
            EXPECT_EQ(got, blocks[b].values[f.address - blocks[b].start + k])
                << f.meaning.name << " register " << k;
          }
        }
      }
    }
    ++drivers;
  }
  EXPECT_GE(drivers, 4);
}

ModbusField field(std::string_view obis, Table table, std::uint16_t address, VT type, WO order, Unit unit) {
  ModbusField f;
  f.meaning.name = std::string(obis);
  f.meaning.obis = *obis::ObisCode::parse(obis);
  f.meaning.unit = unit;
  f.table = table;
  f.address = address;
  f.type = type;
  f.order = order;
  return f;
}

TEST(Encode, EveryTypeOrderAndScaling) {
  ModbusDriver d;
  auto e = field("1-0:1.8.0", Table::kHoldingRegister, 0, VT::kU64, WO::kCDAB, Unit::kWattHour);
  e.meaning.output_unit = Unit::kKiloWattHour;
  d.fields.push_back(e);
  auto v = field("1-0:32.7.0", Table::kInputRegister, 0, VT::kU16, WO::kBADC, Unit::kVolt);
  v.meaning.scaling.factor = Value(1, -1);
  d.fields.push_back(v);
  auto p = field("1-0:1.7.0", Table::kInputRegister, 10, VT::kI32, WO::kDCBA, Unit::kWatt);
  p.meaning.scaling.divisor = Value(-2, 0);  // a negative divisor: the meter counts export positive
  d.fields.push_back(p);
  auto third = field("1-0:31.7.0", Table::kInputRegister, 20, VT::kI16, WO::kABCD, Unit::kAmpere);
  third.meaning.scaling.divisor = Value(3, 0);  // inexact: 6 more decimals
  d.fields.push_back(third);
  d.fields.push_back(field("1-0:14.7.0", Table::kInputRegister, 30, VT::kF32, WO::kCDAB, Unit::kHertz));
  d.fields.push_back(field("1-0:13.7.0", Table::kInputRegister, 40, VT::kF64, WO::kABCD, Unit::kNone));
  d.fields.push_back(field("1-0:2.8.0", Table::kInputRegister, 50, VT::kI64, WO::kABCD, Unit::kWattHour));
  d.fields.push_back(field("0-0:96.3.10", Table::kCoil, 7, VT::kU16, WO::kABCD, Unit::kNone));
  d.fields.push_back(field("0-0:96.3.11", Table::kDiscreteInput, 9, VT::kU16, WO::kABCD, Unit::kNone));
  ASSERT_TRUE(validate(d).ok()) << validate(d);

  const std::vector<Reading> readings = {
      {DeviceRef{1}, "1-0:1.8.0"_obis, Value(12345678, -3, Unit::kKiloWattHour), absl::UnixEpoch()},
      {DeviceRef{1}, "1-0:32.7.0"_obis, Value(2301, -1, Unit::kVolt), absl::UnixEpoch()},
      {DeviceRef{1}, "1-0:1.7.0"_obis, Value(-1500, 0, Unit::kWatt), absl::UnixEpoch()},
      {DeviceRef{1}, "1-0:31.7.0"_obis, Value(3333333, -6, Unit::kAmpere), absl::UnixEpoch()},
      {DeviceRef{1}, "1-0:14.7.0"_obis, Value(4998, -2, Unit::kHertz), absl::UnixEpoch()},
      {DeviceRef{1}, "1-0:13.7.0"_obis, Value(-987, -3), absl::UnixEpoch()},
      {DeviceRef{1}, "1-0:2.8.0"_obis, Value(-5, 0, Unit::kKiloWattHour), absl::UnixEpoch()},  // kWh into a Wh field
      {DeviceRef{1}, "0-0:96.3.10"_obis, Value(1, 0), absl::UnixEpoch()},
      {DeviceRef{1}, "0-0:96.3.11"_obis, Value(1, 0), absl::UnixEpoch()},
      {DeviceRef{1}, "1-0:99.99.0"_obis, Value(1, 0), absl::UnixEpoch()},  // no field: ignored
  };
  modbus::MemoryDataModel model;
  auto st = encode(d, readings, model, 1);
  ASSERT_TRUE(st.ok()) << st;
  const auto back = read_back(d, model, 1);
  std::vector<Reading> expected(readings.begin(), readings.end() - 1);
  expected[6].value = Value(-5000, 0, Unit::kWattHour);  // read back in the field's unit
  expect_same(back, expected);
  const auto& bank = *model.bank(1);
  EXPECT_EQ(bank.input[0], 0xFD08);  // 2301 = 0x08FD, byte-swapped
  EXPECT_EQ(bank.input[20], 10);     // 3.333333 A * 3 = 9.999999 -> 10
  EXPECT_TRUE(bank.coils[7]);
  EXPECT_TRUE(bank.discrete_inputs[9]);
  EXPECT_EQ(bank.holding[0], 0x614E);  // 12345678 Wh = 0xBC614E, CDAB: GH EF CD AB
  EXPECT_EQ(bank.holding[1], 0x00BC);
  EXPECT_EQ(bank.holding[2], 0);
}

TEST(Encode, ValuesThatCannotBeRepresentedAreErrors) {
  ModbusDriver d;
  d.fields.push_back(field("1-0:32.7.0", Table::kHoldingRegister, 0, VT::kU16, WO::kABCD, Unit::kVolt));
  d.fields.push_back(field("0-0:96.3.10", Table::kCoil, 0, VT::kU16, WO::kABCD, Unit::kNone));
  struct Case {
    Reading r;
    std::string message;
  } cases[] = {
      {{DeviceRef{1}, "1-0:32.7.0"_obis, Value(2305, -1, Unit::kVolt), {}},
       "mapping: 1-0:32.7.0: 230.5 V is not representable: the nearest raw value 231 reads back as 231 V"},
      {{DeviceRef{1}, "1-0:32.7.0"_obis, Value(70000, 0, Unit::kVolt), {}},
       "mapping: 1-0:32.7.0: 70000 V as uint16: modbus: 70000 does not fit in uint16"},
      {{DeviceRef{1}, "1-0:32.7.0"_obis, Value(-1, 0, Unit::kVolt), {}},
       "mapping: 1-0:32.7.0: -1 V as uint16: modbus: -1 does not fit in uint16"},
      {{DeviceRef{1}, "1-0:32.7.0"_obis, Value(5, 0, Unit::kAmpere), {}},
       "mapping: 1-0:32.7.0: 5 A is not convertible to the field's unit V"},
      {{DeviceRef{1}, "0-0:96.3.10"_obis, Value(2, 0), {}}, "mapping: 0-0:96.3.10: 2 is not a bit (0 or 1)"},
  };
  // A factor of zero (valid: the field always reads 0) has no inverse.
  ModbusDriver zero;
  zero.fields.push_back(field("1-0:1.8.0", Table::kHoldingRegister, 0, VT::kU16, WO::kABCD, Unit::kWattHour));
  zero.fields[0].meaning.scaling.factor = Value(0, 0);
  const Reading z{DeviceRef{1}, "1-0:1.8.0"_obis, Value(0, 0, Unit::kWattHour), {}};
  modbus::MemoryDataModel zm;
  auto zs = encode(zero, std::span(&z, 1), zm, 1);
  ASSERT_FALSE(zs.ok());
  EXPECT_NE(std::string(zs.message()).find("factor is zero"), std::string::npos) << zs;
  for (const auto& c : cases) {
    modbus::MemoryDataModel model;
    auto st = encode(d, std::span(&c.r, 1), model, 1);
    ASSERT_FALSE(st.ok()) << c.message;
    EXPECT_EQ(std::string(st.message()), c.message);
  }
}

}  // namespace
}  // namespace emscore::mapping

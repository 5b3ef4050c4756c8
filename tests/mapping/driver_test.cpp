#include "emscore/mapping/driver.hpp"

#include <gtest/gtest.h>

namespace emscore::mapping {
namespace {

using namespace emscore::obis::literals;

Meaning meaning(Unit unit, Value factor = Value(1, 0), Value divisor = Value(1, 0)) {
  Meaning m;
  m.name = "x";
  m.unit = unit;
  m.scaling.factor = factor;
  m.scaling.divisor = divisor;
  return m;
}

TEST(Driver, TableNames) {
  for (Table t : {Table::kCoil, Table::kDiscreteInput, Table::kHoldingRegister, Table::kInputRegister}) {
    EXPECT_EQ(parse_table(table_name(t)), t);
  }
  EXPECT_EQ(parse_table("holding_registers"), Table::kHoldingRegister);
  EXPECT_EQ(parse_table("flash"), std::nullopt);
  EXPECT_TRUE(is_bit_table(Table::kCoil));
  EXPECT_FALSE(is_bit_table(Table::kInputRegister));
}

TEST(Driver, FactorAndDivisorAreExact) {
  // 23012 * 0.01 V = 230.12 V
  auto v = apply_meaning(meaning(Unit::kVolt, Value(1, -2)), Value(23012, 0));
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->identical(Value(23012, -2, Unit::kVolt)));
  // Divisor 1000 (Wh -> kWh in the data logger's terms), negative divisors flip the sign.
  EXPECT_TRUE(apply_meaning(meaning(Unit::kKiloWattHour, Value(1, 0), Value(1000, 0)), Value(180470, 0))
                  ->identical(Value(180470, -3, Unit::kKiloWattHour)));
  EXPECT_TRUE(apply_meaning(meaning(Unit::kWatt, Value(1, 0), Value(-1, 0)), Value(150, 0))
                  ->identical(Value(-150, 0, Unit::kWatt)));
  // A divisor that divides: 300 / 3 = 100.
  EXPECT_TRUE(apply_meaning(meaning(Unit::kAmpere, Value(1, 0), Value(3, 0)), Value(300, 0))
                  ->identical(Value(100, 0, Unit::kAmpere)));
  // One that does not: 1 / 3 = 0.333333 (six more decimals, rounded half away from zero).
  EXPECT_TRUE(apply_meaning(meaning(Unit::kAmpere, Value(1, 0), Value(3, 0)), Value(1, 0))
                  ->identical(Value(333333, -6, Unit::kAmpere)));
  EXPECT_TRUE(apply_meaning(meaning(Unit::kAmpere, Value(1, 0), Value(3, 0)), Value(-2, 0))
                  ->identical(Value(-666667, -6, Unit::kAmpere)));
}

TEST(Driver, OutputUnitConversion) {
  Meaning m = meaning(Unit::kWattHour);
  m.output_unit = Unit::kKiloWattHour;
  EXPECT_TRUE(apply_meaning(m, Value(180470, 0))->identical(Value(180470, -3, Unit::kKiloWattHour)));
  m.output_unit = Unit::kVolt;
  EXPECT_FALSE(apply_meaning(m, Value(1, 0)).ok());
}

TEST(Driver, ScalingOverflowIsAnError) {
  EXPECT_FALSE(apply_meaning(meaning(Unit::kNone, Value(10, 0)), Value(INT64_MAX, 0)).ok());
  EXPECT_FALSE(apply_meaning(meaning(Unit::kNone, Value(1, 0), Value(0, 0)), Value(1, 0)).ok());
  // The one quotient that does not fit: INT64_MIN / -1 (an int64 register and a divisor -1).
  auto q = apply_meaning(meaning(Unit::kNone, Value(1, 0), Value(-1, 0)), Value(INT64_MIN, 0));
  ASSERT_FALSE(q.ok());
  EXPECT_NE(std::string(q.status().message()).find("overflows 64 bits"), std::string::npos) << q.status();
  auto ok = apply_meaning(meaning(Unit::kNone, Value(1, 0), Value(-1, 0)), Value(INT64_MAX, 0));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->mantissa, -INT64_MAX);
}

ModbusField field(std::uint16_t addr, modbus::ValueType t, std::string name = "f") {
  ModbusField f;
  f.meaning.name = std::move(name);
  f.address = addr;
  f.type = t;
  f.table = Table::kInputRegister;
  return f;
}

TEST(Driver, ValidateModbus) {
  ModbusDriver d;
  d.fields = {field(0, modbus::ValueType::kF32, "V1"), field(2, modbus::ValueType::kF32, "V2")};
  EXPECT_TRUE(validate(d).ok());
  d.fields.push_back(field(3, modbus::ValueType::kU16, "bad"));
  auto s = validate(d);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(std::string(s.message()), "mapping: fields 1 (V2) and 2 (bad) overlap at input address 3");
  d.fields.pop_back();
  d.fields.push_back(field(65534, modbus::ValueType::kF64, "far"));
  EXPECT_NE(std::string(validate(d).message()).find("passes 65535"), std::string::npos);
  d.fields.pop_back();
  d.fields[0].meaning.obis = "1-0:32.7.0"_obis;
  d.fields[1].meaning.obis = "1-0:32.7.0"_obis;
  EXPECT_NE(std::string(validate(d).message()).find("both give 1-0:32.7.0"), std::string::npos);
  d.fields[1].meaning.obis.reset();
  d.fields[1].table = Table::kCoil;
  EXPECT_NE(std::string(validate(d).message()).find("is one bit"), std::string::npos);
  d.fields[1].type = modbus::ValueType::kU16;
  EXPECT_TRUE(validate(d).ok());
  d.fields[1].meaning.phase = 4;
  EXPECT_NE(std::string(validate(d).message()).find("phase 4, expected 0-3"), std::string::npos);
}

TEST(Driver, ValidateMbus) {
  MbusDriver d;
  d.match = {"EMU", 0x02, 0x10, 4};
  MbusField f;
  f.meaning.name = "E";
  f.record = 0;
  d.fields = {f};
  EXPECT_TRUE(validate(d).ok());
  d.fields.push_back(f);
  EXPECT_NE(std::string(validate(d).message()).find("both map record 0"), std::string::npos);
  d.fields[1].record = 4;
  EXPECT_NE(std::string(validate(d).message()).find("record 4 but the driver matches telegrams with 4 records"),
            std::string::npos);
  d.fields.pop_back();
  d.match.manufacturer = "emu";
  EXPECT_NE(std::string(validate(d).message()).find("three letters"), std::string::npos);
}

}  // namespace
}  // namespace emscore::mapping

#include "emscore/mapping/read_plan.hpp"

#include <gtest/gtest.h>

namespace emscore::mapping {
namespace {

ModbusField field(Table table, std::uint16_t addr, modbus::ValueType t) {
  ModbusField f;
  f.meaning.name = "f";
  f.table = table;
  f.address = addr;
  f.type = t;
  return f;
}

TEST(ReadPlan, MergesNeighboursAndSmallGaps) {
  ModbusDriver d;
  using VT = modbus::ValueType;
  d.fields = {field(Table::kInputRegister, 0, VT::kF32), field(Table::kInputRegister, 2, VT::kF32),
              field(Table::kInputRegister, 12, VT::kF32),   // gap of 8: merged
              field(Table::kInputRegister, 70, VT::kF32),   // gap of 56: new read
              field(Table::kHoldingRegister, 6004, VT::kU64)};
  auto plan = plan_reads(d);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->size(), 3u);
  EXPECT_EQ((*plan)[0].table, Table::kHoldingRegister);
  EXPECT_EQ((*plan)[0].start, 6004);
  EXPECT_EQ((*plan)[0].count, 4);
  EXPECT_EQ((*plan)[1].start, 0);
  EXPECT_EQ((*plan)[1].count, 14);
  EXPECT_EQ((*plan)[1].fields, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ((*plan)[2].start, 70);
  EXPECT_EQ((*plan)[2].count, 2);
}

TEST(ReadPlan, RespectsTheProtocolLimit) {
  ModbusDriver d;
  for (std::uint16_t a = 0; a < 200; a += 2) d.fields.push_back(field(Table::kInputRegister, a, modbus::ValueType::kF32));
  auto plan = plan_reads(d);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->size(), 2u);
  EXPECT_EQ((*plan)[0].count, 124);  // 62 floats; the 63rd would pass 125
  EXPECT_EQ((*plan)[1].start, 124);
  EXPECT_EQ((*plan)[1].count, 76);
  std::size_t covered = 0;
  for (const auto& r : *plan) {
    EXPECT_LE(r.count, 125);
    covered += r.fields.size();
  }
  EXPECT_EQ(covered, d.fields.size());
  // A device with a smaller limit (e.g. 30 parameters = 60 registers).
  auto small = plan_reads(d, PlanOptions{60, 2000, 16});
  ASSERT_TRUE(small.ok());
  for (const auto& r : *small) EXPECT_LE(r.count, 60);
  EXPECT_EQ(small->size(), 4u);
}

TEST(ReadPlan, BitsAndUnorderedFields) {
  ModbusDriver d;
  d.fields = {field(Table::kCoil, 100, modbus::ValueType::kU16), field(Table::kCoil, 5, modbus::ValueType::kU16),
              field(Table::kCoil, 10, modbus::ValueType::kU16)};
  auto plan = plan_reads(d, PlanOptions{125, 2000, 4});
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->size(), 2u);
  EXPECT_EQ((*plan)[0].start, 5);
  EXPECT_EQ((*plan)[0].count, 6);
  EXPECT_EQ((*plan)[0].fields, (std::vector<std::size_t>{1, 2}));
}

TEST(ReadPlan, BadOptions) {
  ModbusDriver d;
  EXPECT_FALSE(plan_reads(d, PlanOptions{126, 2000, 0}).ok());
  EXPECT_FALSE(plan_reads(d, PlanOptions{0, 2000, 0}).ok());
  EXPECT_FALSE(plan_reads(d, PlanOptions{125, 2001, 0}).ok());
  d.fields = {field(Table::kInputRegister, 0, modbus::ValueType::kF64)};
  EXPECT_FALSE(plan_reads(d, PlanOptions{3, 2000, 0}).ok());
  EXPECT_TRUE(plan_reads(ModbusDriver{}).value().empty());
}

}  // namespace
}  // namespace emscore::mapping

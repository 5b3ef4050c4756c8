#include "emscore/modbus/memory_model.hpp"

#include <gtest/gtest.h>

#include <array>

namespace emscore::modbus {
namespace {

TEST(MemoryDataModel, PerUnitBanks) {
  MemoryDataModel m;
  EXPECT_FALSE(m.serves_unit(1));
  m.add_unit(1).holding[10] = 0x1234;
  m.add_unit(2).holding[10] = 0x5678;
  EXPECT_TRUE(m.serves_unit(1));
  EXPECT_FALSE(m.serves_unit(3));
  std::array<std::uint16_t, 1> r{};
  EXPECT_EQ(m.read_holding_registers(1, 10, r), ExceptionCode::kNone);
  EXPECT_EQ(r[0], 0x1234);
  EXPECT_EQ(m.read_holding_registers(2, 10, r), ExceptionCode::kNone);
  EXPECT_EQ(r[0], 0x5678);
  EXPECT_EQ(m.read_holding_registers(3, 10, r), ExceptionCode::kGatewayPathUnavailable);
  EXPECT_EQ(m.bank(3), nullptr);
}

TEST(MemoryDataModel, AnyUnitSharesOneBank) {
  MemoryDataModel m(true);
  EXPECT_TRUE(m.serves_unit(0));
  EXPECT_TRUE(m.serves_unit(247));
  const std::array<std::uint16_t, 2> w = {1, 2};
  EXPECT_EQ(m.write_registers(5, 100, w), ExceptionCode::kNone);
  std::array<std::uint16_t, 2> r{};
  EXPECT_EQ(m.read_holding_registers(9, 100, r), ExceptionCode::kNone);
  EXPECT_EQ(r, w);
}

TEST(MemoryDataModel, TablesAndBounds) {
  MemoryDataModel m;
  auto& b = m.add_unit(1);
  b.input[65535] = 42;
  b.discrete_inputs[7] = true;
  b.fifo = {5, 6, 7};
  std::array<std::uint16_t, 1> r{};
  EXPECT_EQ(m.read_input_registers(1, 65535, r), ExceptionCode::kNone);
  EXPECT_EQ(r[0], 42);
  std::array<std::uint16_t, 2> r2{};
  EXPECT_EQ(m.read_input_registers(1, 65535, r2), ExceptionCode::kIllegalDataAddress);
  std::array<bool, 8> bits{};
  EXPECT_EQ(m.read_discrete_inputs(1, 0, bits), ExceptionCode::kNone);
  EXPECT_TRUE(bits[7]);
  const std::array<bool, 2> wb = {true, true};
  EXPECT_EQ(m.write_coils(1, 0, wb), ExceptionCode::kNone);
  EXPECT_EQ(m.read_coils(1, 0, bits), ExceptionCode::kNone);
  EXPECT_TRUE(bits[0] && bits[1] && !bits[2]);
  std::uint8_t status = 0;
  EXPECT_EQ(m.read_exception_status(1, status), ExceptionCode::kNone);
  EXPECT_EQ(status, 0x03);
  std::array<std::uint16_t, kMaxFifoCount> fifo{};
  std::size_t n = 0;
  EXPECT_EQ(m.read_fifo_queue(1, 0, fifo, n), ExceptionCode::kNone);
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(fifo[2], 7);
  m.set_device_id_object(4, "Meter X");
  EXPECT_EQ(m.device_id_object(1, 4), "Meter X");
  EXPECT_EQ(m.device_id_object(1, 0), "emscore");
}

}  // namespace
}  // namespace emscore::modbus

namespace emscore::modbus {
namespace {
TEST(MemoryDataModel, BroadcastWritesReachEveryUnit) {
  MemoryDataModel m;
  m.add_unit(1);
  m.add_unit(2);
  const std::array<std::uint16_t, 1> w = {9};
  EXPECT_EQ(m.write_registers(MemoryDataModel::kBroadcastUnit, 3, w), ExceptionCode::kNone);
  EXPECT_EQ(m.bank(1)->holding[3], 9);
  EXPECT_EQ(m.bank(2)->holding[3], 9);
  const std::array<bool, 1> c = {true};
  EXPECT_EQ(m.write_coils(0, 4, c), ExceptionCode::kNone);
  EXPECT_TRUE(m.bank(2)->coils[4]);
}
}  // namespace
}  // namespace emscore::modbus

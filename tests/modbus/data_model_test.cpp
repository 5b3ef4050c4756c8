#include "emscore/modbus/data_model.hpp"

#include <gtest/gtest.h>

#include <array>

namespace emscore::modbus {
namespace {

// A model with no tables: every default answers "illegal function".
class Empty : public DataModel {};

TEST(DataModel, DefaultsAnswerIllegalFunction) {
  Empty m;
  std::array<bool, 4> bits{};
  std::array<std::uint16_t, 4> regs{};
  const std::array<bool, 1> wb = {true};
  const std::array<std::uint16_t, 1> wr = {7};
  EXPECT_TRUE(m.serves_unit(1));
  EXPECT_EQ(m.read_coils(1, 0, bits), ExceptionCode::kIllegalFunction);
  EXPECT_EQ(m.read_discrete_inputs(1, 0, bits), ExceptionCode::kIllegalFunction);
  EXPECT_EQ(m.read_holding_registers(1, 0, regs), ExceptionCode::kIllegalFunction);
  EXPECT_EQ(m.read_input_registers(1, 0, regs), ExceptionCode::kIllegalFunction);
  EXPECT_EQ(m.write_coils(1, 0, wb), ExceptionCode::kIllegalFunction);
  EXPECT_EQ(m.write_registers(1, 0, wr), ExceptionCode::kIllegalFunction);
  std::array<std::uint16_t, kMaxFifoCount> fifo{};
  std::size_t count = 99;
  EXPECT_EQ(m.read_fifo_queue(1, 0, fifo, count), ExceptionCode::kIllegalFunction);
  EXPECT_EQ(count, 0u);
  std::uint8_t status = 1;
  EXPECT_EQ(m.read_exception_status(1, status), ExceptionCode::kIllegalFunction);
  EXPECT_EQ(m.device_id_object(1, 0), "emscore");
  EXPECT_EQ(m.device_id_object(1, 2), "0.1");
  EXPECT_TRUE(m.device_id_object(1, 3).empty());
  EXPECT_TRUE(m.server_id(1).empty());
}

}  // namespace
}  // namespace emscore::modbus

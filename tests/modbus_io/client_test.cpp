#include "emscore/modbus_io/client.hpp"

#include <gtest/gtest.h>

#include "emscore/modbus/memory_model.hpp"
#include "emscore/modbus_io/tcp_client.hpp"
#include "emscore/modbus_io/tcp_server.hpp"
#include "io_test_util.hpp"

namespace emscore::modbus_io {
namespace {

using testing::run;

class ClientHelpers : public ::testing::Test {
 protected:
  ClientHelpers() : server_(ctx_.get_executor(), model_), client_(ctx_.get_executor()) {
    model_.add_unit(9);
    EXPECT_TRUE(server_.listen("127.0.0.1", 0).ok());
    server_.start();
  }
  asio::io_context ctx_;
  modbus::MemoryDataModel model_;
  TcpServer server_;
  TcpClient client_;
};

TEST_F(ClientHelpers, WriteThenReadTypedValues) {
  run(ctx_, [&]() -> asio::awaitable<void> {
    CO_ASSERT_TRUE((co_await client_.connect("127.0.0.1", server_.port())).ok());
    // 100 float32 values CDAB at 1000: 200 registers, more than one read.
    std::vector<std::uint16_t> regs(200);
    for (std::size_t i = 0; i < 100; ++i) {
      EXPECT_TRUE(modbus::encode_text(std::to_string(i) + ".5", modbus::ValueType::kF32,
                                      modbus::WordOrder::kCDAB, std::span(regs).subspan(2 * i, 2)).ok());
    }
    CO_ASSERT_TRUE((co_await write_registers(client_, 9, 1000, std::span(regs).first(100))).ok());
    CO_ASSERT_TRUE((co_await write_registers(client_, 9, 1100, std::span(regs).subspan(100))).ok());
    auto v = co_await read_values(client_, 9, 1000, 100, modbus::ValueType::kF32, modbus::WordOrder::kCDAB);
    CO_ASSERT_TRUE(v.ok());
    CO_ASSERT_EQ(v->size(), 100u);
    EXPECT_EQ(*(*v)[0].to_string(), "0.5");
    EXPECT_EQ(*(*v)[99].to_string(), "99.5");
    EXPECT_GE(server_.stats().requests, 4u);
    // Single register / single coil paths (FC 6, FC 5) and multiple coils (FC 15).
    const std::uint16_t one[] = {0xBEEF};
    CO_ASSERT_TRUE((co_await write_registers(client_, 9, 7, one)).ok());
    EXPECT_EQ(model_.bank(9)->holding[7], 0xBEEF);
    const bool coil[] = {true};
    CO_ASSERT_TRUE((co_await write_coils(client_, 9, 3, coil)).ok());
    const bool coils[] = {true, false, true};
    CO_ASSERT_TRUE((co_await write_coils(client_, 9, 10, coils)).ok());
    auto bits = co_await read_bits(client_, 9, 0, 16);
    CO_ASSERT_TRUE(bits.ok());
    EXPECT_EQ(bits->size(), 16u);
    EXPECT_TRUE((*bits)[3]);
    EXPECT_TRUE((*bits)[10]);
    EXPECT_FALSE((*bits)[11]);
    EXPECT_TRUE((*bits)[12]);
    model_.bank(9)->input[4] = 12;
    auto in = co_await read_registers(client_, 9, 4, 1, false);
    CO_ASSERT_TRUE(in.ok());
    EXPECT_EQ((*in)[0], 12);
  });
}

TEST_F(ClientHelpers, ExceptionsBecomeErrorsThatNameThem) {
  run(ctx_, [&]() -> asio::awaitable<void> {
    CO_ASSERT_TRUE((co_await client_.connect("127.0.0.1", server_.port())).ok());
    auto r = co_await read_registers(client_, 9, 65535, 2);
    CO_ASSERT_FALSE(r.ok());
    EXPECT_EQ(std::string(to_std(r.status().message())),
              "modbus: unit 9 read holding registers at 65535: exception 0x02 (illegal data address)");
    EXPECT_EQ(exception_of(r.status()), ExceptionCode::kIllegalDataAddress);
    auto u = co_await read_registers(client_, 10, 0, 1);
    CO_ASSERT_FALSE(u.ok());
    EXPECT_EQ(exception_of(u.status()), ExceptionCode::kGatewayPathUnavailable);
    EXPECT_EQ(u.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_FALSE(exception_of(absl::UnknownError("x")).has_value());
    // Invalid requests never reach the wire.
    auto bad = co_await read_registers(client_, 9, 0, 126);
    EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
    auto past = co_await read_values(client_, 9, 65534, 1, modbus::ValueType::kF64, modbus::WordOrder::kABCD);
    EXPECT_FALSE(past.ok());
  });
}

}  // namespace
}  // namespace emscore::modbus_io

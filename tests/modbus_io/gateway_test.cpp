// TCP -> RTU gateway: a TCP client, our gateway, a pty pair, our RTU server behind it.
#include "emscore/modbus_io/gateway.hpp"

#include <gtest/gtest.h>

#include "emscore/modbus/memory_model.hpp"
#include "emscore/modbus_io/rtu_client.hpp"
#include "emscore/modbus_io/rtu_server.hpp"
#include "emscore/modbus_io/tcp_client.hpp"
#include "io_test_util.hpp"

namespace emscore::modbus_io {
namespace {

using testing::run;

TEST(Gateway, ForwardsAndAnswers0Aand0B) {
  testing::PtyPair pty;
  ASSERT_TRUE(pty.ok());
  asio::io_context ctx;
  const modbus::SerialFormat fmt{38400, 8, modbus::Parity::kNone, 2};
  modbus::MemoryDataModel devices;
  devices.add_unit(5).input[3] = 321;
  RtuServer bus_device(ctx.get_executor(), devices, RtuServerOptions{fmt});
  ASSERT_TRUE(bus_device.open_serial(pty.a()).ok());
  bus_device.start();
  RtuClientOptions lo;
  lo.client = ClientOptions{std::chrono::milliseconds(200), 1};
  lo.format = fmt;
  RtuClient line(ctx.get_executor(), lo);
  ASSERT_TRUE(line.open_serial(pty.b()).ok());
  Gateway gw;
  gw.route(1, 10, line);
  TcpServer server(ctx.get_executor(), gw.handler());
  ASSERT_TRUE(server.listen("127.0.0.1", 0).ok());
  server.start();
  TcpClient client(ctx.get_executor(), ClientOptions{std::chrono::milliseconds(3000), 0});
  run(ctx, [&]() -> asio::awaitable<void> {
    CO_ASSERT_TRUE((co_await client.connect("127.0.0.1", server.port())).ok());
    auto r = co_await read_registers(client, 5, 3, 1, false);
    CO_ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)[0], 321);
    // Routed but silent: 0x0B.
    auto silent = co_await read_registers(client, 6, 0, 1);
    EXPECT_EQ(exception_of(silent.status()), ExceptionCode::kGatewayTargetFailedToRespond);
    // No route: 0x0A.
    auto nopath = co_await read_registers(client, 20, 0, 1);
    EXPECT_EQ(exception_of(nopath.status()), ExceptionCode::kGatewayPathUnavailable);
    // Device exceptions pass through.
    auto bad = co_await read_registers(client, 5, 65535, 2, false);
    EXPECT_EQ(exception_of(bad.status()), ExceptionCode::kIllegalDataAddress);
    // Requests from two TCP clients queue on the one line.
    TcpClient second(ctx.get_executor());
    CO_ASSERT_TRUE((co_await second.connect("127.0.0.1", server.port())).ok());
    int ok = 0;
    for (int i = 0; i < 4; ++i) {
      asio::co_spawn(ctx, [&, i]() -> asio::awaitable<void> {
        auto x = co_await read_registers(i % 2 ? client : second, 5, 3, 1, false);
        if (x.ok() && (*x)[0] == 321) ++ok;
      }, asio::detached);
    }
    for (int k = 0; k < 300 && ok < 4; ++k) co_await testing::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(ok, 4);
    EXPECT_EQ(gw.no_path(), 1u);
    EXPECT_EQ(gw.no_answer(), 1u);
  });
}

}  // namespace
}  // namespace emscore::modbus_io

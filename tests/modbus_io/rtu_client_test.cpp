// RTU client on a socat pty pair: against our RtuServer, and against a hand-driven peer that
// echoes, injects noise and answers for other units.
#include "emscore/modbus_io/rtu_client.hpp"

#include <gtest/gtest.h>

#include "emscore/modbus/memory_model.hpp"
#include "emscore/modbus_io/rtu_server.hpp"
#include "io_test_util.hpp"

namespace emscore::modbus_io {
namespace {

using testing::run;
using testing::sleep_for;

RtuClientOptions client_options(std::uint32_t baud = 115200, int retries = 1) {
  RtuClientOptions o;
  o.client = ClientOptions{std::chrono::milliseconds(300), retries};
  o.format = modbus::SerialFormat{baud, 8, modbus::Parity::kEven, 1};
  return o;
}

TEST(RtuClient, AgainstOurServerOverAPtyPair) {
  testing::PtyPair pty;
  ASSERT_TRUE(pty.ok());
  asio::io_context ctx;
  modbus::MemoryDataModel model;
  model.add_unit(17).holding[100] = 0x1234;
  RtuServer server(ctx.get_executor(), model, RtuServerOptions{{9600, 8, modbus::Parity::kEven, 1}});
  ASSERT_TRUE(server.open_serial(pty.a()).ok());
  server.start();
  RtuClient client(ctx.get_executor(), client_options(9600));
  ASSERT_TRUE(client.open_serial(pty.b()).ok());
  run(ctx, [&]() -> asio::awaitable<void> {
    auto r = co_await read_registers(client, 17, 100, 1);
    CO_ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)[0], 0x1234);
    const std::uint16_t w[] = {1, 2, 3};
    CO_ASSERT_TRUE((co_await write_registers(client, 17, 10, w)).ok());
    EXPECT_EQ(model.bank(17)->holding[12], 3);
    // Several callers at once: they queue, one request at a time on the line.
    int done = 0;
    for (int i = 0; i < 5; ++i) {
      asio::co_spawn(ctx, [&, i]() -> asio::awaitable<void> {
        auto x = co_await read_registers(client, 17, static_cast<std::uint16_t>(10 + i % 3), 1);
        EXPECT_TRUE(x.ok());
        if (x.ok()) {
          EXPECT_EQ((*x)[0], 1 + i % 3);
        }
        ++done;
      }, asio::detached);
    }
    for (int k = 0; k < 300 && done < 5; ++k) co_await sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(done, 5);
    // A unit nobody has: timeout after the bounded retries.
    auto none = co_await read_registers(client, 18, 0, 1);
    EXPECT_EQ(none.status().code(), absl::StatusCode::kDeadlineExceeded);
    EXPECT_EQ(client.timeouts(), 2u);
    // Broadcast write: executed, not answered.
    const std::uint16_t b[] = {0x55};
    CO_ASSERT_TRUE((co_await write_registers(client, 0, 50, b)).ok());
    co_await sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(model.bank(17)->holding[50], 0x55);
  });
}

// A peer that behaves like a 2-wire adapter with echo plus a noisy line.
TEST(RtuClient, EchoSuppressionNoiseAndOtherUnits) {
  testing::PtyPair pty;
  ASSERT_TRUE(pty.ok());
  asio::io_context ctx;
  RtuStream peer(ctx.get_executor());
  ASSERT_TRUE(peer.open_serial(pty.a(), {115200, 8, modbus::Parity::kNone, 1}).ok());
  auto o = client_options();
  o.echo = true;
  RtuClient client(ctx.get_executor(), o);
  ASSERT_TRUE(client.open_serial(pty.b()).ok());
  asio::co_spawn(ctx, [&]() -> asio::awaitable<void> {
    std::array<std::uint8_t, 8> req;
    std::size_t got = 0;
    while (got < req.size()) {
      auto [ec, n] = co_await peer.async_read_some(asio::buffer(req.data() + got, req.size() - got));
      if (ec) co_return;
      got += n;
    }
    std::vector<std::uint8_t> out(req.begin(), req.end());  // the echo
    out.insert(out.end(), {0x00, 0xFF, 0x13});               // noise
    const std::uint8_t other[] = {0x03, 0x02, 0x99, 0x99};   // unit 4 answering (not ours)
    (void)modbus::encode_rtu(4, other, out);
    const std::uint8_t mine[] = {0x03, 0x02, 0x00, 0x07};
    (void)modbus::encode_rtu(3, mine, out);
    co_await peer.async_write(asio::buffer(out));
  }, asio::detached);
  run(ctx, [&]() -> asio::awaitable<void> {
    auto r = co_await read_registers(client, 3, 0, 1);
    CO_ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)[0], 7);
    EXPECT_GE(client.dropped_bytes(), 3u);
  });
}

TEST(RtuClient, SerialSettingsValidated) {
  asio::io_context ctx;
  RtuClientOptions o = client_options();
  o.format.baud = 300;
  RtuClient client(ctx.get_executor(), o);
  EXPECT_EQ(client.open_serial("/dev/null").code(), absl::StatusCode::kInvalidArgument);
  RtuClient c2(ctx.get_executor(), client_options());
  EXPECT_EQ(c2.open_serial("/nonexistent/tty").code(), absl::StatusCode::kUnavailable);
  run(ctx, [&]() -> asio::awaitable<void> {
    auto r = co_await read_registers(c2, 1, 0, 1);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  });
}

TEST(RtuClient, RtuOverTcp) {
  asio::io_context ctx;
  asio::ip::tcp::acceptor acc(ctx, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = acc.local_endpoint().port();
  asio::co_spawn(ctx, [&]() -> asio::awaitable<void> {
    auto [ec, s] = co_await acc.async_accept(asio::as_tuple(asio::use_awaitable));
    std::array<std::uint8_t, 8> req;
    co_await asio::async_read(s, asio::buffer(req), asio::as_tuple(asio::use_awaitable));
    std::vector<std::uint8_t> out;
    const std::uint8_t mine[] = {0x04, 0x04, 0x00, 0x01, 0x00, 0x02};
    (void)modbus::encode_rtu(req[0], mine, out);
    co_await asio::async_write(s, asio::buffer(out), asio::as_tuple(asio::use_awaitable));
    co_await sleep_for(std::chrono::milliseconds(100));
  }, asio::detached);
  RtuClient client(ctx.get_executor(), client_options());
  run(ctx, [&]() -> asio::awaitable<void> {
    CO_ASSERT_TRUE((co_await client.connect_tcp("127.0.0.1", port)).ok());
    auto r = co_await read_registers(client, 9, 0, 2, false);
    CO_ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)[1], 2);
  });
}

}  // namespace
}  // namespace emscore::modbus_io

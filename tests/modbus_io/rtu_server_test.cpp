// Our RTU server on a pty, driven by raw frames: other units ignored, broadcasts executed
// silently, bad CRCs and noise dropped and counted.
#include "emscore/modbus_io/rtu_server.hpp"

#include <gtest/gtest.h>

#include "emscore/modbus/memory_model.hpp"
#include "boost/asio/experimental/awaitable_operators.hpp"
#include "io_test_util.hpp"

namespace emscore::modbus_io {
namespace {

using testing::run;
using testing::sleep_for;

// Reads whatever arrives within `window`.
asio::awaitable<std::vector<std::uint8_t>> read_for(RtuStream& s, std::chrono::milliseconds window) {
  using namespace asio::experimental::awaitable_operators;
  std::vector<std::uint8_t> got;
  asio::steady_timer t(s.get_executor());
  t.expires_after(window);
  for (;;) {
    std::array<std::uint8_t, 256> buf;
    auto r = co_await (s.async_read_some(asio::buffer(buf)) || t.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (r.index() == 1) break;
    auto [ec, n] = std::get<0>(r);
    if (ec) break;
    got.insert(got.end(), buf.begin(), buf.begin() + static_cast<long>(n));
  }
  co_return got;
}

TEST(RtuServer, AddressingBroadcastAndNoise) {
  testing::PtyPair pty;
  ASSERT_TRUE(pty.ok());
  asio::io_context ctx;
  modbus::MemoryDataModel model;
  model.add_unit(5).holding[0] = 0xABCD;
  RtuServer server(ctx.get_executor(), model, RtuServerOptions{{19200, 8, modbus::Parity::kEven, 1}});
  ASSERT_TRUE(server.open_serial(pty.a()).ok());
  server.start();
  RtuStream master(ctx.get_executor());
  ASSERT_TRUE(master.open_serial(pty.b(), {19200, 8, modbus::Parity::kEven, 1}).ok());
  run(ctx, [&]() -> asio::awaitable<void> {
    const std::uint8_t read0[] = {0x03, 0x00, 0x00, 0x00, 0x01};
    std::vector<std::uint8_t> out;
    // Another unit's request: silence.
    (void)modbus::encode_rtu(6, read0, out);
    co_await master.async_write(asio::buffer(out));
    auto none = co_await read_for(master, std::chrono::milliseconds(150));
    EXPECT_TRUE(none.empty());
    // Noise, then a bad CRC, then a good request: one answer.
    out = {0xFF, 0x00};
    (void)modbus::encode_rtu(5, read0, out);
    out.back() ^= 1;
    co_await master.async_write(asio::buffer(out));
    co_await sleep_for(std::chrono::milliseconds(30));
    out.clear();
    (void)modbus::encode_rtu(5, read0, out);
    co_await master.async_write(asio::buffer(out));
    auto got = co_await read_for(master, std::chrono::milliseconds(200));
    auto adu = modbus::decode_rtu(got);
    CO_ASSERT_TRUE(adu.ok());
    EXPECT_EQ(adu->address, 5);
    EXPECT_EQ(adu->pdu[2], 0xAB);
    EXPECT_GE(server.dropped_bytes(), 10u);
    EXPECT_GE(server.counters().bus_communication_errors, 1);
    // Broadcast write: executed, no answer.
    const std::uint8_t write[] = {0x06, 0x00, 0x09, 0x00, 0x2A};
    out.clear();
    (void)modbus::encode_rtu(0, write, out);
    co_await master.async_write(asio::buffer(out));
    auto silent = co_await read_for(master, std::chrono::milliseconds(150));
    EXPECT_TRUE(silent.empty());
    EXPECT_EQ(model.bank(5)->holding[9], 0x2A);
  });
}

}  // namespace
}  // namespace emscore::modbus_io

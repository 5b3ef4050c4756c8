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

// The same server in ASCII mode, driven by raw characters: noise between frames, a frame cut
// by a new ':', a bad LRC and another unit's request are dropped or ignored; characters with
// the 8th bit set (a 7E1 peer read as 8 bits) still decode; a frame may pause mid-way. The pty
// runs 8 data bits: ptys refuse 7 (tcsetattr EINVAL).
TEST(RtuServer, AsciiModeFramesNoiseAndPauses) {
  testing::PtyPair pty;
  ASSERT_TRUE(pty.ok());
  asio::io_context ctx;
  modbus::MemoryDataModel model;
  model.add_unit(0x11).holding[0x6B] = 0x1234;
  RtuServerOptions o{{9600, 8, modbus::Parity::kNone, 1}};
  o.mode = modbus::SerialMode::kAscii;
  RtuServer server(ctx.get_executor(), model, o);
  ASSERT_TRUE(server.open_serial(pty.a()).ok());
  server.start();
  RtuStream master(ctx.get_executor());
  ASSERT_TRUE(master.open_serial(pty.b(), {9600, 8, modbus::Parity::kNone, 1}).ok());
  auto send = [&](std::string_view text) -> asio::awaitable<void> {
    co_await master.async_write(asio::buffer(text.data(), text.size()));
  };
  run(ctx, [&]() -> asio::awaitable<void> {
    // Another unit: silence.
    co_await send(":1203006B0001"  "7F\r\n");
    auto none = co_await read_for(master, std::chrono::milliseconds(150));
    EXPECT_TRUE(none.empty());
    // Noise, an interrupted frame, a bad LRC, then the good request (LRC 0x80), sent in two
    // parts with a pause: one answer.
    co_await send("garbage\r\n:1103:1103006B000181\r\n");
    co_await send(":1103006B");
    co_await sleep_for(std::chrono::milliseconds(100));
    co_await send("000180\r\n");
    auto got = co_await read_for(master, std::chrono::milliseconds(300));
    EXPECT_EQ(std::string(got.begin(), got.end()), ":1103021234A4\r\n");
    EXPECT_GE(server.dropped_bytes(), 9u + 5u + 17u);
    EXPECT_GE(server.counters().bus_communication_errors, 3);
    // 8-bit characters from a 7E1 device read as 8N1.
    std::string high = ":1103006B000180\r\n";
    for (auto& c : high) c = static_cast<char>(static_cast<unsigned char>(c) | 0x80);
    co_await send(high);
    got = co_await read_for(master, std::chrono::milliseconds(300));
    EXPECT_EQ(std::string(got.begin(), got.end()), ":1103021234A4\r\n");
  });
}

}  // namespace
}  // namespace emscore::modbus_io

#include "emscore/modbus_io/tcp_server.hpp"

#include <gtest/gtest.h>

#include "boost/asio/read.hpp"
#include "boost/asio/write.hpp"
#include "emscore/modbus/memory_model.hpp"
#include "emscore/modbus/tcp.hpp"
#include "emscore/modbus_io/tcp_client.hpp"
#include "io_test_util.hpp"

namespace emscore::modbus_io {
namespace {

using asio::ip::tcp;
using testing::run;
using testing::sleep_for;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

class TcpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& b = model_.add_unit(1);
    for (std::size_t i = 0; i < 300; ++i) b.holding[i] = static_cast<std::uint16_t>(1000 + i);
  }
  std::unique_ptr<TcpServer> make(TcpServerOptions o = {}) {
    auto s = std::make_unique<TcpServer>(ctx_.get_executor(), model_, o);
    EXPECT_TRUE(s->listen("127.0.0.1", 0).ok());
    s->start();
    return s;
  }
  asio::awaitable<tcp::socket> raw_connect(std::uint16_t port) {
    tcp::socket s(ctx_);
    auto [ec] = co_await s.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), kNoThrow);
    EXPECT_FALSE(ec) << ec.message();
    co_return s;
  }
  asio::io_context ctx_;
  modbus::MemoryDataModel model_;
};

TEST_F(TcpServerTest, ServesPipelinedRequestsInOrder) {
  auto server = make();
  run(ctx_, [&]() -> asio::awaitable<void> {
    auto s = co_await raw_connect(server->port());
    std::vector<std::uint8_t> out;
    const std::uint8_t pdu[] = {0x03, 0x00, 0x0A, 0x00, 0x02};
    for (std::uint16_t tid = 100; tid < 110; ++tid) EXPECT_TRUE(modbus::encode_tcp(tid, 1, pdu, out).ok());
    co_await asio::async_write(s, asio::buffer(out), kNoThrow);
    std::vector<std::uint8_t> in(10 * 13);
    auto [ec, n] = co_await asio::async_read(s, asio::buffer(in), kNoThrow);
    CO_ASSERT_FALSE(ec);
    for (int i = 0; i < 10; ++i) {
      auto adu = modbus::decode_tcp(std::span(in).subspan(static_cast<std::size_t>(13 * i), 13));
      CO_ASSERT_TRUE(adu.ok());
      EXPECT_EQ(adu->transaction_id, 100 + i);
      EXPECT_EQ(adu->pdu[2], (1010 >> 8) & 0xFF);
      EXPECT_EQ(adu->pdu[3], 1010 & 0xFF);
    }
  });
  EXPECT_EQ(server->stats().requests, 10u);
}

TEST_F(TcpServerTest, ConnectionLimit) {
  auto server = make(TcpServerOptions{2, std::chrono::milliseconds(60000), true});
  run(ctx_, [&]() -> asio::awaitable<void> {
    auto a = co_await raw_connect(server->port());
    auto b = co_await raw_connect(server->port());
    co_await sleep_for(std::chrono::milliseconds(50));
    auto c = co_await raw_connect(server->port());
    std::uint8_t byte;
    auto [ec, n] = co_await c.async_read_some(asio::buffer(&byte, 1), kNoThrow);
    EXPECT_EQ(ec, asio::error::eof);  // the third one is closed at once
    EXPECT_EQ(server->stats().rejected, 1u);
    EXPECT_EQ(server->stats().open, 2u);
  });
}

TEST_F(TcpServerTest, IdleAndStalledPartialFrameClosed) {
  auto server = make(TcpServerOptions{8, std::chrono::milliseconds(200), true});
  run(ctx_, [&]() -> asio::awaitable<void> {
    auto s = co_await raw_connect(server->port());
    const std::uint8_t partial[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03};
    co_await asio::async_write(s, asio::buffer(partial), kNoThrow);
    const auto t0 = std::chrono::steady_clock::now();
    std::uint8_t byte;
    auto [ec, n] = co_await s.async_read_some(asio::buffer(&byte, 1), kNoThrow);
    EXPECT_EQ(ec, asio::error::eof);
    const auto waited = std::chrono::steady_clock::now() - t0;
    EXPECT_GE(waited, std::chrono::milliseconds(150));
    EXPECT_LT(waited, std::chrono::seconds(5));
    co_await sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(server->stats().idle_closed, 1u);
  });
}

TEST_F(TcpServerTest, ClientThatStopsReadingIsDropped) {
  auto server = make(TcpServerOptions{8, std::chrono::milliseconds(300), true});
  run(ctx_, [&]() -> asio::awaitable<void> {
    auto s = co_await raw_connect(server->port());
    // Send thousands of 125-register reads without reading a single response: the server's
    // writes block once the socket buffers are full, and the idle timeout ends it.
    std::vector<std::uint8_t> out;
    const std::uint8_t pdu[] = {0x03, 0x00, 0x00, 0x00, 0x7D};
    for (int i = 0; i < 20000; ++i) EXPECT_TRUE(modbus::encode_tcp(static_cast<std::uint16_t>(i), 1, pdu, out).ok());
    asio::steady_timer guard(ctx_);
    guard.expires_after(std::chrono::seconds(10));
    guard.async_wait([&](boost::system::error_code ec) { if (!ec) s.close(); });
    co_await asio::async_write(s, asio::buffer(out), kNoThrow);  // may fail once closed
    for (int i = 0; i < 200 && server->stats().idle_closed == 0; ++i) co_await sleep_for(std::chrono::milliseconds(20));
    guard.cancel();
    EXPECT_EQ(server->stats().idle_closed, 1u);
    EXPECT_EQ(server->stats().open, 0u);
  });
}

TEST_F(TcpServerTest, GarbageClosesTheConnectionButNotTheServer) {
  auto server = make();
  run(ctx_, [&]() -> asio::awaitable<void> {
    auto s = co_await raw_connect(server->port());
    const char junk[] = "GET / HTTP/1.1\r\n\r\n";
    co_await asio::async_write(s, asio::buffer(junk, sizeof junk - 1), kNoThrow);
    std::uint8_t byte;
    auto [ec, n] = co_await s.async_read_some(asio::buffer(&byte, 1), kNoThrow);
    EXPECT_EQ(ec, asio::error::eof);
    EXPECT_EQ(server->stats().garbage_closed, 1u);
    // Still serving others.
    TcpClient client(ctx_.get_executor());
    CO_ASSERT_TRUE((co_await client.connect("127.0.0.1", server->port())).ok());
    const std::uint8_t pdu[] = {0x03, 0x00, 0x00, 0x00, 0x01};
    auto r = co_await client.transact(1, pdu);
    CO_ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->bytes()[3], 1000 & 0xFF);
  });
}

TEST_F(TcpServerTest, BadPduGetsExceptionAndUnknownUnitGets0A) {
  auto server = make();
  run(ctx_, [&]() -> asio::awaitable<void> {
    TcpClient client(ctx_.get_executor());
    CO_ASSERT_TRUE((co_await client.connect("127.0.0.1", server->port())).ok());
    const std::uint8_t pdu[] = {0x03, 0xFF, 0xFF, 0x00, 0x02};
    auto r = co_await client.transact(1, pdu);
    CO_ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->exception(), ExceptionCode::kIllegalDataAddress);
    const std::uint8_t ok_pdu[] = {0x03, 0x00, 0x00, 0x00, 0x01};
    auto u = co_await client.transact(42, ok_pdu);
    CO_ASSERT_TRUE(u.ok());
    EXPECT_EQ(u->exception(), ExceptionCode::kGatewayPathUnavailable);
  });
}

TEST_F(TcpServerTest, StopClosesEverything) {
  auto server = make();
  run(ctx_, [&]() -> asio::awaitable<void> {
    auto s = co_await raw_connect(server->port());
    co_await sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(server->stats().open, 1u);
    server->stop();
    std::uint8_t byte;
    auto [ec, n] = co_await s.async_read_some(asio::buffer(&byte, 1), kNoThrow);
    EXPECT_TRUE(ec);
  });
}

}  // namespace
}  // namespace emscore::modbus_io

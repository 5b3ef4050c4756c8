#include "emscore/modbus_io/tcp_client.hpp"

#include <gtest/gtest.h>

#include <future>

#include "boost/asio/read.hpp"
#include "boost/asio/use_future.hpp"
#include "boost/asio/write.hpp"
#include "emscore/modbus/memory_model.hpp"
#include "emscore/modbus/tcp.hpp"
#include "emscore/modbus_io/tcp_server.hpp"
#include "io_test_util.hpp"

namespace emscore::modbus_io {
namespace {

using asio::ip::tcp;
using testing::run;
using testing::sleep_for;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

TEST(TcpClient, ManyRequestsInFlightMatchedByTransactionId) {
  asio::io_context ctx;
  modbus::MemoryDataModel model;
  auto& b = model.add_unit(1);
  for (std::size_t i = 0; i < 1000; ++i) b.holding[i] = static_cast<std::uint16_t>(i * 7);
  TcpServer server(ctx.get_executor(), model);
  ASSERT_TRUE(server.listen("127.0.0.1", 0).ok());
  server.start();
  TcpClient client(ctx.get_executor());
  int finished = 0;
  run(ctx, [&]() -> asio::awaitable<void> {
    CO_ASSERT_TRUE((co_await client.connect("127.0.0.1", server.port())).ok());
    for (int i = 0; i < 50; ++i) {
      asio::co_spawn(ctx, [&, i]() -> asio::awaitable<void> {
        auto r = co_await read_registers(client, 1, static_cast<std::uint16_t>(i * 10), 10);
        EXPECT_TRUE(r.ok());
        if (r.ok()) {
          for (int k = 0; k < 10; ++k) EXPECT_EQ((*r)[static_cast<std::size_t>(k)], static_cast<std::uint16_t>((i * 10 + k) * 7));
        }
        ++finished;
      }, asio::detached);
    }
    EXPECT_GT(client.in_flight(), 1u);  // really concurrent on one connection
    for (int k = 0; k < 500 && finished < 50; ++k) co_await sleep_for(std::chrono::milliseconds(10));
  });
  EXPECT_EQ(finished, 50);
  EXPECT_EQ(server.stats().accepted, 1u);
}

// A hand-written peer: answers the first request late (after the client's timeout) and the
// retry at once, with different data, so that mixing them up would show.
TEST(TcpClient, LateReplyToATimedOutAttemptIsDiscarded) {
  asio::io_context ctx;
  tcp::acceptor acc(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = acc.local_endpoint().port();
  asio::co_spawn(ctx, [&]() -> asio::awaitable<void> {
    auto [ec, s] = co_await acc.async_accept(kNoThrow);
    std::array<std::uint8_t, 12> req1, req2;
    co_await asio::async_read(s, asio::buffer(req1), kNoThrow);
    co_await asio::async_read(s, asio::buffer(req2), kNoThrow);  // the retry
    auto tid = [](const std::array<std::uint8_t, 12>& r) { return static_cast<std::uint16_t>(r[0] << 8 | r[1]); };
    EXPECT_NE(tid(req1), tid(req2));
    std::vector<std::uint8_t> out;
    const std::uint8_t old_answer[] = {0x03, 0x02, 0xDE, 0xAD};
    const std::uint8_t new_answer[] = {0x03, 0x02, 0x00, 0x2A};
    (void)modbus::encode_tcp(tid(req1), 1, old_answer, out);  // late: its attempt is over
    (void)modbus::encode_tcp(tid(req2), 1, new_answer, out);
    co_await asio::async_write(s, asio::buffer(out), kNoThrow);
    co_await sleep_for(std::chrono::milliseconds(300));
  }, asio::detached);
  TcpClient client(ctx.get_executor(), ClientOptions{std::chrono::milliseconds(150), 2});
  run(ctx, [&]() -> asio::awaitable<void> {
    CO_ASSERT_TRUE((co_await client.connect("127.0.0.1", port)).ok());
    auto r = co_await read_registers(client, 1, 0, 1);
    CO_ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)[0], 0x2A);
    EXPECT_EQ(client.late_replies(), 1u);
    EXPECT_EQ(client.retries(), 1u);
  });
}

TEST(TcpClient, TimeoutAfterBoundedRetries) {
  asio::io_context ctx;
  tcp::acceptor acc(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = acc.local_endpoint().port();
  tcp::socket peer(ctx);
  acc.async_accept(peer, [](boost::system::error_code) {});  // accepts, never answers
  TcpClient client(ctx.get_executor(), ClientOptions{std::chrono::milliseconds(100), 2});
  run(ctx, [&]() -> asio::awaitable<void> {
    CO_ASSERT_TRUE((co_await client.connect("127.0.0.1", port)).ok());
    const auto t0 = std::chrono::steady_clock::now();
    auto r = co_await read_registers(client, 1, 0, 1);
    const auto took = std::chrono::steady_clock::now() - t0;
    CO_ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
    EXPECT_NE(r.status().message().find("after 3 attempts of 100 ms"), std::string::npos) << r.status();
    EXPECT_GE(took, std::chrono::milliseconds(290));
    EXPECT_LT(took, std::chrono::seconds(3));
  });
}

TEST(TcpClient, ConnectionLossFailsPendingRequests) {
  asio::io_context ctx;
  tcp::acceptor acc(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = acc.local_endpoint().port();
  asio::co_spawn(ctx, [&]() -> asio::awaitable<void> {
    auto [ec, s] = co_await acc.async_accept(kNoThrow);
    std::array<std::uint8_t, 12> req;
    co_await asio::async_read(s, asio::buffer(req), kNoThrow);
    s.close();
  }, asio::detached);
  TcpClient client(ctx.get_executor(), ClientOptions{std::chrono::milliseconds(5000), 0});
  run(ctx, [&]() -> asio::awaitable<void> {
    CO_ASSERT_TRUE((co_await client.connect("127.0.0.1", port)).ok());
    auto r = co_await read_registers(client, 1, 0, 1);
    CO_ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
    EXPECT_FALSE(client.is_open());
  });
}

TEST(TcpClient, ConnectErrors) {
  asio::io_context ctx;
  TcpClient client(ctx.get_executor());
  run(ctx, [&]() -> asio::awaitable<void> {
    // A port nobody listens on.
    tcp::acceptor acc(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const auto port = acc.local_endpoint().port();
    acc.close();
    auto s = co_await client.connect("127.0.0.1", port);
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
    const std::uint8_t pdu[] = {0x03, 0x00, 0x00, 0x00, 0x01};
    auto r = co_await client.transact(1, pdu);
    EXPECT_FALSE(r.ok());
  });
}

TEST(TcpClient, CompletionTokens) {
  asio::io_context ctx;
  modbus::MemoryDataModel model(true);
  model.bank(0)->holding[5] = 77;
  TcpServer server(ctx.get_executor(), model);
  ASSERT_TRUE(server.listen("127.0.0.1", 0).ok());
  server.start();
  TcpClient client(ctx.get_executor());
  std::optional<absl::Status> connected;
  client.async_connect("127.0.0.1", server.port(),
                       [&](std::exception_ptr, absl::Status s) { connected = s; });
  while (!connected) ctx.run_one();
  ASSERT_TRUE(connected->ok());
  std::optional<absl::StatusOr<ResponsePdu>> got;
  client.async_transact(3, {0x03, 0x00, 0x05, 0x00, 0x01},
                        [&](std::exception_ptr, absl::StatusOr<ResponsePdu> r) { got = std::move(r); });
  while (!got) ctx.run_one();
  ASSERT_TRUE(got->ok());
  EXPECT_EQ((*got)->bytes()[3], 77);
}

}  // namespace
}  // namespace emscore::modbus_io

// emscore/modbus_io/tcp_client.hpp — Modbus TCP client on Boost.Asio.
//
// Several requests may be in flight on one connection (Modbus Messaging on TCP/IP V1.0b
// §4.2.1); each gets a fresh transaction id and its response is matched by that id. A request
// that times out is retried (bounded) with a new transaction id, so a late reply to the
// first attempt arrives under an id nobody waits for any more and is discarded (counted in
// late_replies()) — it can never be taken for the answer to a later request.
//
// Thread model: use the client from one thread (a single-threaded io_context or a strand).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "emscore/modbus/tcp.hpp"
#include "emscore/modbus_io/client.hpp"

namespace emscore::modbus_io {

class TcpClient : public Client {
 public:
  TcpClient(asio::any_io_executor ex, ClientOptions options = {});
  ~TcpClient() override;

  // Resolves and connects (with the options' timeout), then starts reading responses.
  asio::awaitable<absl::Status> connect(std::string host, std::uint16_t port);
  template <class Token>
  auto async_connect(std::string host, std::uint16_t port, Token&& token) {
    return asio::co_spawn(executor_, connect(std::move(host), port), std::forward<Token>(token));
  }
  void close();
  bool is_open() const noexcept { return state_->alive; }

  asio::any_io_executor get_executor() override { return executor_; }
  asio::awaitable<absl::StatusOr<ResponsePdu>> transact(
      std::uint8_t unit, std::span<const std::uint8_t> request_pdu) override;

  std::uint64_t late_replies() const noexcept { return state_->late_replies; }
  std::uint64_t retries() const noexcept { return state_->retries; }
  std::size_t in_flight() const noexcept { return state_->pending.size(); }

 private:
  struct Pending;
  // Shared with the reader and writer coroutines, which may outlive a closed connection.
  struct State {
    explicit State(asio::any_io_executor ex) : socket(ex) {}
    asio::ip::tcp::socket socket;
    std::unordered_map<std::uint16_t, Pending*> pending;
    std::deque<std::vector<std::uint8_t>> out;
    bool writing = false;
    bool alive = false;
    std::uint64_t late_replies = 0;
    std::uint64_t retries = 0;
  };
  static asio::awaitable<void> reader(std::shared_ptr<State> s);
  static asio::awaitable<void> writer(std::shared_ptr<State> s);
  static void fail_all(State& s, const absl::Status& why);

  asio::any_io_executor executor_;
  ClientOptions options_;
  std::shared_ptr<State> state_;
  std::uint16_t next_tid_ = 1;
};

}  // namespace emscore::modbus_io

// emscore/modbus_io/tcp_server.hpp — Modbus TCP server on Boost.Asio.
//
// Serves a DataModel through modbus::RequestHandler (sans-I/O), or forwards requests through
// an asynchronous handler (the TCP->RTU gateway). Robustness:
//   - at most `max_connections` clients; a further one is accepted and closed at once;
//   - a connection idle (no complete request) for `idle_timeout` is closed: this also ends
//     clients that send a partial frame and stall;
//   - a response that cannot be written within `idle_timeout` (a client that stops reading)
//     closes the connection;
//   - a broken MBAP header (garbage) closes the connection (there is no way to resynchronise
//     a TCP stream); a valid header with a bad PDU gets the exception response.
// Pipelined requests on one connection are answered in order; one read can carry many
// requests and their responses leave in one write.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "boost/asio/any_io_executor.hpp"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "emscore/modbus/data_model.hpp"
#include "emscore/modbus/request_handler.hpp"

namespace emscore::modbus_io {

namespace asio = boost::asio;

struct TcpServerOptions {
  std::size_t max_connections = 64;
  std::chrono::milliseconds idle_timeout{60'000};
  // Unit ids the model does not serve get exception 0x0A (TCP guide §4.4.2 for gateways).
  bool answer_unknown_unit = true;
};

// An asynchronous request handler: request PDU for `unit` in, response PDU out (empty = no
// response). Used by the gateway.
using AsyncHandler = std::function<asio::awaitable<std::vector<std::uint8_t>>(
    std::uint8_t unit, std::vector<std::uint8_t> request_pdu)>;

class TcpServer {
 public:
  TcpServer(asio::any_io_executor ex, modbus::DataModel& model, TcpServerOptions options = {});
  TcpServer(asio::any_io_executor ex, AsyncHandler handler, TcpServerOptions options = {});
  ~TcpServer();

  // Binds and listens ("0.0.0.0", "127.0.0.1", "::"); port 0 picks a free port.
  absl::Status listen(const std::string& address, std::uint16_t port);
  std::uint16_t port() const;
  // Starts accepting (after listen()).
  void start();
  // Stops accepting and closes every connection.
  void stop();

  struct Stats {
    std::uint64_t accepted = 0;
    std::uint64_t rejected = 0;     // over the connection limit
    std::uint64_t requests = 0;
    std::uint64_t idle_closed = 0;  // idle or stalled
    std::uint64_t garbage_closed = 0;
    std::size_t open = 0;
  };
  const Stats& stats() const noexcept;
  const modbus::RequestHandler::Counters* counters() const noexcept;

 private:
  struct State;
  static asio::awaitable<void> accept_loop(std::shared_ptr<State> s);
  static asio::awaitable<void> serve(std::shared_ptr<State> s, asio::ip::tcp::socket socket);

  asio::any_io_executor executor_;
  std::shared_ptr<State> state_;
};

}  // namespace emscore::modbus_io

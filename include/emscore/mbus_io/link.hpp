// emscore/mbus_io/link.hpp — the byte pipe under an M-Bus master or simulator.
//
// Wired M-Bus reaches a gateway either through a level converter on a serial port (8E1 at
// 300, 2400 or 9600 baud, EN 13757-2 §4) or through a serial-to-TCP converter. Link hides
// which one: read_some() with a deadline and write_all(), both C++20 coroutines on the
// executor the caller gives. Every read has a timeout; a link never blocks a bus forever.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "boost/asio/any_io_executor.hpp"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/serial_port.hpp"

namespace emscore::mbus_io {

namespace asio = boost::asio;

class Link {
 public:
  explicit Link(asio::serial_port port) : stream_(std::move(port)) {}
  explicit Link(asio::ip::tcp::socket socket) : stream_(std::move(socket)) {}

  // Opens a serial device as M-Bus wants it: `baud` (300..38400), 8 data bits, even parity,
  // one stop bit. On a pseudo-terminal the settings are accepted and have no effect.
  static absl::StatusOr<Link> open_serial(const asio::any_io_executor& ex, const std::string& path,
                                          unsigned baud);
  static asio::awaitable<absl::StatusOr<Link>> connect_tcp(const std::string& host,
                                                           std::uint16_t port,
                                                           std::chrono::milliseconds timeout);

  // Reads what is available (at least one byte); 0 bytes and OK when `timeout` expires
  // first; an error status when the link fails.
  asio::awaitable<absl::StatusOr<std::size_t>> read_some(std::span<std::uint8_t> buf,
                                                         std::chrono::milliseconds timeout);
  asio::awaitable<absl::Status> write_all(std::span<const std::uint8_t> bytes);
  // Changes the serial baud rate (no-op on TCP).
  absl::Status set_baud(unsigned baud);
  void close();
  asio::any_io_executor executor();

 private:
  std::variant<asio::serial_port, asio::ip::tcp::socket> stream_;
};

}  // namespace emscore::mbus_io

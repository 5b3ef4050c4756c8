// emscore/modbus_io/rtu_stream.hpp — the byte stream an RTU client or server talks over:
// a serial line (boost::asio::serial_port) or a TCP socket (RTU over TCP, e.g. a serial
// device server), plus the serial line settings.
#pragma once

#include <chrono>
#include <string>
#include <variant>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/serial_port.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"
#include "emscore/modbus/rtu.hpp"

namespace emscore::modbus_io {

namespace asio = boost::asio;

class RtuStream {
 public:
  explicit RtuStream(asio::any_io_executor ex) : stream_(asio::serial_port(ex)), executor_(ex) {}

  // Opens a serial device with the given settings (validated: 1200..115200 baud, 7/8 data
  // bits, none/even/odd parity, 1/2 stop bits, no flow control).
  absl::Status open_serial(const std::string& device, const modbus::SerialFormat& format);
  // Connects to host:port for RTU over TCP (timeout bounded).
  asio::awaitable<absl::Status> connect_tcp(std::string host, std::uint16_t port,
                                            std::chrono::milliseconds timeout);
  void close();
  bool is_open() const;
  bool is_serial() const noexcept { return std::holds_alternative<asio::serial_port>(stream_); }
  asio::any_io_executor get_executor() const { return executor_; }

  auto async_read_some(asio::mutable_buffer b) {
    return std::visit(
        [&](auto& s) { return s.async_read_some(b, asio::as_tuple(asio::use_awaitable)); }, stream_);
  }
  auto async_write(asio::const_buffer b) {
    return std::visit(
        [&](auto& s) { return asio::async_write(s, b, asio::as_tuple(asio::use_awaitable)); }, stream_);
  }

 private:
  std::variant<asio::serial_port, asio::ip::tcp::socket> stream_;
  asio::any_io_executor executor_;
};

}  // namespace emscore::modbus_io

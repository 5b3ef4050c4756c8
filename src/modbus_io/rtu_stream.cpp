#include "emscore/modbus_io/rtu_stream.hpp"

#include "boost/asio/connect.hpp"
#include "boost/asio/experimental/awaitable_operators.hpp"
#include "boost/asio/steady_timer.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::modbus_io {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

absl::Status RtuStream::open_serial(const std::string& device, const modbus::SerialFormat& f) {
  if (absl::Status s = f.validate(); !s.ok()) return s;
  close();
  stream_.emplace<asio::serial_port>(executor_);
  auto& port = std::get<asio::serial_port>(stream_);
  boost::system::error_code ec;
  port.open(device, ec);
  if (ec) return absl::UnavailableError(str_cat("modbus: cannot open ", device, ": ", ec.message()));
  using sp = asio::serial_port_base;
  port.set_option(sp::baud_rate(f.baud), ec);
  if (!ec) port.set_option(sp::character_size(f.data_bits), ec);
  if (!ec) {
    port.set_option(sp::parity(f.parity == modbus::Parity::kNone   ? sp::parity::none
                               : f.parity == modbus::Parity::kEven ? sp::parity::even
                                                                   : sp::parity::odd),
                    ec);
  }
  if (!ec) port.set_option(sp::stop_bits(f.stop_bits == 2 ? sp::stop_bits::two : sp::stop_bits::one), ec);
  if (!ec) port.set_option(sp::flow_control(sp::flow_control::none), ec);
  if (ec) {
    port.close(ec);
    return absl::UnavailableError(str_cat("modbus: cannot configure ", device, ": ", ec.message()));
  }
  return absl::OkStatus();
}

asio::awaitable<absl::Status> RtuStream::connect_tcp(std::string host, std::uint16_t port,
                                                     std::chrono::milliseconds timeout) {
  using namespace asio::experimental::awaitable_operators;
  close();
  stream_.emplace<asio::ip::tcp::socket>(executor_);
  auto& sock = std::get<asio::ip::tcp::socket>(stream_);
  asio::ip::tcp::resolver resolver(executor_);
  auto [rec, results] = co_await resolver.async_resolve(host, std::to_string(port), kNoThrow);
  if (rec) co_return absl::UnavailableError(str_cat("modbus: cannot resolve ", host, ": ", rec.message()));
  asio::steady_timer timer(executor_);
  timer.expires_after(timeout);
  auto which = co_await (asio::async_connect(sock, results, kNoThrow) || timer.async_wait(kNoThrow));
  if (which.index() == 1) {
    close();
    co_return absl::DeadlineExceededError(str_cat("modbus: connect to ", host, ":", port, " timed out"));
  }
  if (auto [ec, ep] = std::get<0>(which); ec) {
    co_return absl::UnavailableError(str_cat("modbus: cannot connect to ", host, ":", port, ": ", ec.message()));
  }
  boost::system::error_code ignored;
  sock.set_option(asio::ip::tcp::no_delay(true), ignored);
  co_return absl::OkStatus();
}

void RtuStream::close() {
  boost::system::error_code ec;
  std::visit([&](auto& s) { s.close(ec); }, stream_);
}

bool RtuStream::is_open() const {
  return std::visit([](const auto& s) { return s.is_open(); }, stream_);
}

}  // namespace emscore::modbus_io

#include "emscore/mbus_io/link.hpp"

#include "boost/asio/as_tuple.hpp"
#include "boost/asio/connect.hpp"
#include "boost/asio/experimental/awaitable_operators.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/this_coro.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::mbus_io {

using namespace asio::experimental::awaitable_operators;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

absl::StatusOr<Link> Link::open_serial(const asio::any_io_executor& ex, const std::string& path,
                                       unsigned baud) {
  asio::serial_port port(ex);
  boost::system::error_code ec;
  port.open(path, ec);
  if (ec) return absl::UnavailableError(str_cat("mbus_io: open ", path, ": ", ec.message()));
  Link link(std::move(port));
  auto& p = std::get<asio::serial_port>(link.stream_);
  using sp = asio::serial_port_base;
  p.set_option(sp::character_size(8), ec);
  p.set_option(sp::parity(sp::parity::even), ec);
  p.set_option(sp::stop_bits(sp::stop_bits::one), ec);
  p.set_option(sp::flow_control(sp::flow_control::none), ec);
  if (auto s = link.set_baud(baud); !s.ok()) return s;
  return link;
}

asio::awaitable<absl::StatusOr<Link>> Link::connect_tcp(const std::string& host,
                                                        std::uint16_t port,
                                                        std::chrono::milliseconds timeout) {
  auto ex = co_await asio::this_coro::executor;
  asio::ip::tcp::resolver resolver(ex);
  auto [rec, results] = co_await resolver.async_resolve(host, std::to_string(port), kTuple);
  if (rec) co_return absl::UnavailableError(str_cat("mbus_io: resolve ", host, ": ", rec.message()));
  asio::ip::tcp::socket socket(ex);
  asio::steady_timer timer(ex, timeout);
  auto r = co_await (asio::async_connect(socket, results, kTuple) || timer.async_wait(kTuple));
  if (r.index() == 1) {
    co_return absl::DeadlineExceededError(str_cat("mbus_io: connect ", host, ":", port, " timed out"));
  }
  auto [ec, ep] = std::get<0>(r);
  if (ec) co_return absl::UnavailableError(str_cat("mbus_io: connect ", host, ":", port, ": ", ec.message()));
  socket.set_option(asio::ip::tcp::no_delay(true));
  co_return Link(std::move(socket));
}

asio::awaitable<absl::StatusOr<std::size_t>> Link::read_some(std::span<std::uint8_t> buf,
                                                             std::chrono::milliseconds timeout) {
  asio::steady_timer timer(executor(), timeout);
  auto b = asio::buffer(buf.data(), buf.size());
  auto read = [&]() -> asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> {
    co_return co_await std::visit([&](auto& s) { return s.async_read_some(b, kTuple); }, stream_);
  };
  auto r = co_await (read() || timer.async_wait(kTuple));
  if (r.index() == 1) co_return std::size_t{0};
  auto [ec, n] = std::get<0>(r);
  if (ec) co_return absl::UnavailableError(str_cat("mbus_io: read: ", ec.message()));
  co_return n;
}

asio::awaitable<absl::Status> Link::write_all(std::span<const std::uint8_t> bytes) {
  auto b = asio::buffer(bytes.data(), bytes.size());
  auto [ec, n] = co_await std::visit([&](auto& s) { return asio::async_write(s, b, kTuple); },
                                     stream_);
  if (ec) co_return absl::UnavailableError(str_cat("mbus_io: write: ", ec.message()));
  co_return absl::OkStatus();
}

absl::Status Link::set_baud(unsigned baud) {
  if (auto* p = std::get_if<asio::serial_port>(&stream_)) {
    boost::system::error_code ec;
    p->set_option(asio::serial_port_base::baud_rate(baud), ec);
    if (ec) return absl::InvalidArgumentError(str_cat("mbus_io: baud ", baud, ": ", ec.message()));
  }
  return absl::OkStatus();
}

void Link::close() {
  boost::system::error_code ec;
  std::visit([&](auto& s) { s.close(ec); }, stream_);
}

asio::any_io_executor Link::executor() {
  return std::visit([](auto& s) { return asio::any_io_executor(s.get_executor()); }, stream_);
}

}  // namespace emscore::mbus_io

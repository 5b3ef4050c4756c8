#include "emscore/modbus_io/tcp_server.hpp"

#include <list>
#include <optional>

#include "boost/asio/as_tuple.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/modbus/tcp.hpp"

namespace emscore::modbus_io {

using asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

struct TcpServer::State {
  State(asio::any_io_executor ex, TcpServerOptions o) : acceptor(ex), options(o) {}
  tcp::acceptor acceptor;
  TcpServerOptions options;
  std::optional<modbus::RequestHandler> handler;
  AsyncHandler async_handler;
  std::list<tcp::socket*> connections;
  Stats stats;
  bool running = false;
};

TcpServer::TcpServer(asio::any_io_executor ex, modbus::DataModel& model, TcpServerOptions options)
    : executor_(ex), state_(std::make_shared<State>(ex, options)) {
  state_->handler.emplace(model, modbus::RequestHandler::Options{options.answer_unknown_unit});
}

TcpServer::TcpServer(asio::any_io_executor ex, AsyncHandler handler, TcpServerOptions options)
    : executor_(ex), state_(std::make_shared<State>(ex, options)) {
  state_->async_handler = std::move(handler);
}

TcpServer::~TcpServer() { stop(); }

const TcpServer::Stats& TcpServer::stats() const noexcept { return state_->stats; }

const modbus::RequestHandler::Counters* TcpServer::counters() const noexcept {
  return state_->handler ? &state_->handler->counters() : nullptr;
}

absl::Status TcpServer::listen(const std::string& address, std::uint16_t port) {
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(address, ec);
  if (ec) return absl::InvalidArgumentError(str_cat("modbus: bad listen address \"", address, "\""));
  const tcp::endpoint ep(addr, port);
  auto& a = state_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(str_cat("modbus: cannot listen on ", address, ":", port, ": ", ec.message()));
  }
  return absl::OkStatus();
}

std::uint16_t TcpServer::port() const {
  boost::system::error_code ec;
  auto ep = state_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void TcpServer::start() {
  if (state_->running) return;
  state_->running = true;
  asio::co_spawn(executor_, accept_loop(state_), asio::detached);
}

void TcpServer::stop() {
  if (!state_) return;
  state_->running = false;
  boost::system::error_code ec;
  state_->acceptor.close(ec);
  for (tcp::socket* s : state_->connections) s->close(ec);
}

asio::awaitable<void> TcpServer::accept_loop(std::shared_ptr<State> s) {
  while (s->running) {
    auto [ec, socket] = co_await s->acceptor.async_accept(kNoThrow);
    if (ec) {
      if (!s->running || ec == asio::error::operation_aborted) co_return;
      continue;  // e.g. EMFILE: keep serving the connections we have
    }
    if (s->connections.size() >= s->options.max_connections) {
      ++s->stats.rejected;
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    ++s->stats.accepted;
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(s->acceptor.get_executor(), serve(s, std::move(socket)), asio::detached);
  }
}

namespace {
struct Conn {
  explicit Conn(tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}
  tcp::socket socket;
  asio::steady_timer timer;
  std::chrono::steady_clock::time_point deadline;
  bool closed = false;
  bool idle_fired = false;
};

// Closes the connection once `deadline` passes without being pushed back. Progress (a whole
// request served) only moves `deadline`: no timer operation per request.
asio::awaitable<void> watchdog(std::shared_ptr<Conn> c) {
  while (!c->closed) {
    c->timer.expires_at(c->deadline);
    co_await c->timer.async_wait(kNoThrow);
    if (c->closed) break;
    if (std::chrono::steady_clock::now() >= c->deadline) {
      c->idle_fired = true;
      boost::system::error_code ignored;
      c->socket.close(ignored);
      break;
    }
  }
}
}  // namespace

asio::awaitable<void> TcpServer::serve(std::shared_ptr<State> s, tcp::socket socket) {
  auto c = std::make_shared<Conn>(std::move(socket));
  auto it = s->connections.insert(s->connections.end(), &c->socket);
  ++s->stats.open;
  c->deadline = std::chrono::steady_clock::now() + s->options.idle_timeout;
  boost::system::error_code nb;
  c->socket.non_blocking(true, nb);  // for the direct send below; asynchronous reads are unaffected
  asio::co_spawn(c->socket.get_executor(), watchdog(c), asio::detached);
  modbus::TcpFramer framer;
  std::vector<std::uint8_t> out;
  out.reserve(4 * modbus::kMaxTcpAduSize);
  std::array<std::uint8_t, modbus::kMaxPduSize> resp{};
  bool done = false;
  while (!done) {
    auto room = framer.prepare();
    auto [ec, n] = co_await c->socket.async_read_some(asio::buffer(room.data(), room.size()), kNoThrow);
    if (ec) break;
    framer.commit(n);
    out.clear();
    bool served = false;
    for (auto e = framer.next(); e.kind != modbus::TcpFramer::Event::kNeedMore; e = framer.next()) {
      if (e.kind == modbus::TcpFramer::Event::kError) {
        ++s->stats.garbage_closed;
        if (s->handler) s->handler->count_communication_error();
        done = true;
        break;
      }
      ++s->stats.requests;
      served = true;
      if (s->handler) {
        const std::size_t len = s->handler->handle(e.frame.unit_id, e.frame.pdu, resp);
        if (len > 0) {
          (void)modbus::encode_tcp(e.frame.transaction_id, e.frame.unit_id,
                                   std::span<const std::uint8_t>(resp.data(), len), out);
        }
      } else {
        const std::uint16_t tid = e.frame.transaction_id;
        const std::uint8_t unit = e.frame.unit_id;
        std::vector<std::uint8_t> req(e.frame.pdu.begin(), e.frame.pdu.end());
        // The framer's buffer is not touched while we wait: prepare() is only called above.
        auto answer = co_await s->async_handler(unit, std::move(req));
        if (!answer.empty()) (void)modbus::encode_tcp(tid, unit, answer, out);
      }
    }
    if (!out.empty()) {
      // Send at once on the non-blocking socket: a response nearly always fits the socket
      // buffer, and this saves an asynchronous operation and a pass through the scheduler per
      // read. Only a client that does not read (full buffer) takes the asynchronous path,
      // bounded by the idle timeout like any other wait.
      boost::system::error_code sec;
      const std::size_t sent = c->socket.send(asio::buffer(out), 0, sec);
      if (sec && sec != asio::error::would_block && sec != asio::error::try_again) break;
      if (sent < out.size()) {
        auto [wec, wn] = co_await asio::async_write(
            c->socket, asio::buffer(out.data() + sent, out.size() - sent), kNoThrow);
        if (wec) break;
      }
    }
    if (served) c->deadline = std::chrono::steady_clock::now() + s->options.idle_timeout;
  }
  if (c->idle_fired) ++s->stats.idle_closed;
  c->closed = true;
  c->timer.cancel();
  boost::system::error_code ignored;
  c->socket.close(ignored);
  s->connections.erase(it);
  --s->stats.open;
}

}  // namespace emscore::modbus_io

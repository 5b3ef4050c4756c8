#include "emscore/modbus_io/tcp_client.hpp"

#include <optional>

#include "boost/asio/as_tuple.hpp"
#include "boost/asio/connect.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/experimental/awaitable_operators.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"
#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::modbus_io {

using asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

struct TcpClient::Pending {
  explicit Pending(asio::any_io_executor ex) : timer(ex) {}
  asio::steady_timer timer;
  std::uint8_t unit = 0;
  std::optional<ResponsePdu> response;
  absl::Status error;
};

TcpClient::TcpClient(asio::any_io_executor ex, ClientOptions options)
    : executor_(ex), options_(options), state_(std::make_shared<State>(ex)) {}

TcpClient::~TcpClient() { close(); }

void TcpClient::fail_all(State& s, const absl::Status& why) {
  for (auto& [tid, p] : s.pending) {
    p->error = why;
    p->timer.cancel();
  }
}

void TcpClient::close() {
  if (!state_->alive) return;
  state_->alive = false;
  boost::system::error_code ec;
  state_->socket.shutdown(tcp::socket::shutdown_both, ec);
  state_->socket.close(ec);
  fail_all(*state_, absl::UnavailableError("modbus: connection closed"));
}

asio::awaitable<absl::Status> TcpClient::connect(std::string host, std::uint16_t port) {
  using namespace asio::experimental::awaitable_operators;
  if (state_->alive) close();
  state_ = std::make_shared<State>(executor_);
  tcp::resolver resolver(executor_);
  auto [rec, results] = co_await resolver.async_resolve(host, std::to_string(port), kNoThrow);
  if (rec) co_return absl::UnavailableError(str_cat("modbus: cannot resolve ", host, ": ", rec.message()));
  asio::steady_timer timer(executor_);
  timer.expires_after(options_.timeout);
  auto which = co_await (asio::async_connect(state_->socket, results, kNoThrow) ||
                         timer.async_wait(kNoThrow));
  if (which.index() == 1) {
    boost::system::error_code ec;
    state_->socket.close(ec);
    co_return absl::DeadlineExceededError(str_cat("modbus: connect to ", host, ":", port,
                                                  " timed out after ", options_.timeout.count(), " ms"));
  }
  auto [cec, ep] = std::get<0>(which);
  if (cec) {
    co_return absl::UnavailableError(str_cat("modbus: cannot connect to ", host, ":", port, ": ", cec.message()));
  }
  state_->socket.set_option(tcp::no_delay(true));
  state_->alive = true;
  asio::co_spawn(executor_, reader(state_), asio::detached);
  co_return absl::OkStatus();
}

asio::awaitable<void> TcpClient::reader(std::shared_ptr<State> s) {
  modbus::TcpFramer framer;
  for (;;) {
    auto room = framer.prepare();
    auto [ec, n] = co_await s->socket.async_read_some(asio::buffer(room.data(), room.size()), kNoThrow);
    if (ec) {
      if (s->alive) {
        s->alive = false;
        fail_all(*s, absl::UnavailableError(str_cat("modbus: connection lost: ", ec.message())));
      }
      co_return;
    }
    framer.commit(n);
    for (auto e = framer.next(); e.kind != modbus::TcpFramer::Event::kNeedMore; e = framer.next()) {
      if (e.kind == modbus::TcpFramer::Event::kError) {
        s->alive = false;
        fail_all(*s, e.error);
        boost::system::error_code ignored;
        s->socket.close(ignored);
        co_return;
      }
      auto it = s->pending.find(e.frame.transaction_id);
      if (it == s->pending.end() || it->second->response || it->second->unit != e.frame.unit_id) {
        ++s->late_replies;  // timed out earlier, answered twice, or not ours: discarded
        continue;
      }
      it->second->response.emplace(e.frame.pdu);
      it->second->timer.cancel();
    }
  }
}

asio::awaitable<void> TcpClient::writer(std::shared_ptr<State> s) {
  s->writing = true;
  while (!s->out.empty() && s->alive) {
    auto [ec, n] = co_await asio::async_write(s->socket, asio::buffer(s->out.front()), kNoThrow);
    s->out.pop_front();
    if (ec) {
      s->alive = false;
      fail_all(*s, absl::UnavailableError(str_cat("modbus: write failed: ", ec.message())));
      boost::system::error_code ignored;
      s->socket.close(ignored);
      break;
    }
  }
  s->out.clear();
  s->writing = false;
}

asio::awaitable<absl::StatusOr<ResponsePdu>> TcpClient::transact(
    std::uint8_t unit, std::span<const std::uint8_t> request_pdu) {
  auto decoded_request = modbus::decode_request(request_pdu);
  if (!decoded_request.ok()) co_return decoded_request.status();
  const int attempts = 1 + std::max(0, options_.retries);
  for (int attempt = 0; attempt < attempts; ++attempt) {
    auto s = state_;
    if (!s->alive) co_return absl::UnavailableError("modbus: not connected");
    if (attempt > 0) ++s->retries;
    std::uint16_t tid = next_tid_++;
    while (s->pending.count(tid)) tid = next_tid_++;
    std::vector<std::uint8_t> adu;
    if (absl::Status st = modbus::encode_tcp(tid, unit, request_pdu, adu); !st.ok()) co_return st;
    Pending p(executor_);
    p.unit = unit;
    s->pending.emplace(tid, &p);
    s->out.push_back(std::move(adu));
    if (!s->writing) asio::co_spawn(executor_, writer(s), asio::detached);
    p.timer.expires_after(options_.timeout);
    co_await p.timer.async_wait(kNoThrow);
    s->pending.erase(tid);
    if (p.response) {
      auto resp = p.response->response();
      if (!resp.ok()) co_return resp.status();
      if (absl::Status st = modbus::check_response(*decoded_request, *resp); !st.ok()) co_return st;
      co_return std::move(*p.response);
    }
    if (!p.error.ok()) co_return p.error;
  }
  co_return absl::DeadlineExceededError(str_cat("modbus: no response from unit ", unit, " after ",
                                                attempts, " attempts of ", options_.timeout.count(),
                                                " ms"));
}

}  // namespace emscore::modbus_io

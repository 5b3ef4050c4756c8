#include "emscore/modbus_io/rtu_client.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "boost/asio/experimental/awaitable_operators.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::modbus_io {

namespace {
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
using Clock = std::chrono::steady_clock;
}  // namespace

RtuClient::RtuClient(asio::any_io_executor ex, RtuClientOptions options)
    : options_(options), stream_(ex), framer_(options.mode, modbus::Side::kResponses) {}

asio::awaitable<void> RtuClient::lock() {
  while (busy_) {
    asio::steady_timer t(stream_.get_executor(), Clock::time_point::max());
    waiters_.push_back(&t);
    co_await t.async_wait(kNoThrow);
  }
  busy_ = true;
}

void RtuClient::unlock() {
  busy_ = false;
  if (!waiters_.empty()) {
    waiters_.front()->cancel();
    waiters_.pop_front();
  }
}

asio::awaitable<absl::StatusOr<ResponsePdu>> RtuClient::transact(
    std::uint8_t unit, std::span<const std::uint8_t> request_pdu) {
  auto request = modbus::decode_request(request_pdu);
  if (!request.ok()) co_return request.status();
  std::vector<std::uint8_t> adu;
  if (absl::Status s = modbus::encode_serial(options_.mode, unit, request_pdu, adu); !s.ok()) co_return s;
  co_await lock();
  absl::StatusOr<ResponsePdu> result = absl::UnavailableError("modbus: not attempted");
  const int attempts = 1 + std::max(0, options_.client.retries);
  for (int i = 0; i < attempts; ++i) {
    result = co_await attempt(unit, adu, *request);
    if (result.ok() || result.status().code() != absl::StatusCode::kDeadlineExceeded) break;
    ++timeouts_;
  }
  unlock();
  if (!result.ok() && result.status().code() == absl::StatusCode::kDeadlineExceeded) {
    co_return absl::DeadlineExceededError(str_cat("modbus: no response from unit ", unit, " after ",
                                                  attempts, " attempts of ",
                                                  options_.client.timeout.count(), " ms"));
  }
  co_return result;
}

asio::awaitable<absl::StatusOr<ResponsePdu>> RtuClient::attempt(std::uint8_t unit,
                                                                std::span<const std::uint8_t> adu,
                                                                const modbus::Request& request) {
  using namespace asio::experimental::awaitable_operators;
  if (!stream_.is_open()) co_return absl::UnavailableError("modbus: RTU line is not open");
  auto ex = stream_.get_executor();
  asio::steady_timer timer(ex);
  const bool ascii = options_.mode == modbus::SerialMode::kAscii;
  // RTU: a frame ends after t3.5 without bytes. ASCII: a frame ends with CR LF; silence
  // longer than the inter-character timeout ends a partial frame.
  const Clock::duration silence =
      ascii ? Clock::duration(options_.char_timeout) : std::max<Clock::duration>(options_.format.t35(), options_.gap);
  // §2.5.1.1: at least t3.5 of silence before a new RTU frame (ASCII frames are delimited).
  if (!ascii && Clock::now() < last_activity_ + silence) {
    timer.expires_at(last_activity_ + silence);
    co_await timer.async_wait(kNoThrow);
  }
  framer_.reset();
  auto [wec, wn] = co_await stream_.async_write(asio::buffer(adu.data(), adu.size()));
  if (wec) co_return absl::UnavailableError(str_cat("modbus: write failed: ", wec.message()));
  last_activity_ = Clock::now();
  const auto deadline = Clock::now() + options_.client.timeout;
  std::array<std::uint8_t, 512> buf;
  if (options_.echo) {
    // Read back exactly what we sent; anything else means a collision on the line.
    std::size_t got = 0;
    std::array<std::uint8_t, modbus::kMaxRtuAduSize> echo;
    while (got < adu.size()) {
      timer.expires_at(deadline);
      auto r = co_await (stream_.async_read_some(asio::buffer(echo.data() + got, adu.size() - got)) ||
                         timer.async_wait(kNoThrow));
      if (r.index() == 1) co_return absl::DeadlineExceededError("modbus: no echo");
      auto [ec, n] = std::get<0>(r);
      if (ec) co_return absl::UnavailableError(str_cat("modbus: read failed: ", ec.message()));
      got += n;
    }
    if (std::memcmp(echo.data(), adu.data(), adu.size()) != 0) {
      co_return absl::DataLossError("modbus: echo differs from the request sent (collision?)");
    }
    last_activity_ = Clock::now();
  }
  if (unit == modbus::kBroadcastAddress) {
    timer.expires_after(options_.turnaround);
    co_await timer.async_wait(kNoThrow);
    co_return ResponsePdu{};
  }
  for (;;) {
    for (auto e = framer_.next(); e.kind != modbus::RtuFramer::Event::kNeedMore; e = framer_.next()) {
      if (e.kind == modbus::RtuFramer::Event::kDropped) {
        dropped_ += e.adu.size();
        continue;
      }
      if (e.frame.address != unit) continue;  // another device (or noise that passed the CRC)
      ResponsePdu resp(e.frame.pdu);
      auto decoded = resp.response();
      if (!decoded.ok()) co_return decoded.status();
      if (absl::Status s = modbus::check_response(request, *decoded); !s.ok()) co_return s;
      co_return resp;
    }
    auto wait_until = deadline;
    if (framer_.buffered() > 0) wait_until = std::min(deadline, last_activity_ + silence);
    timer.expires_at(wait_until);
    auto r = co_await (stream_.async_read_some(asio::buffer(buf)) || timer.async_wait(kNoThrow));
    if (r.index() == 0) {
      auto [ec, n] = std::get<0>(r);
      if (ec) co_return absl::UnavailableError(str_cat("modbus: read failed: ", ec.message()));
      last_activity_ = Clock::now();
      framer_.feed(std::span<const std::uint8_t>(buf.data(), n));
      continue;
    }
    if (Clock::now() >= deadline) co_return absl::DeadlineExceededError("modbus: timeout");
    framer_.on_silence();
  }
}

}  // namespace emscore::modbus_io

#include "emscore/modbus_io/rtu_server.hpp"

#include <array>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/experimental/awaitable_operators.hpp"
#include "boost/asio/steady_timer.hpp"

namespace emscore::modbus_io {

namespace {
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
using Clock = std::chrono::steady_clock;
}  // namespace

RtuServer::RtuServer(asio::any_io_executor ex, modbus::DataModel& model, RtuServerOptions options)
    : state_(std::make_shared<State>(ex, model, options)) {}

RtuServer::~RtuServer() { stop(); }

absl::Status RtuServer::open_serial(const std::string& device) {
  return state_->stream.open_serial(device, state_->options.format);
}

void RtuServer::start() {
  if (state_->running) return;
  state_->running = true;
  asio::co_spawn(state_->stream.get_executor(), run(state_), asio::detached);
}

void RtuServer::stop() {
  state_->running = false;
  state_->stream.close();
}

asio::awaitable<void> RtuServer::run(std::shared_ptr<State> s) {
  using namespace asio::experimental::awaitable_operators;
  const bool ascii = s->options.mode == modbus::SerialMode::kAscii;
  modbus::SerialFramer framer(s->options.mode, modbus::Side::kRequests);
  std::array<std::uint8_t, 512> buf;
  std::array<std::uint8_t, modbus::kMaxPduSize> resp;
  asio::steady_timer timer(s->stream.get_executor());
  const Clock::duration silence = ascii ? Clock::duration(s->options.char_timeout)
                                        : std::max<Clock::duration>(s->options.format.t35(), s->options.gap);
  auto last_byte = Clock::now();
  std::size_t skip_echo = 0;
  while (s->running) {
    for (auto e = framer.next(); e.kind != modbus::RtuFramer::Event::kNeedMore; e = framer.next()) {
      if (e.kind == modbus::RtuFramer::Event::kDropped) {
        s->dropped += e.adu.size();
        s->handler.count_communication_error();
        continue;
      }
      const std::uint8_t addr = e.frame.address;
      const bool broadcast = addr == modbus::kBroadcastAddress;
      const std::size_t n = s->handler.handle(addr, e.frame.pdu, resp, broadcast);
      if (n == 0) continue;
      std::array<std::uint8_t, modbus::kMaxAsciiAduSize> adu;
      const std::span<const std::uint8_t> pdu(resp.data(), n);
      auto len = ascii ? modbus::encode_ascii(addr, pdu, adu) : modbus::encode_rtu(addr, pdu, adu);
      if (!len.ok()) continue;
      // §2.5.1.1: t3.5 of silence after an RTU request before we answer.
      if (!ascii && Clock::now() < last_byte + s->options.format.t35()) {
        timer.expires_at(last_byte + s->options.format.t35());
        co_await timer.async_wait(kNoThrow);
      }
      auto [wec, wn] = co_await s->stream.async_write(asio::buffer(adu.data(), *len));
      if (wec) co_return;
      if (s->options.echo) skip_echo += *len;
    }
    if (framer.buffered() > 0) {
      timer.expires_at(last_byte + silence);
      auto r = co_await (s->stream.async_read_some(asio::buffer(buf)) || timer.async_wait(kNoThrow));
      if (r.index() == 1) {
        framer.on_silence();
        continue;
      }
      auto [ec, n] = std::get<0>(r);
      if (ec) co_return;
      last_byte = Clock::now();
      std::size_t from = std::min(skip_echo, n);
      skip_echo -= from;
      framer.feed(std::span<const std::uint8_t>(buf.data() + from, n - from));
    } else {
      auto [ec, n] = co_await s->stream.async_read_some(asio::buffer(buf));
      if (ec) co_return;
      last_byte = Clock::now();
      std::size_t from = std::min(skip_echo, n);
      skip_echo -= from;
      framer.feed(std::span<const std::uint8_t>(buf.data() + from, n - from));
    }
  }
}

}  // namespace emscore::modbus_io

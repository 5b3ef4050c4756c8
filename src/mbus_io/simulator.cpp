#include "emscore/mbus_io/simulator.hpp"

#include <algorithm>
#include <array>

#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/as_tuple.hpp"
#include "emscore/mbus/framer.hpp"
#include "emscore/mbus/telegram.hpp"

namespace emscore::mbus_io {

Simulator::Simulator(Link link, std::vector<SimMeter> meters, SimulatorOptions options)
    : link_(std::move(link)), meters_(std::move(meters)), state_(meters_.size()), options_(options) {}

void Simulator::set_fault(std::size_t i, Fault f, std::chrono::milliseconds delay) {
  std::lock_guard lock(mu_);
  meters_.at(i).fault = f;
  meters_.at(i).slow_delay = delay;
}

std::uint32_t Simulator::volume(std::size_t i) {
  std::lock_guard lock(mu_);
  return meters_.at(i).volume_litres;
}

std::vector<std::uint8_t> Simulator::build_telegram(std::size_t i, std::size_t index) {
  SimMeter& m = meters_[i];
  State& s = state_[i];
  std::vector<std::uint8_t> ud = {m.secondary.id[0], m.secondary.id[1], m.secondary.id[2],
                                  m.secondary.id[3],
                                  static_cast<std::uint8_t>(m.secondary.manufacturer & 0xFF),
                                  static_cast<std::uint8_t>(m.secondary.manufacturer >> 8),
                                  m.secondary.version, m.secondary.medium, s.access, 0x00,
                                  0x00, 0x00};
  const std::uint32_t v = m.volume_litres;
  ud.insert(ud.end(), {0x04, 0x13, static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
                       static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)});
  const auto& recs = m.telegrams[index % m.telegrams.size()];
  ud.insert(ud.end(), recs.begin(), recs.end());
  if (index + 1 < m.telegrams.size()) ud.push_back(0x1F);
  std::vector<std::uint8_t> frame;
  (void)mbus::append_long_frame(frame, mbus::control::kRspUd, m.primary, mbus::ci::kVariableLong, ud);
  return frame;
}

std::vector<std::uint8_t> Simulator::handle(const std::uint8_t* bytes, std::size_t size,
                                            std::chrono::milliseconds& delay) {
  std::lock_guard lock(mu_);
  auto f = mbus::parse_frame(std::span<const std::uint8_t>(bytes, size));
  if (!f.ok() || !f->from_master()) return {};
  const std::uint8_t a = f->a;
  auto addressed = [&](std::size_t i) {
    if (a == mbus::address::kNetworkLayer) return state_[i].selected;
    if (a == mbus::address::kBroadcastReply || a == mbus::address::kBroadcastNoReply) return true;
    return meters_[i].primary == a;
  };
  std::vector<std::vector<std::uint8_t>> answers;
  auto answer = [&](std::size_t i, std::vector<std::uint8_t> b) {
    const SimMeter& m = meters_[i];
    if (m.fault == Fault::kNoAnswer || a == mbus::address::kBroadcastNoReply) return;
    if (m.fault == Fault::kBadChecksum && b.size() > 2) b[b.size() - 2] ^= 0x5A;
    if (m.fault == Fault::kSlow) delay = std::max(delay, m.slow_delay);
    answers.push_back(std::move(b));
  };
  const std::uint8_t fn = f->function();
  if (f->kind == mbus::FrameKind::kShort && fn == mbus::control::kSndNke) {
    for (std::size_t i = 0; i < meters_.size(); ++i) {
      if (!addressed(i)) continue;
      state_[i].next = 0;
      state_[i].have_fcb = false;
      if (a == mbus::address::kNetworkLayer) state_[i].selected = false;
      answer(i, {mbus::kAckByte});
    }
  } else if (f->kind == mbus::FrameKind::kShort && fn == mbus::control::kReqUd2) {
    for (std::size_t i = 0; i < meters_.size(); ++i) {
      if (!addressed(i) || a >= mbus::address::kBroadcastReply) continue;
      State& s = state_[i];
      std::size_t index = s.next;
      if (s.have_fcb && f->fcv() && f->fcb() == s.last_fcb) {
        index = s.last_sent;  // repeated request (FCB not toggled): same telegram again
      } else {
        meters_[i].volume_litres += meters_[i].step_litres;  // values evolve per readout
        ++s.access;
      }
      s.have_fcb = f->fcv();
      s.last_fcb = f->fcb();
      s.last_sent = index;
      s.next = (index + 1) % meters_[i].telegrams.size();
      answer(i, build_telegram(i, index));
    }
  } else if (f->kind == mbus::FrameKind::kLong && fn == mbus::control::kSndUd &&
             f->ci == mbus::ci::kSelectSecondary && f->data.size() >= 8) {
    mbus::SecondaryAddress mask;
    mask.id = {f->data[0], f->data[1], f->data[2], f->data[3]};
    mask.manufacturer = static_cast<std::uint16_t>(f->data[4] | (f->data[5] << 8));
    mask.version = f->data[6];
    mask.medium = f->data[7];
    for (std::size_t i = 0; i < meters_.size(); ++i) {
      state_[i].selected = mask.matches(meters_[i].secondary);
      if (state_[i].selected) answer(i, {mbus::kAckByte});
    }
  } else if ((f->kind == mbus::FrameKind::kLong || f->kind == mbus::FrameKind::kControl) &&
             fn == mbus::control::kSndUd) {
    for (std::size_t i = 0; i < meters_.size(); ++i) {
      if (!addressed(i)) continue;
      if (f->ci == mbus::ci::kApplicationReset) state_[i].next = 0;
      answer(i, {mbus::kAckByte});
    }
  }
  if (answers.empty()) return {};
  // Superimpose: the longest answer, ANDed with the others where they overlap.
  std::vector<std::uint8_t> out;
  for (const auto& b : answers) {
    if (b.size() > out.size()) out.resize(b.size(), 0xFF);
  }
  bool differ = false;
  for (const auto& b : answers) {
    differ = differ || b != answers.front();
    for (std::size_t k = 0; k < b.size(); ++k) out[k] &= b[k];
  }
  // Different answers are never bit-synchronous on a real bus (each meter's UART starts on
  // its own clock), so they never add up to a valid frame: the AND alone could, by chance.
  if (differ && out.size() >= 2) out[out.size() - 2] = static_cast<std::uint8_t>(~out[out.size() - 2]);
  return out;
}

asio::awaitable<void> Simulator::run() {
  mbus::Framer framer;
  std::array<std::uint8_t, 512> buf{};
  while (!stopped_) {
    auto n = co_await link_.read_some(buf, std::chrono::milliseconds(200));
    if (!n.ok()) co_return;
    std::size_t pos = 0;
    while (pos < *n) {
      pos += framer.feed(std::span<const std::uint8_t>(buf.data() + pos, *n - pos));
      while (auto ev = framer.next()) {
        if (ev->kind != mbus::FramerEvent::Kind::kFrame) continue;
        ++requests_;
        const std::vector<std::uint8_t> req(ev->bytes.begin(), ev->bytes.end());
        std::chrono::milliseconds delay{0};
        auto reply = handle(req.data(), req.size(), delay);
        if (options_.echo) (void)co_await link_.write_all(req);
        if (reply.empty()) continue;
        if (delay.count() > 0) {
          asio::steady_timer t(link_.executor(), delay);
          (void)co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        if (auto s = co_await link_.write_all(reply); !s.ok()) co_return;
      }
    }
  }
}

}  // namespace emscore::mbus_io

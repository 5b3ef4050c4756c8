#include "emscore/mbus_io/master.hpp"

#include <algorithm>
#include <array>

#include "emscore/core/strings.hpp"
#include "emscore/mbus/record.hpp"
#include "emscore/mbus/telegram.hpp"

namespace emscore::mbus_io {

using std::chrono::milliseconds;

Master::Master(Link link, MasterOptions options) : link_(std::move(link)), options_(options) {
  if (options_.quiet.count() == 0) {
    const auto bits = milliseconds(30 * 1000 / std::max(1u, options_.baud));
    options_.quiet = std::max(milliseconds(20), bits);
  }
}

asio::awaitable<absl::StatusOr<Reply>> Master::transact(std::span<const std::uint8_t> request) {
  framer_.reset();
  std::array<std::uint8_t, 512> buf{};
  // Late answers to an earlier request must not be taken for this one: drain first.
  for (int i = 0; i < 64; ++i) {
    auto d = co_await link_.read_some(buf, milliseconds(1));
    if (!d.ok()) co_return d.status();
    if (*d == 0) break;
  }
  if (auto s = co_await link_.write_all(request); !s.ok()) co_return s;
  Reply reply;
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  bool started = false;
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    milliseconds wait = started ? options_.quiet
                                : std::chrono::duration_cast<milliseconds>(deadline - now);
    if (!started && wait.count() <= 0) co_return reply;  // timeout: kNone
    auto n = co_await link_.read_some(buf, wait);
    if (!n.ok()) co_return n.status();
    if (*n == 0) {
      if (!started) co_return reply;
      // The line went quiet after garbage (or a partial frame): a collision.
      if (auto ev = framer_.flush()) {
        reply.bytes.insert(reply.bytes.end(), ev->bytes.begin(), ev->bytes.end());
      }
      reply.kind = ReplyKind::kCollision;
      co_return reply;
    }
    std::size_t pos = 0;
    while (pos < *n) {
      pos += framer_.feed(std::span<const std::uint8_t>(buf.data() + pos, *n - pos));
      while (auto ev = framer_.next()) {
        const std::span<const std::uint8_t> b = ev->bytes;
        if (ev->kind == mbus::FramerEvent::Kind::kGarbage) {
          started = true;
          reply.bytes.insert(reply.bytes.end(), b.begin(), b.end());
          continue;
        }
        if (options_.echo_suppression && std::equal(b.begin(), b.end(), request.begin(), request.end())) {
          continue;  // the adapter's echo of our own request
        }
        if (ev->frame.from_master()) continue;  // another master's request: not an answer
        if (started) {
          // A frame after garbage: still a collision (two answers overlapped).
          reply.bytes.insert(reply.bytes.end(), b.begin(), b.end());
          continue;
        }
        reply.kind = ev->frame.kind == mbus::FrameKind::kAck ? ReplyKind::kAck : ReplyKind::kFrame;
        reply.bytes.assign(b.begin(), b.end());
        // Anything more from the line within the quiet time turns this into a collision.
        auto more = co_await link_.read_some(buf, options_.quiet);
        if (more.ok() && *more > 0) {
          reply.kind = ReplyKind::kCollision;
          reply.bytes.insert(reply.bytes.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*more));
          // Drain until quiet.
          for (;;) {
            auto d = co_await link_.read_some(buf, options_.quiet);
            if (!d.ok() || *d == 0) break;
          }
        }
        co_return reply;
      }
    }
  }
}

asio::awaitable<absl::StatusOr<Reply>> Master::transact_retry(std::span<const std::uint8_t> request,
                                                              bool want_frame) {
  Reply last;
  for (int attempt = 0; attempt <= options_.retries; ++attempt) {
    auto r = co_await transact(request);
    if (!r.ok()) co_return r.status();
    last = *r;
    if (want_frame && r->kind == ReplyKind::kFrame) co_return r;
    if (!want_frame && r->kind == ReplyKind::kAck) co_return r;
  }
  co_return last;
}

asio::awaitable<absl::Status> Master::snd_nke(std::uint8_t address) {
  std::array<std::uint8_t, 5> req{};
  auto n = mbus::encode_snd_nke(req, address);
  if (!n.ok()) co_return n.status();
  auto r = co_await transact_retry(std::span<const std::uint8_t>(req.data(), *n), false);
  if (!r.ok()) co_return r.status();
  if (r->kind == ReplyKind::kAck) {
    fcb_.reset(address);
    co_return absl::OkStatus();
  }
  if (r->kind == ReplyKind::kCollision) {
    co_return absl::DataLossError(str_cat("mbus_io: address ", address, ": garbled answer to SND_NKE"));
  }
  co_return absl::DeadlineExceededError(str_cat("mbus_io: address ", address, ": no answer to SND_NKE"));
}

asio::awaitable<absl::Status> Master::send_expect_ack(std::span<const std::uint8_t> request) {
  auto r = co_await transact_retry(request, false);
  if (!r.ok()) co_return r.status();
  if (r->kind == ReplyKind::kAck) co_return absl::OkStatus();
  co_return r->kind == ReplyKind::kNone
      ? absl::DeadlineExceededError("mbus_io: no acknowledge")
      : absl::DataLossError("mbus_io: no valid acknowledge");
}

asio::awaitable<absl::StatusOr<std::vector<Telegram>>> Master::read_at(std::uint8_t address) {
  std::vector<Telegram> out;
  for (int i = 0; i < options_.max_telegrams; ++i) {
    std::array<std::uint8_t, 5> req{};
    auto n = mbus::encode_req_ud2(req, address, fcb_.current(address));
    if (!n.ok()) co_return n.status();
    auto r = co_await transact_retry(std::span<const std::uint8_t>(req.data(), *n), true);
    if (!r.ok()) co_return r.status();
    if (r->kind != ReplyKind::kFrame) {
      if (r->kind == ReplyKind::kNone) {
        co_return absl::DeadlineExceededError(str_cat(
            "mbus_io: address ", address, ": no answer to REQ_UD2 (telegram ", i + 1, ") after ",
            options_.retries + 1, " attempts of ", options_.timeout.count(), " ms"));
      }
      co_return absl::DataLossError(str_cat("mbus_io: address ", address,
                                            ": only broken answers to REQ_UD2 (telegram ", i + 1, ")"));
    }
    fcb_.toggle(address);
    auto frame = mbus::parse_frame(r->bytes);
    if (!frame.ok()) co_return frame.status();
    bool more = false;
    if (frame->kind == mbus::FrameKind::kLong) {
      if (auto t = mbus::parse_telegram(*frame); t.ok()) {
        mbus::RecordReader rd = t->reader();
        mbus::Record rec;
        while (rd.next(rec)) {
        }
        more = rd.more_records_follow();
      }
    }
    out.push_back(std::move(r->bytes));
    if (!more) co_return out;
  }
  co_return out;  // the bound: a meter that always says "more" is cut off here
}

asio::awaitable<absl::StatusOr<std::vector<Telegram>>> Master::read(std::uint8_t address) {
  co_return co_await read_at(address);
}

asio::awaitable<absl::StatusOr<std::vector<Telegram>>> Master::read_secondary(
    const mbus::SecondaryAddress& address) {
  std::array<std::uint8_t, mbus::kMaxFrameSize> req{};
  auto n = mbus::encode_select_secondary(req, address);
  if (!n.ok()) co_return n.status();
  auto s = co_await send_expect_ack(std::span<const std::uint8_t>(req.data(), *n));
  if (!s.ok()) co_return with_context(s, str_cat("select ", address.to_string()));
  co_return co_await read_at(mbus::address::kNetworkLayer);
}

asio::awaitable<absl::StatusOr<std::vector<std::uint8_t>>> Master::scan_primary(std::uint8_t first,
                                                                               std::uint8_t last) {
  std::vector<std::uint8_t> found;
  for (unsigned a = first; a <= last && a <= mbus::address::kMaxPrimary; ++a) {
    auto s = co_await snd_nke(static_cast<std::uint8_t>(a));
    if (s.ok() || s.code() == absl::StatusCode::kDataLoss) {
      found.push_back(static_cast<std::uint8_t>(a));
    } else if (s.code() != absl::StatusCode::kDeadlineExceeded) {
      co_return s;  // the link failed
    }
  }
  co_return found;
}

asio::awaitable<absl::StatusOr<Master::Probe>> Master::probe(const mbus::SecondaryAddress& mask,
                                                             mbus::SecondaryAddress* found) {
  std::array<std::uint8_t, mbus::kMaxFrameSize> req{};
  auto n = mbus::encode_select_secondary(req, mask);
  if (!n.ok()) co_return n.status();
  // Several selected meters answer E5 at the same time; identical bytes superimpose into
  // one valid E5, so the selection alone cannot reveal a collision: the REQ_UD2 does.
  auto sel = co_await transact(std::span<const std::uint8_t>(req.data(), *n));
  if (!sel.ok()) co_return sel.status();
  if (sel->kind == ReplyKind::kNone) co_return Probe::kNone;
  if (sel->kind == ReplyKind::kCollision || sel->kind == ReplyKind::kFrame) co_return Probe::kCollision;
  std::array<std::uint8_t, 5> rq{};
  auto m = mbus::encode_req_ud2(rq, mbus::address::kNetworkLayer, fcb_.current(mbus::address::kNetworkLayer));
  if (!m.ok()) co_return m.status();
  auto r = co_await transact_retry(std::span<const std::uint8_t>(rq.data(), *m), true);
  if (!r.ok()) co_return r.status();
  if (r->kind == ReplyKind::kCollision) co_return Probe::kCollision;
  if (r->kind != ReplyKind::kFrame) co_return Probe::kNone;
  fcb_.toggle(mbus::address::kNetworkLayer);
  auto f = mbus::parse_frame(r->bytes);
  if (!f.ok()) co_return Probe::kCollision;
  auto t = mbus::parse_telegram(*f);
  if (!t.ok() || !t->header.has_address) co_return Probe::kCollision;
  found->id = t->header.id_bytes;
  found->manufacturer = t->header.manufacturer;
  found->version = t->header.version;
  found->medium = t->header.medium;
  co_return Probe::kSingle;
}

asio::awaitable<absl::Status> Master::search(
    mbus::SecondaryAddress mask, std::size_t pos, SecondaryScanResult& out,
    const std::function<void(const mbus::SecondaryAddress&)>& progress) {
  if (progress) progress(mask);
  ++out.probes;
  mbus::SecondaryAddress found;
  auto p = co_await probe(mask, &found);
  if (!p.ok()) co_return p.status();
  if (*p == Probe::kNone) co_return absl::OkStatus();
  if (*p == Probe::kSingle) {
    if (std::find(out.found.begin(), out.found.end(), found) == out.found.end()) {
      out.found.push_back(found);
    }
    co_return absl::OkStatus();
  }
  // Collision: fix the next nibble that is still a wildcard in the mask.
  while (pos < mbus::SecondaryAddress::kNibbles && mask.nibble(pos) != 0xF) ++pos;
  if (pos >= mbus::SecondaryAddress::kNibbles) {
    out.unresolved.push_back(mask);
    co_return absl::OkStatus();
  }
  // Id digits are BCD (0-9); manufacturer, version and medium nibbles take 0-E. F cannot
  // be selected literally: in a selection it is the wildcard (EN 13757-3 §7.5), so a meter
  // with an F nibble that collides with another meter is left in `unresolved`.
  const std::uint8_t top = pos < 8 ? 9 : 14;
  for (std::uint8_t v = 0; v <= top; ++v) {
    mbus::SecondaryAddress m = mask;
    m.set_nibble(pos, v);
    auto s = co_await search(m, pos + 1, out, progress);
    if (!s.ok()) co_return s;
  }
  co_return absl::OkStatus();
}

asio::awaitable<absl::StatusOr<SecondaryScanResult>> Master::scan_secondary(
    mbus::SecondaryAddress start, std::function<void(const mbus::SecondaryAddress&)> progress) {
  SecondaryScanResult out;
  auto s = co_await search(start, 0, out, progress);
  if (!s.ok()) co_return s;
  co_return out;
}

}  // namespace emscore::mbus_io

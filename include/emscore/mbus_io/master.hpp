// emscore/mbus_io/master.hpp — an M-Bus bus master (EN 13757-2/-3) on a Link.
//
// Every exchange writes one request and waits for the answer with the readout timeout
// (default 3 s); a missing or broken answer is retried (default 2 retries) with the same
// FCB, so a dead meter costs at most (1 + retries) * timeout and never stalls the bus.
// Adapters that echo the request are handled: received frames equal to the request are
// dropped (echo suppression). Bytes that do not form a frame mean that several meters
// answered at once (a collision): scans use that to narrow down.
//
//   Master m(std::move(link), {.timeout = 3s});
//   auto telegrams = co_await m.read(5);          // REQ_UD2 until no "more records follow"
//   auto found = co_await m.scan_primary(0, 250); // SND_NKE, who acknowledges
//   auto all = co_await m.scan_secondary();       // wildcard search, every nibble incl. A-F
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/asio/awaitable.hpp"
#include "emscore/mbus/framer.hpp"
#include "emscore/mbus/request.hpp"
#include "emscore/mbus_io/link.hpp"

namespace emscore::mbus_io {

struct MasterOptions {
  std::chrono::milliseconds timeout{3000};  // readout timeout: the answer must start by then
  int retries = 2;                          // repeats after a missing/broken answer
  bool echo_suppression = true;             // drop frames identical to the request
  unsigned baud = 2400;
  int max_telegrams = 32;                   // multi-telegram readout bound
  // Once an answer started, how long the line must stay quiet to count as finished.
  std::chrono::milliseconds quiet{0};       // 0: 30 bit times at `baud`, at least 20 ms
};

enum class ReplyKind { kNone, kAck, kFrame, kCollision };

struct Reply {
  ReplyKind kind = ReplyKind::kNone;
  std::vector<std::uint8_t> bytes;  // the frame (kAck/kFrame) or the garbled bytes
};

// One telegram of a readout: the raw RSP_UD long frame.
using Telegram = std::vector<std::uint8_t>;

struct SecondaryScanResult {
  std::vector<mbus::SecondaryAddress> found;
  std::vector<mbus::SecondaryAddress> unresolved;  // collisions even with every nibble fixed
  int probes = 0;
};

class Master {
 public:
  Master(Link link, MasterOptions options = {});

  // Writes `request` and returns the answer (kNone after the timeout). No retries.
  asio::awaitable<absl::StatusOr<Reply>> transact(std::span<const std::uint8_t> request);

  // SND_NKE; OK when acknowledged (retries apply). Resets the address's FCB.
  asio::awaitable<absl::Status> snd_nke(std::uint8_t address);
  // REQ_UD2 until a telegram without "more records follow" (DIF 0x1F): every telegram of
  // the meter in order. FCB toggles after each good answer; a retry repeats it. Errors:
  // DeadlineExceeded (no answer after retries), DataLoss (only broken answers).
  asio::awaitable<absl::StatusOr<std::vector<Telegram>>> read(std::uint8_t address);
  // Selects by secondary address (SND_UD CI 0x52 to 0xFD), then reads at address 0xFD.
  asio::awaitable<absl::StatusOr<std::vector<Telegram>>> read_secondary(
      const mbus::SecondaryAddress& address);
  // Any request that the meter acknowledges with E5 (application reset, baud rate, set
  // date/time, tariff switch, set primary address, ...).
  asio::awaitable<absl::Status> send_expect_ack(std::span<const std::uint8_t> request);

  // Primary addresses first..last (0..250) that acknowledge SND_NKE; an address where only
  // broken bytes come back (two meters share it) is reported too.
  asio::awaitable<absl::StatusOr<std::vector<std::uint8_t>>> scan_primary(
      std::uint8_t first = 0, std::uint8_t last = mbus::address::kMaxPrimary);
  // Wildcard search over all 16 nibbles of the secondary address (id digits 0-9, the
  // manufacturer, version and medium nibbles 0-F): a mask that draws a collision is
  // narrowed one nibble further. `progress` (optional) sees every mask probed.
  asio::awaitable<absl::StatusOr<SecondaryScanResult>> scan_secondary(
      mbus::SecondaryAddress start = {},
      std::function<void(const mbus::SecondaryAddress&)> progress = {});

  const MasterOptions& options() const { return options_; }
  Link& link() { return link_; }

 private:
  enum class Probe { kNone, kSingle, kCollision };
  asio::awaitable<absl::StatusOr<Reply>> transact_retry(std::span<const std::uint8_t> request,
                                                        bool want_frame);
  asio::awaitable<absl::StatusOr<std::vector<Telegram>>> read_at(std::uint8_t address);
  asio::awaitable<absl::StatusOr<Probe>> probe(const mbus::SecondaryAddress& mask,
                                               mbus::SecondaryAddress* found);
  asio::awaitable<absl::Status> search(mbus::SecondaryAddress mask, std::size_t pos,
                                       SecondaryScanResult& out,
                                       const std::function<void(const mbus::SecondaryAddress&)>& progress);

  Link link_;
  MasterOptions options_;
  mbus::Framer framer_;
  mbus::FcbState fcb_;
};

}  // namespace emscore::mbus_io

// emscore/dsmr_io/p1_reader.hpp — reads P1 telegrams from a serial line (Boost.Asio).
//
// The P1 port (P1 Companion Standard 5.0.2 §5.2) is a one-way serial line: DSMR 4 and 5 send
// at 115200 baud 8N1 (a telegram every second on DSMR 5, every 10 s on DSMR 4), DSMR 2.2 and
// 3.0 at 9600 baud 7E1 (every 10 s; where the line cannot be set to 7 data bits, it is read
// as 8N1 and the parity bit is stripped in software). P1Reader opens the device, feeds what
// arrives to a
// dsmr::TelegramFramer and completes each read with one whole telegram.
//
//   asio::io_context io;
//   dsmr_io::P1Reader reader(io.get_executor());
//   EMSCORE_RETURN_IF_ERROR(reader.open("/dev/ttyUSB0", dsmr_io::SerialSettings::dsmr5()));
//   reader.async_read_telegram([](absl::StatusOr<dsmr_io::ReceivedTelegram> t) { ... });
//   // or: auto t = co_await reader.async_read_telegram(asio::use_awaitable);
//   //     auto f = reader.async_read_telegram(asio::use_future);
//
// Every read has a deadline (options.timeout): a silent or unplugged meter completes the
// read with DeadlineExceeded instead of hanging. Telegrams with a wrong CRC and noise are
// skipped and counted (stats()); with options.deliver_crc_mismatch they are delivered too,
// marked kMismatch. Only one read may be outstanding at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boost/asio/any_io_executor.hpp"
#include "boost/asio/async_result.hpp"
#include "boost/asio/compose.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/serial_port.hpp"
#include "boost/asio/steady_timer.hpp"
#include "emscore/dsmr/framer.hpp"
#include "emscore/dsmr/smarty.hpp"

namespace emscore::dsmr_io {

namespace asio = boost::asio;

struct SerialSettings {
  unsigned baud = 115200;
  unsigned data_bits = 8;
  enum class Parity : std::uint8_t { kNone, kEven, kOdd } parity = Parity::kNone;
  unsigned stop_bits = 1;

  // DSMR 4.x / 5.x: 115200 8N1.
  static constexpr SerialSettings dsmr5() { return {}; }
  // DSMR 2.2 / 3.0: 9600 7E1.
  static constexpr SerialSettings dsmr22() { return {9600, 7, Parity::kEven, 1}; }
};

struct ReaderOptions {
  // Longest wait for one complete telegram (DSMR 2.2-4 send every 10 s).
  std::chrono::milliseconds timeout{15000};
  bool deliver_crc_mismatch = false;
  dsmr::FramerOptions framer;
  // Luxembourg Smarty: the line carries AES-128-GCM frames (dsmr/smarty.hpp); they are cut,
  // decrypted with this key and AK, and the plaintext telegrams delivered. A frame whose tag
  // does not verify (wrong key) completes the read with PermissionDenied.
  std::optional<dsmr::AesKey> smarty_key;
  dsmr::AesKey smarty_auth_key = dsmr::kSmartyDefaultAuthKey;
};

struct ReceivedTelegram {
  std::vector<std::uint8_t> bytes;  // '/'..'!' plus CRC digits, ready for TelegramParser
  dsmr::CrcStatus crc = dsmr::CrcStatus::kAbsent;
  std::uint64_t offset = 0;         // in the byte stream since open() (Smarty: in the frame)
};

struct ReaderStats {
  std::uint64_t bytes = 0;
  std::uint64_t telegrams = 0;
  std::uint64_t crc_mismatches = 0;
  std::uint64_t framing_errors = 0;
  std::uint64_t noise_bytes = 0;
  std::uint64_t smarty_frames = 0;
  std::uint64_t smarty_failures = 0;
};

class P1Reader {
 public:
  explicit P1Reader(asio::any_io_executor executor, ReaderOptions options = {});

  // Opens and configures the device (a tty, USB adapter or pty).
  absl::Status open(const std::string& device, const SerialSettings& settings);
  void close();
  bool is_open() const { return port_.is_open(); }

  // Completes with the next telegram: signature void(absl::StatusOr<ReceivedTelegram>).
  // Any completion token: a callback, asio::use_future, asio::use_awaitable...
  template <class CompletionToken>
  auto async_read_telegram(CompletionToken&& token) {
    return asio::async_compose<CompletionToken, void(absl::StatusOr<ReceivedTelegram>)>(
        ReadOp{this}, token, port_);
  }

  const ReaderStats& stats() const { return stats_; }

 private:
  // The composed read (written as a state machine, not a coroutine, so that it builds with
  // every compiler and sanitizer the project uses).
  struct ReadOp {
    P1Reader* reader;
    enum class State : std::uint8_t { kStart, kReading, kDone } state = State::kStart;
    absl::StatusOr<ReceivedTelegram> result = absl::UnknownError("dsmr_io: read not finished");

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0) {
      P1Reader& r = *reader;
      switch (state) {
        case State::kStart:
          if (!r.start_read(result)) {
            // Completed without waiting (closed port, telegram already queued): post, so
            // that the handler never runs inside async_read_telegram().
            state = State::kDone;
            asio::post(r.port_.get_executor(), std::move(self));
            return;
          }
          state = State::kReading;
          break;
        case State::kReading:
          if (r.on_read(ec, n, result)) {
            self.complete(std::move(result));
            return;
          }
          break;
        case State::kDone:
          self.complete(std::move(result));
          return;
      }
      r.port_.async_read_some(asio::buffer(r.buffer_), std::move(self));
    }
  };

  // False when the read is already complete (result set).
  bool start_read(absl::StatusOr<ReceivedTelegram>& result);
  // True when the read is complete (result set) after `n` bytes or an error arrived.
  bool on_read(boost::system::error_code ec, std::size_t n,
               absl::StatusOr<ReceivedTelegram>& result);
  bool take_ready(absl::StatusOr<ReceivedTelegram>& result);
  void on_event(const dsmr::FrameEvent& e);
  // Smarty: cuts frames out of smarty_buffer_ and feeds their plaintext to the framer.
  absl::Status feed_smarty(std::span<const std::uint8_t> bytes);

  ReaderOptions options_;
  asio::serial_port port_;
  asio::steady_timer timer_;
  dsmr::TelegramFramer framer_;
  std::deque<ReceivedTelegram> ready_;
  std::vector<std::uint8_t> buffer_;
  std::vector<std::uint8_t> smarty_buffer_;
  std::vector<std::uint8_t> plaintext_;
  ReaderStats stats_;
  std::string device_;
  bool seven_bit_ = false;  // 7E1: bit 7 of each byte is parity, not data
  bool timed_out_ = false;
  std::uint64_t generation_ = 0;  // of the current read's deadline timer
};

}  // namespace emscore::dsmr_io

// emscore/dsmr/framer.hpp — finds P1 telegrams in a byte stream.
//
// A P1 port sends telegrams back to back (DSMR P1 Companion Standard 5.0.2 §6.2):
//   '/' identification CR LF CR LF  data lines ...  '!' CRC CR LF
// The CRC (since DSMR 4.0) is CRC-16/ARC over every byte from '/' up to and including '!',
// written as four hexadecimal digits. DSMR 2.2 and 3.0 end with "!" CR LF (no CRC).
//
// TelegramFramer is incremental and sans-I/O: feed() any chunking of the stream (one byte at
// a time or megabytes at once gives the same events) and it calls back with
//   - kTelegram: a complete telegram and its CRC verdict (ok / absent / mismatch);
//   - kNoise:    bytes between telegrams that are not line ends (stream offset and length);
//   - kError:    a telegram that could not be completed (a new '/' before '!', an invalid
//                CRC character, too long, end of stream), with its offset and an explanation.
// After any error the framer resynchronises on the next '/'. Offsets count bytes from the
// first byte ever fed (or since reset()).
//
// Memory: one buffer of at most max_telegram_bytes, reserved once; feed() does not allocate
// after the first telegram except to build an error message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "emscore/core/crc.hpp"

namespace emscore::dsmr {

enum class CrcStatus : std::uint8_t {
  kOk,        // four hex digits after '!' that match the CRC over '/'..'!'
  kAbsent,    // no CRC: DSMR 2.2 / 3.0 (or a meter that does not send one)
  kMismatch,  // a CRC was sent and does not match
};

// "ok", "absent", "mismatch" (the words of the CLI output).
constexpr std::string_view crc_status_name(CrcStatus s) noexcept {
  switch (s) {
    case CrcStatus::kOk: return "ok";
    case CrcStatus::kAbsent: return "absent";
    case CrcStatus::kMismatch: return "mismatch";
  }
  return "mismatch";
}

struct FramerOptions {
  // A telegram longer than this is dropped (error) and the framer resynchronises. DSMR 5
  // telegrams are below 2 KiB even with a 1024-character text message and four M-Bus devices.
  std::size_t max_telegram_bytes = 16 * 1024;
};

struct FrameEvent {
  enum class Kind : std::uint8_t { kTelegram, kNoise, kError };
  Kind kind = Kind::kTelegram;
  // Stream offset of the first byte of the telegram ('/') or of the noise.
  std::uint64_t offset = 0;
  // Bytes covered: the telegram including its CRC digits, the noise run, or the abandoned
  // telegram.
  std::uint64_t length = 0;
  // kTelegram: '/' .. '!' followed by the CRC digits as sent (none for kAbsent). Borrowed
  // from the framer: valid only during the callback.
  std::span<const std::uint8_t> telegram;
  CrcStatus crc = CrcStatus::kAbsent;
  std::uint16_t crc_sent = 0;      // kOk / kMismatch: the value written after '!'
  std::uint16_t crc_computed = 0;  // over '/'..'!'
  // kOk only because the CRC matched once a CR was put back before every bare LF: the
  // telegram was stored or forwarded with LF-only line ends (see crc_with_crlf_restored).
  bool crc_after_crlf_restore = false;
  // kError and kTelegram with kMismatch: what, where and what was expected.
  absl::Status error;
};

// CRC-16/ARC over `body` ('/'..'!') as the meter sent it when a copy lost the CRs: a CR is
// counted before every LF that has none. nullopt when `body` has no bare LF. DSMR requires
// CR LF line ends (P1 CS 5.0.2 §6.4), so a telegram whose CRC matches this way has the
// content the meter signed; files in git repositories often lose the CRs.
std::optional<std::uint16_t> crc_with_crlf_restored(std::span<const std::uint8_t> body) noexcept;

class TelegramFramer {
 public:
  using Callback = absl::FunctionRef<void(const FrameEvent&)>;

  explicit TelegramFramer(FramerOptions options = {});

  // Consumes `bytes`; calls `on_event` for every telegram, noise run and error completed by
  // them. Never blocks; keeps any incomplete telegram for the next call.
  void feed(std::span<const std::uint8_t> bytes, Callback on_event);
  void feed(std::string_view text, Callback on_event) {
    feed(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()),
                                       text.size()),
         on_event);
  }

  // End of stream: a telegram ended by "!" without CRC digits is delivered (kAbsent), an
  // incomplete one is reported as an error, pending noise is reported. Then reset().
  void finish(Callback on_event);

  // Forgets any partial telegram; offsets restart at 0.
  void reset();

  // Stream offset of the next byte feed() will see.
  std::uint64_t offset() const noexcept { return offset_; }

 private:
  enum class State : std::uint8_t { kHunt, kBody, kCrc };

  void start_telegram(std::uint64_t at);
  void flush_noise(Callback on_event);
  void deliver(Callback on_event, bool have_crc);
  void abandon(Callback on_event, std::uint64_t end, absl::Status why);

  FramerOptions options_;
  State state_ = State::kHunt;
  std::uint64_t offset_ = 0;          // stream offset of the next byte
  std::uint64_t start_ = 0;           // stream offset of the current telegram's '/'
  std::vector<std::uint8_t> buffer_;  // '/'..'!' and CRC digits of the current telegram
  std::uint16_t crc_ = 0;             // running CRC-16/ARC (init 0) over the body
  std::uint16_t crc_value_ = 0;       // CRC digits read so far
  int crc_digits_ = 0;
  // Noise run being collected between telegrams.
  std::uint64_t noise_start_ = 0;
  std::uint64_t noise_length_ = 0;
  bool noise_significant_ = false;    // saw a byte other than CR, LF, space, NUL
};

}  // namespace emscore::dsmr

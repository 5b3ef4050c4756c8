// emscore/modbus/ascii.hpp — Modbus ASCII framing on a serial line (sans-I/O).
//
// Modbus over Serial Line V1.02 §2.5.2: an ASCII frame is ':' (0x3A), then every byte of
// address + PDU + LRC as two hexadecimal characters (high nibble first, '0'-'9' 'A'-'F'),
// then CR LF. The default character format is 7 data bits, even parity, 1 stop bit; up to
// 1 s may pass between two characters of a frame. The LRC (§6.2.1) is the 8-bit sum of the
// address and PDU bytes (carries dropped), two's complemented, sent as two characters like
// any other byte. A whole frame has at most 513 characters (1 + 2 * 255 + 2).
//
// AsciiFramer finds frames by their start and end characters and checks the LRC. The spec's
// receiver state machine (§2.5.2.1) restarts on every ':', so a ':' inside a frame ends the
// frame in progress as dropped and starts a new one: the framer resynchronises on the next
// ':' after noise. Receiving is lenient where it costs nothing: lower-case hex digits are
// accepted, and every character is read through a 7-bit mask, so a line opened as 8 data bits
// while the peer sends 7 data bits + parity still decodes. Sending is exact (upper case).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "emscore/modbus/rtu.hpp"

namespace emscore::modbus {

inline constexpr std::size_t kMaxAsciiAduSize = 513;  // ':' + 2 * 255 + CR LF
inline constexpr std::uint8_t kAsciiStart = ':';
inline constexpr std::uint8_t kAsciiCr = '\r';
inline constexpr std::uint8_t kAsciiLf = '\n';

// LRC of address + PDU (§6.2.1): two's complement of the 8-bit sum.
std::uint8_t lrc(std::span<const std::uint8_t> bytes) noexcept;

// Appends ':' + hex(address, pdu, LRC) + CR LF to `out`. InvalidArgument for an empty or
// oversized PDU.
absl::Status encode_ascii(std::uint8_t address, std::span<const std::uint8_t> pdu,
                          std::vector<std::uint8_t>& out);
// Encodes into a caller buffer; returns the frame size (5 + 2 * (pdu.size() + 1)).
absl::StatusOr<std::size_t> encode_ascii(std::uint8_t address, std::span<const std::uint8_t> pdu,
                                         std::span<std::uint8_t> out);

// An ASCII frame decodes to the same address + PDU as an RTU frame.
using AsciiAdu = RtuAdu;

// Decodes one whole frame (':' to CR LF) into `scratch` (at least 255 bytes); the PDU of the
// result borrows from `scratch`. Checks the delimiters, the hex digits and the LRC.
absl::StatusOr<AsciiAdu> decode_ascii(std::span<const std::uint8_t> frame,
                                      std::span<std::uint8_t> scratch);

// The incremental ASCII frame finder; the same event shape as RtuFramer:
//
//   AsciiFramer f;
//   f.feed(bytes);
//   for (auto e = f.next(); e.kind != AsciiFramer::Event::kNeedMore; e = f.next()) { ... }
//
// kFrame: `frame` holds address + PDU (decoded, LRC checked), `adu` the frame's characters.
// kDropped: `adu` holds the dropped characters and `reason` says why. Every fed byte comes out
// exactly once, in order, as part of a frame or of a drop. Spans stay valid until the next
// call to feed(), next(), on_silence() or reset().
class AsciiFramer {
 public:
  using Event = RtuFramer::Event;

  AsciiFramer() noexcept = default;

  // Takes as many bytes as fit in the internal buffer and returns how many it took (all of
  // them unless next() has not been drained).
  std::size_t feed(std::span<const std::uint8_t> bytes) noexcept { return w_.feed(bytes); }
  Event next() noexcept;
  // The inter-character timeout (1 s by default, §2.5.2.1) passed without a byte: a frame in
  // progress can never complete and is dropped.
  void on_silence() noexcept { w_.on_silence(); }
  // Forgets buffered bytes (e.g. after a request timed out).
  void reset() noexcept {
    w_.reset();
    state_ = State::kIdle;
  }

  std::size_t buffered() const noexcept { return w_.unreported(); }
  std::uint64_t frames() const noexcept { return w_.frames(); }
  std::uint64_t dropped_bytes() const noexcept { return w_.dropped_bytes(); }

 private:
  enum class State : std::uint8_t { kIdle, kFrame, kCr };

  FrameWindow<Event, 2 * kMaxAsciiAduSize> w_;  // the cursor is the next character to look at
  State state_ = State::kIdle;
  std::array<std::uint8_t, kMaxRtuAduSize> bin_{};  // address + PDU + LRC of the frame in progress
  std::size_t bin_len_ = 0;
  int high_nibble_ = -1;
};

}  // namespace emscore::modbus

// emscore/modbus/rtu.hpp — Modbus RTU framing on a serial line (sans-I/O).
//
// An RTU ADU is: address (1 byte, 0 = broadcast, 1..247 devices), PDU, CRC-16/MODBUS sent low
// byte first (Modbus over Serial Line V1.02 §2.5.1). Frames are separated by at least 3.5
// character times of silence, characters inside a frame by at most 1.5; above 19200 baud the
// spec fixes these at 750 us and 1.75 ms (§2.5.1.1).
//
// RTU frames carry no length field. RtuFramer finds frame ends from the function code and
// its byte count (or fixed size), which differ between requests and responses, so a framer
// decodes one direction (Side). It confirms every frame with the CRC. On a CRC failure, a
// truncated frame or noise it drops one byte and tries again at the next, so it resynchronises
// on the first good frame, and it reports what it dropped. For a function code whose length
// it cannot know (unknown codes, diagnostics sub-function 0) it accepts the first prefix
// whose CRC checks. The I/O layer calls on_silence() after t3.5 without bytes: a partial frame
// can then never complete and is dropped at once instead of waiting for more bytes.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "emscore/modbus/frame_window.hpp"

namespace emscore::modbus {

inline constexpr std::size_t kMaxRtuAduSize = 256;
inline constexpr std::uint8_t kBroadcastAddress = 0;
inline constexpr std::uint8_t kMaxDeviceAddress = 247;

enum class Parity : std::uint8_t { kNone, kEven, kOdd };

// A serial character format. Valid: 1200..115200 baud, 7 or 8 data bits, 1 or 2 stop bits.
struct SerialFormat {
  std::uint32_t baud = 19200;
  std::uint8_t data_bits = 8;
  Parity parity = Parity::kEven;
  std::uint8_t stop_bits = 1;

  absl::Status validate() const;
  // Start bit + data bits + parity bit + stop bits (11 for Modbus' default 8E1).
  unsigned bits_per_char() const noexcept;
  // Time on the wire of one character.
  std::chrono::nanoseconds char_time() const noexcept;
  // Maximum silence inside a frame: 1.5 characters, 750 us above 19200 baud.
  std::chrono::nanoseconds t15() const noexcept;
  // Minimum silence between frames: 3.5 characters, 1750 us above 19200 baud.
  std::chrono::nanoseconds t35() const noexcept;
  // Time to send `bytes` characters.
  std::chrono::nanoseconds transmit_time(std::size_t bytes) const noexcept;
};
std::string_view parity_name(Parity p) noexcept;  // "none", "even", "odd"
absl::StatusOr<Parity> parse_parity(std::string_view name);  // none/even/odd or N/E/O

// Which direction a framer decodes: a server reads requests, a client reads responses.
enum class Side : std::uint8_t { kRequests, kResponses };

// Length of the PDU that starts with `prefix`, as far as the bytes so far tell.
struct PduLength {
  enum Kind : std::uint8_t { kKnown, kNeedMore, kUnknown } kind = kUnknown;
  std::size_t bytes = 0;  // kKnown: whole PDU length; kNeedMore: minimum prefix needed
};
PduLength rtu_pdu_length(std::span<const std::uint8_t> prefix, Side side) noexcept;

// Appends address + pdu + CRC to `out`. InvalidArgument for an empty or oversized PDU.
absl::Status encode_rtu(std::uint8_t address, std::span<const std::uint8_t> pdu,
                        std::vector<std::uint8_t>& out);
// Encodes into a caller buffer; returns the ADU size.
absl::StatusOr<std::size_t> encode_rtu(std::uint8_t address, std::span<const std::uint8_t> pdu,
                                       std::span<std::uint8_t> out);

struct RtuAdu {
  std::uint8_t address = 0;
  std::span<const std::uint8_t> pdu;  // borrows from the decoded bytes
};
// Decodes one whole ADU (e.g. a frame cut by the inter-frame silence): CRC checked.
absl::StatusOr<RtuAdu> decode_rtu(std::span<const std::uint8_t> adu);

// The incremental RTU frame finder.
//
//   RtuFramer f(Side::kResponses);
//   f.feed(bytes);
//   for (auto e = f.next(); e.kind != RtuFramer::Event::kNeedMore; e = f.next()) { ... }
//
// Spans in an Event stay valid until the next call to feed(), next() or on_silence().
class RtuFramer {
 public:
  struct Event {
    enum Kind : std::uint8_t { kNeedMore, kFrame, kDropped } kind = kNeedMore;
    RtuAdu frame;                          // kFrame
    std::span<const std::uint8_t> adu;     // kFrame: the whole ADU; kDropped: the dropped bytes
    std::string_view reason;               // kDropped: why ("CRC mismatch", "truncated frame"...)
    std::uint64_t stream_offset = 0;       // offset of adu[0] in the whole fed stream
  };

  explicit RtuFramer(Side side) noexcept : side_(side) {}

  // Takes as many bytes as fit in the internal buffer and returns how many it took (all of
  // them unless next() has not been drained).
  std::size_t feed(std::span<const std::uint8_t> bytes) noexcept { return w_.feed(bytes); }
  // The next frame, a report of dropped bytes, or kNeedMore.
  Event next() noexcept;
  // t3.5 elapsed without a byte: whatever is buffered is all there is of its frame.
  void on_silence() noexcept { w_.on_silence(); }
  // Forgets buffered bytes (e.g. after a request timed out).
  void reset() noexcept { w_.reset(); }

  std::size_t buffered() const noexcept { return w_.end() - w_.cursor(); }
  std::uint64_t frames() const noexcept { return w_.frames(); }
  std::uint64_t dropped_bytes() const noexcept { return w_.dropped_bytes(); }

 private:
  Side side_;
  // The cursor is the first undecided byte; bytes between the window's base and the cursor
  // are a pending run of dropped bytes, reported as one (with the reason of its first byte).
  FrameWindow<Event, 4 * kMaxRtuAduSize> w_;
  std::string_view drop_reason_;
};

}  // namespace emscore::modbus

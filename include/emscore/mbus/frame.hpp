// emscore/mbus/frame.hpp — EN 13757-2 link-layer frames (wired M-Bus, FT1.2 of IEC 60870-5-2).
//
// Four frame formats share one wire (EN 13757-2 §5.2):
//   single character  E5                                  (acknowledge)
//   short frame       10 C A CS 16                        (SND_NKE, REQ_UD1/2)
//   control frame     68 03 03 68 C A CI CS 16            (long frame without user data)
//   long frame        68 L L 68 C A CI data... CS 16       (L = 3 + data, CS = sum of C..data)
// probe_frame() inspects the bytes at the start of a buffer without allocating and says
// whether they hold a complete valid frame, need more bytes, or cannot be a frame (and why,
// with the byte offset). parse_frame() is the strict one-frame-exactly form with a Status.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"

namespace emscore::mbus {

inline constexpr std::uint8_t kAckByte = 0xE5;
inline constexpr std::uint8_t kShortStart = 0x10;
inline constexpr std::uint8_t kLongStart = 0x68;
inline constexpr std::uint8_t kStopByte = 0x16;
inline constexpr std::size_t kMaxLongFrameData = 252;  // L <= 255 = C + A + CI + 252
inline constexpr std::size_t kMaxFrameSize = 255 + 6;

// C field (EN 13757-2 §5.5). Master to slave: bit 6 PRM=1, bit 5 FCB, bit 4 FCV.
// Slave to master: PRM=0, bit 5 ACD, bit 4 DFC.
namespace control {
inline constexpr std::uint8_t kSndNke = 0x40;   // link reset (FCV=0)
inline constexpr std::uint8_t kSndUd = 0x53;    // send user data (FCV=1)
inline constexpr std::uint8_t kReqUd2 = 0x5B;   // request class-2 data (FCV=1)
inline constexpr std::uint8_t kReqUd1 = 0x5A;   // request class-1 (alarm) data (FCV=1)
inline constexpr std::uint8_t kRspUd = 0x08;    // respond user data
inline constexpr std::uint8_t kPrm = 0x40;
inline constexpr std::uint8_t kFcb = 0x20;
inline constexpr std::uint8_t kFcv = 0x10;
inline constexpr std::uint8_t kAcd = 0x20;
inline constexpr std::uint8_t kDfc = 0x10;
}  // namespace control

// A field (EN 13757-2 §5.6).
namespace address {
inline constexpr std::uint8_t kUnconfigured = 0;
inline constexpr std::uint8_t kMaxPrimary = 250;
inline constexpr std::uint8_t kNetworkLayer = 253;  // 0xFD: the slave selected by secondary address
inline constexpr std::uint8_t kBroadcastReply = 254;
inline constexpr std::uint8_t kBroadcastNoReply = 255;
}  // namespace address

enum class FrameKind : std::uint8_t { kAck, kShort, kControl, kLong };

// A decoded frame. `data` (user data after the CI field) borrows from the parsed buffer.
struct Frame {
  FrameKind kind = FrameKind::kAck;
  std::uint8_t c = 0;
  std::uint8_t a = 0;
  std::uint8_t ci = 0;                  // control and long frames only
  std::span<const std::uint8_t> data;   // long frames only
  std::size_t size = 1;                 // bytes on the wire

  bool from_master() const noexcept { return (c & control::kPrm) != 0; }
  bool fcb() const noexcept { return from_master() && (c & control::kFcb) != 0; }
  bool fcv() const noexcept { return from_master() && (c & control::kFcv) != 0; }
  bool acd() const noexcept { return !from_master() && (c & control::kAcd) != 0; }
  bool dfc() const noexcept { return !from_master() && (c & control::kDfc) != 0; }
  // C without the FCB bit (master) or the ACD/DFC bits (slave): 0x40, 0x53, 0x5B, 0x08, ...
  std::uint8_t function() const noexcept {
    return static_cast<std::uint8_t>(from_master() ? c & ~control::kFcb
                                                   : c & ~(control::kAcd | control::kDfc));
  }
};

enum class FrameError : std::uint8_t {
  kNone,
  kNeedMore,        // a valid prefix; `size` says how many bytes the frame needs in total
  kBadStart,        // first byte is none of E5 / 10 / 68
  kLengthMismatch,  // 68 L L 68 with different L
  kBadSecondStart,  // fourth byte of a long frame is not 68
  kLengthTooSmall,  // L < 3
  kChecksum,
  kBadStop,
};

struct FrameProbe {
  FrameError error = FrameError::kNone;
  std::size_t size = 0;     // complete: frame size; kNeedMore: total bytes needed
  std::size_t offset = 0;   // offset of the offending byte
  std::uint8_t got = 0;     // offending byte / checksum as received
  std::uint8_t expected = 0;
  Frame frame;              // valid when error == kNone
};

// Looks at the frame starting at bytes[0]; never reads past bytes.size(), never allocates.
FrameProbe probe_frame(std::span<const std::uint8_t> bytes) noexcept;

// The probe's error as a Status: "mbus: long frame at offset 4: checksum 0x3A, computed 0x3B".
// `base_offset` is added to the offsets.
absl::Status probe_status(const FrameProbe& p, std::size_t base_offset = 0);

// Exactly one frame: errors on incomplete input (OutOfRange), invalid frames and trailing
// bytes (InvalidArgument).
absl::StatusOr<Frame> parse_frame(std::span<const std::uint8_t> bytes);

// Encoders write into `out` and return the number of bytes written, or ResourceExhausted
// when out is too small / InvalidArgument when the data is longer than 252 bytes.
absl::StatusOr<std::size_t> encode_ack(std::span<std::uint8_t> out);
absl::StatusOr<std::size_t> encode_short_frame(std::span<std::uint8_t> out, std::uint8_t c,
                                               std::uint8_t a);
// A long frame; with empty `data` it is a control frame.
absl::StatusOr<std::size_t> encode_long_frame(std::span<std::uint8_t> out, std::uint8_t c,
                                              std::uint8_t a, std::uint8_t ci,
                                              std::span<const std::uint8_t> data);
// Appending forms for callers that build into a vector.
absl::Status append_short_frame(std::vector<std::uint8_t>& out, std::uint8_t c, std::uint8_t a);
absl::Status append_long_frame(std::vector<std::uint8_t>& out, std::uint8_t c, std::uint8_t a,
                               std::uint8_t ci, std::span<const std::uint8_t> data);

}  // namespace emscore::mbus

#include "emscore/mbus/frame.hpp"

#include <array>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "emscore/core/byte_writer.hpp"
#include "emscore/core/crc.hpp"
#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::mbus {
namespace {

// core's mbus_checksum (sum of the bytes modulo 256), 16 bytes per step with SSE2's sum of
// absolute differences against zero where the target has it, else eight bytes at a time
// added in 16-bit lanes (a long frame has at most 255 checksummed bytes, so a lane holds at
// most 32 * 2 * 255 and cannot overflow).
std::uint8_t frame_checksum(const std::uint8_t* p, std::size_t n) noexcept {
  std::size_t i = 0;
  unsigned sum = 0;
#if defined(__SSE2__)
  __m128i acc = _mm_setzero_si128();
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    acc = _mm_add_epi64(acc, _mm_sad_epu8(v, _mm_setzero_si128()));
  }
  sum += static_cast<unsigned>(_mm_cvtsi128_si32(acc)) +
         static_cast<unsigned>(_mm_cvtsi128_si32(_mm_srli_si128(acc, 8)));
#endif
  constexpr std::uint64_t kLow = 0x00FF00FF00FF00FFull;
  std::uint64_t lanes = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    lanes += (w & kLow) + ((w >> 8) & kLow);
  }
  for (; i < n; ++i) sum += p[i];
  sum += static_cast<unsigned>((lanes & 0xFFFF) + ((lanes >> 16) & 0xFFFF) +
                               ((lanes >> 32) & 0xFFFF) + (lanes >> 48));
  return static_cast<std::uint8_t>(sum & 0xFFu);
}

}  // namespace

FrameProbe probe_frame(std::span<const std::uint8_t> b) noexcept {
  FrameProbe p;
  if (b.empty()) {
    p.error = FrameError::kNeedMore;
    p.size = 1;
    return p;
  }
  switch (b[0]) {
    case kAckByte:
      p.size = 1;
      p.frame.kind = FrameKind::kAck;
      p.frame.size = 1;
      return p;
    case kShortStart: {
      p.size = 5;
      if (b.size() < 5) {
        p.error = FrameError::kNeedMore;
        return p;
      }
      const std::uint8_t cs = static_cast<std::uint8_t>(b[1] + b[2]);
      if (b[3] != cs) {
        p.error = FrameError::kChecksum;
        p.offset = 3;
        p.got = b[3];
        p.expected = cs;
        return p;
      }
      if (b[4] != kStopByte) {
        p.error = FrameError::kBadStop;
        p.offset = 4;
        p.got = b[4];
        p.expected = kStopByte;
        return p;
      }
      p.frame.kind = FrameKind::kShort;
      p.frame.c = b[1];
      p.frame.a = b[2];
      p.frame.size = 5;
      return p;
    }
    case kLongStart: {
      if (b.size() < 4) {
        // Validate what we have so that noise is rejected early.
        if (b.size() >= 3 && b[1] != b[2]) {
          p.error = FrameError::kLengthMismatch;
          p.offset = 2;
          p.got = b[2];
          p.expected = b[1];
          return p;
        }
        if (b.size() >= 2 && b[1] < 3) {
          p.error = FrameError::kLengthTooSmall;
          p.offset = 1;
          p.got = b[1];
          p.expected = 3;
          return p;
        }
        p.error = FrameError::kNeedMore;
        p.size = b.size() >= 2 ? std::size_t{b[1]} + 6 : 4;
        return p;
      }
      const std::uint8_t l = b[1];
      if (l < 3) {
        p.error = FrameError::kLengthTooSmall;
        p.offset = 1;
        p.got = l;
        p.expected = 3;
        return p;
      }
      if (b[2] != l) {
        p.error = FrameError::kLengthMismatch;
        p.offset = 2;
        p.got = b[2];
        p.expected = l;
        return p;
      }
      if (b[3] != kLongStart) {
        p.error = FrameError::kBadSecondStart;
        p.offset = 3;
        p.got = b[3];
        p.expected = kLongStart;
        return p;
      }
      p.size = std::size_t{l} + 6;
      if (b.size() < p.size) {
        p.error = FrameError::kNeedMore;
        return p;
      }
      const std::uint8_t cs = frame_checksum(b.data() + 4, l);
      if (b[4 + l] != cs) {
        p.error = FrameError::kChecksum;
        p.offset = 4 + std::size_t{l};
        p.got = b[4 + l];
        p.expected = cs;
        return p;
      }
      if (b[5 + l] != kStopByte) {
        p.error = FrameError::kBadStop;
        p.offset = 5 + std::size_t{l};
        p.got = b[5 + l];
        p.expected = kStopByte;
        return p;
      }
      p.frame.kind = l == 3 ? FrameKind::kControl : FrameKind::kLong;
      p.frame.c = b[4];
      p.frame.a = b[5];
      p.frame.ci = b[6];
      p.frame.data = b.subspan(7, l - 3u);
      p.frame.size = p.size;
      return p;
    }
    default:
      p.error = FrameError::kBadStart;
      p.offset = 0;
      p.got = b[0];
      return p;
  }
}

absl::Status probe_status(const FrameProbe& p, std::size_t base) {
  const std::string_view what =
      p.frame.kind == FrameKind::kShort || (p.error != FrameError::kNone && p.size == 5)
          ? "short frame"
          : "long frame";
  switch (p.error) {
    case FrameError::kNone:
      return absl::OkStatus();
    case FrameError::kNeedMore:
      return absl::OutOfRangeError(
          str_cat("mbus: frame at offset ", base, ": incomplete, need ", p.size, " bytes"));
    case FrameError::kBadStart:
      return decode_error("mbus", "frame", base + p.offset,
                          str_cat("start byte ", hex(p.got), ", expected 0xE5, 0x10 or 0x68"));
    case FrameError::kLengthMismatch:
      return decode_error("mbus", "long frame", base + p.offset,
                          str_cat("second length ", hex(p.got), ", expected ", hex(p.expected),
                                  " (equal to the first)"));
    case FrameError::kBadSecondStart:
      return decode_error("mbus", "long frame", base + p.offset,
                          str_cat("start byte ", hex(p.got), ", expected 0x68"));
    case FrameError::kLengthTooSmall:
      return decode_error("mbus", "long frame", base + p.offset,
                          str_cat("length ", p.got, ", expected at least 3"));
    case FrameError::kChecksum:
      return decode_error("mbus", what, base + p.offset,
                          str_cat("checksum ", hex(p.got), ", computed ", hex(p.expected)));
    case FrameError::kBadStop:
      return decode_error("mbus", what, base + p.offset,
                          str_cat("stop byte ", hex(p.got), ", expected 0x16"));
  }
  return absl::InternalError("mbus: unknown frame error");
}

absl::StatusOr<Frame> parse_frame(std::span<const std::uint8_t> bytes) {
  const FrameProbe p = probe_frame(bytes);
  if (p.error != FrameError::kNone) return probe_status(p);
  if (p.size != bytes.size()) {
    return decode_error("mbus", "frame", p.size,
                        str_cat(bytes.size() - p.size, " bytes after the stop byte"));
  }
  return p.frame;
}

absl::StatusOr<std::size_t> encode_ack(std::span<std::uint8_t> out) {
  ByteWriter w(out, "mbus");
  w.u8(kAckByte);
  EMSCORE_RETURN_IF_ERROR(w.status());
  return w.size();
}

absl::StatusOr<std::size_t> encode_short_frame(std::span<std::uint8_t> out, std::uint8_t c,
                                               std::uint8_t a) {
  ByteWriter w(out, "mbus");
  w.u8(kShortStart);
  w.u8(c);
  w.u8(a);
  w.u8(static_cast<std::uint8_t>(c + a));
  w.u8(kStopByte);
  EMSCORE_RETURN_IF_ERROR(w.status());
  return w.size();
}

absl::StatusOr<std::size_t> encode_long_frame(std::span<std::uint8_t> out, std::uint8_t c,
                                              std::uint8_t a, std::uint8_t ci,
                                              std::span<const std::uint8_t> data) {
  if (data.size() > kMaxLongFrameData) {
    return absl::InvalidArgumentError(str_cat("mbus: long frame user data of ", data.size(),
                                              " bytes, at most ", kMaxLongFrameData));
  }
  const auto l = static_cast<std::uint8_t>(3 + data.size());
  ByteWriter w(out, "mbus");
  w.u8(kLongStart);
  w.u8(l);
  w.u8(l);
  w.u8(kLongStart);
  w.u8(c);
  w.u8(a);
  w.u8(ci);
  w.bytes(data);
  unsigned sum = unsigned{c} + a + ci;
  for (std::uint8_t b : data) sum += b;
  w.u8(static_cast<std::uint8_t>(sum & 0xFFu));
  w.u8(kStopByte);
  EMSCORE_RETURN_IF_ERROR(w.status());
  return w.size();
}

absl::Status append_short_frame(std::vector<std::uint8_t>& out, std::uint8_t c, std::uint8_t a) {
  std::array<std::uint8_t, 5> buf{};
  EMSCORE_ASSIGN_OR_RETURN(const std::size_t n, encode_short_frame(buf, c, a));
  out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
  return absl::OkStatus();
}

absl::Status append_long_frame(std::vector<std::uint8_t>& out, std::uint8_t c, std::uint8_t a,
                               std::uint8_t ci, std::span<const std::uint8_t> data) {
  std::array<std::uint8_t, kMaxFrameSize> buf{};
  EMSCORE_ASSIGN_OR_RETURN(const std::size_t n, encode_long_frame(buf, c, a, ci, data));
  out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
  return absl::OkStatus();
}

}  // namespace emscore::mbus

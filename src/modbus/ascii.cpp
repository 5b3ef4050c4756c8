#include "emscore/modbus/ascii.hpp"

#include <algorithm>
#include <cstring>

#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/modbus/pdu.hpp"

namespace emscore::modbus {

namespace {

// Address + PDU + LRC.
constexpr std::size_t kMaxAsciiBytes = 1 + kMaxPduSize + 1;
static_assert(kMaxAsciiAduSize == 1 + 2 * kMaxAsciiBytes + 2);

constexpr char kHexDigits[] = "0123456789ABCDEF";

// Value of a hex digit (either case) or -1; `c` already masked to 7 bits.
constexpr int hex_value(std::uint8_t c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// A 7-bit character: the 8th bit is a parity bit when the line is read as 8 data bits.
constexpr std::uint8_t seven(std::uint8_t c) noexcept { return c & 0x7F; }

}  // namespace

std::uint8_t lrc(std::span<const std::uint8_t> bytes) noexcept {
  std::uint8_t sum = 0;
  for (std::uint8_t b : bytes) sum = static_cast<std::uint8_t>(sum + b);
  return static_cast<std::uint8_t>(-sum);
}

// ------------------------------------------------------------------ ADU

absl::StatusOr<std::size_t> encode_ascii(std::uint8_t address, std::span<const std::uint8_t> pdu,
                                         std::span<std::uint8_t> out) {
  if (pdu.empty() || pdu.size() > kMaxPduSize) {
    return absl::InvalidArgumentError(
        str_cat("modbus: ASCII PDU of ", pdu.size(), " bytes, expected 1..", kMaxPduSize));
  }
  const std::size_t n = 1 + 2 * (pdu.size() + 2) + 2;
  if (out.size() < n) {
    return absl::ResourceExhaustedError(
        str_cat("modbus: ASCII frame of ", n, " characters, buffer of ", out.size()));
  }
  std::size_t at = 0;
  auto put = [&](std::uint8_t b) {
    out[at++] = static_cast<std::uint8_t>(kHexDigits[b >> 4]);
    out[at++] = static_cast<std::uint8_t>(kHexDigits[b & 15]);
  };
  out[at++] = kAsciiStart;
  put(address);
  std::uint8_t sum = address;
  for (std::uint8_t b : pdu) {
    put(b);
    sum = static_cast<std::uint8_t>(sum + b);
  }
  put(static_cast<std::uint8_t>(-sum));
  out[at++] = kAsciiCr;
  out[at++] = kAsciiLf;
  return at;
}

absl::Status encode_ascii(std::uint8_t address, std::span<const std::uint8_t> pdu,
                          std::vector<std::uint8_t>& out) {
  std::uint8_t buf[kMaxAsciiAduSize];
  EMSCORE_ASSIGN_OR_RETURN(const std::size_t n, encode_ascii(address, pdu, std::span(buf)));
  out.insert(out.end(), buf, buf + n);
  return absl::OkStatus();
}

absl::StatusOr<AsciiAdu> decode_ascii(std::span<const std::uint8_t> frame,
                                      std::span<std::uint8_t> scratch) {
  constexpr std::string_view kWhat = "ASCII frame";
  // ':' + address + function + LRC + CR LF.
  if (frame.size() < 9) return truncated_error("modbus", kWhat, frame.size(), 9, frame.size());
  if (frame.size() > kMaxAsciiAduSize) {
    return decode_error(
        "modbus", kWhat, kMaxAsciiAduSize,
        str_cat("frame of ", frame.size(), " characters, expected at most ", kMaxAsciiAduSize));
  }
  if (seven(frame[0]) != kAsciiStart) {
    return decode_error("modbus", kWhat, 0,
                        str_cat("start character ", hex(frame[0]), ", expected ':' (0x3A)"));
  }
  const std::size_t n = frame.size();
  if (seven(frame[n - 2]) != kAsciiCr || seven(frame[n - 1]) != kAsciiLf) {
    return decode_error(
        "modbus", kWhat, n - 2,
        str_cat("end ", hex(frame[n - 2]), " ", hex(frame[n - 1]), ", expected CR LF (0D 0A)"));
  }
  const std::size_t digits = n - 3;
  if (digits % 2 != 0)
    return decode_error("modbus", kWhat, n - 2,
                        str_cat(digits, " hex digits, expected an even number"));
  const std::size_t bytes = digits / 2;
  if (scratch.size() < bytes) {
    return absl::ResourceExhaustedError(
        str_cat("modbus: ASCII frame of ", bytes, " bytes, buffer of ", scratch.size()));
  }
  for (std::size_t i = 0; i < bytes; ++i) {
    const int hi = hex_value(seven(frame[1 + 2 * i]));
    const int lo = hex_value(seven(frame[2 + 2 * i]));
    if (hi < 0 || lo < 0) {
      const std::size_t at = hi < 0 ? 1 + 2 * i : 2 + 2 * i;
      return decode_error("modbus", kWhat, at,
                          str_cat("character ", hex(frame[at]), ", expected a hex digit"));
    }
    scratch[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  const std::uint8_t want = lrc(scratch.first(bytes - 1));
  if (scratch[bytes - 1] != want) {
    return decode_error("modbus", kWhat, n - 4,
                        str_cat("LRC ", hex(scratch[bytes - 1]), ", computed ", hex(want)));
  }
  return AsciiAdu{scratch[0], std::span<const std::uint8_t>(scratch.data() + 1, bytes - 2)};
}

// ------------------------------------------------------------------ framer

AsciiFramer::Event AsciiFramer::next() noexcept {
  for (;;) {
    if (state_ == State::kIdle) {
      while (w_.cursor() < w_.end() && seven(w_[w_.cursor()]) != kAsciiStart) w_.advance();
      if (w_.cursor() > w_.base()) return w_.drop("noise outside a frame (no ':')");
      if (w_.cursor() == w_.end()) {
        w_.clear_silence();
        return Event{};
      }
      // base == cursor == the ':' that starts a frame.
      state_ = State::kFrame;
      bin_len_ = 0;
      high_nibble_ = -1;
      w_.advance();
      continue;
    }
    while (w_.cursor() < w_.end()) {
      const std::uint8_t c = seven(w_[w_.cursor()]);
      if (c == kAsciiStart) {
        // §2.5.2.1: a ':' restarts reception; what came before it is lost.
        state_ = State::kIdle;
        return w_.drop("frame interrupted by ':'");
      }
      w_.advance();
      if (state_ == State::kCr) {
        state_ = State::kIdle;
        if (c != kAsciiLf) return w_.drop("CR not followed by LF");
        if (high_nibble_ >= 0) return w_.drop("odd number of hex digits");
        if (bin_len_ < 3) return w_.drop("frame shorter than address + function + LRC");
        if (lrc(std::span<const std::uint8_t>(bin_.data(), bin_len_ - 1)) != bin_[bin_len_ - 1]) {
          return w_.drop("LRC mismatch");
        }
        Event e = w_.frame();
        e.frame = AsciiAdu{bin_[0], std::span<const std::uint8_t>(bin_.data() + 1, bin_len_ - 2)};
        return e;
      }
      if (c == kAsciiCr) {
        state_ = State::kCr;
        continue;
      }
      const int v = hex_value(c);
      if (v < 0) {
        state_ = State::kIdle;
        return w_.drop("not a hex digit inside a frame");
      }
      if (high_nibble_ < 0) {
        high_nibble_ = v;
        continue;
      }
      if (bin_len_ == kMaxAsciiBytes) {
        state_ = State::kIdle;
        return w_.drop("frame longer than 513 characters");
      }
      bin_[bin_len_++] = static_cast<std::uint8_t>((high_nibble_ << 4) | v);
      high_nibble_ = -1;
    }
    if (w_.silent()) {
      w_.clear_silence();
      state_ = State::kIdle;
      return w_.drop("incomplete frame (inter-character timeout)");
    }
    return Event{};
  }
}

}  // namespace emscore::modbus

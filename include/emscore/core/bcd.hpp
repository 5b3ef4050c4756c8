// emscore/core/bcd.hpp — binary-coded decimal, 1 to 18 digits.
//
// M-Bus (EN 13757-3, data field types A and the BCD DIF codings) sends BCD least significant
// byte first; other users (meter displays, DLMS octet strings) most significant byte first.
// Two nibbles a byte, the low nibble is the lower digit.
//
// Sign: EN 13757-3 marks a negative BCD value with 0xF in the most significant nibble; the
// remaining digits are the magnitude ("F0 00 04" LSB-first... 0x04 0x00 0xF0 -> -4).
//
// Digits 0xA-0xF anywhere else are not decimal. Meters use them on purpose to say "value not
// available / error" (e.g. a display-style "EEEE"), so they are not silently read as numbers:
// decode_bcd() fails with InvalidArgument naming the nibble, and bcd_to_hex_digits() gives
// the raw digits for callers (the M-Bus decoder) that want to show what the meter sent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "emscore/core/strings.hpp"
#include "emscore/core/byte_reader.hpp"  // Endian

namespace emscore {

inline constexpr std::size_t kMaxBcdBytes = 9;  // 18 digits always fit an int64

struct BcdOptions {
  Endian order = Endian::kLittle;  // byte order; M-Bus is little endian
  bool allow_negative = true;      // 0xF in the most significant nibble means minus
};

// Decodes bytes.size()*2 digits. Errors: empty input or more than 9 bytes, or a non-decimal
// nibble ("bcd: digit 3 (from the least significant) is 0xE, expected 0-9").
inline absl::StatusOr<std::int64_t> decode_bcd(std::span<const std::uint8_t> bytes,
                                               BcdOptions opt = {}) {
  const std::size_t n = bytes.size();
  if (n == 0 || n > kMaxBcdBytes) {
    return absl::InvalidArgumentError(
        str_cat("bcd: ", n, " bytes, expected 1 to ", kMaxBcdBytes));
  }
  const std::size_t digits = 2 * n;
  std::int64_t value = 0;
  bool negative = false;
  // Walk from the most significant digit down.
  for (std::size_t d = digits; d-- > 0;) {
    const std::size_t byte_index = opt.order == Endian::kLittle ? d / 2 : n - 1 - d / 2;
    const unsigned nib = (d % 2) ? (bytes[byte_index] >> 4) : (bytes[byte_index] & 0x0Fu);
    if (nib > 9) {
      if (d == digits - 1 && nib == 0xF && opt.allow_negative) {
        negative = true;
        continue;
      }
      return absl::InvalidArgumentError(str_cat(
          "bcd: digit ", d, " (from the least significant) is ", hex(nib, 1),
          ", expected 0-9", (nib == 0xF && d == digits - 1) ? "" : " (meters send A-F digits to flag an invalid value)"));
    }
    value = value * 10 + static_cast<std::int64_t>(nib);
  }
  return negative ? -value : value;
}

// The digits as the meter sent them, most significant first, A-F in upper case.
inline std::string bcd_to_hex_digits(std::span<const std::uint8_t> bytes,
                                     Endian order = Endian::kLittle) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const std::uint8_t b = order == Endian::kLittle ? bytes[bytes.size() - 1 - i] : bytes[i];
    s.push_back(kHex[b >> 4]);
    s.push_back(kHex[b & 0x0F]);
  }
  return s;
}

// Encodes value into out.size()*2 digits. A negative value uses the 0xF sign nibble and so
// has one digit less. Errors when the value does not fit.
inline absl::Status encode_bcd(std::int64_t value, std::span<std::uint8_t> out,
                               BcdOptions opt = {}) {
  const std::size_t n = out.size();
  if (n == 0 || n > kMaxBcdBytes) {
    return absl::InvalidArgumentError(
        str_cat("bcd: ", n, " bytes, expected 1 to ", kMaxBcdBytes));
  }
  const bool negative = value < 0;
  if (negative && !opt.allow_negative) {
    return absl::InvalidArgumentError(str_cat("bcd: ", value, " is negative"));
  }
  std::uint64_t mag = negative ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  const std::size_t digits = 2 * n - (negative ? 1 : 0);
  for (std::size_t i = 0; i < n; ++i) out[i] = 0;
  for (std::size_t d = 0; d < 2 * n; ++d) {
    unsigned nib;
    if (d < digits) {
      nib = static_cast<unsigned>(mag % 10);
      mag /= 10;
    } else {
      nib = 0xF;
    }
    const std::size_t byte_index = opt.order == Endian::kLittle ? d / 2 : n - 1 - d / 2;
    out[byte_index] = static_cast<std::uint8_t>(out[byte_index] | (d % 2 ? nib << 4 : nib));
  }
  if (mag != 0) {
    return absl::OutOfRangeError(
        str_cat("bcd: ", value, " does not fit in ", digits, " digits"));
  }
  return absl::OkStatus();
}

}  // namespace emscore

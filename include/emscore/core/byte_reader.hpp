// emscore/core/byte_reader.hpp — a bounds-checked cursor over a byte span.
//
// Reads never go past the end. The first failed read makes the reader "failed": it stays at
// the failing offset, every later read returns zero, and status() names the field, the
// offset and how many bytes were missing. A decoder can therefore read a whole structure and
// check once, without a branch per field; nothing allocates until an error message is made.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "absl/status/status.h"
#include "boost/endian/conversion.hpp"
#include "emscore/core/status.hpp"

namespace emscore {

enum class Endian : std::uint8_t { kBig, kLittle };

class ByteReader {
 public:
  // `module` prefixes error messages ("mbus", "modbus"...); `base_offset` is added to every
  // reported offset when the span is a slice of a larger frame.
  explicit ByteReader(std::span<const std::uint8_t> data, std::string_view module = "bytes",
                      std::size_t base_offset = 0) noexcept
      : data_(data), module_(module), base_(base_offset) {}

  std::size_t offset() const noexcept { return pos_; }
  std::size_t absolute_offset() const noexcept { return base_ + pos_; }
  std::size_t size() const noexcept { return data_.size(); }
  std::size_t remaining() const noexcept { return failed_ ? 0 : data_.size() - pos_; }
  bool empty() const noexcept { return remaining() == 0; }
  bool ok() const noexcept { return !failed_; }
  std::span<const std::uint8_t> rest() const noexcept {
    return failed_ ? std::span<const std::uint8_t>{} : data_.subspan(pos_);
  }
  std::span<const std::uint8_t> data() const noexcept { return data_; }

  // OK, or OutOfRange "<module>: <field> at offset N: truncated, need K bytes, M left".
  absl::Status status() const {
    if (!failed_) return absl::OkStatus();
    return truncated_error(module_, fail_what_, base_ + pos_, fail_need_, data_.size() - pos_);
  }

  // Peeks without consuming; returns 0 (and fails nothing) past the end.
  std::uint8_t peek(std::size_t ahead = 0) const noexcept {
    return (!failed_ && pos_ + ahead < data_.size()) ? data_[pos_ + ahead] : 0;
  }

  std::uint8_t u8(std::string_view what = "u8") noexcept {
    if (!need(1, what)) return 0;
    return data_[pos_++];
  }
  std::int8_t i8(std::string_view what = "i8") noexcept {
    return static_cast<std::int8_t>(u8(what));
  }

  // Fixed-width integer of N bytes (1..8) in the given byte order, zero-extended.
  std::uint64_t uint_n(std::size_t n, Endian e, std::string_view what = "integer") noexcept {
    if (n == 0 || n > 8 || !need(n, what)) {
      if (n > 8 && !failed_) fail(what, n);
      return 0;
    }
    std::uint64_t v = 0;
    if (e == Endian::kBig) {
      for (std::size_t i = 0; i < n; ++i) v = (v << 8) | data_[pos_ + i];
    } else {
      for (std::size_t i = n; i-- > 0;) v = (v << 8) | data_[pos_ + i];
    }
    pos_ += n;
    return v;
  }
  // Same, sign-extended from bit 8n-1.
  std::int64_t int_n(std::size_t n, Endian e, std::string_view what = "integer") noexcept {
    std::uint64_t v = uint_n(n, e, what);
    if (n == 0 || n >= 8) return static_cast<std::int64_t>(v);
    const std::uint64_t sign = std::uint64_t{1} << (8 * n - 1);
    return static_cast<std::int64_t>((v ^ sign) - sign);
  }

  template <class T>
  T read(Endian e, std::string_view what = "value") noexcept {
    static_assert(std::is_integral_v<T> || std::is_floating_point_v<T>);
    if (!need(sizeof(T), what)) return T{};
    T v;
    std::memcpy(&v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    if constexpr (sizeof(T) > 1) {
      if constexpr (std::is_floating_point_v<T>) {
        using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
        U u;
        std::memcpy(&u, &v, sizeof u);
        u = e == Endian::kBig ? boost::endian::big_to_native(u) : boost::endian::little_to_native(u);
        std::memcpy(&v, &u, sizeof u);
      } else {
        v = e == Endian::kBig ? boost::endian::big_to_native(v) : boost::endian::little_to_native(v);
      }
    }
    return v;
  }
  std::uint16_t u16be(std::string_view what = "u16") noexcept { return read<std::uint16_t>(Endian::kBig, what); }
  std::uint16_t u16le(std::string_view what = "u16") noexcept { return read<std::uint16_t>(Endian::kLittle, what); }
  std::uint32_t u32be(std::string_view what = "u32") noexcept { return read<std::uint32_t>(Endian::kBig, what); }
  std::uint32_t u32le(std::string_view what = "u32") noexcept { return read<std::uint32_t>(Endian::kLittle, what); }

  // Consumes n bytes and returns them (empty span on failure).
  std::span<const std::uint8_t> take(std::size_t n, std::string_view what = "bytes") noexcept {
    if (!need(n, what)) return {};
    auto s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  bool skip(std::size_t n, std::string_view what = "bytes") noexcept { return !take(n, what).empty() || n == 0; }

 private:
  bool need(std::size_t n, std::string_view what) noexcept {
    if (failed_) return false;
    if (data_.size() - pos_ < n) {
      fail(what, n);
      return false;
    }
    return true;
  }
  void fail(std::string_view what, std::size_t n) noexcept {
    failed_ = true;
    fail_what_ = what;
    fail_need_ = n;
  }

  std::span<const std::uint8_t> data_;
  std::string_view module_;
  std::size_t base_ = 0;
  std::size_t pos_ = 0;
  bool failed_ = false;
  std::string_view fail_what_;
  std::size_t fail_need_ = 0;
};

}  // namespace emscore

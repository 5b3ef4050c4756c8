// emscore/core/byte_writer.hpp — a bounds-checked writer into a caller's buffer.
//
// Encoders write into storage the caller owns (a stack array, a frame buffer); the writer
// never allocates. Writing past the end makes the writer "failed" (sticky, like
// ByteReader): further writes are ignored and status() says how many bytes were missing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

#include "absl/status/status.h"
#include "emscore/core/strings.hpp"
#include "boost/endian/conversion.hpp"
#include "emscore/core/byte_reader.hpp"  // Endian

namespace emscore {

class ByteWriter {
 public:
  explicit ByteWriter(std::span<std::uint8_t> out, std::string_view module = "bytes") noexcept
      : out_(out), module_(module) {}

  std::size_t size() const noexcept { return pos_; }
  std::size_t capacity() const noexcept { return out_.size(); }
  bool ok() const noexcept { return !failed_; }
  std::span<std::uint8_t> written() const noexcept { return out_.first(pos_); }

  // OK, or ResourceExhausted "<module>: output buffer too small: need N more bytes at offset O".
  absl::Status status() const {
    if (!failed_) return absl::OkStatus();
    return absl::ResourceExhaustedError(str_cat(module_, ": output buffer of ", out_.size(),
                                                     " bytes too small: need ", fail_need_,
                                                     " more bytes at offset ", pos_));
  }

  void u8(std::uint8_t v) noexcept {
    if (room(1)) out_[pos_++] = v;
  }
  void bytes(std::span<const std::uint8_t> b) noexcept {
    if (!room(b.size())) return;
    if (!b.empty()) std::memcpy(out_.data() + pos_, b.data(), b.size());
    pos_ += b.size();
  }
  // Low n bytes (1..8) of v in the given order.
  void uint_n(std::uint64_t v, std::size_t n, Endian e) noexcept {
    if (n > 8 || !room(n)) return;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t shift = 8 * (e == Endian::kBig ? n - 1 - i : i);
      out_[pos_ + i] = static_cast<std::uint8_t>(v >> shift);
    }
    pos_ += n;
  }
  template <class T>
  void write(T v, Endian e) noexcept {
    static_assert(std::is_integral_v<T> || std::is_floating_point_v<T>);
    if constexpr (std::is_floating_point_v<T>) {
      using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
      U u;
      std::memcpy(&u, &v, sizeof u);
      uint_n(u, sizeof u, e);
    } else {
      uint_n(static_cast<std::uint64_t>(v), sizeof(T), e);
    }
  }
  void u16be(std::uint16_t v) noexcept { uint_n(v, 2, Endian::kBig); }
  void u16le(std::uint16_t v) noexcept { uint_n(v, 2, Endian::kLittle); }

  // Overwrites an already written byte (length fields, checksums); ignored if out of range.
  void patch_u8(std::size_t at, std::uint8_t v) noexcept {
    if (at < pos_) out_[at] = v;
  }

 private:
  bool room(std::size_t n) noexcept {
    if (failed_) return false;
    if (out_.size() - pos_ < n) {
      failed_ = true;
      fail_need_ = n - (out_.size() - pos_);
      return false;
    }
    return true;
  }

  std::span<std::uint8_t> out_;
  std::string_view module_;
  std::size_t pos_ = 0;
  bool failed_ = false;
  std::size_t fail_need_ = 0;
};

}  // namespace emscore

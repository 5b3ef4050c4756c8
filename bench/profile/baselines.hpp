// Baselines for the profile codec benchmark, implemented here from their papers:
//   - Gorilla (Pelkonen et al., VLDB 2015 §4.1): delta-of-delta timestamps in seconds with
//     the paper's buckets, XOR of consecutive doubles with leading/trailing zero windows;
//   - delta + frame of reference: per block of 128, first differences, zig-zag, minus the
//     block minimum, bit-packed at the block's widest width (the classic FOR/PFOR layout
//     without patching), applied to each integer column;
//   - zstd level 19 on the raw little-endian integer columns (linked: libzstd).
#pragma once

#include <zstd.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace emscore::profile::bench {

// The columns every codec gets: timestamps (ms), mantissas scaled to one exponent, the
// per-sample exponent offset; and the doubles Gorilla needs.
struct Columns {
  std::vector<std::int64_t> ms;
  std::vector<std::int64_t> mantissa;
  std::vector<std::int8_t> exponent;
  std::vector<double> value;
};

// MSB-first bit writer and reader with 64-bit buffers (as fast as we could make them, so
// that the baselines are not slowed down by their plumbing).
class Bits {
 public:
  std::vector<std::uint8_t> bytes;
  void put(std::uint64_t v, unsigned n) {
    if (n == 0) return;
    if (n < 64) v &= (1ULL << n) - 1;
    if (fill_ + n <= 64) {
      acc_ = fill_ + n == 64 && fill_ == 0 ? v : (acc_ << n) | v;
      fill_ += n;
    } else {
      const unsigned first = 64 - fill_;
      acc_ = (acc_ << first) | (v >> (n - first));
      fill_ = 64;
      flush();
      acc_ = v & ((1ULL << (n - first)) - 1);
      fill_ = n - first;
    }
    if (fill_ == 64) flush();
  }
  std::vector<std::uint8_t> finish() {
    for (unsigned i = 0; i < fill_; i += 8) {
      bytes.push_back(static_cast<std::uint8_t>((acc_ << (64 - fill_)) >> (56 - i)));
    }
    fill_ = 0;
    return std::move(bytes);
  }

 private:
  void flush() {
    for (int i = 7; i >= 0; --i) bytes.push_back(static_cast<std::uint8_t>(acc_ >> (8 * i)));
    acc_ = 0;
    fill_ = 0;
  }
  std::uint64_t acc_ = 0;
  unsigned fill_ = 0;
};

class BitsIn {
 public:
  explicit BitsIn(std::span<const std::uint8_t> b) : b_(b) {}
  // n <= 57
  std::uint64_t get_small(unsigned n) {
    const std::size_t byte = pos_ >> 3;
    std::uint64_t w = 0;
    if (byte + 8 <= b_.size()) {
      std::memcpy(&w, b_.data() + byte, 8);
      w = __builtin_bswap64(w);
    } else {
      for (std::size_t i = 0; i < 8; ++i) {
        w = (w << 8) | (byte + i < b_.size() ? b_[byte + i] : 0);
      }
    }
    const std::uint64_t v = (w << (pos_ & 7)) >> (64 - n);
    pos_ += n;
    return v;
  }
  std::uint64_t get(unsigned n) {
    if (n == 0) return 0;
    if (n <= 57) return get_small(n);
    const std::uint64_t hi = get_small(32);
    return (hi << (n - 32)) | get_small(n - 32);
  }
  bool bit() { return get_small(1) != 0; }

 private:
  std::span<const std::uint8_t> b_;
  std::size_t pos_ = 0;
};

// ---- Gorilla ----
inline std::vector<std::uint8_t> gorilla_encode(const std::vector<std::int64_t>& sec,
                                                const std::vector<double>& val) {
  Bits w;
  const std::size_t n = sec.size();
  if (n == 0) return {};
  w.put(static_cast<std::uint64_t>(sec[0]), 64);
  std::uint64_t prev_v = std::bit_cast<std::uint64_t>(val[0]);
  w.put(prev_v, 64);
  std::int64_t prev_delta = 0;
  unsigned prev_lead = 65, prev_trail = 0;
  for (std::size_t i = 1; i < n; ++i) {
    const std::int64_t delta = sec[i] - sec[i - 1];
    const std::int64_t dod = delta - prev_delta;
    prev_delta = delta;
    if (dod == 0) {
      w.put(0, 1);
    } else if (dod >= -63 && dod <= 64) {
      w.put(0b10, 2);
      w.put(static_cast<std::uint64_t>(dod), 7);
    } else if (dod >= -255 && dod <= 256) {
      w.put(0b110, 3);
      w.put(static_cast<std::uint64_t>(dod), 9);
    } else if (dod >= -2047 && dod <= 2048) {
      w.put(0b1110, 4);
      w.put(static_cast<std::uint64_t>(dod), 12);
    } else {
      w.put(0b1111, 4);
      w.put(static_cast<std::uint64_t>(dod), 32);
    }
    const std::uint64_t v = std::bit_cast<std::uint64_t>(val[i]);
    const std::uint64_t x = v ^ prev_v;
    prev_v = v;
    if (x == 0) {
      w.put(0, 1);
      continue;
    }
    w.put(1, 1);
    unsigned lead = static_cast<unsigned>(std::countl_zero(x));
    const unsigned trail = static_cast<unsigned>(std::countr_zero(x));
    if (lead > 31) lead = 31;  // 5 bits
    if (prev_lead <= 64 && lead >= prev_lead && trail >= prev_trail) {
      w.put(0, 1);
      w.put(x >> prev_trail, 64 - prev_lead - prev_trail);
    } else {
      const unsigned sig = 64 - lead - trail;
      w.put(1, 1);
      w.put(lead, 5);
      w.put(sig - 1, 6);  // 1..64 stored as 0..63
      w.put(x >> trail, sig);
      prev_lead = lead;
      prev_trail = trail;
    }
  }
  return w.finish();
}

inline void gorilla_decode(std::span<const std::uint8_t> in, std::size_t n,
                           std::vector<std::int64_t>& sec, std::vector<double>& val) {
  sec.resize(n);
  val.resize(n);
  if (n == 0) return;
  BitsIn r(in);
  sec[0] = static_cast<std::int64_t>(r.get(64));
  std::uint64_t v = r.get(64);
  val[0] = std::bit_cast<double>(v);
  std::int64_t delta = 0;
  unsigned lead = 0, trail = 0;
  auto sext = [](std::uint64_t x, unsigned bits) {
    const std::uint64_t m = 1ULL << (bits - 1);
    return static_cast<std::int64_t>((x ^ m) - m);
  };
  for (std::size_t i = 1; i < n; ++i) {
    std::int64_t dod = 0;
    if (r.bit()) {
      if (!r.bit()) dod = sext(r.get(7), 7);
      else if (!r.bit()) dod = sext(r.get(9), 9);
      else if (!r.bit()) dod = sext(r.get(12), 12);
      else dod = sext(r.get(32), 32);
    }
    delta += dod;
    sec[i] = sec[i - 1] + delta;
    if (r.bit()) {
      if (r.bit()) {
        lead = static_cast<unsigned>(r.get(5));
        const unsigned sig = static_cast<unsigned>(r.get(6)) + 1;
        trail = 64 - lead - sig;
      }
      v ^= r.get(64 - lead - trail) << trail;
    }
    val[i] = std::bit_cast<double>(v);
  }
}

// ---- delta + frame of reference, blocks of 128 ----
inline void dfor_encode_column(const std::vector<std::int64_t>& col, std::vector<std::uint8_t>& out) {
  Bits w;
  std::int64_t prev = 0;
  for (std::size_t b = 0; b < col.size(); b += 128) {
    const std::size_t len = std::min<std::size_t>(128, col.size() - b);
    std::uint64_t z[128];
    std::uint64_t lo = ~0ULL, hi = 0;
    for (std::size_t i = 0; i < len; ++i) {
      const std::uint64_t d = static_cast<std::uint64_t>(col[b + i]) - static_cast<std::uint64_t>(prev);
      prev = col[b + i];
      z[i] = (d << 1) ^ static_cast<std::uint64_t>(static_cast<std::int64_t>(d) >> 63);
      lo = std::min(lo, z[i]);
      hi = std::max(hi, z[i]);
    }
    const unsigned width = static_cast<unsigned>(64 - std::countl_zero(hi - lo));
    w.put(lo, 64);
    w.put(width, 7);
    for (std::size_t i = 0; i < len; ++i) w.put(z[i] - lo, width);
  }
  const auto b = w.finish();
  out.insert(out.end(), b.begin(), b.end());
}

inline std::size_t dfor_decode_column(std::span<const std::uint8_t> in, std::size_t n,
                                      std::vector<std::int64_t>& col) {
  BitsIn r(in);
  col.resize(n);
  std::int64_t prev = 0;
  std::size_t bits = 0;
  for (std::size_t b = 0; b < n; b += 128) {
    const std::size_t len = std::min<std::size_t>(128, n - b);
    const std::uint64_t lo = r.get(64);
    const unsigned width = static_cast<unsigned>(r.get(7));
    bits += 71 + width * len;
    for (std::size_t i = 0; i < len; ++i) {
      const std::uint64_t z = r.get(width) + lo;
      const std::uint64_t d = (z >> 1) ^ (0 - (z & 1));
      prev = static_cast<std::int64_t>(static_cast<std::uint64_t>(prev) + d);
      col[b + i] = prev;
    }
  }
  return (bits + 7) / 8;
}

// ---- zstd -19 on raw columns ----
inline std::vector<std::uint8_t> raw_columns(const Columns& c) {
  std::vector<std::uint8_t> raw(c.ms.size() * 17);
  std::memcpy(raw.data(), c.ms.data(), c.ms.size() * 8);
  std::memcpy(raw.data() + c.ms.size() * 8, c.mantissa.data(), c.ms.size() * 8);
  std::memcpy(raw.data() + c.ms.size() * 16, c.exponent.data(), c.ms.size());
  return raw;
}

inline std::vector<std::uint8_t> zstd_encode(const std::vector<std::uint8_t>& raw, int level) {
  std::vector<std::uint8_t> out(ZSTD_compressBound(raw.size()));
  const std::size_t n = ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), level);
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

}  // namespace emscore::profile::bench

// The block codec (see codec.hpp). Sans-I/O: includes only core and the standard library.
#include "emscore/profile/codec.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "emscore/core/status.hpp"
#include "int128.hpp"

namespace emscore::profile {
namespace {

constexpr std::size_t kChunk = 128;
// Rice quotients from this value on are escaped: 6 bits of length, then the raw value.
constexpr unsigned kEscape = 24;
constexpr std::uint8_t kQualityCount = 5;
constexpr std::uint8_t kUnitCount = static_cast<std::uint8_t>(std::size(kUnitTable));

// Chunk modes (2 bits), and the extended modes behind kExtended (2 more bits; format v2).
constexpr unsigned kOrder1 = 0, kOrder2 = 1, kAtRest = 2, kExtended = 3;
constexpr unsigned kMonotoneOrder1 = 0, kChangeRuns = 1, kQuantum = 2;
// Exponent width field value that marks canonical exponents (format v2).
constexpr unsigned kCanonicalWidth = 15;
constexpr unsigned kMaxCanonicalCap = 255;

constexpr std::uint64_t mask(unsigned n) { return n >= 64 ? ~0ULL : (1ULL << n) - 1; }
constexpr std::uint64_t zigzag(std::uint64_t r) {
  return (r << 1) ^ static_cast<std::uint64_t>(static_cast<std::int64_t>(r) >> 63);
}
constexpr std::uint64_t unzigzag(std::uint64_t z) { return (z >> 1) ^ (0 - (z & 1)); }
unsigned bit_length(std::uint64_t v) { return static_cast<unsigned>(64 - std::countl_zero(v)); }
// Bits of BitWriter::put_varbits(u).
std::uint64_t varbits_cost(std::uint64_t u) { return u == 0 ? 1 : 2 * bit_length(u); }

// Exact division by 10^d without a divide and without a data-dependent jump (exponents may
// change every sample): M = 2^d * 5^d * q, so q = (M >> d) * inverse(5^d) mod 2^64, and
// M was divisible iff its low d bits are zero and |q| <= 2^63 / 5^d.
// The same inverse tests divisibility of an unsigned a by 10^d without dividing (Granlund and
// Montgomery): a is a multiple iff rotr(a * inverse(5^d), d) <= (2^64 - 1) / 10^d.
struct Pow5Inverse {
  std::uint64_t inverse[19];
  std::uint64_t bound[19];
  std::uint64_t multiple_bound[19];
};
constexpr Pow5Inverse make_pow5_inverse() {
  Pow5Inverse t{};
  std::uint64_t p = 1, p10 = 1;
  for (int d = 0; d <= 18; ++d) {
    std::uint64_t x = p;  // Newton iteration for the inverse of an odd number mod 2^64
    for (int i = 0; i < 6; ++i) x *= 2 - p * x;
    t.inverse[d] = x;
    t.bound[d] = (1ULL << 63) / p;
    t.multiple_bound[d] = ~0ULL / p10;
    p *= 5;
    p10 *= 10;
  }
  return t;
}
constexpr Pow5Inverse kPow5 = make_pow5_inverse();
static_assert(kPow5.inverse[3] * 125 == 1);

inline bool unscale(std::int64_t& m, unsigned d) {
  if (d > 18) return false;
  if ((static_cast<std::uint64_t>(m) & mask(d)) != 0) return false;
  const std::uint64_t q = static_cast<std::uint64_t>(m >> d) * kPow5.inverse[d];
  const std::uint64_t magnitude = static_cast<std::int64_t>(q) < 0 ? 0 - q : q;
  if (magnitude > kPow5.bound[d]) return false;
  m = static_cast<std::int64_t>(q);
  return true;
}

// Drops v's decimal trailing zeros, at most `cap` of them (0 counts as `cap` zeros), and
// returns how many: the canonical exponent of a mantissa at emin is emin + that. Runs per
// sample in the decoder, so without a data-dependent jump: multiples of 10^j are multiples
// of 10^(j-1), so the count is a sum of divisibility tests, and the quotient a multiply.
[[gnu::always_inline]] inline unsigned drop_decimal_zeros(std::int64_t& v, unsigned cap) {
  const std::uint64_t a = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  const unsigned lim = cap < 18 ? cap : 18;  // a nonzero int64 has at most 18 of them
  unsigned d = 0;
  for (unsigned j = 1; j <= lim; ++j) {
    d += std::rotr(a * kPow5.inverse[j], static_cast<int>(j)) <= kPow5.multiple_bound[j] ? 1 : 0;
  }
  // v is a multiple of 10^d: its arithmetic shift is exact, and the inverse of 5^d divides it
  // whatever its sign.
  v = static_cast<std::int64_t>(static_cast<std::uint64_t>(v >> d) * kPow5.inverse[d]);
  // Zero passes every test: d = lim, which is cap unless cap > 18 (known when inlined).
  return lim == cap ? d : (a == 0 ? cap : d);
}
// drop_decimal_zeros over a column with the cap known at compile time (its tests unrolled;
// not inlined into the decoder, whose state would take the registers): mantissas as stored
// and their exponents (emin + the zeros dropped). With more than 3 decimals the tests cost
// more than a jump that is rarely taken: values that do not end in 0 (nine in ten) skip them.
template <unsigned kCap>
[[gnu::noinline]] void canonical_exponents(std::int64_t* mant, std::int8_t* ex, std::size_t n, int emin) {
  for (std::size_t i = 0; i < n; ++i) {
    if constexpr (kCap > 3) {
      const std::int64_t v = mant[i];
      const std::uint64_t a = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
      if (std::rotr(a * kPow5.inverse[1], 1) > kPow5.multiple_bound[1]) {
        ex[i] = static_cast<std::int8_t>(emin);
        continue;
      }
    }
    ex[i] = static_cast<std::int8_t>(emin + static_cast<int>(drop_decimal_zeros(mant[i], kCap)));
  }
}

class BitWriter {
 public:
  explicit BitWriter(std::vector<std::uint8_t>& out) : out_(out) {}

  // Appends the low n bits of v (n <= 64).
  [[gnu::always_inline]] void put(std::uint64_t v, unsigned n) {
    if (n == 0) return;
    v &= mask(n);
    acc_ |= v << fill_;
    if (fill_ + n >= 64) {
      flush_word(acc_);
      const unsigned used = 64 - fill_;
      acc_ = used < 64 ? v >> used : 0;
      fill_ = fill_ + n - 64;
    } else {
      fill_ += n;
    }
  }
  // q zeros, then a one.
  void put_unary(unsigned q) {
    while (q >= 63) {
      put(0, 63);
      q -= 63;
    }
    put(1ULL << q, q + 1);
  }
  // Length-prefixed: unary(bit length), then the bits below the leading one. 2n bits.
  void put_varbits(std::uint64_t u) {
    const unsigned n = bit_length(u);
    put_unary(n);
    if (n > 1) put(u, n - 1);
  }
  [[gnu::always_inline]] void put_rice(std::uint64_t u, unsigned k) {
    const std::uint64_t q = k >= 64 ? 0 : u >> k;
    if (q < kEscape) {
      // Callers guarantee q + 1 + k <= 64 (see ::put_rice below).
      put((1ULL << q) | ((u & mask(k)) << (q + 1)), static_cast<unsigned>(q) + 1 + k);
    } else {
      put(1ULL << kEscape, kEscape + 1);
      const unsigned n = bit_length(u);
      put(n - 1, 6);
      put(u, n);
    }
  }
  void finish() {
    while (fill_ > 0) {
      out_.push_back(static_cast<std::uint8_t>(acc_));
      acc_ >>= 8;
      fill_ = fill_ > 8 ? fill_ - 8 : 0;
    }
  }

 private:
  [[gnu::noinline]] void flush_word(std::uint64_t w) {
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
    const std::size_t at = out_.size();
    out_.resize(at + 8);
    std::memcpy(out_.data() + at, &w, 8);
  }
  std::vector<std::uint8_t>& out_;
  std::uint64_t acc_ = 0;
  unsigned fill_ = 0;
};

// Rice with a large k does not fit one put(); this wrapper splits it.
[[gnu::always_inline]] inline void put_rice(BitWriter& w, std::uint64_t u, unsigned k) {
  const std::uint64_t q = k >= 64 ? 0 : u >> k;
  if (q < kEscape && q + 1 + k <= 64) {
    w.put_rice(u, k);
  } else if (q < kEscape) {
    w.put(1ULL << q, static_cast<unsigned>(q) + 1);
    w.put(u, k);
  } else {
    w.put_rice(u, k);
  }
}

// How a Rice-coded number u maps to a prediction residual r.
enum class Map {
  kZigzag,           // any residual: zig-zag
  kMonotone,         // r >= 0 (a counter that never decreases): r = u, one bit less than zig-zag
  kNonzero,          // r != 0, inside a run of changes: zig-zag minus one
  kNonzeroMonotone,  // r > 0: u = r - 1
};
template <Map kMap>
constexpr std::uint64_t residual(std::uint64_t u) {
  if constexpr (kMap == Map::kZigzag) return unzigzag(u);
  if constexpr (kMap == Map::kMonotone) return u;
  if constexpr (kMap == Map::kNonzero) return unzigzag(u + 1);
  return u + 1;
}
template <Map kMap>
constexpr std::uint64_t code_of(std::uint64_t r) {
  if constexpr (kMap == Map::kZigzag) return zigzag(r);
  if constexpr (kMap == Map::kMonotone) return r;
  if constexpr (kMap == Map::kNonzero) return zigzag(r) - 1;
  return r - 1;
}

// What rice_run does with each value by default: stores it.
struct StoreSink {
  std::int64_t* out;
  void operator()(std::size_t t, std::uint64_t v) const { out[t] = static_cast<std::int64_t>(v); }
};

class BitReader {
 public:
  BitReader(const std::uint8_t* p, std::size_t n)
      : begin_(p), p_(p), end_(p + n), size_bits_(8 * n) {}

  // With 8 bytes readable at p: buf gets whole bytes up to 56..63 valid bits, no jump. Bits
  // above avail are then the stream's next bits (or zeros), which the callers rely on.
  [[gnu::always_inline]] static void refill_word(const std::uint8_t*& p, std::uint64_t& buf,
                                                 unsigned& avail) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
    buf |= w << avail;
    p += (63 - avail) >> 3;
    avail |= 56;
  }
  void refill() {
    if (end_ - p_ >= 8) {
      refill_word(p_, buf_, avail_);
    } else {
      while (avail_ < 56) {  // stops at 56..63: a shift by what one code uses stays below 64
        std::uint64_t b = 0;
        if (p_ < end_) {
          b = *p_++;
        } else {
          pad_bits_ += 8;  // reading zeros past the end: position() will show it
        }
        buf_ |= b << avail_;
        avail_ += 8;
      }
    }
  }
  // n <= 56 after refill().
  std::uint64_t take_small(unsigned n) {
    const std::uint64_t v = buf_ & mask(n);
    consume(n);
    return v;
  }
  std::uint64_t take(unsigned n) {
    if (n == 0) return 0;
    refill();
    if (n <= 56) return take_small(n);
    const std::uint64_t lo = take_small(32);
    refill();
    return lo | (take_small(n - 32) << 32);
  }
  // n <= 8: refills only when needed (per-sample exponent offsets).
  std::uint64_t take_upto8(unsigned n) {
    if (avail_ < 8) refill();
    return take_small(n);
  }
  // Counts zeros up to a one (consumed); gives up (returns max+1) after `max` zeros.
  unsigned take_unary(unsigned max) {
    unsigned q = 0;
    for (;;) {
      refill();
      // Only the low avail_ bits are counted; refill() may have put more above them.
      const std::uint64_t w = buf_ & mask(avail_);
      if (w != 0) {
        const unsigned z = static_cast<unsigned>(std::countr_zero(w));
        if (q + z > max) return max + 1;
        consume(z + 1);
        return q + z;
      }
      q += avail_;
      consume(avail_);
      if (q > max || overrun()) return max + 1;
    }
  }
  std::uint64_t take_varbits(bool* ok) {
    const unsigned n = take_unary(64);
    if (n > 64) {
      *ok = false;
      return 0;
    }
    if (n <= 1) return n;
    return (1ULL << (n - 1)) | take(n - 1);
  }
  // Rice with escape; false on a malformed code.
  bool take_rice(unsigned k, std::uint64_t* out) {
    refill();
    const std::uint64_t w = buf_;
    const unsigned q = w == 0 ? 64 : static_cast<unsigned>(std::countr_zero(w));
    if (q < kEscape) {
      if (q + 1 + k <= avail_) {
        *out = (static_cast<std::uint64_t>(q) << k) | ((w >> (q + 1)) & mask(k));
        consume(q + 1 + k);
        return true;
      }
      consume(q + 1);
      *out = (k >= 64 ? 0 : static_cast<std::uint64_t>(q) << k) | take(k);
      return true;
    }
    if (q != kEscape) return false;
    consume(kEscape + 1);
    const unsigned n = static_cast<unsigned>(take(6)) + 1;
    *out = take(n);
    return true;
  }
  // Bits consumed so far; more than the input holds means the input was truncated.
  std::uint64_t position() const noexcept {
    return 8 * static_cast<std::uint64_t>(p_ - begin_) + pad_bits_ - avail_;
  }
  bool overrun() const noexcept { return position() > size_bits_; }

  // Decodes `len` Rice codes with parameter k as residuals (mapped by kMap) of the order-1
  // (previous value) or order-2 (line through the previous two) predictor; m1/m2 are the
  // last two values.
  // The hot loop of the decoder: state in locals, one refill per code.
  template <bool kOrder2, Map kMap = Map::kZigzag>
  bool rice_run(unsigned k, std::size_t len, std::uint64_t& m1, std::uint64_t& m2,
                std::int64_t* out) {
    StoreSink store{out};
    return rice_run<kOrder2, kMap>(k, len, m1, m2, store);
  }
  // The same, handing each value to sink(t, v) instead of storing it: work per value then
  // overlaps with the decoding chain.
  template <bool kOrder2, Map kMap, class Sink>
  [[gnu::noinline]] bool rice_run(unsigned k, std::size_t len, std::uint64_t& m1,
                                  std::uint64_t& m2, Sink& sink_out) {
    Sink sink = sink_out;  // a local copy lives in registers
    // The hottest loop of the decoder, written out (next_code() in it measured 15 % slower on
    // counters): reader state in locals.
    //  - While 8 input bytes remain the buffer is refilled without a jump on `avail` (which
    //    would follow the code lengths and mispredict), and then holds >= 56 bits: `group`
    //    codes of k + 3 bits fit. Decoding a group per refill takes the refill's load, whose
    //    address depends on the bits consumed, off the chain of every code but one.
    //  - Bits above avail are zeros or the stream's next bits (refill reads ahead), so the
    //    buffer is counted without a mask; bit 63 set keeps the count below 64.
    //  - A code that does not fit what is left ends the group early; escapes, codes longer
    //    than the buffer and the input's last 8 bytes go through take_rice().
    const std::uint64_t kmask = mask(k);
    const std::size_t group = std::clamp<std::size_t>(56 / (k + 3), 1, 8);
    const std::uint8_t* p = p_;
    const std::ptrdiff_t last8 = (end_ - begin_) - 8;  // p - begin_ <= last8: 8 bytes to read
    std::uint64_t buf = buf_;
    unsigned avail = avail_;
    std::uint64_t a = m1, b = m2;
    const auto emit = [&](std::uint64_t u, std::size_t t) {
      const std::uint64_t r = residual<kMap>(u);
      const std::uint64_t v = (kOrder2 ? 2 * a - b : a) + r;
      b = a;
      a = v;
      sink(t, v);
    };
    for (std::size_t t = 0; t < len;) {
      if (p - begin_ <= last8) [[likely]] {
        refill_word(p, buf, avail);
        const std::size_t g_end = std::min(len, t + group);
        const std::size_t t0 = t;
        for (; t < g_end; ++t) {
          const unsigned q = static_cast<unsigned>(std::countr_zero(buf | (std::uint64_t{1} << 63)));
          if (q >= kEscape || q + 1 + k > avail) [[unlikely]] break;
          const std::uint64_t u = (static_cast<std::uint64_t>(q) << k) | ((buf >> (q + 1)) & kmask);
          const unsigned used = q + 1 + k;  // <= avail <= 63
          buf >>= used;
          avail -= used;
          emit(u, t);
        }
        if (t > t0) continue;
      }
      std::uint64_t u;
      p_ = p, buf_ = buf, avail_ = avail;
      if (!take_rice(k, &u)) return false;
      p = p_, buf = buf_, avail = avail_;
      emit(u, t++);
    }
    p_ = p, buf_ = buf, avail_ = avail;
    m1 = a;
    m2 = b;
    sink_out = sink;
    return true;
  }

  // A chunk of alternating runs (kChangeRuns): a run length (Rice, kr), then for a run of
  // changes that many codes (Rice, k; kMap is kNonzero or kNonzeroMonotone); runs of no
  // change repeat the last value. One loop with the reader state in registers: runs are short.
  enum class RunsResult { kOk, kBadCode, kRunTooLong };
  template <Map kMap>
  RunsResult change_runs(bool zeros, unsigned kr, unsigned k, std::size_t len, std::uint64_t& m1,
                         std::uint64_t& m2, std::int64_t* out) {
    Local s{p_, buf_, avail_};
    std::uint64_t a = m1, b = m2;
    RunsResult result = RunsResult::kOk;
    for (std::size_t t = 0; t < len; zeros = !zeros) {
      std::uint64_t run;
      if (!next_code(s, kr, &run)) return RunsResult::kBadCode;
      if (run >= len - t) {
        result = RunsResult::kRunTooLong;
        break;
      }
      const std::size_t end = t + static_cast<std::size_t>(run) + 1;
      if (zeros) {
        for (; t < end; ++t) out[t] = static_cast<std::int64_t>(a);
        b = a;
        continue;
      }
      for (; t < end; ++t) {
        std::uint64_t u;
        if (!next_code(s, k, &u)) return RunsResult::kBadCode;
        b = a;
        a += residual<kMap>(u);
        out[t] = static_cast<std::int64_t>(a);
      }
    }
    p_ = s.p, buf_ = s.buf, avail_ = s.avail;
    m1 = a;
    m2 = b;
    return result;
  }

 private:
  // The reader's state as locals, for the hot loops.
  struct Local {
    const std::uint8_t* p;
    std::uint64_t buf;
    unsigned avail;
  };
  // One Rice code with parameter k from `s`: one refill check, then the code from the bit
  // buffer; rare cases (escapes, codes longer than the buffer, the input's tail) go through
  // take_rice() with the state written back. False on a malformed code.
  [[gnu::always_inline]] bool next_code(Local& s, unsigned k, std::uint64_t* u) {
    if (s.avail < 40) {
      if (end_ - s.p >= 8) {
        refill_word(s.p, s.buf, s.avail);
      } else {
        p_ = s.p, buf_ = s.buf, avail_ = s.avail;
        refill();
        s.p = p_, s.buf = buf_, s.avail = avail_;
      }
    }
    const std::uint64_t w = s.buf;  // no mask needed: see rice_run
    const unsigned q = w == 0 ? 64 : static_cast<unsigned>(std::countr_zero(w));
    if (q < kEscape && q + 1 + k <= s.avail) [[likely]] {
      *u = (static_cast<std::uint64_t>(q) << k) | ((w >> (q + 1)) & mask(k));
      const unsigned used = q + 1 + k;  // <= avail <= 63
      s.buf >>= used;
      s.avail -= used;
      return true;
    }
    p_ = s.p, buf_ = s.buf, avail_ = s.avail;
    const bool ok = take_rice(k, u);
    s.p = p_, s.buf = buf_, s.avail = avail_;
    return ok;
  }
  void consume(unsigned n) {
    buf_ = n >= 64 ? 0 : buf_ >> n;
    avail_ -= n;
  }
  const std::uint8_t* begin_;
  const std::uint8_t* p_;
  const std::uint8_t* end_;
  std::uint64_t size_bits_;
  std::uint64_t buf_ = 0;
  unsigned avail_ = 0;
  std::uint64_t pad_bits_ = 0;
};

absl::Status corrupt(std::uint64_t bit, std::string_view what) {
  return absl::InvalidArgumentError(
      str_cat("profile: codec block at bit ", bit, ": ", what));
}

// Exact Rice cost of a chunk for parameter k.
std::uint64_t rice_cost(const std::uint64_t* u, std::size_t n, unsigned k) {
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t q = k >= 64 ? 0 : u[i] >> k;
    bits += q < kEscape ? q + 1 + k : kEscape + 1 + 6 + bit_length(u[i]);
  }
  return bits;
}

// The best k for a chunk (n <= kChunk + 1 codes): start from log2 of the mean and search the
// neighbourhood. When no code escapes at the smallest k searched (the usual case), the cost
// of k is n (k + 1) + sum(u >> k): one pass sums the four candidates.
unsigned best_k(const std::uint64_t* u, std::size_t n, std::uint64_t* cost) {
  std::uint64_t any = 0;
  for (std::size_t i = 0; i < n; ++i) any |= u[i];
  std::uint64_t mean;
  if (bit_length(any) + 8 <= 64) {  // n <= 256: the sum fits 64 bits
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += u[i];
    mean = sum / n;
  } else {
    detail::I128 sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += u[i];
    mean = static_cast<std::uint64_t>(sum / static_cast<detail::I128>(n));
  }
  const unsigned k0 = mean == 0 ? 0 : bit_length(mean) - 1;
  const unsigned lo = k0 >= 2 ? k0 - 2 : 0;
  const unsigned hi = std::min(63u, k0 + 1);
  std::uint64_t costs[4];
  if ((any >> lo) < kEscape && n <= 256) {
    std::uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t v = u[i] >> lo;
      s0 += v, s1 += v >> 1, s2 += v >> 2, s3 += v >> 3;
    }
    const std::uint64_t sums[4] = {s0, s1, s2, s3};
    for (unsigned k = lo; k <= hi; ++k) costs[k - lo] = n * (k + 1) + sums[k - lo];
  } else {
    for (unsigned k = lo; k <= hi; ++k) costs[k - lo] = rice_cost(u, n, k);
  }
  unsigned best = k0;
  std::uint64_t best_cost = ~0ULL;
  for (unsigned k = lo; k <= hi; ++k) {
    if (costs[k - lo] < best_cost) {
      best_cost = costs[k - lo];
      best = k;
    }
  }
  *cost = best_cost;
  return best;
}

void put_leb128(std::vector<std::uint8_t>& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

struct Header {
  std::size_t count;
  std::size_t offset;  // of the bit stream
  std::uint8_t version;
};

absl::StatusOr<Header> read_header(std::span<const std::uint8_t> in) {
  if (in.empty()) return truncated_error("profile", "codec block", 0, 1, 0);
  if (in[0] != 1 && in[0] != kCodecVersion) {
    return decode_error("profile", "codec block", 0,
                        str_cat("version ", hex(in[0]), ", expected 0x01 or ", hex(kCodecVersion)));
  }
  std::uint64_t n = 0;
  std::size_t i = 1;
  for (unsigned shift = 0;; shift += 7) {
    if (i >= in.size()) return truncated_error("profile", "codec block count", i, 1, 0);
    if (shift > 56) return decode_error("profile", "codec block count", i, "too long");
    const std::uint8_t b = in[i++];
    n |= static_cast<std::uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) break;
  }
  if (n > kMaxBlockSamples) {
    return decode_error("profile", "codec block count", 1,
                        str_cat(n, " samples, at most ", kMaxBlockSamples));
  }
  return Header{static_cast<std::size_t>(n), i, in[0]};
}

// ---- Rational quantum (extended chunk mode kQuantum) ----
// Some series are rounded multiples of a quantum that is not a power of ten: a counter of
// S0 pulses at 375 imp/kWh shown in Wh (2.667 Wh a pulse), values scaled by a CT ratio or a
// normalisation factor and printed to fixed decimals. Their mantissas are M = round(n * a/b)
// for small integers n; coding the steps of n instead of M saves log2(a/b) bits a sample.
// Round half up, n >= 0, everything exact (128-bit intermediates).
using detail::U128;

struct Quantum {
  std::uint64_t a = 0, b = 0;  // quantum a/b in mantissa units, a >= b (>= 1 unit)
};
constexpr std::uint64_t kMaxQuantumDen = std::uint64_t{1} << 24;
constexpr std::uint64_t kMaxQuantumNum = std::uint64_t{1} << 48;

// round(n * a / b); false when 2 n a + b does not fit 64 bits.
inline bool quantum_value(std::uint64_t n, const Quantum& q, std::uint64_t* m) {
  const U128 x = U128{2} * n * q.a + q.b;
  if (x >> 64) return false;
  *m = static_cast<std::uint64_t>(x / (U128{2} * q.b));
  return true;
}
// The n whose value is m: round(m * b / a) (unique because a >= b).
inline std::uint64_t quantum_index(std::uint64_t m, const Quantum& q) {
  return static_cast<std::uint64_t>((U128{2} * m * q.b + q.a) / (U128{2} * q.a));
}

// floor(x / d) for an invariant d >= 2 by a multiply: with m = floor(2^64 / d),
// x m / 2^64 > x/d - x/2^64 > x/d - 1, so q0 = mulhi(x, m) is the quotient or one below it;
// the remainder says which (one correction without a jump).
class Divider {
 public:
  explicit Divider(std::uint64_t d) : d_(d), m_(static_cast<std::uint64_t>((U128{1} << 64) / d)) {}
  std::uint64_t operator()(std::uint64_t x) const {
    std::uint64_t q = static_cast<std::uint64_t>((U128{x} * m_) >> 64);
    q += x - q * d_ >= d_ ? 1 : 0;
    return q;
  }

 private:
  std::uint64_t d_, m_;
};

// floor(x / d) for x < 2^63 and an invariant 2 <= d <= 2^62 by one multiply and a shift, no
// correction (Granlund and Montgomery 1994, thm 4.2 with N = 63): with l = ceil(log2 d) and
// m = ceil(2^(63+l) / d) < 2^64, m x / 2^(63+l) = x/d + e x / (d 2^(63+l)) for some 0 <= e < d,
// and that error is below 1/2^l <= 1/d, too small to reach the next integer.
class Divider63 {
 public:
  explicit Divider63(std::uint64_t d)
      : shift_(bit_length(d - 1) - 1),
        m_(static_cast<std::uint64_t>(((U128{1} << (64 + shift_)) + d - 1) / d)) {}
  static constexpr std::uint64_t kLimit = (std::uint64_t{1} << 63) - 1;  // largest x
  std::uint64_t operator()(std::uint64_t x) const {
    return static_cast<std::uint64_t>((U128{x} * m_) >> 64) >> shift_;
  }

 private:
  unsigned shift_;  // l - 1
  std::uint64_t m_;
};

// The value round(n a / b) = floor((2 n a + b) / 2b) of each index n the Rice loop decodes,
// by Divider63 while 2 n a + b < 2^63 (any real series: mantissas far below 2^63 / 2b); big()
// says whether an index was beyond that, and the chunk must go through quantum_values().
// The constants are computed once per quantum (they take divisions), the sink per chunk.
class QuantumSink {
 public:
  struct Constants {
    explicit Constants(const Quantum& q)
        : a2(2 * q.a), b(q.b), limit63((Divider63::kLimit - q.b) / (2 * q.a)), div63(2 * q.b) {}
    std::uint64_t a2, b, limit63;
    Divider63 div63;
  };
  QuantumSink(const Constants& c, std::int64_t* out) : c_(c), out_(out) {}
  void operator()(std::size_t t, std::uint64_t n) {
    big_ |= n > c_.limit63;
    out_[t] = static_cast<std::int64_t>(c_.div63(n * c_.a2 + c_.b));
  }
  bool big() const { return big_; }

 private:
  Constants c_;
  std::int64_t* out_;
  bool big_ = false;
};

// The values of a chunk's indices n whatever their size; false when 2 n a + b passes 2^64.
bool quantum_values(const std::int64_t* n, std::size_t len, const Quantum& q, std::int64_t* out) {
  const std::uint64_t a2 = 2 * q.a, b = q.b;
  const std::uint64_t limit = (~0ULL - b) / a2;
  const Divider div(2 * q.b);
  for (std::size_t i = 0; i < len; ++i) {
    const auto step = static_cast<std::uint64_t>(n[i]);
    if (step > limit) return false;
    out[i] = static_cast<std::int64_t>(div(step * a2 + b));
  }
  return true;
}

// The simplest fraction (smallest denominator) in [p1/q1, p2/q2], all positive: continued
// fractions (Stern-Brocot). False when none has num <= kMaxQuantumNum, den <= kMaxQuantumDen.
bool simplest_between(U128 p1, U128 q1, U128 p2, U128 q2, Quantum* out) {
  // Convergent recurrences h = a h1 + h2, k = a k1 + k2 over the shared continued fraction.
  U128 h1 = 1, h2 = 0, k1 = 0, k2 = 1;
  for (int depth = 0; depth < 64; ++depth) {
    const U128 fl = p1 / q1;
    U128 digit;
    bool done = false;
    if (fl * q1 == p1) {
      digit = fl, done = true;  // lo is an integer
    } else if ((fl + 1) * q2 <= p2) {
      digit = fl + 1, done = true;  // an integer in (lo, hi]
    } else {
      digit = fl;
    }
    const U128 h = digit * h1 + h2, k = digit * k1 + k2;
    if (h > kMaxQuantumNum || k > kMaxQuantumDen) return false;
    if (done) {
      out->a = static_cast<std::uint64_t>(h);
      out->b = static_cast<std::uint64_t>(k);
      return true;
    }
    h2 = h1, h1 = h, k2 = k1, k1 = k;
    // Both ends in (fl, fl + 1): recurse on the reciprocals of the fractional parts, which
    // swaps the ends.
    const U128 np1 = q2, nq1 = p2 - fl * q2, np2 = q1, nq2 = p1 - fl * q1;
    p1 = np1, q1 = nq1, p2 = np2, q2 = nq2;
  }
  return false;
}

// Whether every value round-trips through its index under q.
bool quantum_fits(const std::uint64_t* m, std::size_t count, const Quantum& q) {
  if (q.b == 0 || q.a < q.b) return false;
  for (std::size_t i = 0; i < count; ++i) {
    if (static_cast<std::int64_t>(m[i]) < 0) return false;
    std::uint64_t back;
    if (!quantum_value(quantum_index(m[i], q), q, &back) || back != m[i]) return false;
  }
  return true;
}

// Looks for a quantum of at least 16 units that all of m[0..count) are rounded multiples
// of: from the smallest gap between distinct values (a small multiple k of the quantum),
// the interval of quanta consistent with every value, and its simplest fraction.
bool find_quantum(const std::uint64_t* m, std::size_t count, Quantum* out) {
  std::uint64_t sorted[kChunk + 1];
  if (count > kChunk + 1 || count < 3) return false;
  for (std::size_t i = 0; i < count; ++i) {
    if (static_cast<std::int64_t>(m[i]) < 0 || m[i] > (std::uint64_t{1} << 62)) return false;
    sorted[i] = m[i];
  }
  std::sort(sorted, sorted + count);
  std::uint64_t gap = ~0ULL;
  for (std::size_t i = 1; i < count; ++i) {
    if (sorted[i] != sorted[i - 1]) gap = std::min(gap, sorted[i] - sorted[i - 1]);
  }
  if (gap == ~0ULL || gap < 16) return false;
  for (unsigned k = 1; k <= 6; ++k) {
    double q0 = static_cast<double>(gap) / k;
    if (q0 < 16) break;
    // Refined on the widest span: its number of quanta is exact if q0 is close enough.
    const std::uint64_t span = sorted[count - 1] - sorted[0];
    q0 = static_cast<double>(span) / std::floor(static_cast<double>(span) / q0 + 0.5);
    // lo = max (2M - 1) / 2n, hi = min (2M + 1) / 2n over the values with n > 0.
    U128 lo_p = 0, lo_q = 1, hi_p = 1, hi_q = 0;  // [0, infinity)
    bool ok = true;
    for (std::size_t i = 0; i < count && ok; ++i) {
      const auto nn = static_cast<std::uint64_t>(static_cast<double>(m[i]) / q0 + 0.5);
      if (nn == 0) {
        ok = m[i] == 0;
        continue;
      }
      const U128 p_lo = U128{2} * m[i] - 1, p_hi = U128{2} * m[i] + 1, q = U128{2} * nn;
      if (p_lo * lo_q > lo_p * q) lo_p = p_lo, lo_q = q;
      if (hi_q == 0 || p_hi * hi_q < hi_p * q) hi_p = p_hi, hi_q = q;
    }
    if (!ok || hi_q == 0 || lo_p * hi_q >= hi_p * lo_q) continue;
    Quantum cand;
    if (simplest_between(lo_p, lo_q, hi_p, hi_q, &cand) && quantum_fits(m, count, cand)) {
      *out = cand;
      return true;
    }
  }
  return false;
}

}  // namespace

absl::Status encode_block(std::span<const Sample> samples, std::vector<std::uint8_t>& out) {
  EMSCORE_RETURN_IF_ERROR(check_series(samples));
  const std::size_t n = samples.size();
  if (n > kMaxBlockSamples) {
    return absl::InvalidArgumentError(
        str_cat("profile: codec block of ", n, " samples, at most ", kMaxBlockSamples));
  }
  out.reserve(out.size() + 16 + 2 * n);  // ~16 bits a sample; grows past that if needed
  out.push_back(kCodecVersion);
  put_leb128(out, n);
  if (n == 0) return absl::OkStatus();

  // Timestamps in milliseconds.
  std::vector<std::int64_t> ms(n);
  for (std::size_t i = 0; i < n; ++i) {
    ms[i] = absl::ToUnixMillis(samples[i].at);
    if (absl::FromUnixMillis(ms[i]) != samples[i].at) {
      return absl::InvalidArgumentError(str_cat(
          "profile: sample ", i, ": timestamp is not a whole millisecond (the codec keeps ms)"));
    }
  }

  BitWriter w(out);
  w.put(static_cast<std::uint8_t>(samples[0].value.unit), 8);
  w.put(static_cast<std::uint64_t>(ms[0]), 64);
  // Timestamp deltas as runs: (change of delta, run length - 1).
  {
    std::uint64_t prev_d = 0;
    std::size_t i = 1;
    while (i < n) {
      const std::uint64_t d = static_cast<std::uint64_t>(ms[i]) - static_cast<std::uint64_t>(ms[i - 1]);
      std::size_t j = i + 1;
      while (j < n && static_cast<std::uint64_t>(ms[j]) - static_cast<std::uint64_t>(ms[j - 1]) == d) ++j;
      w.put_varbits(zigzag(d - prev_d));
      w.put_varbits(j - i - 1);
      prev_d = d;
      i = j;
    }
  }
  // Exponents and mantissas. The mantissas are scaled to the smallest exponent when that is
  // exact and in range; that is computed first because one exponent mode depends on it.
  int emin = samples[0].value.exponent, emax = emin;
  for (std::size_t i = 1; i < n; ++i) {
    emin = std::min<int>(emin, samples[i].value.exponent);
    emax = std::max<int>(emax, samples[i].value.exponent);
  }
  std::vector<std::uint64_t> m(n);
  bool scaled = true;
  for (std::size_t i = 0; i < n && scaled; ++i) {
    const int d = samples[i].value.exponent - emin;
    std::int64_t v;
    if (d > 18 || __builtin_mul_overflow(samples[i].value.mantissa, pow10_i64(d), &v)) {
      scaled = false;
    } else {
      m[i] = static_cast<std::uint64_t>(v);
    }
  }
  if (!scaled) {
    for (std::size_t i = 0; i < n; ++i) m[i] = static_cast<std::uint64_t>(samples[i].value.mantissa);
  }
  // Exponent section: 1 bit, then
  //   0: runs (first exponent, then per run: change, length - 1);
  //   1: emin (8 bits), width (4 bits), then either width bits per sample (width <= 8) or,
  //      for width = kCanonicalWidth, nothing per sample: each exponent is the canonical one
  //      of its scaled mantissa (decimal trailing zeros dropped, at most `cap` of them), as
  //      in files written with the shortest decimal of each value (2.58 next to 2.552).
  const auto cap = static_cast<unsigned>(emax - emin);
  const unsigned width = bit_length(cap);
  std::uint64_t run_bits = 8;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i + 1;
    while (j < n && samples[j].value.exponent == samples[i].value.exponent) ++j;
    if (i > 0) {
      run_bits += varbits_cost(zigzag(static_cast<std::uint64_t>(static_cast<std::int64_t>(
          samples[i].value.exponent - samples[i - 1].value.exponent))));
    }
    run_bits += varbits_cost(j - i - 1);
    i = j;
  }
  const std::uint64_t per_sample_bits = 12 + static_cast<std::uint64_t>(width) * n;
  bool canonical = scaled && cap > 0 && cap <= kMaxCanonicalCap && 20 < std::min(run_bits, per_sample_bits);
  for (std::size_t i = 0; i < n && canonical; ++i) {
    std::int64_t v = static_cast<std::int64_t>(m[i]);
    canonical = emin + static_cast<int>(drop_decimal_zeros(v, cap)) == samples[i].value.exponent;
  }
  if (canonical) {
    w.put(1, 1);
    w.put(static_cast<std::uint8_t>(static_cast<std::int8_t>(emin)), 8);
    w.put(kCanonicalWidth, 4);
    w.put(cap, 8);
  } else if (width > 0 && per_sample_bits < run_bits) {
    w.put(1, 1);
    w.put(static_cast<std::uint8_t>(static_cast<std::int8_t>(emin)), 8);
    w.put(width, 4);
    for (std::size_t i = 0; i < n; ++i) {
      w.put(static_cast<std::uint64_t>(samples[i].value.exponent - emin), width);
    }
  } else {
    w.put(0, 1);
    w.put(static_cast<std::uint8_t>(samples[0].value.exponent), 8);
    std::size_t i = 0;
    int prev_e = samples[0].value.exponent;
    while (i < n) {
      const int e = samples[i].value.exponent;
      std::size_t j = i + 1;
      while (j < n && samples[j].value.exponent == e) ++j;
      if (i > 0) w.put_varbits(zigzag(static_cast<std::uint64_t>(static_cast<std::int64_t>(e - prev_e))));
      w.put_varbits(j - i - 1);
      prev_e = e;
      i = j;
    }
  }
  // Quality runs.
  {
    std::size_t i = 0;
    while (i < n) {
      const Quality q = samples[i].quality;
      std::size_t j = i + 1;
      while (j < n && samples[j].quality == q) ++j;
      w.put(static_cast<std::uint8_t>(q), 3);
      w.put_varbits(j - i - 1);
      i = j;
    }
  }
  // Mantissas, per chunk of kChunk in the cheapest of these modes (2 bits, see ChunkMode):
  // order 1 or order 2 zig-zag Rice (k: 6 bits), no change at all (a meter at rest), or an
  // extended mode (2 more bits): a counter that never decreases (order 1, no sign bit), or
  // alternating runs of "no change" and "change" (nights of a PV register, a meter that only
  // moves when something runs): run lengths Rice coded with kr (3 bits), the changes with k.
  w.put(scaled ? 1 : 0, 1);
  w.put(m[0], 64);
  std::uint64_t r1[kChunk], r2[kChunk], u[kChunk], lens[kChunk], uq[kChunk];
  Quantum last_q;  // of the last quantum chunk (b = 0: none yet)
  // Searching costs a sort per chunk: after two chunks in a row without a quantum the data
  // has none, and the rest of the block is not searched (a reuse check stays cheap).
  int quantum_misses = 0;
  for (std::size_t c = 1; c < n; c += kChunk) {
    const std::size_t len = std::min(kChunk, n - c);
    bool monotone = true, any_zero = false;
    for (std::size_t t = 0; t < len; ++t) {
      const std::size_t i = c + t;
      const std::uint64_t d = m[i] - m[i - 1];
      monotone &= static_cast<std::int64_t>(d) >= 0;
      any_zero |= d == 0;
      r1[t] = zigzag(d);
      const std::uint64_t p2 = i >= 2 ? 2 * m[i - 1] - m[i - 2] : m[i - 1];
      r2[t] = zigzag(m[i] - p2);
    }
    if (std::all_of(r1, r1 + len, [](std::uint64_t v) { return v == 0; })) {
      w.put(kAtRest, 2);
      continue;
    }
    // For a chunk that never decreases, order 1 zig-zag costs one bit a sample more than the
    // monotone mode below: not priced.
    std::uint64_t c1 = ~0ULL >> 2, c2;
    const unsigned k1 = monotone && len > 2 ? 0 : best_k(r1, len, &c1);
    const unsigned k2 = best_k(r2, len, &c2);
    // Candidates with their exact sizes after the 2-bit mode.
    std::uint64_t best_cost = 6 + std::min(c1, c2);
    int choice = c2 < c1 ? 1 : 0;
    unsigned km = 0, kz = 0, kr = 0;
    bool zero_first = false;
    if (monotone) {
      for (std::size_t t = 0; t < len; ++t) u[t] = m[c + t] - m[c + t - 1];
      std::uint64_t cm;
      km = best_k(u, len, &cm);
      if (2 + 6 + cm < best_cost) best_cost = 2 + 6 + cm, choice = 2;
    }
    if (any_zero) {
      // Run lengths, and the changes as nonzero codes.
      std::size_t runs = 0, changes = 0;
      zero_first = r1[0] == 0;
      for (std::size_t t = 0; t < len;) {
        std::size_t j = t + 1;
        while (j < len && (r1[j] == 0) == (r1[t] == 0)) ++j;
        lens[runs++] = j - t - 1;
        for (std::size_t x = t; x < j && r1[t] != 0; ++x) {
          const std::uint64_t d = m[c + x] - m[c + x - 1];
          u[changes++] = monotone ? code_of<Map::kNonzeroMonotone>(d) : code_of<Map::kNonzero>(d);
        }
        t = j;
      }
      std::uint64_t cl, cz;
      kr = std::min(7u, best_k(lens, runs, &cl));
      cl = rice_cost(lens, runs, kr);
      kz = best_k(u, changes, &cz);
      if (2 + 1 + 1 + 3 + 6 + cl + cz < best_cost) best_cost = 2 + 1 + 1 + 3 + 6 + cl + cz, choice = 3;
    }
    // Rounded multiples of a quantum: the last chunk's, else one searched for.
    Quantum qn;
    bool q_reuse = false;
    if (len >= 16 && scaled) {
      const std::uint64_t* mv = m.data() + c - 1;
      if (last_q.b != 0 && quantum_fits(mv, len + 1, last_q)) {
        qn = last_q, q_reuse = true;
      } else if (quantum_misses < 2 && find_quantum(mv, len + 1, &qn)) {
        quantum_misses = 0;
      } else {
        qn = Quantum{};
        ++quantum_misses;
      }
    }
    unsigned kq = 0;
    bool q_monotone = true;
    if (qn.b != 0) {
      std::uint64_t prev = quantum_index(m[c - 1], qn);
      for (std::size_t t = 0; t < len; ++t) {
        const std::uint64_t idx = quantum_index(m[c + t], qn);
        uq[t] = idx - prev;
        q_monotone &= static_cast<std::int64_t>(uq[t]) >= 0;
        prev = idx;
      }
      if (!q_monotone) {
        for (std::size_t t = 0; t < len; ++t) uq[t] = zigzag(uq[t]);
      }
      std::uint64_t cq;
      kq = best_k(uq, len, &cq);
      cq += 2 + 1 + 1 + 6 + (q_reuse ? 0 : varbits_cost(qn.a) + varbits_cost(qn.b));
      if (cq < best_cost) best_cost = cq, choice = 4;
    }
    switch (choice) {
      case 4:
        w.put(kExtended, 2);
        w.put(kQuantum, 2);
        w.put(q_reuse ? 1 : 0, 1);
        if (!q_reuse) {
          w.put_varbits(qn.a);
          w.put_varbits(qn.b);
        }
        w.put(q_monotone ? 1 : 0, 1);
        w.put(kq, 6);
        for (std::size_t t = 0; t < len; ++t) put_rice(w, uq[t], kq);
        last_q = qn;
        break;
      case 0:
      case 1: {
        const bool order2 = choice == 1;
        const unsigned k = order2 ? k2 : k1;
        const std::uint64_t* r = order2 ? r2 : r1;
        w.put(order2 ? kOrder2 : kOrder1, 2);
        w.put(k, 6);
        for (std::size_t t = 0; t < len; ++t) put_rice(w, r[t], k);
        break;
      }
      case 2:
        w.put(kExtended, 2);
        w.put(kMonotoneOrder1, 2);
        w.put(km, 6);
        for (std::size_t t = 0; t < len; ++t) put_rice(w, m[c + t] - m[c + t - 1], km);
        break;
      default: {  // 3
        w.put(kExtended, 2);
        w.put(kChangeRuns, 2);
        w.put(monotone ? 1 : 0, 1);
        w.put(zero_first ? 1 : 0, 1);
        w.put(kr, 3);
        w.put(kz, 6);
        for (std::size_t t = 0; t < len;) {
          std::size_t j = t + 1;
          while (j < len && (r1[j] == 0) == (r1[t] == 0)) ++j;
          put_rice(w, j - t - 1, kr);
          for (std::size_t x = t; x < j && r1[t] != 0; ++x) {
            const std::uint64_t d = m[c + x] - m[c + x - 1];
            put_rice(w, monotone ? code_of<Map::kNonzeroMonotone>(d) : code_of<Map::kNonzero>(d), kz);
          }
          t = j;
        }
        break;
      }
    }
  }
  w.finish();
  return absl::OkStatus();
}

absl::StatusOr<std::size_t> block_sample_count(std::span<const std::uint8_t> block) {
  EMSCORE_ASSIGN_OR_RETURN(Header h, read_header(block));
  return h.count;
}

absl::Status decode_block_columns(std::span<const std::uint8_t> block, BlockColumns& out,
                                  ValueForm form) {
  EMSCORE_ASSIGN_OR_RETURN(Header h, read_header(block));
  const std::size_t n = h.count;
  out.ms.resize(n);
  out.mantissa.resize(n);
  out.quality.resize(n);
  out.unit = Unit::kNone;
  out.form = ValueForm::kWritten;
  out.scale = 0;
  out.canonical_cap = 0;
  if (n == 0) {
    out.exponent.clear();
    return absl::OkStatus();
  }
  const std::size_t payload = block.size() - h.offset;
  // Every chunk of 128 samples after the first costs at least two bits (its mode).
  const std::size_t min_bytes = ((n - 1 + kChunk - 1) / kChunk * 2 + 7) / 8;
  if (min_bytes > payload) {
    out.ms.clear();
    out.mantissa.clear();
    out.exponent.clear();
    out.quality.clear();
    return truncated_error("profile", "codec block", h.offset, min_bytes, payload);
  }
  BitReader r(block.data() + h.offset, payload);
  auto fail = [&](std::string_view what) {
    out.ms.clear();
    out.mantissa.clear();
    out.exponent.clear();
    out.quality.clear();
    return corrupt(r.position(), what);
  };
  const auto unit = static_cast<std::uint8_t>(r.take(8));
  if (unit >= kUnitCount) return fail(str_cat("unit code ", unit, " unknown"));
  out.unit = static_cast<Unit>(unit);
  std::int64_t* ms = out.ms.data();
  std::int64_t* mant = out.mantissa.data();
  std::int8_t* ex = nullptr;  // sized with the exponent section
  Quality* qu = out.quality.data();

  // Timestamps.
  std::int64_t t = static_cast<std::int64_t>(r.take(64));
  ms[0] = t;
  {
    std::uint64_t d = 0;
    std::size_t i = 1;
    bool ok = true;
    while (i < n) {
      d += unzigzag(r.take_varbits(&ok));
      const std::uint64_t len = r.take_varbits(&ok) + 1;
      if (!ok || r.overrun()) return fail("timestamp runs truncated");
      if (len > n - i) return fail("timestamp run longer than the block");
      if (static_cast<std::int64_t>(d) <= 0) return fail("timestamp does not increase");
      const auto sd = static_cast<std::int64_t>(d);
      std::int64_t last;
      if (__builtin_mul_overflow(sd, static_cast<std::int64_t>(len), &last) ||
          __builtin_add_overflow(t, last, &last)) {
        return fail("timestamp overflows");
      }
      for (std::uint64_t j = 0; j < len; ++j, ++i) {
        t += sd;
        ms[i] = t;
      }
    }
  }
  // Exponents.
  int emin;
  bool one_exponent = false;
  unsigned canonical_cap = 0;  // > 0: exponents follow from the mantissas
  if (r.take(1) == 1) {
    emin = static_cast<std::int8_t>(r.take(8));
    const unsigned width = static_cast<unsigned>(r.take(4));
    if (width == kCanonicalWidth && h.version >= 2) {
      canonical_cap = static_cast<unsigned>(r.take(8));
      if (canonical_cap == 0) return fail("canonical exponents with no room above emin");
      if (emin + static_cast<int>(canonical_cap) > 127) return fail("exponent out of range");
    } else if (width > 8) {
      return fail("exponent width over 8 bits");
    }
    // kScaled leaves canonical exponents to value(i): no column (and no memset for it).
    out.exponent.resize(canonical_cap > 0 && form == ValueForm::kScaled ? 0 : n);
    ex = out.exponent.data();
    for (std::size_t i = 0; i < n && canonical_cap == 0; ++i) {
      const int e = emin + static_cast<int>(r.take_upto8(width));
      if (e > 127) return fail("exponent out of range");
      ex[i] = static_cast<std::int8_t>(e);
    }
  } else {
    out.exponent.resize(n);
    ex = out.exponent.data();
    int e = static_cast<std::int8_t>(r.take(8));
    emin = e;
    std::size_t i = 0;
    bool ok = true;
    while (i < n) {
      if (i > 0) {
        const auto change = static_cast<std::int64_t>(unzigzag(r.take_varbits(&ok)));
        if (!ok || change < -255 || change > 255) return fail("exponent change out of range");
        e += static_cast<int>(change);
        if (e < -128 || e > 127) return fail("exponent out of range");
      }
      const std::uint64_t len = r.take_varbits(&ok) + 1;
      if (!ok || r.overrun()) return fail("exponent runs truncated");
      if (len > n - i) return fail("exponent run longer than the block");
      if (i == 0 && len == n) one_exponent = true;
      emin = std::min(emin, e);
      std::fill(ex + i, ex + i + len, static_cast<std::int8_t>(e));
      i += len;
    }
  }
  // Quality runs.
  {
    std::size_t i = 0;
    bool ok = true;
    while (i < n) {
      const auto q = static_cast<std::uint8_t>(r.take(3));
      const std::uint64_t len = r.take_varbits(&ok) + 1;
      if (!ok || r.overrun()) return fail("quality runs truncated");
      if (q >= kQualityCount) return fail(str_cat("quality code ", q, " unknown"));
      if (len > n - i) return fail("quality run longer than the block");
      std::fill(qu + i, qu + i + len, static_cast<Quality>(q));
      i += len;
    }
  }
  // Mantissas.
  const bool scaled = r.take(1) == 1;
  std::uint64_t m1 = r.take(64), m2 = m1;
  mant[0] = static_cast<std::int64_t>(m1);
  Quantum last_q;  // of the last quantum chunk
  QuantumSink::Constants q_constants(Quantum{1, 1});
  for (std::size_t c = 1; c < n; c += kChunk) {
    const std::size_t len = std::min(kChunk, n - c);
    const unsigned mode = static_cast<unsigned>(r.take(2));
    if (mode == kAtRest) {
      std::fill(mant + c, mant + c + len, static_cast<std::int64_t>(m1));
      m2 = m1;
      continue;
    }
    if (mode == kExtended) {
      if (h.version < 2) return fail("chunk mode 3 in a version 1 block");
      const unsigned sub = static_cast<unsigned>(r.take(2));
      if (sub == kMonotoneOrder1) {
        const unsigned k = static_cast<unsigned>(r.take(6));
        if (r.overrun()) return fail("mantissa chunk truncated");
        if (!r.rice_run<false, Map::kMonotone>(k, len, m1, m2, mant + c)) return fail("bad Rice code");
      } else if (sub == kChangeRuns) {
        const bool monotone = r.take(1) == 1;
        const bool zeros = r.take(1) == 1;
        const unsigned kr = static_cast<unsigned>(r.take(3));
        const unsigned k = static_cast<unsigned>(r.take(6));
        const auto res = monotone ? r.change_runs<Map::kNonzeroMonotone>(zeros, kr, k, len, m1, m2, mant + c)
                                  : r.change_runs<Map::kNonzero>(zeros, kr, k, len, m1, m2, mant + c);
        if (res == BitReader::RunsResult::kBadCode) return fail("bad Rice code");
        if (res == BitReader::RunsResult::kRunTooLong) return fail("run longer than its chunk");
      } else if (sub == kQuantum) {
        if (r.take(1) == 0) {
          bool ok = true;
          last_q.a = r.take_varbits(&ok);
          last_q.b = r.take_varbits(&ok);
          if (!ok || r.overrun()) return fail("quantum truncated");
          if (last_q.b == 0 || last_q.a < last_q.b || last_q.a > kMaxQuantumNum ||
              last_q.b > kMaxQuantumDen) {
            last_q = Quantum{};
            return fail("quantum out of range");
          }
          q_constants = QuantumSink::Constants(last_q);
        } else if (last_q.b == 0) {
          return fail("quantum reused before one was given");
        }
        const bool monotone = r.take(1) == 1;
        const unsigned k = static_cast<unsigned>(r.take(6));
        if (static_cast<std::int64_t>(m1) < 0) return fail("quantum chunk after a negative value");
        // The indices with the fast Rice loop (order 1 from the index of the last value),
        // each turned into its value as it is decoded (QuantumSink). A chunk with an index
        // beyond the sink's range is decoded again into indices for quantum_values().
        std::int64_t* out_c = mant + c;
        const BitReader at_chunk = r;
        const std::uint64_t idx0 = quantum_index(m1, last_q);
        std::uint64_t idx = idx0, idx_prev = idx0;
        QuantumSink sink(q_constants, out_c);
        if (!(monotone ? r.rice_run<false, Map::kMonotone>(k, len, idx, idx_prev, sink)
                       : r.rice_run<false, Map::kZigzag>(k, len, idx, idx_prev, sink))) {
          return fail("bad Rice code");
        }
        if (sink.big()) [[unlikely]] {
          r = at_chunk;
          idx = idx_prev = idx0;
          std::int64_t steps[kChunk];
          if (!(monotone ? r.rice_run<false, Map::kMonotone>(k, len, idx, idx_prev, steps)
                         : r.rice_run<false, Map::kZigzag>(k, len, idx, idx_prev, steps))) {
            return fail("bad Rice code");
          }
          if (!quantum_values(steps, len, last_q, out_c)) return fail("quantum value out of range");
        }
        m2 = len >= 2 ? static_cast<std::uint64_t>(out_c[len - 2]) : m1;
        m1 = static_cast<std::uint64_t>(out_c[len - 1]);
      } else {
        return fail(str_cat("extended chunk mode ", sub, " unknown"));
      }
      if (r.overrun()) return fail("mantissa chunk truncated");
      continue;
    }
    const unsigned k = static_cast<unsigned>(r.take(6));
    if (r.overrun()) return fail("mantissa chunk truncated");
    std::size_t t2 = 0;
    if (mode == 1 && c == 1) {
      // Order 2 has no line through two points yet for the second sample.
      std::uint64_t u;
      if (!r.take_rice(k, &u)) return fail("bad Rice code");
      m2 = m1;
      m1 += unzigzag(u);
      mant[1] = static_cast<std::int64_t>(m1);
      t2 = 1;
    }
    const bool ok = mode == 1 ? r.rice_run<true>(k, len - t2, m1, m2, mant + c + t2)
                              : r.rice_run<false>(k, len - t2, m1, m2, mant + c + t2);
    if (!ok) return fail("bad Rice code");
    if (r.overrun()) return fail("mantissa chunk truncated");
  }
  if (canonical_cap > 0 && !scaled) return fail("canonical exponents without scaled mantissas");
  if (form == ValueForm::kScaled && scaled) {
    // Every mantissa is at emin already. Per-sample exponents are still checked against
    // their mantissas (a corrupt block must fail here, not in value()).
    for (std::size_t i = 0; i < n && canonical_cap == 0 && !one_exponent; ++i) {
      std::int64_t m = mant[i];
      if (!unscale(m, static_cast<unsigned>(ex[i] - emin))) {
        return fail("scaled mantissa not a multiple of its scale");
      }
    }
    out.form = ValueForm::kScaled;
    out.scale = emin;
    out.canonical_cap = canonical_cap;
  } else if (canonical_cap > 0) {
    // The usual caps get a loop unrolled for them (the count is a sum of cap tests).
    switch (canonical_cap) {
      case 1: canonical_exponents<1>(mant, ex, n, emin); break;
      case 2: canonical_exponents<2>(mant, ex, n, emin); break;
      case 3: canonical_exponents<3>(mant, ex, n, emin); break;
      case 4: canonical_exponents<4>(mant, ex, n, emin); break;
      case 5: canonical_exponents<5>(mant, ex, n, emin); break;
      case 6: canonical_exponents<6>(mant, ex, n, emin); break;
      default:
        for (std::size_t i = 0; i < n; ++i) {
          ex[i] = static_cast<std::int8_t>(emin + static_cast<int>(drop_decimal_zeros(mant[i], canonical_cap)));
        }
    }
  } else if (scaled && !one_exponent) {
    for (std::size_t i = 0; i < n; ++i) {
      if (!unscale(mant[i], static_cast<unsigned>(ex[i] - emin))) {
        return fail("scaled mantissa not a multiple of its scale");
      }
    }
  }
  if (r.overrun()) return fail("block truncated");
  return absl::OkStatus();
}

Value BlockColumns::value(std::size_t i) const {
  std::int64_t m = mantissa[i];
  if (form == ValueForm::kWritten) return Value(m, exponent[i], unit);
  if (exponent.empty()) {
    const unsigned d = drop_decimal_zeros(m, canonical_cap);
    return Value(m, static_cast<std::int8_t>(scale + static_cast<int>(d)), unit);
  }
  (void)unscale(m, static_cast<unsigned>(exponent[i] - scale));  // checked when decoded
  return Value(m, exponent[i], unit);
}

absl::Status decode_block(std::span<const std::uint8_t> block, std::vector<Sample>& out) {
  BlockColumns c;
  EMSCORE_RETURN_IF_ERROR(decode_block_columns(block, c));
  const std::size_t base = out.size();
  out.resize(base + c.ms.size());
  Sample* s = out.data() + base;
  for (std::size_t i = 0; i < c.ms.size(); ++i) {
    s[i].at = absl::FromUnixMillis(c.ms[i]);
    s[i].value = Value(c.mantissa[i], c.exponent[i], c.unit);
    s[i].quality = c.quality[i];
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Sample>> decode_block(std::span<const std::uint8_t> block) {
  std::vector<Sample> out;
  EMSCORE_RETURN_IF_ERROR(decode_block(block, out));
  return out;
}

}  // namespace emscore::profile

// Fuzzes the profile block decoder: any input decodes or fails cleanly (no crash, no out-of-
// bounds, no hang); whatever decodes is a valid series that re-encodes and decodes to the
// same samples (bit-exact). Then the encoder's own search paths: the input read as a series
// built to hit them (rounded multiples of a quantum, runs of no change, shortest-decimal
// exponents, counters that never decrease) must round-trip bit-exact.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "emscore/profile/codec.hpp"

namespace {

using namespace emscore;
using namespace emscore::profile;

void round_trip_or_abort(const std::vector<Sample>& in) {
  std::vector<std::uint8_t> block;
  if (!encode_block(in, block).ok()) std::abort();
  std::vector<Sample> out;
  if (!decode_block(block, out).ok()) std::abort();
  if (out.size() != in.size()) std::abort();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (out[i].at != in[i].at || !out[i].value.identical(in[i].value) ||
        out[i].quality != in[i].quality) {
      std::abort();
    }
  }
}

// Bytes 0-5: quantum numerator/denominator and flags; then 3 bytes a sample: a step of the
// index (signed), a "stand still" bit, a quality.
void encoder_paths(const std::uint8_t* data, std::size_t size) {
  if (size < 6) return;
  const std::uint64_t a = 1 + (static_cast<std::uint64_t>(data[0]) << 8 | data[1]) * (1 + data[4] % 64);
  const std::uint64_t b = 1 + (static_cast<std::uint64_t>(data[2]) << 8 | data[3]) % 4096;
  const bool monotone = data[5] & 1, canonical = data[5] & 2;
  const int emin = -static_cast<int>((data[5] >> 2) % 6);
  std::vector<Sample> s;
  std::int64_t n = 1000;
  absl::Time t = absl::FromUnixSeconds(1'700'000'000);
  for (std::size_t i = 6; i + 3 <= size && s.size() < 4096; i += 3) {
    const auto step = static_cast<std::int8_t>(data[i]);
    if ((data[i + 1] & 1) == 0) n += monotone ? (step < 0 ? -step : step) : step;
    if (n < 0) n = -n;
    std::int64_t m = static_cast<std::int64_t>((2 * static_cast<std::uint64_t>(n) * a + b) / (2 * b));
    int e = emin;
    while (canonical && e < 0 && m != 0 && m % 10 == 0) m /= 10, ++e;
    if (canonical && m == 0) e = 0;
    s.push_back({t, Value(m, e, Unit::kWatt), static_cast<Quality>(data[i + 2] % 5)});
    t += absl::Minutes(1 + (data[i + 1] >> 7));
  }
  round_trip_or_abort(s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  encoder_paths(data, size);
  std::vector<Sample> out;
  const auto st = decode_block(std::span(data, size), out);
  if (!st.ok()) {
    if (!out.empty()) std::abort();  // a failed decode leaves the output untouched
    return 0;
  }
  if (!check_series(out).ok()) std::abort();
  round_trip_or_abort(out);
  // Both column forms decode what decode_block did, and give each value as written.
  for (const ValueForm form : {ValueForm::kWritten, ValueForm::kScaled}) {
    BlockColumns cols;
    if (!decode_block_columns(std::span(data, size), cols, form).ok()) std::abort();
    if (cols.ms.size() != out.size()) std::abort();
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (!cols.value(i).identical(out[i].value)) std::abort();
      const Value number(out[i].value.mantissa, out[i].value.exponent);
      if (cols.form == ValueForm::kScaled && !(Value(cols.mantissa[i], cols.scale) == number)) {
        std::abort();
      }
    }
  }
  return 0;
}

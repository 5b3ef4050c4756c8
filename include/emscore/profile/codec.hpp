// emscore/profile/codec.hpp — lossless block codec for exact-decimal series.
//
// Meter values are decimals: a register reads 12345.678 kWh, i.e. the integer 12345678 at
// exponent -3. XOR-of-doubles schemes (Gorilla, VLDB 2015) gain little on such values
// because consecutive doubles of a growing decimal differ in most mantissa bits. This codec
// works on the integers instead:
//   - timestamps (milliseconds) as runs of equal deltas: a regular raster costs a few bytes
//     per block, jitter costs a few bits per sample;
//   - exponents as runs, or a small fixed width when they change often, or not at all when
//     each is the canonical one of its value (files that print the shortest decimal drop
//     trailing zeros: 2.58 next to 2.552; the exponent then follows from the digits);
//   - mantissas scaled to the block's smallest exponent, coded per chunk of 128 in the
//     cheapest of: the previous value (order 1) or the line through the previous two
//     (order 2) as predictor, zig-zag residuals Rice coded with the k that minimises the
//     chunk's exact size; a chunk at rest (2 bits); a counter that never decreases (order 1,
//     no sign bit); runs of "no change" between runs of changes (a PV register at night);
//     rounded multiples of a rational quantum a/b (values normalised by a factor or scaled
//     by a CT ratio: round(n * a / b), coding the steps of n);
//   - quality flags as runs.
// The round trip is bit-exact: the same timestamps, the same mantissa *and* exponent
// (1.50 stays 1.50) and unit, the same quality. Sans-I/O: no allocation beyond the output
// vector, no exceptions, every decode error names the bit offset.
//
// Block format: version byte (2; version 1 blocks, without the extended chunk modes and
// canonical exponents, still decode), LEB128 sample count, then an LSB-first bit stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "emscore/profile/series.hpp"

namespace emscore::profile {

// Blocks are written as version 2; version 1 blocks (no extended modes) still decode.
inline constexpr std::uint8_t kCodecVersion = 2;
// A decoder refuses blocks that claim more samples (bounds memory on hostile input).
inline constexpr std::size_t kMaxBlockSamples = std::size_t{1} << 20;

// Appends one encoded block of `samples` to `out`. The samples must satisfy check_series()
// and have timestamps in whole milliseconds; at most kMaxBlockSamples of them.
absl::Status encode_block(std::span<const Sample> samples, std::vector<std::uint8_t>& out);

// How decode_block_columns leaves the values.
enum class ValueForm : std::uint8_t {
  // mantissa[i] with exponent[i]: each value as it was written (1.50 stays 1.50).
  kWritten,
  // mantissa[i] * 10^scale for every sample of the block: exact numbers on one scale, what
  // sums, min/max, means and plots want (and what Gorilla's decoder gives, as doubles).
  // Skips deriving each written exponent; value(i) still gives it. Blocks whose mantissas
  // could not be put on one scale (beyond int64) decode as kWritten whatever is asked.
  kScaled,
};

// A decoded block as columns (what the store and the exports iterate over; no per-sample
// absl::Time construction).
struct BlockColumns {
  std::vector<std::int64_t> ms;        // Unix milliseconds, strictly increasing
  std::vector<std::int64_t> mantissa;  // see `form`
  // The exponent each value was written with. Empty in kScaled form when the block stores
  // canonical exponents (each the shortest of its value, at most canonical_cap decimals
  // above `scale`): value(i) derives it.
  std::vector<std::int8_t> exponent;
  std::vector<Quality> quality;
  Unit unit = Unit::kNone;
  ValueForm form = ValueForm::kWritten;
  int scale = 0;                // kScaled: the exponent of every mantissa
  unsigned canonical_cap = 0;   // kScaled with an empty `exponent`: see there

  // Sample i's value as written, in either form (i < ms.size()).
  Value value(std::size_t i) const;
};
// Decodes one block into `out` (its vectors are resized; reusing them avoids allocation).
absl::Status decode_block_columns(std::span<const std::uint8_t> block, BlockColumns& out,
                                  ValueForm form = ValueForm::kWritten);

// Decodes one block and appends its samples to `out` (on error, `out` keeps its old size).
absl::Status decode_block(std::span<const std::uint8_t> block, std::vector<Sample>& out);
absl::StatusOr<std::vector<Sample>> decode_block(std::span<const std::uint8_t> block);

// The sample count of a block from its header, without decoding it.
absl::StatusOr<std::size_t> block_sample_count(std::span<const std::uint8_t> block);

}  // namespace emscore::profile

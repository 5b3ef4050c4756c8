// Fuzzes the profile block decoder: any input decodes or fails cleanly (no crash, no out-of-
// bounds, no hang); whatever decodes is a valid series that re-encodes and decodes to the
// same samples (bit-exact).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "emscore/profile/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace emscore::profile;
  std::vector<Sample> out;
  const auto st = decode_block(std::span(data, size), out);
  if (!st.ok()) {
    if (!out.empty()) std::abort();  // a failed decode leaves the output untouched
    return 0;
  }
  if (!check_series(out).ok()) std::abort();
  std::vector<std::uint8_t> again;
  if (!encode_block(out, again).ok()) std::abort();
  std::vector<Sample> back;
  if (!decode_block(again, back).ok()) std::abort();
  if (back.size() != out.size()) std::abort();
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!(back[i] == out[i])) std::abort();
  }
  BlockColumns cols;
  if (!decode_block_columns(std::span(data, size), cols).ok()) std::abort();
  if (cols.ms.size() != out.size()) std::abort();
  return 0;
}

// Fuzzes the Luxembourg Smarty frame reader and decryptor: any bytes, with a fixed key; the
// header reader and the GCM check must never crash or read past the input, a frame that
// decrypts must have its announced length, and a frame built by encrypt_smarty() from the
// input as plaintext must decrypt back to it.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "emscore/dsmr/smarty.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace dsmr = emscore::dsmr;
  const dsmr::AesKey key = {0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA,
                            0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA};
  const std::span<const std::uint8_t> in(data, size);
  std::vector<std::uint8_t> out;
  auto header = dsmr::read_smarty_header(in);
  auto r = dsmr::decrypt_smarty(in, key, dsmr::kSmartyDefaultAuthKey, out);
  if (r.ok()) {
    if (!header.ok() || r->frame_length > size) std::abort();
    if (out.size() + r->security_offset + 5 + 12 != r->frame_length) std::abort();
  } else if (!out.empty()) {
    std::abort();  // no plaintext on failure
  }
  if (size <= 4096) {
    const std::array<std::uint8_t, 8> title = {'F', 'U', 'Z', 'Z', 0, 0, 0, 1};
    const auto frame = dsmr::encrypt_smarty(in, key, dsmr::kSmartyDefaultAuthKey, title, 7);
    std::vector<std::uint8_t> back;
    auto ok = dsmr::decrypt_smarty(frame, key, dsmr::kSmartyDefaultAuthKey, back);
    if (!ok.ok() || back.size() != size || !std::equal(back.begin(), back.end(), data)) {
      std::abort();
    }
  }
  return 0;
}

#include "emscore/dsmr/smarty.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>

#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::dsmr {
namespace {

constexpr std::uint8_t kGeneralGloCiphering = 0xDB;
constexpr std::size_t kTagBytes = 12;
constexpr std::size_t kSecurityHeaderBytes = 5;  // security byte + frame counter

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

}  // namespace

absl::StatusOr<AesKey> parse_key(std::string_view hex_text) {
  AesKey key{};
  std::size_t n = 0;
  int hi = -1;
  for (std::size_t i = 0; i < hex_text.size(); ++i) {
    const char c = hex_text[i];
    if (c == ' ' || c == ':' || c == '-') continue;
    const int v = hex_digit(c);
    if (v < 0) {
      return absl::InvalidArgumentError(str_cat("dsmr: key character '", std::string_view(&c, 1),
                                                "' at position ", i, ", expected a hex digit"));
    }
    if (hi < 0) {
      hi = v;
      continue;
    }
    if (n >= key.size()) break;
    key[n++] = static_cast<std::uint8_t>(hi * 16 + v);
    hi = -1;
  }
  if (n != key.size() || hi >= 0 ||
      std::count_if(hex_text.begin(), hex_text.end(), [](char c) { return hex_digit(c) >= 0; }) !=
          32) {
    return absl::InvalidArgumentError(
        "dsmr: an AES-128 key is 32 hex digits (16 bytes), e.g. AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  }
  return key;
}

absl::StatusOr<SmartyFrameInfo> read_smarty_header(std::span<const std::uint8_t> f) {
  constexpr std::string_view kWhat = "Smarty frame";
  if (f.empty()) return truncated_error("dsmr", kWhat, 0, 1, 0);
  if (f[0] != kGeneralGloCiphering) {
    return decode_error("dsmr", kWhat, 0,
                        str_cat("tag ", hex(f[0]), ", expected 0xDB (general-glo-ciphering)"));
  }
  if (f.size() < 2) return truncated_error("dsmr", kWhat, 1, 1, 0);
  if (f[1] != 8) {
    return decode_error("dsmr", kWhat, 1,
                        str_cat("system title length ", f[1], ", expected 8"));
  }
  if (f.size() < 11) return truncated_error("dsmr", kWhat, 2, 9, f.size() - 2);
  SmartyFrameInfo info;
  std::copy(f.begin() + 2, f.begin() + 10, info.system_title.begin());
  // BER length: one byte < 0x80, or 0x81 L, or 0x82 LL LL.
  std::size_t pos = 10;
  std::size_t length = 0;
  const std::uint8_t l0 = f[pos];
  if (l0 < 0x80) {
    length = l0;
    pos += 1;
  } else if (l0 == 0x81 || l0 == 0x82) {
    const std::size_t nbytes = l0 == 0x81 ? 1 : 2;
    if (f.size() < pos + 1 + nbytes) {
      return truncated_error("dsmr", kWhat, pos + 1, nbytes, f.size() - pos - 1);
    }
    for (std::size_t k = 0; k < nbytes; ++k) length = (length << 8) | f[pos + 1 + k];
    pos += 1 + nbytes;
  } else {
    return decode_error("dsmr", kWhat, pos,
                        str_cat("length byte ", hex(l0), ", expected < 0x80, 0x81 or 0x82"));
  }
  if (length < kSecurityHeaderBytes + kTagBytes) {
    return decode_error("dsmr", kWhat, 10,
                        str_cat("length ", length, ", expected at least ",
                                kSecurityHeaderBytes + kTagBytes,
                                " (security byte, frame counter, GCM tag)"));
  }
  if (f.size() < pos + kSecurityHeaderBytes) {
    return truncated_error("dsmr", kWhat, pos, kSecurityHeaderBytes, f.size() - pos);
  }
  info.security_byte = f[pos];
  if (info.security_byte != 0x30) {
    return decode_error("dsmr", kWhat, pos,
                        str_cat("security byte ", hex(info.security_byte),
                                ", expected 0x30 (authenticated and encrypted)"));
  }
  info.frame_counter = (std::uint32_t{f[pos + 1]} << 24) | (std::uint32_t{f[pos + 2]} << 16) |
                       (std::uint32_t{f[pos + 3]} << 8) | f[pos + 4];
  info.security_offset = pos;
  info.frame_length = pos + length;
  return info;
}

absl::StatusOr<SmartyFrameInfo> decrypt_smarty(std::span<const std::uint8_t> frame,
                                               const AesKey& key, const AesKey& aad_key,
                                               std::vector<std::uint8_t>& out) {
  EMSCORE_ASSIGN_OR_RETURN(SmartyFrameInfo info, read_smarty_header(frame));
  if (frame.size() < info.frame_length) {
    return truncated_error("dsmr", "Smarty frame", frame.size(), info.frame_length,
                           frame.size());
  }
  // Layout: ... SC(at security_offset) FC(4) ciphertext tag(12).
  const std::size_t pos = info.security_offset;
  const std::size_t ct_begin = pos + kSecurityHeaderBytes;
  const std::size_t ct_end = info.frame_length - kTagBytes;
  std::uint8_t iv[12];
  std::copy(info.system_title.begin(), info.system_title.end(), iv);
  std::copy(frame.begin() + static_cast<std::ptrdiff_t>(pos + 1),
            frame.begin() + static_cast<std::ptrdiff_t>(pos + 5), iv + 8);
  std::uint8_t aad[17];
  aad[0] = info.security_byte;
  std::copy(aad_key.begin(), aad_key.end(), aad + 1);

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return absl::InternalError("dsmr: OpenSSL could not allocate a cipher context");
  int len = 0;
  bool ok = EVP_DecryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) == 1 &&
            EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad, sizeof aad) == 1;
  if (!ok) return absl::InternalError("dsmr: OpenSSL AES-128-GCM setup failed");
  const std::size_t n = ct_end - ct_begin;
  const std::size_t old = out.size();
  out.resize(old + n + 16);
  int produced = 0;
  if (n > 0 && EVP_DecryptUpdate(ctx.get(), out.data() + old, &produced, frame.data() + ct_begin,
                                 static_cast<int>(n)) != 1) {
    out.resize(old);
    return absl::InternalError("dsmr: OpenSSL AES-128-GCM decryption failed");
  }
  std::uint8_t tag[kTagBytes];
  std::copy(frame.begin() + static_cast<std::ptrdiff_t>(ct_end),
            frame.begin() + static_cast<std::ptrdiff_t>(info.frame_length), tag);
  int final_len = 0;
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), tag) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), out.data() + old + produced, &final_len) != 1) {
    out.resize(old);
    return absl::PermissionDeniedError(str_cat(
        "dsmr: Smarty frame (counter ", info.frame_counter, ", ", info.frame_length,
        " bytes): GCM tag check failed at offset ", ct_end,
        ": wrong encryption key or authentication key, or a corrupted frame"));
  }
  out.resize(old + static_cast<std::size_t>(produced + final_len));
  return info;
}

std::vector<std::uint8_t> encrypt_smarty(std::span<const std::uint8_t> plaintext,
                                         const AesKey& key, const AesKey& aad_key,
                                         const std::array<std::uint8_t, 8>& system_title,
                                         std::uint32_t frame_counter) {
  std::vector<std::uint8_t> f;
  f.reserve(plaintext.size() + 32);
  f.push_back(kGeneralGloCiphering);
  f.push_back(8);
  f.insert(f.end(), system_title.begin(), system_title.end());
  const std::size_t length = kSecurityHeaderBytes + plaintext.size() + kTagBytes;
  f.push_back(0x82);
  f.push_back(static_cast<std::uint8_t>(length >> 8));
  f.push_back(static_cast<std::uint8_t>(length));
  f.push_back(0x30);
  std::uint8_t iv[12];
  std::copy(system_title.begin(), system_title.end(), iv);
  for (int k = 0; k < 4; ++k) {
    const auto b = static_cast<std::uint8_t>(frame_counter >> (24 - 8 * k));
    f.push_back(b);
    iv[8 + k] = b;
  }
  std::uint8_t aad[17];
  aad[0] = 0x30;
  std::copy(aad_key.begin(), aad_key.end(), aad + 1);
  const std::size_t ct_at = f.size();
  f.resize(ct_at + plaintext.size() + kTagBytes);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int fin = 0;
  std::uint8_t tag[16];
  const bool ok =
      ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) == 1 &&
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad, sizeof aad) == 1 &&
      EVP_EncryptUpdate(ctx.get(), f.data() + ct_at, &len, plaintext.data(),
                        static_cast<int>(plaintext.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx.get(), f.data() + ct_at + len, &fin) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
  if (!ok) return {};
  std::copy(tag, tag + kTagBytes, f.begin() + static_cast<std::ptrdiff_t>(ct_at + plaintext.size()));
  return f;
}

}  // namespace emscore::dsmr

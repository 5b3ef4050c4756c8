// emscore/dsmr/smarty.hpp — Luxembourg "Smarty" P1: the telegram inside an AES-128-GCM frame.
//
// Luxembourg's Smarty meters (Creos / Luxmetering P1 specification 1.1.2 §3) wrap every P1
// telegram in a DLMS general-glo-ciphering APDU (IEC 62056-5-3 §9.2.7.2.4):
//   0xDB                       tag: general-glo-ciphering
//   0x08 + 8 bytes             system title (manufacturer id + serial)
//   0x82 LL LL (or one byte)   length of what follows (BER length)
//   0x30                       security control byte: authenticated and encrypted, suite 0
//   4 bytes                    frame (invocation) counter, big-endian
//   n bytes                    ciphertext (the plain telegram "/...!CRC\r\n")
//   12 bytes                   GCM authentication tag
// The cipher is AES-128-GCM with IV = system title || frame counter (12 bytes) and
// additional authenticated data = security byte || authentication key (AK, 16 bytes). The
// user gets the encryption key (GUEK) and AK from the grid operator. A wrong key or a
// corrupted byte fails the tag check: the error says so, no plaintext is returned.
//
// Frames follow each other on the line; read_smarty_header() gives each frame's length so a
// reader can cut the stream. The crypto is OpenSSL's EVP interface (no home-made AES).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace emscore::dsmr {

using AesKey = std::array<std::uint8_t, 16>;

// 32 hex digits (spaces and ':' ignored) to a key.
absl::StatusOr<AesKey> parse_key(std::string_view hex);

struct SmartyFrameInfo {
  std::array<std::uint8_t, 8> system_title{};
  std::uint32_t frame_counter = 0;
  std::uint8_t security_byte = 0;
  std::size_t security_offset = 0;  // of the security byte (after the BER length)
  std::size_t frame_length = 0;     // bytes of the whole frame, tag byte to GCM tag
};

// Reads the header of the frame at the start of `frame`. OutOfRange when more bytes are
// needed (the message says how many), InvalidArgument when it is not such a frame.
absl::StatusOr<SmartyFrameInfo> read_smarty_header(std::span<const std::uint8_t> frame);

// Decrypts one frame (its first frame_length bytes) and checks the tag. The plaintext is
// appended to `out`. `aad_key` is the AK (Luxembourg meters use the fixed value
// 00112233445566778899AABBCCDDEEFF unless the operator says otherwise).
absl::StatusOr<SmartyFrameInfo> decrypt_smarty(std::span<const std::uint8_t> frame,
                                               const AesKey& key, const AesKey& aad_key,
                                               std::vector<std::uint8_t>& out);

// The AK Luxembourg meters are delivered with.
inline constexpr AesKey kSmartyDefaultAuthKey = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
                                                 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB,
                                                 0xCC, 0xDD, 0xEE, 0xFF};

// Encrypts a telegram into a frame (for simulators and tests).
std::vector<std::uint8_t> encrypt_smarty(std::span<const std::uint8_t> plaintext,
                                         const AesKey& key, const AesKey& aad_key,
                                         const std::array<std::uint8_t, 8>& system_title,
                                         std::uint32_t frame_counter);

}  // namespace emscore::dsmr

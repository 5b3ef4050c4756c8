#include "emscore/dsmr/smarty.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace emscore::dsmr {
namespace {

std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

constexpr std::array<std::uint8_t, 8> kTitle = {'S', 'A', 'G', 'x', 0, 1, 2, 3};
constexpr std::string_view kPlain = "/Ene5\\T210-D ESMR5.0\r\n\r\n1-3:0.2.8(50)\r\n!XXXX\r\n";

AesKey key_of(std::string_view hex) { return *parse_key(hex); }

TEST(Smarty, ParseKey) {
  auto k = parse_key("00112233445566778899AABBCCDDEEFF");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(*k, kSmartyDefaultAuthKey);
  EXPECT_TRUE(parse_key("00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff").ok());
  EXPECT_FALSE(parse_key("0011").ok());
  EXPECT_FALSE(parse_key("00112233445566778899AABBCCDDEEFF00").ok());
  EXPECT_EQ(parse_key("G0112233445566778899AABBCCDDEEFF").status().message(),
            "dsmr: key character 'G' at position 0, expected a hex digit");
}

TEST(Smarty, RoundTrip) {
  const AesKey key = key_of("000102030405060708090A0B0C0D0E0F");
  const auto frame = encrypt_smarty(bytes(kPlain), key, kSmartyDefaultAuthKey, kTitle, 42);
  ASSERT_EQ(frame.size(), 13 + 5 + kPlain.size() + 12);
  auto header = read_smarty_header(frame);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->frame_length, frame.size());
  EXPECT_EQ(header->frame_counter, 42u);
  EXPECT_EQ(header->system_title, kTitle);
  std::vector<std::uint8_t> out = {'x'};  // appended to
  auto info = decrypt_smarty(frame, key, kSmartyDefaultAuthKey, out);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(std::string(out.begin() + 1, out.end()), kPlain);
}

TEST(Smarty, WrongKeyIsAClearError) {
  const AesKey key = key_of("000102030405060708090A0B0C0D0E0F");
  const auto frame = encrypt_smarty(bytes(kPlain), key, kSmartyDefaultAuthKey, kTitle, 7);
  std::vector<std::uint8_t> out;
  auto r = decrypt_smarty(frame, key_of("FF0102030405060708090A0B0C0D0E0F"),
                          kSmartyDefaultAuthKey, out);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("GCM tag check failed"), absl::string_view::npos);
  EXPECT_NE(r.status().message().find("wrong encryption key"), absl::string_view::npos);
  EXPECT_TRUE(out.empty());
  // Wrong AK and a flipped ciphertext byte fail the same way.
  EXPECT_FALSE(decrypt_smarty(frame, key, key, out).ok());
  auto bad = frame;
  bad[30] ^= 0x01;
  EXPECT_FALSE(decrypt_smarty(bad, key, kSmartyDefaultAuthKey, out).ok());
}

TEST(Smarty, MalformedFrames) {
  std::vector<std::uint8_t> out;
  const AesKey key{};
  const std::vector<std::uint8_t> not_db = {0x2F, 0x08};
  EXPECT_EQ(read_smarty_header(not_db).status().message(),
            "dsmr: Smarty frame at offset 0: tag 0x2F, expected 0xDB (general-glo-ciphering)");
  const std::vector<std::uint8_t> title9 = {0xDB, 0x09};
  EXPECT_FALSE(read_smarty_header(title9).ok());
  const std::vector<std::uint8_t> short_frame = {0xDB, 0x08, 1, 2, 3};
  EXPECT_EQ(read_smarty_header(short_frame).status().code(), absl::StatusCode::kOutOfRange);
  // Length too small to hold the security header and tag.
  std::vector<std::uint8_t> tiny = {0xDB, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x05, 0x30, 0, 0, 0, 1};
  EXPECT_FALSE(read_smarty_header(tiny).ok());
  // Announced length larger than the bytes given.
  auto frame = encrypt_smarty(bytes(kPlain), key, kSmartyDefaultAuthKey, kTitle, 1);
  frame.resize(frame.size() - 3);
  EXPECT_EQ(decrypt_smarty(frame, key, kSmartyDefaultAuthKey, out).status().code(),
            absl::StatusCode::kOutOfRange);
  // Security byte other than 0x30.
  frame = encrypt_smarty(bytes(kPlain), key, kSmartyDefaultAuthKey, kTitle, 1);
  frame[13] = 0x10;
  EXPECT_FALSE(read_smarty_header(frame).ok());
}

}  // namespace
}  // namespace emscore::dsmr

#include "emscore/core/bcd.hpp"

#include <gtest/gtest.h>

#include <array>
#include <random>

namespace emscore {
namespace {

TEST(Bcd, DecodesLittleAndBigEndian) {
  const std::uint8_t le[] = {0x78, 0x56, 0x34, 0x12};
  EXPECT_EQ(*decode_bcd(le), 12345678);
  EXPECT_EQ(*decode_bcd(le, {Endian::kBig}), 78563412);
  const std::uint8_t one[] = {0x09};
  EXPECT_EQ(*decode_bcd(one), 9);
}

TEST(Bcd, NegativeSignNibble) {
  // EN 13757-3: 0xF in the most significant nibble is a minus sign.
  const std::uint8_t neg[] = {0x04, 0x00, 0xF0};
  EXPECT_EQ(*decode_bcd(neg), -4);
  const std::uint8_t neg2[] = {0x23, 0xF1};
  EXPECT_EQ(*decode_bcd(neg2), -123);
  BcdOptions no_sign;
  no_sign.allow_negative = false;
  EXPECT_FALSE(decode_bcd(neg, no_sign).ok());
}

TEST(Bcd, ErrorDigitsAreReported) {
  const std::uint8_t err[] = {0xEE, 0xEE};
  auto r = decode_bcd(err);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("is 0xE, expected 0-9"), std::string::npos);
  EXPECT_EQ(bcd_to_hex_digits(err), "EEEE");
  const std::uint8_t mid[] = {0x1A, 0x00};  // 0xA in the lowest digit
  EXPECT_NE(decode_bcd(mid).status().message().find("digit 0"), std::string::npos);
  const std::uint8_t f_low[] = {0xF1, 0x01};  // 0xF not in the most significant nibble
  EXPECT_FALSE(decode_bcd(f_low).ok());
}

TEST(Bcd, Lengths) {
  EXPECT_FALSE(decode_bcd({}).ok());
  std::array<std::uint8_t, 10> ten{};
  EXPECT_FALSE(decode_bcd(ten).ok());
  std::array<std::uint8_t, 9> nine;
  nine.fill(0x99);
  EXPECT_EQ(*decode_bcd(nine), 999999999999999999);
  std::array<std::uint8_t, 6> twelve{0x12, 0x90, 0x78, 0x56, 0x34, 0x12};
  EXPECT_EQ(*decode_bcd(twelve), 123456789012);
}

TEST(Bcd, EncodeRoundTrip) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 2000; ++i) {
    const std::size_t n = 1 + rng() % 9;
    std::int64_t limit = 1;
    for (std::size_t k = 0; k < 2 * n - 1 && k < 18; ++k) limit *= 10;
    std::int64_t v = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(limit));
    if (rng() % 2) v = -v;
    std::array<std::uint8_t, 9> buf{};
    std::span<std::uint8_t> out(buf.data(), n);
    for (Endian e : {Endian::kLittle, Endian::kBig}) {
      ASSERT_TRUE(encode_bcd(v, out, {e}).ok()) << v << " in " << n;
      auto back = decode_bcd(out, {e});
      ASSERT_TRUE(back.ok()) << back.status();
      EXPECT_EQ(*back, v);
    }
  }
}

TEST(Bcd, EncodeOverflowAndSign) {
  std::array<std::uint8_t, 2> buf{};
  EXPECT_TRUE(encode_bcd(9999, buf).ok());
  EXPECT_EQ(buf[0], 0x99);
  EXPECT_FALSE(encode_bcd(10000, buf).ok());
  EXPECT_TRUE(encode_bcd(-999, buf).ok());
  EXPECT_EQ(buf[1], 0xF9);
  EXPECT_FALSE(encode_bcd(-1000, buf).ok());
  BcdOptions no_sign;
  no_sign.allow_negative = false;
  EXPECT_FALSE(encode_bcd(-1, buf, no_sign).ok());
}

}  // namespace
}  // namespace emscore

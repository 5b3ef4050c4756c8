#include "emscore/core/byte_reader.hpp"

#include <gtest/gtest.h>

#include <array>

namespace emscore {
namespace {

constexpr std::array<std::uint8_t, 9> kData{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xFF};

TEST(ByteReader, ReadsBothByteOrders) {
  ByteReader r(kData);
  EXPECT_EQ(r.u16be(), 0x0102);
  EXPECT_EQ(r.u16le(), 0x0403);
  EXPECT_EQ(r.u32be(), 0x05060708u);
  EXPECT_EQ(r.u8(), 0xFF);
  EXPECT_TRUE(r.empty());
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.status().ok());
}

TEST(ByteReader, UintNAndSignExtension) {
  ByteReader r(kData);
  EXPECT_EQ(r.uint_n(3, Endian::kLittle), 0x030201u);
  EXPECT_EQ(r.uint_n(3, Endian::kBig), 0x040506u);
  ByteReader s(std::span<const std::uint8_t>(kData).subspan(7));  // 08 FF
  EXPECT_EQ(s.int_n(2, Endian::kLittle), static_cast<std::int16_t>(0xFF08));
  const std::uint8_t m1[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  ByteReader t(m1);
  EXPECT_EQ(t.int_n(6, Endian::kLittle), -1);
  const std::uint8_t big[] = {0x80, 0, 0, 0, 0, 0, 0, 0};
  ByteReader u(big);
  EXPECT_EQ(u.int_n(8, Endian::kBig), INT64_MIN);
}

TEST(ByteReader, FloatsInBothOrders) {
  const std::uint8_t be[] = {0x43, 0x34, 0x78, 0x52};  // 180.47 as float32
  ByteReader r(be);
  EXPECT_FLOAT_EQ(r.read<float>(Endian::kBig), 180.47f);
  const std::uint8_t le[] = {0x52, 0x78, 0x34, 0x43};
  ByteReader s(le);
  EXPECT_FLOAT_EQ(s.read<float>(Endian::kLittle), 180.47f);
  const std::uint8_t d[] = {0x40, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18};
  ByteReader t(d);
  EXPECT_DOUBLE_EQ(t.read<double>(Endian::kBig), 3.141592653589793);
}

TEST(ByteReader, TruncationIsStickyAndNamed) {
  ByteReader r(std::span<const std::uint8_t>(kData).first(3), "mbus", 10);
  EXPECT_EQ(r.u16be("header"), 0x0102);
  EXPECT_EQ(r.u32be("identification"), 0u);  // only 1 byte left
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.u8(), 0);  // sticky: later reads give zero
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_TRUE(r.rest().empty());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(r.status().message(),
            "mbus: identification at offset 12: truncated, need 4 bytes, 1 left");
}

TEST(ByteReader, TakeSkipPeek) {
  ByteReader r(kData);
  EXPECT_EQ(r.peek(), 0x01);
  EXPECT_EQ(r.peek(8), 0xFF);
  EXPECT_EQ(r.peek(9), 0);  // past the end: zero, not a failure
  auto s = r.take(4);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[3], 0x04);
  EXPECT_TRUE(r.skip(0));
  EXPECT_TRUE(r.skip(4));
  EXPECT_EQ(r.offset(), 8u);
  EXPECT_TRUE(r.take(2).empty());
  EXPECT_FALSE(r.ok());
}

TEST(ByteReader, EmptyInputAndOversizedWidth) {
  ByteReader r(std::span<const std::uint8_t>{});
  EXPECT_EQ(r.u8(), 0);
  EXPECT_FALSE(r.ok());
  ByteReader s(kData);
  EXPECT_EQ(s.uint_n(9, Endian::kBig), 0u);
  EXPECT_FALSE(s.ok());
}

}  // namespace
}  // namespace emscore

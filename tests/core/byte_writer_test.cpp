#include "emscore/core/byte_writer.hpp"

#include <gtest/gtest.h>

#include <array>

#include "emscore/core/byte_reader.hpp"

namespace emscore {
namespace {

TEST(ByteWriter, WritesAndRoundTrips) {
  std::array<std::uint8_t, 32> buf{};
  ByteWriter w(buf);
  w.u8(0x68);
  w.u16be(0x1234);
  w.u16le(0x1234);
  w.uint_n(0x0A0B0C, 3, Endian::kLittle);
  w.write<float>(180.47f, Endian::kBig);
  w.write<std::int32_t>(-2, Endian::kBig);
  const std::uint8_t tail[] = {0xAA, 0xBB};
  w.bytes(tail);
  ASSERT_TRUE(w.ok());
  ASSERT_EQ(w.size(), 1u + 2 + 2 + 3 + 4 + 4 + 2);
  const std::uint8_t expect_head[] = {0x68, 0x12, 0x34, 0x34, 0x12, 0x0C, 0x0B, 0x0A,
                                      0x43, 0x34, 0x78, 0x52, 0xFF, 0xFF, 0xFF, 0xFE};
  for (std::size_t i = 0; i < sizeof expect_head; ++i) EXPECT_EQ(buf[i], expect_head[i]) << i;
  ByteReader r(w.written());
  r.skip(8);
  EXPECT_FLOAT_EQ(r.read<float>(Endian::kBig), 180.47f);
  EXPECT_EQ(r.read<std::int32_t>(Endian::kBig), -2);
}

TEST(ByteWriter, OverflowIsStickyAndNamed) {
  std::array<std::uint8_t, 3> buf{};
  ByteWriter w(buf, "modbus");
  w.u16be(1);
  w.u16be(2);  // needs 2, has 1
  EXPECT_FALSE(w.ok());
  w.u8(3);  // ignored
  EXPECT_EQ(w.size(), 2u);
  EXPECT_EQ(w.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(w.status().message(),
            "modbus: output buffer of 3 bytes too small: need 1 more bytes at offset 2");
}

TEST(ByteWriter, PatchOnlyWrittenBytes) {
  std::array<std::uint8_t, 4> buf{};
  ByteWriter w(buf);
  w.u8(0);
  w.u8(0);
  w.patch_u8(1, 0x55);
  w.patch_u8(3, 0x66);  // not written yet: ignored
  EXPECT_EQ(buf[1], 0x55);
  EXPECT_EQ(buf[3], 0x00);
}

}  // namespace
}  // namespace emscore

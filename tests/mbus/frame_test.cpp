#include "emscore/mbus/frame.hpp"

#include <gtest/gtest.h>

#include "emscore/core/crc.hpp"
#include "emscore/core/strings.hpp"

#include <array>
#include <random>
#include <vector>

namespace emscore::mbus {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(Frame, SingleCharacterAck) {
  const Bytes b = {0xE5};
  auto f = parse_frame(b);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->kind, FrameKind::kAck);
  EXPECT_EQ(f->size, 1u);
}

TEST(Frame, ShortFrameReqUd2WithFcb) {
  const Bytes b = {0x10, 0x7B, 0x05, 0x80, 0x16};
  auto f = parse_frame(b);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->kind, FrameKind::kShort);
  EXPECT_EQ(f->c, 0x7B);
  EXPECT_EQ(f->a, 0x05);
  EXPECT_TRUE(f->from_master());
  EXPECT_TRUE(f->fcb());
  EXPECT_TRUE(f->fcv());
  EXPECT_EQ(f->function(), control::kReqUd2);
}

TEST(Frame, LongFrameUserData) {
  // RSP_UD from address 1, CI 0x78 (no header), one record 01 FD 17 00 (error flags 0).
  const Bytes b = {0x68, 0x07, 0x07, 0x68, 0x08, 0x01, 0x78, 0x01, 0xFD, 0x17, 0x00, 0x96, 0x16};
  auto f = parse_frame(b);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->kind, FrameKind::kLong);
  EXPECT_EQ(f->ci, 0x78);
  EXPECT_EQ(f->data.size(), 4u);
  EXPECT_FALSE(f->from_master());
  EXPECT_FALSE(f->acd());
}

TEST(Frame, ControlFrameIsLongFrameWithoutData) {
  const Bytes b = {0x68, 0x03, 0x03, 0x68, 0x53, 0xFE, 0xBD, 0x0E, 0x16};
  auto f = parse_frame(b);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->kind, FrameKind::kControl);
  EXPECT_EQ(f->ci, 0xBD);
  EXPECT_TRUE(f->data.empty());
}

TEST(Frame, ChecksumErrorNamesOffsetAndBothSums) {
  Bytes b = {0x68, 0x07, 0x07, 0x68, 0x08, 0x01, 0x78, 0x01, 0xFD, 0x17, 0x00, 0x97, 0x16};
  auto f = parse_frame(b);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(to_std(f.status().message()),
            "mbus: long frame at offset 11: checksum 0x97, computed 0x96");
  const Bytes s = {0x10, 0x5B, 0x05, 0x61, 0x16};
  EXPECT_EQ(to_std(parse_frame(s).status().message()),
            "mbus: short frame at offset 3: checksum 0x61, computed 0x60");
}

TEST(Frame, StopByteLengthAndStartErrors) {
  const Bytes stop = {0x10, 0x5B, 0x05, 0x60, 0x17};
  EXPECT_NE(to_std(parse_frame(stop).status().message()).find("stop byte 0x17, expected 0x16"),
            std::string::npos);
  const Bytes lens = {0x68, 0x07, 0x08, 0x68, 0, 0, 0, 0, 0, 0, 0, 0, 0x16};
  EXPECT_NE(to_std(parse_frame(lens).status().message()).find("second length 0x08"),
            std::string::npos);
  const Bytes start2 = {0x68, 0x03, 0x03, 0x69, 0x53, 0xFE, 0xBD, 0x0E, 0x16};
  EXPECT_NE(to_std(parse_frame(start2).status().message()).find("offset 3"), std::string::npos);
  const Bytes small = {0x68, 0x02, 0x02, 0x68, 0x53, 0xFE, 0x51, 0x16};
  EXPECT_NE(to_std(parse_frame(small).status().message()).find("at least 3"),
            std::string::npos);
  const Bytes junk = {0x42};
  EXPECT_NE(to_std(parse_frame(junk).status().message()).find("start byte 0x42"),
            std::string::npos);
}

TEST(Frame, IncompleteAndTrailing) {
  const Bytes part = {0x68, 0x07, 0x07, 0x68, 0x08};
  auto f = parse_frame(part);
  EXPECT_EQ(f.status().code(), absl::StatusCode::kOutOfRange);
  const FrameProbe p = probe_frame(part);
  EXPECT_EQ(p.error, FrameError::kNeedMore);
  EXPECT_EQ(p.size, 13u);
  const Bytes trailing = {0xE5, 0xE5};
  EXPECT_FALSE(parse_frame(trailing).ok());
  EXPECT_EQ(probe_frame({}).error, FrameError::kNeedMore);
}

TEST(Frame, EncodeRoundTrip) {
  std::array<std::uint8_t, kMaxFrameSize> buf{};
  auto n = encode_short_frame(buf, 0x40, 0x01);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(Bytes(buf.begin(), buf.begin() + 5), (Bytes{0x10, 0x40, 0x01, 0x41, 0x16}));
  const Bytes data = {0x01, 0xFD, 0x17, 0x00};
  n = encode_long_frame(buf, 0x08, 0x01, 0x78, data);
  ASSERT_TRUE(n.ok());
  auto f = parse_frame(std::span<const std::uint8_t>(buf.data(), *n));
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(Bytes(f->data.begin(), f->data.end()), data);
  // Too much data and too small buffers are errors, not overruns.
  const Bytes big(253, 0);
  EXPECT_EQ(encode_long_frame(buf, 0x08, 1, 0x78, big).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::array<std::uint8_t, 4> tiny{};
  EXPECT_EQ(encode_short_frame(tiny, 0x40, 1).status().code(),
            absl::StatusCode::kResourceExhausted);
  Bytes v;
  ASSERT_TRUE(append_long_frame(v, 0x53, 0xFE, 0xBD, {}).ok());
  ASSERT_TRUE(append_short_frame(v, 0x40, 0xFE).ok());
  EXPECT_EQ(v.size(), 14u);
  ASSERT_TRUE(encode_ack(buf).ok());
  EXPECT_EQ(buf[0], 0xE5);
}

TEST(Frame, ExhaustiveSingleByteCorruptionIsDetected) {
  std::array<std::uint8_t, kMaxFrameSize> buf{};
  const Bytes data = {0x0C, 0x13, 0x34, 0x12, 0x00, 0x00};
  auto n = encode_long_frame(buf, 0x08, 0x05, 0x72, data);
  ASSERT_TRUE(n.ok());
  for (std::size_t i = 0; i < *n; ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes b(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
      b[i] = static_cast<std::uint8_t>(b[i] ^ (1u << bit));
      EXPECT_FALSE(parse_frame(b).ok()) << "byte " << i << " bit " << bit;
    }
  }
}


// The frame checksum is summed 8/16 bytes at a time; core's mbus_checksum is the reference,
// for every user-data length and bytes that make the 16-bit lanes as large as they get.
TEST(Frame, ChecksumAgreesWithCoreForEveryLength) {
  std::mt19937 rng(7);
  for (std::size_t len = 3; len <= 255; ++len) {
    for (int round = 0; round < 3; ++round) {
      Bytes b = {0x68, static_cast<std::uint8_t>(len), static_cast<std::uint8_t>(len), 0x68};
      for (std::size_t i = 0; i < len; ++i) {
        b.push_back(round == 0 ? 0xFF : static_cast<std::uint8_t>(rng()));
      }
      const std::uint8_t cs = mbus_checksum(std::span<const std::uint8_t>(b).subspan(4, len));
      b.push_back(cs);
      b.push_back(0x16);
      EXPECT_TRUE(parse_frame(b).ok()) << "length " << len;
      b[4 + len] = static_cast<std::uint8_t>(cs + 1);
      EXPECT_FALSE(parse_frame(b).ok()) << "length " << len;
    }
  }
}

}  // namespace
}  // namespace emscore::mbus

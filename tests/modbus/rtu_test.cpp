#include "emscore/modbus/rtu.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "emscore/core/crc.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/modbus/pdu.hpp"
#include "test_util.hpp"

namespace emscore::modbus {
namespace {

using testing::from_hex;
using testing::to_hex;
using ::testing::HasSubstr;

std::string msg(const absl::Status& s) { return std::string(to_std(s.message())); }

struct Collected {
  std::vector<std::string> frames;   // hex of address+PDU
  std::vector<std::string> dropped;  // hex of dropped bytes
  std::vector<std::string> reasons;
};

void drain(RtuFramer& f, Collected& c) {
  for (auto e = f.next(); e.kind != RtuFramer::Event::kNeedMore; e = f.next()) {
    if (e.kind == RtuFramer::Event::kFrame) {
      std::vector<std::uint8_t> b{e.frame.address};
      b.insert(b.end(), e.frame.pdu.begin(), e.frame.pdu.end());
      c.frames.push_back(to_hex(b));
    } else {
      c.dropped.push_back(to_hex(std::vector<std::uint8_t>(e.adu.begin(), e.adu.end())));
      c.reasons.emplace_back(e.reason);
    }
  }
}

Collected feed_all(Side side, const std::vector<std::uint8_t>& bytes, bool byte_by_byte,
                   bool silence_at_end = true) {
  RtuFramer f(side);
  Collected c;
  if (byte_by_byte) {
    for (auto b : bytes) {
      EXPECT_EQ(f.feed(std::span(&b, 1)), 1u);
      drain(f, c);
    }
  } else {
    EXPECT_EQ(f.feed(bytes), bytes.size());
    drain(f, c);
  }
  if (silence_at_end) {
    f.on_silence();
    drain(f, c);
  }
  return c;
}

TEST(RtuTiming, InterFrameSilence) {
  SerialFormat f{9600, 8, Parity::kEven, 1};
  EXPECT_EQ(f.bits_per_char(), 11u);
  EXPECT_EQ(f.char_time().count(), 1'145'833);  // 11 bits / 9600 baud
  EXPECT_EQ(f.t35().count(), 4'010'415);         // 3.5 characters
  EXPECT_EQ(f.t15().count(), 1'718'749);
  SerialFormat slow{1200, 7, Parity::kNone, 2};
  EXPECT_EQ(slow.bits_per_char(), 10u);
  EXPECT_EQ(slow.t35().count(), 29'166'665);
  // Above 19200 baud the spec fixes 750 us and 1.75 ms.
  SerialFormat fast{38400, 8, Parity::kNone, 1};
  EXPECT_EQ(fast.t35(), std::chrono::microseconds(1750));
  EXPECT_EQ(fast.t15(), std::chrono::microseconds(750));
  SerialFormat at19200{19200, 8, Parity::kEven, 1};
  EXPECT_EQ(at19200.t35().count(), 2'005'206);
  EXPECT_EQ(f.transmit_time(8).count(), 8 * 1'145'833);
}

TEST(RtuTiming, ValidSettings) {
  EXPECT_TRUE((SerialFormat{1200, 7, Parity::kOdd, 2}.validate().ok()));
  EXPECT_TRUE((SerialFormat{115200, 8, Parity::kNone, 1}.validate().ok()));
  EXPECT_FALSE((SerialFormat{600, 8, Parity::kNone, 1}.validate().ok()));
  EXPECT_FALSE((SerialFormat{230400, 8, Parity::kNone, 1}.validate().ok()));
  EXPECT_FALSE((SerialFormat{9600, 6, Parity::kNone, 1}.validate().ok()));
  EXPECT_FALSE((SerialFormat{9600, 8, Parity::kNone, 3}.validate().ok()));
  EXPECT_EQ(*parse_parity("E"), Parity::kEven);
  EXPECT_EQ(*parse_parity("none"), Parity::kNone);
  EXPECT_FALSE(parse_parity("mark").ok());
  EXPECT_EQ(parity_name(Parity::kOdd), "odd");
}

TEST(RtuAdu, EncodeDecode) {
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(encode_rtu(1, from_hex("03 0000 000A"), out).ok());
  EXPECT_EQ(to_hex(out), "01030000000AC5CD");
  auto d = decode_rtu(out);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->address, 1);
  EXPECT_EQ(to_hex(std::vector<std::uint8_t>(d->pdu.begin(), d->pdu.end())), "030000000A");
  out[3] ^= 1;
  auto bad = decode_rtu(out);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(msg(bad.status()), HasSubstr("RTU frame at offset 6: CRC 0xCDC5, computed"));
  EXPECT_FALSE(decode_rtu(from_hex("01 03 00")).ok());
  EXPECT_FALSE(encode_rtu(1, {}, out).ok());
  std::vector<std::uint8_t> big(254, 3);
  EXPECT_FALSE(encode_rtu(1, big, out).ok());
}

TEST(RtuConformance, PymodbusFramerVectors) {
  const auto doc = testing::load_json(std::string(EMSCORE_VECTORS_DIR) + "/modbus/framer_adu_decode.json");
  int n = 0;
  for (const auto& v : doc.at("frames").as_array()) {
    if (v.at("framer").as_string() != "RTU") continue;
    ++n;
    const auto adu = from_hex(v.at("adu_hex").as_string().c_str());
    const Side side = v.at("is_server_side_decoding").as_bool() ? Side::kRequests : Side::kResponses;
    auto expect = from_hex(v.at("pdu_hex").as_string().c_str());
    expect.insert(expect.begin(), static_cast<std::uint8_t>(v.at("dev_id").as_int64()));
    for (bool one : {false, true}) {
      auto c = feed_all(side, adu, one, /*silence_at_end=*/false);
      ASSERT_EQ(c.frames.size(), 1u) << to_hex(adu);
      EXPECT_EQ(c.frames[0], to_hex(expect));
      EXPECT_TRUE(c.dropped.empty());
    }
    auto d = decode_rtu(adu);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->address, v.at("dev_id").as_int64());
    // Our encoder produces the same bytes.
    std::vector<std::uint8_t> again;
    ASSERT_TRUE(encode_rtu(d->address, d->pdu, again).ok());
    EXPECT_EQ(to_hex(again), to_hex(adu));
  }
  EXPECT_EQ(n, 9);
}

std::vector<std::uint8_t> rtu(std::uint8_t addr, std::string_view pdu_hex) {
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(encode_rtu(addr, from_hex(pdu_hex), out).ok());
  return out;
}

TEST(RtuFramer, BackToBackFramesOfEveryLengthRule) {
  std::vector<std::uint8_t> s;
  const char* pdus[] = {"03 0000 000A", "10 0001 0002 04 0001 0002", "17 0001 0002 0003 0001 02 0009",
                        "07", "08 0000 0102 0304", "2B 0E 01 00", "14 07 06 0001 0002 0003",
                        "18 0001", "16 0001 00F2 0025", "08 000B 0000", "41 0102"};
  for (auto p : pdus) {
    auto f = rtu(7, p);
    s.insert(s.end(), f.begin(), f.end());
  }
  for (bool one : {false, true}) {
    auto c = feed_all(Side::kRequests, s, one);
    ASSERT_EQ(c.frames.size(), std::size(pdus)) << (c.reasons.empty() ? "" : c.reasons[0]);
    for (std::size_t i = 0; i < std::size(pdus); ++i) {
      auto want = from_hex(pdus[i]);
      want.insert(want.begin(), 7);
      EXPECT_EQ(c.frames[i], to_hex(want));
    }
    EXPECT_TRUE(c.dropped.empty());
  }
}

TEST(RtuFramer, ResponsesOfEveryLengthRule) {
  std::vector<std::uint8_t> s;
  const char* pdus[] = {"03 04 0001 0002", "01 01 05", "83 02", "05 0001 FF00", "10 0001 0002",
                        "18 0006 0002 007B 01C8", "2B 0E 01 01 00 00 02 00 02 41 42 01 01 43",
                        "0C 08 0000 0007 000C 0C 0E", "08 0000 AB", "07 23", "0B 0000 007B"};
  for (auto p : pdus) {
    auto f = rtu(0x11, p);
    s.insert(s.end(), f.begin(), f.end());
  }
  auto c = feed_all(Side::kResponses, s, true);
  ASSERT_EQ(c.frames.size(), std::size(pdus));
  EXPECT_TRUE(c.dropped.empty());
}

TEST(RtuFramer, ResynchronisesAfterNoiseAndReportsIt) {
  auto a = rtu(1, "03 0000 0002");
  auto b = rtu(2, "06 0001 0003");
  std::vector<std::uint8_t> s = {0xFF, 0x00, 0x13};  // line noise
  s.insert(s.end(), a.begin(), a.end());
  s.insert(s.end(), b.begin(), b.end());
  for (bool one : {false, true}) {
    auto c = feed_all(Side::kRequests, s, one);
    ASSERT_EQ(c.frames.size(), 2u);
    EXPECT_EQ(c.frames[0], "01030000" "0002");
    EXPECT_EQ(c.frames[1], "0206000100" "03");
    ASSERT_EQ(c.dropped.size(), 1u);
    EXPECT_EQ(c.dropped[0], "FF0013");
  }
}

TEST(RtuFramer, WrongCrcIsDroppedAndTheNextFrameKept) {
  auto a = rtu(1, "03 0000 0002");
  a.back() ^= 0x55;
  auto b = rtu(1, "03 0010 0001");
  std::vector<std::uint8_t> s = a;
  s.insert(s.end(), b.begin(), b.end());
  auto c = feed_all(Side::kRequests, s, false);
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(c.frames[0], "0103001000" "01");
  // The bad frame is dropped in runs (the framer waits where a length is plausible) that
  // together are exactly its bytes; the first run names the CRC.
  std::string all;
  for (const auto& d : c.dropped) all += d;
  EXPECT_EQ(all, to_hex(a));
  ASSERT_FALSE(c.reasons.empty());
  EXPECT_EQ(c.reasons[0], "CRC mismatch");
}

TEST(RtuFramer, TruncatedFrameDroppedAtSilence) {
  auto a = rtu(1, "10 0001 0002 04 0001 0002");
  RtuFramer f(Side::kRequests);
  f.feed(std::span(a).first(6));
  Collected c;
  drain(f, c);
  EXPECT_TRUE(c.frames.empty());
  EXPECT_TRUE(c.dropped.empty());
  f.on_silence();
  drain(f, c);
  ASSERT_EQ(c.dropped.size(), 1u);
  EXPECT_EQ(c.dropped[0], to_hex(std::vector<std::uint8_t>(a.begin(), a.begin() + 6)));
  EXPECT_EQ(c.reasons[0], "truncated frame");
  EXPECT_EQ(f.dropped_bytes(), 6u);
  // The next frame after the silence is found.
  auto b = rtu(1, "03 0000 0001");
  f.feed(b);
  drain(f, c);
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(f.frames(), 1u);
}

TEST(RtuFramer, FrameBehindABogusLengthIsRecoveredAtSilence) {
  // Noise 0x01 0x10 ... looks like a write-multiple header with a byte count of 0xF0.
  std::vector<std::uint8_t> s = {0x01, 0x10, 0x00, 0x00, 0x00, 0x78, 0xF0};
  auto a = rtu(1, "03 0000 0002");
  s.insert(s.end(), a.begin(), a.end());
  auto c = feed_all(Side::kRequests, s, true);
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(c.frames[0], "0103000000" "02");
  ASSERT_EQ(c.dropped.size(), 1u);
  EXPECT_EQ(c.dropped[0], "01100000007" "8F0");
}

TEST(RtuFramer, StreamOffsetsAndReset) {
  auto a = rtu(1, "03 0000 0002");
  RtuFramer f(Side::kRequests);
  const std::uint8_t junk[] = {0xAA};
  f.feed(junk);
  f.feed(a);
  auto e1 = f.next();
  ASSERT_EQ(e1.kind, RtuFramer::Event::kDropped);
  EXPECT_EQ(e1.stream_offset, 0u);
  auto e2 = f.next();
  ASSERT_EQ(e2.kind, RtuFramer::Event::kFrame);
  EXPECT_EQ(e2.stream_offset, 1u);
  EXPECT_EQ(e2.adu.size(), a.size());
  f.feed(std::span(a).first(3));
  EXPECT_EQ(f.buffered(), 3u);
  f.reset();
  EXPECT_EQ(f.buffered(), 0u);
  f.feed(a);
  auto e3 = f.next();
  ASSERT_EQ(e3.kind, RtuFramer::Event::kFrame);
  EXPECT_EQ(e3.stream_offset, 1u + a.size() + 3u);
}

TEST(RtuFramer, BoundedBuffer) {
  RtuFramer f(Side::kRequests);
  std::vector<std::uint8_t> lots(5000, 0x55);
  std::size_t fed = 0;
  std::uint64_t dropped = 0;
  int rounds = 0;
  while (fed < lots.size() && rounds++ < 100) {
    fed += f.feed(std::span(lots).subspan(fed));
    for (auto e = f.next(); e.kind != RtuFramer::Event::kNeedMore; e = f.next()) {
      if (e.kind == RtuFramer::Event::kDropped) dropped += e.adu.size();
    }
  }
  f.on_silence();
  for (auto e = f.next(); e.kind != RtuFramer::Event::kNeedMore; e = f.next()) {
    if (e.kind == RtuFramer::Event::kDropped) dropped += e.adu.size();
  }
  EXPECT_EQ(fed, lots.size());
  EXPECT_EQ(dropped, lots.size());
  EXPECT_EQ(f.frames(), 0u);
}

TEST(RtuLength, Rules) {
  EXPECT_EQ(rtu_pdu_length(from_hex("03"), Side::kRequests).bytes, 5u);
  EXPECT_EQ(rtu_pdu_length(from_hex("03"), Side::kResponses).kind, PduLength::kNeedMore);
  EXPECT_EQ(rtu_pdu_length(from_hex("03 10"), Side::kResponses).bytes, 18u);
  EXPECT_EQ(rtu_pdu_length(from_hex("83"), Side::kResponses).bytes, 2u);
  EXPECT_EQ(rtu_pdu_length(from_hex("08 0000"), Side::kRequests).kind, PduLength::kUnknown);
  EXPECT_EQ(rtu_pdu_length(from_hex("08 000B"), Side::kRequests).bytes, 5u);
  EXPECT_EQ(rtu_pdu_length(from_hex("55"), Side::kRequests).kind, PduLength::kUnknown);
}

}  // namespace
}  // namespace emscore::modbus

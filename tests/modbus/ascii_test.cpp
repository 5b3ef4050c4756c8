#include "emscore/modbus/ascii.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "emscore/core/strings.hpp"
#include "emscore/modbus/pdu.hpp"
#include "test_util.hpp"

namespace emscore::modbus {
namespace {

using testing::from_hex;
using ::testing::HasSubstr;
using testing::to_hex;

std::string msg(const absl::Status& s) { return std::string(to_std(s.message())); }

std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }
std::string text_of(std::span<const std::uint8_t> b) { return {b.begin(), b.end()}; }

struct Collected {
  std::vector<std::string> frames;   // hex of address+PDU
  std::vector<std::string> dropped;  // the dropped characters
  std::vector<std::string> reasons;
  std::vector<std::uint64_t> offsets;  // of every event, in order
};

void drain(AsciiFramer& f, Collected& c) {
  for (auto e = f.next(); e.kind != AsciiFramer::Event::kNeedMore; e = f.next()) {
    c.offsets.push_back(e.stream_offset);
    if (e.kind == AsciiFramer::Event::kFrame) {
      std::vector<std::uint8_t> b{e.frame.address};
      b.insert(b.end(), e.frame.pdu.begin(), e.frame.pdu.end());
      c.frames.push_back(to_hex(b));
    } else {
      c.dropped.push_back(text_of(e.adu));
      c.reasons.emplace_back(e.reason);
    }
  }
}

Collected feed_all(std::string_view text, bool byte_by_byte, bool silence_at_end = false) {
  AsciiFramer f;
  Collected c;
  const auto bytes = bytes_of(text);
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

// Joins consecutive drops (byte-by-byte feeding reports noise as it arrives).
std::string all_dropped(const Collected& c) {
  std::string s;
  for (const auto& d : c.dropped) s += d;
  return s;
}

// Modbus over Serial Line V1.02 §6.2.1: the LRC is the two's complement of the 8-bit sum of
// the address and PDU bytes, carries discarded.
TEST(AsciiLrc, SpecDefinition) {
  // Read holding registers 108..110 (40108 in 1-based references) of device 17:
  // 0x11 + 0x03 + 0x6B + 0x03 = 0x82, two's complement 0x7E.
  EXPECT_EQ(lrc(from_hex("1103006B0003")), 0x7E);
  // Read 10 registers at 0 of device 1: sum 0x0E -> 0xF2.
  EXPECT_EQ(lrc(from_hex("01030000000A")), 0xF2);
  // Carries are dropped: 0xFF + 0x03 + ... (pymodbus vector :FF03007C000280).
  EXPECT_EQ(lrc(from_hex("FF03007C0002")), 0x80);
  // The sum of all bytes including the LRC is 0 mod 256; an empty message has LRC 0.
  const auto m = from_hex("110304008D008E");
  EXPECT_EQ(static_cast<std::uint8_t>(lrc(m) + 0x11 + 0x03 + 0x04 + 0x00 + 0x8D + 0x00 + 0x8E), 0);
  EXPECT_EQ(lrc({}), 0);
}

TEST(AsciiAdu, EncodesTheSpecFrame) {
  // §2.5.2: ':' + hex pairs (high nibble first, upper case) + LRC + CR LF.
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(encode_ascii(0x11, from_hex("03006B0003"), out).ok());
  EXPECT_EQ(text_of(out), ":1103006B00037E\r\n");
  std::array<std::uint8_t, 17> exact{};
  auto n = encode_ascii(0x11, from_hex("03006B0003"), exact);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 17u);
  std::array<std::uint8_t, 16> small{};
  EXPECT_THAT(msg(encode_ascii(0x11, from_hex("03006B0003"), small).status()),
              HasSubstr("17 characters"));
  EXPECT_FALSE(encode_ascii(1, {}, out).ok());
  std::vector<std::uint8_t> big(kMaxPduSize + 1, 3);
  EXPECT_FALSE(encode_ascii(1, big, out).ok());
  // The longest PDU gives the longest frame the spec allows: 513 characters.
  std::vector<std::uint8_t> longest(kMaxPduSize, 0xAB);
  out.clear();
  ASSERT_TRUE(encode_ascii(1, longest, out).ok());
  EXPECT_EQ(out.size(), kMaxAsciiAduSize);
}

TEST(AsciiAdu, DecodesAndChecks) {
  std::array<std::uint8_t, 256> scratch{};
  auto d = decode_ascii(bytes_of(":1103006B00037E\r\n"), scratch);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->address, 0x11);
  EXPECT_EQ(to_hex({d->pdu.begin(), d->pdu.end()}), "03006B0003");
  // Lower case and 8-bit characters (parity bit read as data) are accepted.
  auto lower = decode_ascii(bytes_of(":1103006b00037e\r\n"), scratch);
  ASSERT_TRUE(lower.ok());
  auto high = bytes_of(":1103006B00037E\r\n");
  for (auto& b : high) b |= 0x80;
  ASSERT_TRUE(decode_ascii(high, scratch).ok());
  EXPECT_THAT(msg(decode_ascii(bytes_of(":1103006B00037F\r\n"), scratch).status()),
              HasSubstr("at offset 13: LRC 0x7F, computed 0x7E"));
  EXPECT_THAT(msg(decode_ascii(bytes_of("11103006B00037E\r\n"), scratch).status()),
              HasSubstr("expected ':'"));
  EXPECT_THAT(msg(decode_ascii(bytes_of(":1103006B00037E\r\r"), scratch).status()),
              HasSubstr("expected CR LF"));
  EXPECT_THAT(msg(decode_ascii(bytes_of(":1103006B0G037E\r\n"), scratch).status()),
              HasSubstr("at offset 10: character 0x47, expected a hex digit"));
  EXPECT_THAT(msg(decode_ascii(bytes_of(":1103006B00037\r\n"), scratch).status()),
              HasSubstr("13 hex digits"));
  EXPECT_THAT(msg(decode_ascii(bytes_of(":11037\r\n"), scratch).status()), HasSubstr("truncated"));
  std::array<std::uint8_t, 3> tiny{};
  EXPECT_FALSE(decode_ascii(bytes_of(":1103006B00037E\r\n"), tiny).ok());
}

TEST(AsciiConformance, PymodbusFramerVectors) {
  const auto doc =
      testing::load_json(std::string(EMSCORE_VECTORS_DIR) + "/modbus/framer_adu_decode.json");
  int n = 0;
  for (const auto& v : doc.at("frames").as_array()) {
    if (v.at("framer").as_string() != "ASCII") continue;
    ++n;
    const std::string text(v.at("adu_ascii").as_string().c_str());
    auto expect = from_hex(v.at("pdu_hex").as_string().c_str());
    expect.insert(expect.begin(), static_cast<std::uint8_t>(v.at("dev_id").as_int64()));
    for (bool one : {false, true}) {
      auto c = feed_all(text, one);
      ASSERT_EQ(c.frames.size(), 1u) << text;
      EXPECT_EQ(c.frames[0], to_hex(expect));
      EXPECT_TRUE(c.dropped.empty());
    }
    std::array<std::uint8_t, 256> scratch{};
    auto d = decode_ascii(bytes_of(text), scratch);
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ(d->address, v.at("dev_id").as_int64());
    // Our encoder produces the same characters.
    std::vector<std::uint8_t> again;
    ASSERT_TRUE(encode_ascii(d->address, d->pdu, again).ok());
    EXPECT_EQ(text_of(again), text);
    // And the PDU is one the PDU codec accepts in the direction pymodbus decoded it.
    const bool request = v.at("is_server_side_decoding").as_bool();
    EXPECT_TRUE(request ? decode_request(d->pdu).ok() : decode_response(d->pdu).ok()) << text;
  }
  EXPECT_EQ(n, 9);
}

TEST(AsciiFramer, SeveralFramesInOneRead) {
  for (bool one : {false, true}) {
    auto c = feed_all(":1103006B00037E\r\n:0083027B\r\n:FF83027C\r\n", one);
    EXPECT_THAT(c.frames, ::testing::ElementsAre("1103006B0003", "008302", "FF8302"));
    EXPECT_TRUE(c.dropped.empty());
    EXPECT_THAT(c.offsets, ::testing::ElementsAre(0u, 17u, 28u));
  }
}

TEST(AsciiFramer, ResynchronisesOnColonAndReportsNoise) {
  for (bool one : {false, true}) {
    // Noise before the frame, a frame cut short by a new ':', a frame with a bad LRC, noise,
    // and a good frame after all that.
    const std::string text =
        std::string("xx\r\n") + ":1103006B" + ":1103006B00037F\r\n" + "zz" + ":1103006B00037E\r\n";
    auto c = feed_all(text, one);
    EXPECT_THAT(c.frames, ::testing::ElementsAre("1103006B0003"));
    EXPECT_EQ(all_dropped(c), "xx\r\n:1103006B:1103006B00037F\r\nzz");
    EXPECT_THAT(c.reasons, ::testing::Contains(HasSubstr("interrupted by ':'")));
    EXPECT_THAT(c.reasons, ::testing::Contains("LRC mismatch"));
    EXPECT_THAT(c.reasons, ::testing::Contains(HasSubstr("noise outside a frame")));
  }
}

TEST(AsciiFramer, RejectsMalformedFrames) {
  struct Case {
    std::string text;
    std::string reason;
  };
  const Case cases[] = {
      {":1103006B0G037E\r\n", "not a hex digit"},
      {":1103006B00037\r\n", "odd number of hex digits"},
      {":11\r\n", "shorter than address + function + LRC"},
      {":1103006B00037E\rX", "CR not followed by LF"},
      {":1103006B00037E\r\r", "CR not followed by LF"},
  };
  for (const auto& k : cases) {
    auto c = feed_all(k.text + ":0083027B\r\n", false);
    EXPECT_THAT(c.frames, ::testing::ElementsAre("008302")) << k.text;
    ASSERT_FALSE(c.reasons.empty()) << k.text;
    EXPECT_THAT(c.reasons[0], HasSubstr(k.reason)) << k.text;
    // Every character of the bad frame is reported as dropped, nothing of the good one.
    EXPECT_EQ(all_dropped(c), k.text);
  }
  // 514 characters without an end: too long, dropped, and the next frame still decodes.
  std::string longer(":");
  longer += std::string(514, 'A');
  auto c = feed_all(longer + "\r\n:0083027B\r\n", false);
  EXPECT_THAT(c.frames, ::testing::ElementsAre("008302"));
  EXPECT_THAT(c.reasons[0], HasSubstr("longer than 513"));
}

TEST(AsciiFramer, SevenBitTolerant) {
  // A line opened with 8 data bits while the device sends 7E1: the parity bit arrives as
  // bit 7 of some characters.
  std::vector<std::uint8_t> text = bytes_of(":1103006B00037E\r\n");
  for (std::size_t i = 0; i < text.size(); i += 2) text[i] |= 0x80;
  AsciiFramer f;
  ASSERT_EQ(f.feed(text), text.size());
  auto e = f.next();
  ASSERT_EQ(e.kind, AsciiFramer::Event::kFrame);
  EXPECT_EQ(e.frame.address, 0x11);
  EXPECT_EQ(e.adu.size(), text.size());
  EXPECT_EQ(f.next().kind, AsciiFramer::Event::kNeedMore);
}

TEST(AsciiFramer, SilenceEndsAPartialFrame) {
  // A frame may pause between characters (up to 1 s by default): no silence, no drop.
  AsciiFramer f;
  auto part = bytes_of(":1103006B");
  f.feed(part);
  EXPECT_EQ(f.next().kind, AsciiFramer::Event::kNeedMore);
  EXPECT_EQ(f.buffered(), part.size());
  f.on_silence();
  auto e = f.next();
  ASSERT_EQ(e.kind, AsciiFramer::Event::kDropped);
  EXPECT_EQ(text_of(e.adu), ":1103006B");
  EXPECT_THAT(std::string(e.reason), HasSubstr("inter-character timeout"));
  EXPECT_EQ(f.buffered(), 0u);
  EXPECT_EQ(f.dropped_bytes(), part.size());
  // The rest of that frame arriving late is noise, and the next frame decodes.
  auto rest = bytes_of("00037E\r\n:0083027B\r\n");
  f.feed(rest);
  e = f.next();
  ASSERT_EQ(e.kind, AsciiFramer::Event::kDropped);
  EXPECT_EQ(text_of(e.adu), "00037E\r\n");
  EXPECT_EQ(e.stream_offset, 9u);
  e = f.next();
  ASSERT_EQ(e.kind, AsciiFramer::Event::kFrame);
  EXPECT_EQ(e.stream_offset, 17u);
  EXPECT_EQ(f.frames(), 1u);
}

TEST(AsciiFramer, ResetForgetsAndKeepsOffsets) {
  AsciiFramer f;
  auto part = bytes_of(":1103");
  f.feed(part);
  EXPECT_EQ(f.next().kind, AsciiFramer::Event::kNeedMore);
  f.reset();
  EXPECT_EQ(f.buffered(), 0u);
  auto good = bytes_of(":0083027B\r\n");
  f.feed(good);
  auto e = f.next();
  ASSERT_EQ(e.kind, AsciiFramer::Event::kFrame);
  EXPECT_EQ(e.stream_offset, 5u);
}

TEST(AsciiFramer, FeedTakesWhatFitsAndDrainingMakesRoom) {
  // A stream of many frames fed in large chunks: feed() may take part, next() makes room.
  std::vector<std::uint8_t> stream;
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(encode_ascii(static_cast<std::uint8_t>(i), from_hex("03006B0003"), stream).ok());
  }
  AsciiFramer f;
  std::size_t at = 0;
  int frames = 0;
  while (at < stream.size()) {
    at += f.feed(std::span(stream).subspan(at));
    for (auto e = f.next(); e.kind != AsciiFramer::Event::kNeedMore; e = f.next()) {
      ASSERT_EQ(e.kind, AsciiFramer::Event::kFrame);
      EXPECT_EQ(e.frame.address, frames);
      ++frames;
    }
  }
  EXPECT_EQ(frames, 200);
}

}  // namespace
}  // namespace emscore::modbus

#include "emscore/dsmr/framer.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "emscore/core/crc.hpp"
#include "emscore/core/strings.hpp"
#include "../support/vectors.hpp"

namespace emscore::dsmr {
namespace {

std::string read_file(const std::string& rel) { return testing::read_vector("dsmr/" + rel); }

// A flat record of an event, comparable across chunkings.
struct Ev {
  FrameEvent::Kind kind;
  std::uint64_t offset;
  std::uint64_t length;
  std::string telegram;
  CrcStatus crc;
  std::string error;
  bool operator==(const Ev&) const = default;
};

std::vector<Ev> run(std::string_view stream, std::size_t chunk, bool finish = true,
                    FramerOptions opts = {}) {
  TelegramFramer f(opts);
  std::vector<Ev> out;
  auto cb = [&](const FrameEvent& e) {
    out.push_back(Ev{e.kind, e.offset, e.length,
                     std::string(reinterpret_cast<const char*>(e.telegram.data()),
                                 e.telegram.size()),
                     e.crc, std::string(to_std(e.error.message()))});
  };
  for (std::size_t i = 0; i < stream.size(); i += chunk) {
    f.feed(stream.substr(i, chunk), cb);
  }
  if (finish) f.finish(cb);
  return out;
}

std::vector<Ev> telegrams(const std::vector<Ev>& evs) {
  std::vector<Ev> t;
  for (const auto& e : evs) {
    if (e.kind == FrameEvent::Kind::kTelegram) t.push_back(e);
  }
  return t;
}

TEST(Framer, CorrectCrcMixedCaseHex) {
  // esphome framing/packet_with_correct_crc: "!1e1D" — lower-case hex digits are accepted.
  const auto evs = run(read_file("esphome-libs_dsmr_parser/framing/packet_with_correct_crc.txt"), 1);
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].kind, FrameEvent::Kind::kTelegram);
  EXPECT_EQ(evs[0].crc, CrcStatus::kOk);
  EXPECT_EQ(evs[0].offset, 0u);
  EXPECT_TRUE(evs[0].telegram.starts_with("/KFM5KAIFA-METER\r\n"));
  EXPECT_TRUE(evs[0].telegram.ends_with("!1e1D"));
}

TEST(Framer, UpperCaseCrcAtEndOfStream) {
  const auto evs = run("/some !A3D4", 1);
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].crc, CrcStatus::kOk);
}

TEST(Framer, IncorrectCrcIsReportedWithOffsets) {
  const auto evs = run("xx/some data!0000\r\n", 1);
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[0].kind, FrameEvent::Kind::kNoise);
  EXPECT_EQ(evs[0].offset, 0u);
  EXPECT_EQ(evs[0].length, 2u);
  EXPECT_EQ(evs[1].kind, FrameEvent::Kind::kTelegram);
  EXPECT_EQ(evs[1].crc, CrcStatus::kMismatch);
  EXPECT_EQ(evs[1].offset, 2u);
  EXPECT_EQ(evs[1].error, "dsmr: telegram at offset 2: CRC at offset 13 is 0x0000, computed 0x73B2");
}

TEST(Framer, InvalidCrcCharacter) {
  const auto evs = run("/some data!G000", 1);
  ASSERT_GE(evs.size(), 1u);
  EXPECT_EQ(evs[0].kind, FrameEvent::Kind::kError);
  EXPECT_EQ(evs[0].error,
            "dsmr: telegram at offset 0: CRC character 'G' at offset 11, expected a hex digit or "
            "CR LF");
  EXPECT_TRUE(telegrams(evs).empty());
}

TEST(Framer, TelegramWithoutCrc) {
  // DSMR 2.2/3.0: "!" CR LF.
  auto evs = run("/ISk5\\2MT382-1004\r\n\r\n1-0:1.8.1(00001.001*kWh)\r\n!\r\n", 3);
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].crc, CrcStatus::kAbsent);
  EXPECT_TRUE(evs[0].telegram.ends_with(")\r\n!"));
  // "!" at the very end of the stream: delivered by finish().
  evs = run("/some data!", 1);
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].crc, CrcStatus::kAbsent);
  EXPECT_EQ(evs[0].telegram, "/some data!");
  // Without finish() it waits for the CRC.
  EXPECT_TRUE(run("/some data!", 1, false).empty());
}

TEST(Framer, IncompleteCrcAtEndOfStream) {
  const auto evs = run("/some !a3", 1);
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].kind, FrameEvent::Kind::kError);
  EXPECT_EQ(evs[0].error,
            "dsmr: telegram at offset 0: CRC truncated at offset 9 after 2 hex digits, expected 4");
}

TEST(Framer, StartSymbolDuringCrcResynchronises) {
  // esphome start_symbol_during_crc_accumulation_resets_state: "/some !a3/some !a3D4".
  const auto evs =
      run(read_file("esphome-libs_dsmr_parser/framing/start_symbol_during_crc_accumulation_resets_state.txt"), 1);
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[0].kind, FrameEvent::Kind::kError);
  EXPECT_EQ(evs[1].kind, FrameEvent::Kind::kTelegram);
  EXPECT_EQ(evs[1].crc, CrcStatus::kOk);
  EXPECT_EQ(evs[1].offset, 9u);
}

TEST(Framer, TruncatedTelegramThenNext) {
  const std::string s = "/KFM5 cut here 1-0:1.8.1(0001/some !A3D4";
  const auto evs = run(s, 1);
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[0].kind, FrameEvent::Kind::kError);
  EXPECT_EQ(evs[0].offset, 0u);
  EXPECT_EQ(evs[0].length, 29u);
  EXPECT_EQ(evs[0].error,
            "dsmr: telegram at offset 0: truncated, a new '/' at offset 29 before the end '!'");
  EXPECT_EQ(evs[1].offset, 29u);
  EXPECT_EQ(evs[1].crc, CrcStatus::kOk);
}

TEST(Framer, OnlyGarbage) {
  const auto evs = run(read_file("esphome-libs_dsmr_parser/framing/only_garbage_data_produces_no_packet.txt"), 1);
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].kind, FrameEvent::Kind::kNoise);
  EXPECT_EQ(evs[0].offset, 0u);
  EXPECT_GT(evs[0].length, 10u);
}

TEST(Framer, LineEndsBetweenTelegramsAreNotNoise) {
  const auto evs = run("\r\n/some !A3D4\r\n\r\n/some !A3D4\r\n", 5);
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[0].kind, FrameEvent::Kind::kTelegram);
  EXPECT_EQ(evs[1].kind, FrameEvent::Kind::kTelegram);
}

TEST(Framer, DifferentPacketsCrcCheck) {
  // esphome parse_data_with_different_packets_crc_check: of the 7 '/'-started candidates, 3 end
  // with the right CRC a3D4 (case-insensitive), one has a wrong CRC (a3D3), one is cut by
  // "/some", one has a 'G' in its CRC and one is cut by "/garbage".
  const auto evs = run(
      read_file("esphome-libs_dsmr_parser/framing/parse_data_with_different_packets_crc_check.txt"), 1);
  int ok = 0, mismatch = 0, errors = 0;
  for (const auto& e : evs) {
    if (e.kind == FrameEvent::Kind::kTelegram && e.crc == CrcStatus::kOk) ++ok;
    if (e.kind == FrameEvent::Kind::kTelegram && e.crc == CrcStatus::kMismatch) ++mismatch;
    if (e.kind == FrameEvent::Kind::kError) ++errors;
  }
  EXPECT_EQ(ok, 4);
  EXPECT_EQ(mismatch, 1);
  EXPECT_EQ(errors, 3);
}

TEST(Framer, OverflowDiscardsAndResynchronises) {
  FramerOptions opts;
  opts.max_telegram_bytes = 64;
  std::string s = "/" + std::string(100, 'x') + "/some !A3D4";
  const auto evs = run(s, 7, true, opts);
  ASSERT_EQ(evs.size(), 3u);
  EXPECT_EQ(evs[0].kind, FrameEvent::Kind::kError);
  EXPECT_EQ(evs[0].length, 64u);
  EXPECT_EQ(evs[1].kind, FrameEvent::Kind::kNoise);
  EXPECT_EQ(evs[1].offset, 64u);
  EXPECT_EQ(evs[1].length, 37u);
  EXPECT_EQ(evs[2].crc, CrcStatus::kOk);
  EXPECT_EQ(evs[2].offset, 101u);
}

TEST(Framer, UnpaddedCrcIsAccepted) {
  // A heat meter sending "!B9F" for 0x0B9F (ndokter telegram_unpadded_crc).
  const auto evs = run(read_file("ndokter_dsmr_parser/telegram_unpadded_crc.txt"), 1);
  const auto t = telegrams(evs);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].crc, CrcStatus::kOk);
}

std::string capture_crlf() {
  // The capture is stored LF-only in git; the meter sent CR LF.
  const std::string lf = read_file("nielsbasjes_dsmr-tools/stream/ttyUSB0-raw.txt");
  std::string s;
  s.reserve(lf.size() + lf.size() / 20);
  for (char c : lf) {
    if (c == '\n') s += '\r';
    s += c;
  }
  return s;
}

TEST(Framer, RealSerialCapture566Telegrams) {
  const std::string s = capture_crlf();
  const auto evs = run(s, 4096);
  int ok = 0;
  int other = 0;
  for (const auto& e : evs) {
    if (e.kind == FrameEvent::Kind::kTelegram && e.crc == CrcStatus::kOk) {
      ++ok;
    } else {
      ++other;
    }
  }
  EXPECT_EQ(ok, 566);
  // The capture starts in the middle of a telegram: that tail is the only noise.
  EXPECT_EQ(other, 1);
  EXPECT_EQ(evs.front().kind, FrameEvent::Kind::kNoise);
  EXPECT_EQ(evs.front().offset, 0u);
}

TEST(Framer, LfOnlyCopiesValidateWithCrRestored) {
  // The capture as stored in git (CRs stripped): every CRC still matches the content the meter
  // signed once CR is put back before LF; the event says so.
  const std::string lf = read_file("nielsbasjes_dsmr-tools/stream/ttyUSB0-raw.txt");
  TelegramFramer f;
  int ok = 0, restored = 0, other = 0;
  auto cb = [&](const FrameEvent& e) {
    if (e.kind == FrameEvent::Kind::kTelegram && e.crc == CrcStatus::kOk) {
      ++ok;
      restored += e.crc_after_crlf_restore;
    } else if (e.kind != FrameEvent::Kind::kNoise) {
      ++other;
    }
  };
  f.feed(lf, cb);
  f.finish(cb);
  EXPECT_EQ(ok, 566);
  EXPECT_EQ(restored, 566);
  EXPECT_EQ(other, 0);
  // A real corruption is still a mismatch, with or without CRs.
  std::string bad = "/ABC5\n\n1-0:1.8.1(000001.000*kWh)\n!";
  std::string crlf = "/ABC5\r\n\r\n1-0:1.8.1(000001.000*kWh)\r\n!";
  bad += hex(crc16_arc(crlf), 4).substr(2);
  bad[12] = '9';
  const auto evs = run(bad + "\n", 1);
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].crc, CrcStatus::kMismatch);
  EXPECT_FALSE(crc_with_crlf_restored(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(crlf.data()), crlf.size())).has_value());
}

TEST(Framer, ChunkingPropertyRandomSplits) {
  // Any chunking gives the same events: the capture plus noise, cuts and bad CRCs.
  std::string s = capture_crlf().substr(0, 60000);
  s += "garbage/some !A3D4/cut/some data!0000\r\n/x!G/some !a3";
  const auto whole = run(s, s.size());
  ASSERT_GT(whole.size(), 70u);
  EXPECT_EQ(run(s, 1), whole);
  std::mt19937 rng(12345);
  for (int round = 0; round < 20; ++round) {
    TelegramFramer f;
    std::vector<Ev> out;
    auto cb = [&](const FrameEvent& e) {
      out.push_back(Ev{e.kind, e.offset, e.length,
                       std::string(reinterpret_cast<const char*>(e.telegram.data()),
                                   e.telegram.size()),
                       e.crc, std::string(to_std(e.error.message()))});
    };
    std::size_t i = 0;
    while (i < s.size()) {
      const std::size_t n = std::uniform_int_distribution<std::size_t>(0, 3000)(rng);
      f.feed(std::string_view(s).substr(i, n), cb);
      i += n;
    }
    f.finish(cb);
    ASSERT_EQ(out, whole) << "round " << round;
  }
}

TEST(Framer, OffsetsContinueAcrossFeeds) {
  TelegramFramer f;
  std::vector<std::uint64_t> offsets;
  auto cb = [&](const FrameEvent& e) { offsets.push_back(e.offset); };
  f.feed("/some !A3D4\r\n", cb);
  f.feed("/some !A3D4\r\n", cb);
  EXPECT_EQ(f.offset(), 26u);
  ASSERT_EQ(offsets.size(), 2u);
  EXPECT_EQ(offsets[1], 13u);
  f.reset();
  EXPECT_EQ(f.offset(), 0u);
}

TEST(Framer, CrcStatusNames) {
  EXPECT_EQ(crc_status_name(CrcStatus::kOk), "ok");
  EXPECT_EQ(crc_status_name(CrcStatus::kAbsent), "absent");
  EXPECT_EQ(crc_status_name(CrcStatus::kMismatch), "mismatch");
}

}  // namespace
}  // namespace emscore::dsmr

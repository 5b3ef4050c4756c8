#include "emscore/modbus/tcp.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "emscore/core/strings.hpp"
#include "test_util.hpp"

namespace emscore::modbus {
namespace {

using testing::from_hex;
using testing::to_hex;
using ::testing::HasSubstr;

std::string msg(const absl::Status& s) { return std::string(to_std(s.message())); }

TEST(TcpConformance, PymodbusSocketAndTlsVectors) {
  const auto doc = testing::load_json(std::string(EMSCORE_VECTORS_DIR) + "/modbus/framer_adu_decode.json");
  int n = 0;
  for (const auto& v : doc.at("frames").as_array()) {
    const auto framer = v.at("framer").as_string();
    // ASCII framing is not implemented (docs/modbus.md); TLS carries the same MBAP ADUs.
    if (framer != "SOCKET" && framer != "TLS") continue;
    ++n;
    const auto adu = from_hex(v.at("adu_hex").as_string().c_str());
    auto d = decode_tcp(adu);
    ASSERT_TRUE(d.ok()) << msg(d.status());
    EXPECT_EQ(d->transaction_id, v.at("transaction_id").as_int64());
    EXPECT_EQ(d->unit_id, v.at("dev_id").as_int64());
    EXPECT_EQ(to_hex(std::vector<std::uint8_t>(d->pdu.begin(), d->pdu.end())),
              v.at("pdu_hex").as_string().c_str());
    std::vector<std::uint8_t> again;
    ASSERT_TRUE(encode_tcp(d->transaction_id, d->unit_id, d->pdu, again).ok());
    EXPECT_EQ(to_hex(again), to_hex(adu));
    TcpFramer f;
    for (auto b : adu) f.feed(std::span(&b, 1));
    auto e = f.next();
    ASSERT_EQ(e.kind, TcpFramer::Event::kFrame);
    EXPECT_EQ(e.frame.transaction_id, d->transaction_id);
    EXPECT_EQ(f.next().kind, TcpFramer::Event::kNeedMore);
  }
  EXPECT_EQ(n, 21);
}

TEST(TcpHeader, Checks) {
  auto bad_pid = decode_mbap(from_hex("0001 0001 0006 01"));
  ASSERT_FALSE(bad_pid.ok());
  EXPECT_EQ(msg(bad_pid.status()), "modbus: MBAP header at offset 2: protocol id 1, expected 0");
  auto bad_len = decode_mbap(from_hex("0001 0000 0100 01"));
  ASSERT_FALSE(bad_len.ok());
  EXPECT_THAT(msg(bad_len.status()), HasSubstr("length 256, expected 2..254"));
  EXPECT_FALSE(decode_mbap(from_hex("0001 0000 0001 01")).ok());
  EXPECT_FALSE(decode_mbap(from_hex("0001 0000 00")).ok());
  EXPECT_FALSE(decode_tcp(from_hex("0001 0000 0006 01 03 0000 00")).ok());      // short
  EXPECT_FALSE(decode_tcp(from_hex("0001 0000 0006 01 03 0000 0001 FF")).ok()); // long
  std::vector<std::uint8_t> out;
  EXPECT_FALSE(encode_tcp(1, 1, {}, out).ok());
  std::uint8_t small[8];
  EXPECT_EQ(encode_tcp(1, 1, from_hex("03 0000 0001"), std::span(small)).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(TcpFramer, PipelinedRequestsAndSplitReads) {
  std::vector<std::uint8_t> s;
  for (std::uint16_t tid = 1; tid <= 20; ++tid) {
    ASSERT_TRUE(encode_tcp(tid, 9, from_hex("03 0000 007D"), s).ok());
  }
  TcpFramer f;
  std::size_t at = 0;
  std::uint16_t next_tid = 1;
  while (at < s.size()) {
    const std::size_t n = std::min<std::size_t>(5, s.size() - at);
    ASSERT_EQ(f.feed(std::span(s).subspan(at, n)), n);
    at += n;
    for (auto e = f.next(); e.kind == TcpFramer::Event::kFrame; e = f.next()) {
      EXPECT_EQ(e.frame.transaction_id, next_tid++);
      EXPECT_EQ(e.frame.unit_id, 9);
      EXPECT_EQ(e.frame.pdu.size(), 5u);
    }
  }
  EXPECT_EQ(next_tid, 21);
  EXPECT_EQ(f.buffered(), 0u);
}

TEST(TcpFramer, GarbageIsFinal) {
  TcpFramer f;
  const auto junk = from_hex("4745 5420 2F20 4854 5450");  // "GET / HTTP"
  f.feed(junk);
  auto e = f.next();
  ASSERT_EQ(e.kind, TcpFramer::Event::kError);
  EXPECT_THAT(msg(e.error), HasSubstr("MBAP header at offset 2: protocol id"));
  EXPECT_TRUE(f.failed());
  EXPECT_EQ(f.next().kind, TcpFramer::Event::kError);
}

TEST(TcpFramer, ErrorOffsetCountsTheWholeStream) {
  TcpFramer f;
  std::vector<std::uint8_t> s;
  ASSERT_TRUE(encode_tcp(1, 1, from_hex("03 0000 0001"), s).ok());
  const auto bad = from_hex("0002 0000 0000 01");
  s.insert(s.end(), bad.begin(), bad.end());
  f.feed(s);
  EXPECT_EQ(f.next().kind, TcpFramer::Event::kFrame);
  auto e = f.next();
  ASSERT_EQ(e.kind, TcpFramer::Event::kError);
  EXPECT_THAT(msg(e.error), HasSubstr("at offset 16: length 0"));
}

TEST(TcpFramer, PrepareCommit) {
  TcpFramer f;
  std::vector<std::uint8_t> s;
  ASSERT_TRUE(encode_tcp(7, 1, from_hex("06 0001 0003"), s).ok());
  auto room = f.prepare();
  ASSERT_GE(room.size(), s.size());
  std::copy(s.begin(), s.end(), room.begin());
  f.commit(s.size());
  auto e = f.next();
  ASSERT_EQ(e.kind, TcpFramer::Event::kFrame);
  EXPECT_EQ(e.frame.transaction_id, 7);
}

}  // namespace
}  // namespace emscore::modbus

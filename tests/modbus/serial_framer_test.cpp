#include "emscore/modbus/serial_framer.hpp"

#include <gtest/gtest.h>

#include <string>

#include "test_util.hpp"

namespace emscore::modbus {
namespace {

using testing::from_hex;
using testing::to_hex;

TEST(SerialMode, Names) {
  EXPECT_EQ(serial_mode_name(SerialMode::kRtu), "rtu");
  EXPECT_EQ(serial_mode_name(SerialMode::kAscii), "ascii");
  EXPECT_EQ(*parse_serial_mode("ascii"), SerialMode::kAscii);
  EXPECT_EQ(*parse_serial_mode("RTU"), SerialMode::kRtu);
  auto bad = parse_serial_mode("tcp");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("expected rtu or ascii"), std::string::npos);
}

// The same request through either mode comes out of the framer as the same address + PDU,
// after noise that each mode drops in its own way.
TEST(SerialFramer, BothModesRoundTrip) {
  const auto pdu = from_hex("03006B0003");
  for (SerialMode mode : {SerialMode::kRtu, SerialMode::kAscii}) {
    std::vector<std::uint8_t> wire{0x00, 0xFF};
    ASSERT_TRUE(encode_serial(mode, 0x11, pdu, wire).ok());
    SerialFramer f(mode, Side::kRequests);
    EXPECT_EQ(f.mode(), mode);
    EXPECT_EQ(f.feed(wire), wire.size());
    f.on_silence();
    std::vector<std::string> frames;
    std::size_t dropped = 0;
    for (auto e = f.next(); e.kind != SerialFramer::Event::kNeedMore; e = f.next()) {
      if (e.kind == SerialFramer::Event::kDropped) {
        dropped += e.adu.size();
        continue;
      }
      std::vector<std::uint8_t> b{e.frame.address};
      b.insert(b.end(), e.frame.pdu.begin(), e.frame.pdu.end());
      frames.push_back(to_hex(b));
    }
    ASSERT_EQ(frames.size(), 1u) << serial_mode_name(mode);
    EXPECT_EQ(frames[0], "1103006B0003");
    EXPECT_EQ(dropped, 2u);
    EXPECT_EQ(f.buffered(), 0u);
    f.feed(std::span(wire).first(5));
    EXPECT_GT(f.buffered(), 0u);
    f.reset();
    EXPECT_EQ(f.buffered(), 0u);
  }
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(encode_serial(SerialMode::kAscii, 0x11, pdu, out).ok());
  EXPECT_EQ(std::string(out.begin(), out.end()), ":1103006B00037E\r\n");
  out.clear();
  ASSERT_TRUE(encode_serial(SerialMode::kRtu, 0x11, pdu, out).ok());
  EXPECT_EQ(to_hex(out), "1103006B00037687");
}

}  // namespace
}  // namespace emscore::modbus

#include "emscore/mbus/request.hpp"

#include <gtest/gtest.h>

#include "emscore/core/strings.hpp"

#include <array>
#include <vector>

#include "emscore/mbus/telegram.hpp"

namespace emscore::mbus {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes enc(absl::StatusOr<std::size_t> n, const std::array<std::uint8_t, kMaxFrameSize>& buf) {
  EXPECT_TRUE(n.ok()) << n.status();
  return n.ok() ? Bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n)) : Bytes{};
}

TEST(Request, SndNkeAndReqUd2) {
  std::array<std::uint8_t, kMaxFrameSize> b{};
  EXPECT_EQ(enc(encode_snd_nke(b, 0x01), b), (Bytes{0x10, 0x40, 0x01, 0x41, 0x16}));
  EXPECT_EQ(enc(encode_req_ud2(b, 0x05, false), b), (Bytes{0x10, 0x5B, 0x05, 0x60, 0x16}));
  EXPECT_EQ(enc(encode_req_ud2(b, 0x05, true), b), (Bytes{0x10, 0x7B, 0x05, 0x80, 0x16}));
  EXPECT_EQ(enc(encode_req_ud1(b, 0xFD, true), b), (Bytes{0x10, 0x7A, 0xFD, 0x77, 0x16}));
}

TEST(Request, FcbTogglesPerAddressAndResetsAfterSndNke) {
  FcbState s;
  EXPECT_TRUE(s.current(5));
  s.toggle(5);
  EXPECT_FALSE(s.current(5));
  EXPECT_TRUE(s.current(6));  // other addresses untouched
  s.toggle(5);
  EXPECT_TRUE(s.current(5));
  s.toggle(5);
  s.reset(5);
  EXPECT_TRUE(s.current(5));
  s.toggle(7);
  s.reset_all();
  EXPECT_TRUE(s.current(7));
}

TEST(Request, ApplicationResetWithAndWithoutSubcode) {
  std::array<std::uint8_t, kMaxFrameSize> b{};
  EXPECT_EQ(enc(encode_application_reset(b, 0x03, false), b),
            (Bytes{0x68, 0x03, 0x03, 0x68, 0x53, 0x03, 0x50, 0xA6, 0x16}));
  EXPECT_EQ(enc(encode_application_reset(b, 0x03, true, 0x10), b),
            (Bytes{0x68, 0x04, 0x04, 0x68, 0x73, 0x03, 0x50, 0x10, 0xD6, 0x16}));
}

TEST(Request, SelectSecondaryWithWildcards) {
  std::array<std::uint8_t, kMaxFrameSize> b{};
  auto mask = SecondaryAddress::parse("12FFFFFF2D2CFFFF");
  ASSERT_TRUE(mask.ok()) << mask.status();
  const Bytes f = enc(encode_select_secondary(b, *mask), b);
  ASSERT_EQ(f.size(), 17u);
  EXPECT_EQ(Bytes(f.begin(), f.begin() + 7), (Bytes{0x68, 0x0B, 0x0B, 0x68, 0x53, 0xFD, 0x52}));
  // id LSB first: 12FFFFFF -> FF FF FF 12; manufacturer 2D 2C as printed; version, medium FF.
  EXPECT_EQ(Bytes(f.begin() + 7, f.begin() + 15),
            (Bytes{0xFF, 0xFF, 0xFF, 0x12, 0x2D, 0x2C, 0xFF, 0xFF}));
  EXPECT_TRUE(parse_frame(f).ok());
  EXPECT_EQ(mask->to_string(), "12FFFFFF2D2CFFFF");
}

TEST(Request, SecondaryAddressNibblesAndMatching) {
  auto meter = SecondaryAddress::parse("068558172D2C0804");
  ASSERT_TRUE(meter.ok());
  EXPECT_EQ(meter->manufacturer, 0x2C2D);
  EXPECT_EQ(meter->nibble(0), 0);
  EXPECT_EQ(meter->nibble(1), 6);
  EXPECT_EQ(meter->nibble(7), 7);
  EXPECT_EQ(meter->nibble(8), 0x2);  // manufacturer 0x2C2D, most significant nibble first
  EXPECT_EQ(meter->nibble(11), 0xD);
  EXPECT_EQ(meter->nibble(13), 0x8);
  EXPECT_EQ(meter->nibble(15), 0x4);
  SecondaryAddress all;
  EXPECT_TRUE(all.matches(*meter));
  SecondaryAddress m = all;
  for (std::size_t i = 0; i < SecondaryAddress::kNibbles; ++i) {
    m.set_nibble(i, meter->nibble(i));
    EXPECT_TRUE(m.matches(*meter)) << i;
  }
  EXPECT_EQ(m, *meter);
  m.set_nibble(10, 0xA);
  EXPECT_FALSE(m.matches(*meter));
  EXPECT_FALSE(SecondaryAddress::parse("0685").ok());
  EXPECT_FALSE(SecondaryAddress::parse("06855817ZZ2C0804").ok());
}

TEST(Request, BaudRateControlFrames) {
  std::array<std::uint8_t, kMaxFrameSize> b{};
  EXPECT_EQ(enc(encode_set_baud_rate(b, 0xFE, 9600), b),
            (Bytes{0x68, 0x03, 0x03, 0x68, 0x53, 0xFE, 0xBD, 0x0E, 0x16}));
  EXPECT_EQ(enc(encode_set_baud_rate(b, 0x01, 300), b)[6], 0xB8);
  EXPECT_EQ(enc(encode_set_baud_rate(b, 0x01, 2400), b)[6], 0xBB);
  EXPECT_FALSE(encode_set_baud_rate(b, 0x01, 1234).ok());
  EXPECT_EQ(baud_of_ci(0xBB), 2400u);
  EXPECT_FALSE(baud_of_ci(0x72).has_value());
}

TEST(Request, SetDateTimeIsTypeFAndDecodesBack) {
  std::array<std::uint8_t, kMaxFrameSize> b{};
  DateTime t;
  t.year = 2011;
  t.month = 1;
  t.day = 24;
  t.hour = 17;
  t.minute = 43;
  const Bytes f = enc(encode_set_datetime(b, 0x01, true, t), b);
  auto frame = parse_frame(f);
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ(frame->ci, 0x51);
  EXPECT_EQ(frame->c, 0x73);
  // The record jMBus decodes as 2011-01-24 17:43: 04 6D 2B 11 78 11.
  EXPECT_EQ(Bytes(frame->data.begin(), frame->data.end()),
            (Bytes{0x04, 0x6D, 0x2B, 0x11, 0x78, 0x11}));
  DateTime bad = t;
  bad.month = 13;
  EXPECT_FALSE(encode_set_datetime(b, 0x01, true, bad).ok());
}

TEST(Request, SetPrimaryAddressAndTariffSwitch) {
  std::array<std::uint8_t, kMaxFrameSize> b{};
  const Bytes f = enc(encode_set_primary_address(b, 0x00, false, 0x07), b);
  EXPECT_EQ(Bytes(f.begin() + 6, f.end() - 2), (Bytes{0x51, 0x01, 0x7A, 0x07}));
  EXPECT_FALSE(encode_set_primary_address(b, 0x00, false, 251).ok());
  const Bytes t = enc(encode_tariff_switch(b, 0x05, false, 2), b);
  EXPECT_EQ(Bytes(t.begin() + 6, t.end() - 2), (Bytes{0x51, 0x01, 0xFF, 0x10, 0x02}));
  EXPECT_TRUE(parse_frame(t).ok());
}

}  // namespace
}  // namespace emscore::mbus

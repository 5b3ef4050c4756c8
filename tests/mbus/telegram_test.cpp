#include "emscore/mbus/telegram.hpp"

#include <gtest/gtest.h>

#include "emscore/core/strings.hpp"

#include <vector>

namespace emscore::mbus {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(Telegram, Manufacturer) {
  EXPECT_EQ(manufacturer_string(0x2C2D), "KAM");
  EXPECT_EQ(manufacturer_code("KAM"), 0x2C2D);
  EXPECT_EQ(manufacturer_code("kam"), 0x2C2D);
  EXPECT_EQ(manufacturer_code("ELS"), 0x1593);
  EXPECT_FALSE(manufacturer_code("K4M").has_value());
  EXPECT_FALSE(manufacturer_code("KAMS").has_value());
  EXPECT_EQ(manufacturer_string(0xFFFF), "???");
  EXPECT_EQ(medium_name(0x04), "Heat: Outlet");
  EXPECT_EQ(medium_name(0x07), "Water");
  EXPECT_EQ(medium_name(0x99), "Reserved");
}

TEST(Telegram, LongHeader) {
  Bytes f;
  const Bytes ud = {0x17, 0x58, 0x85, 0x06, 0x2D, 0x2C, 0x08, 0x04, 0x04, 0x10, 0x00, 0x00,
                    0x0C, 0x78, 0x17, 0x58, 0x85, 0x06};
  ASSERT_TRUE(append_long_frame(f, 0x08, 0x11, 0x72, ud).ok());
  auto frame = parse_frame(f);
  ASSERT_TRUE(frame.ok());
  auto t = parse_telegram(*frame);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->header_kind, HeaderKind::kLong);
  EXPECT_EQ(t->header.id(), 6855817u);
  EXPECT_EQ(t->header.id_string(), "06855817");
  EXPECT_EQ(manufacturer_string(t->header.manufacturer), "KAM");
  EXPECT_EQ(t->header.version, 8);
  EXPECT_EQ(t->header.medium, 4);
  EXPECT_EQ(t->header.access_number, 4);
  EXPECT_EQ(t->header.status, 0x10);
  EXPECT_EQ(t->records.size(), 6u);
  EXPECT_EQ(t->records_offset, 19u);
  EXPECT_EQ(t->a, 0x11);
}

TEST(Telegram, ShortNoneAndMode2Headers) {
  const Bytes shorth = {0x82, 0x10, 0x00, 0x20, 0x0C, 0x06, 0, 0, 0, 0};
  auto t = parse_application(0x7A, shorth);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->header_kind, HeaderKind::kShort);
  EXPECT_EQ(t->header.access_number, 0x82);
  EXPECT_EQ(t->header.signature, 0x2000);
  EXPECT_FALSE(t->header.has_address);
  EXPECT_EQ(t->records.size(), 6u);
  t = parse_application(0x78, Bytes{0x01, 0xFD, 0x17, 0x00});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->header_kind, HeaderKind::kNone);
  // Mode 2 (CI 0x76): multi-byte data most significant byte first.
  const Bytes mode2 = {0x78, 0x56, 0x34, 0x12, 0x2D, 0x2C, 0x01, 0x02, 0x03, 0x00, 0x00, 0x00,
                       0x02, 0x2B, 0x01, 0x02};
  t = parse_application(0x76, mode2);
  ASSERT_TRUE(t.ok());
  RecordReader rd = t->reader();
  Record r;
  ASSERT_TRUE(rd.next(r));
  EXPECT_EQ(r.order, Endian::kBig);
}

TEST(Telegram, FixedStructure) {
  // libmbus sen_pollusonic_2 user data: 6531 kWh and 69 l, heat.
  const Bytes ud = {0x93, 0x92, 0x91, 0x90, 0x10, 0x00, 0x05, 0x69,
                    0x31, 0x65, 0x00, 0x00, 0x69, 0x00, 0x00, 0x00};
  auto t = parse_application(0x73, ud);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_TRUE(t->fixed.has_value());
  EXPECT_EQ(t->header.id(), 90919293u);
  EXPECT_EQ(fixed_medium_name(t->fixed->medium), "Heat");
  auto c1 = fixed_counter(*t->fixed, 1);
  ASSERT_TRUE(c1.has_value());
  EXPECT_EQ(c1->value, Value(6531, 3, Unit::kWattHour));
  auto c2 = fixed_counter(*t->fixed, 2);
  ASSERT_TRUE(c2.has_value());
  EXPECT_EQ(c2->value, Value(69, -3, Unit::kCubicMetre));
  EXPECT_EQ(c2->quantity, "Volume");
}

TEST(Telegram, ErrorsAndApplicationError) {
  auto t = parse_application(0x72, Bytes{0x01, 0x02});
  EXPECT_EQ(t.status().code(), absl::StatusCode::kOutOfRange);
  t = parse_application(0x55, Bytes{});
  EXPECT_NE(to_std(t.status().message()).find("CI field 0x55"), std::string::npos);
  t = parse_application(0x70, Bytes{0x02});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->application_error, 0x02);
  Frame short_frame;
  short_frame.kind = FrameKind::kShort;
  EXPECT_FALSE(parse_telegram(short_frame).ok());
}

}  // namespace
}  // namespace emscore::mbus

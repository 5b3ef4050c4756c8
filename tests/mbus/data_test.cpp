#include "emscore/mbus/data.hpp"

#include <gtest/gtest.h>

#include "emscore/core/strings.hpp"

#include <vector>

namespace emscore::mbus {
namespace {

using Bytes = std::vector<std::uint8_t>;

struct Decoded {
  Bytes storage;  // the record bytes: Record and RecordValue borrow from them
  Record rec;
  RecordMeaning meaning;
  RecordValue value;
};

Decoded decode_one(const Bytes& b) {
  Decoded d;
  d.storage = b;
  RecordReader rd(d.storage);
  EXPECT_TRUE(rd.next(d.rec)) << rd.status();
  d.meaning = describe_record(d.rec);
  auto v = decode_value(d.rec, d.meaning);
  EXPECT_TRUE(v.ok()) << v.status();
  if (v.ok()) d.value = *v;
  return d;
}

std::string text(const Bytes& b) {
  const Decoded d = decode_one(b);
  return value_string(d.value, d.rec);
}

TEST(Data, IntegersAreExactAndScaled) {
  // 04 06 E7 91 00 00: 37351 kWh (Kamstrup Multical 601) -> 37351000 Wh.
  auto d = decode_one({0x04, 0x06, 0xE7, 0x91, 0x00, 0x00});
  EXPECT_TRUE(d.value.number.identical(Value(37351, 3, Unit::kWattHour)));
  EXPECT_EQ(d.value.number.to_string(), "37351000");
  EXPECT_EQ(d.meaning.quantity, "Energy");
  // Signed 16-bit: FE FF = -2 W.
  EXPECT_EQ(text({0x02, 0x2B, 0xFE, 0xFF}), "-2");
  // 24, 48 and 64 bit.
  EXPECT_EQ(text({0x03, 0x13, 0x01, 0x00, 0x80}), "-8388.607");
  EXPECT_EQ(text({0x06, 0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01}), "1099511627777");
  EXPECT_EQ(text({0x07, 0x04, 0x12, 0x23, 0x34, 0x45, 0x56, 0x67, 0x78, 0x12}),
            "13309273101138747060");  // jMBus decode1: 1330927310113874706 * 10 Wh
}

TEST(Data, BcdIncludingNegativeAndInvalid) {
  EXPECT_EQ(text({0x0C, 0x13, 0x78, 0x56, 0x34, 0x12}), "12345.678");
  // jMBus BCDNegativeTemp: 0B 5E 40 00 F0 -> -4.0 C (six digits, F = minus).
  auto d = decode_one({0x0B, 0x5E, 0x40, 0x00, 0xF0});
  EXPECT_EQ(d.value.number.to_string(), "-4.0");
  EXPECT_EQ(d.value.number.unit, Unit::kCelsius);
  EXPECT_EQ(text({0x0E, 0x03, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12}), "129078563412");
  // A-F digits: the meter's "no value"; shown as sent, not as a number.
  d = decode_one({0x3C, 0x2A, 0xDD, 0xB4, 0xEB, 0xDD});
  EXPECT_EQ(d.value.type, ValueType::kInvalid);
  EXPECT_EQ(value_string(d.value, d.rec), "DDEBB4DD");
}

TEST(Data, Real32IsTheShortestDecimal) {
  // 0x41AC4B2B = 21.536703 (EDC flow temperature, VIF 0x5B = 1 C).
  auto d = decode_one({0x05, 0x5B, 0x2B, 0x4B, 0xAC, 0x41});
  EXPECT_EQ(d.value.number.to_string(), "21.536703");
  EXPECT_EQ(text({0x05, 0x2B, 0x00, 0x00, 0x80, 0x3F}), "1");
  auto nan = decode_one({0x05, 0x2B, 0x00, 0x00, 0xC0, 0x7F});
  EXPECT_EQ(nan.value.type, ValueType::kInvalid);
}

TEST(Data, DurationsAreSeconds) {
  EXPECT_EQ(text({0x04, 0x22, 0xD9, 0x03, 0x00, 0x00}), "3546000");  // 985 h
  EXPECT_EQ(text({0x02, 0x27, 0x02, 0x00}), "172800");               // 2 d
  const auto d = decode_one({0x01, 0xFD, 0x28, 0x03});                // storage interval months
  EXPECT_EQ(d.value.number.unit, Unit::kMonth);
}

TEST(Data, DatesTypesFGIJ) {
  // jMBus: 04 6D 2B 11 78 11 = 2011-01-24 17:43 (type F).
  EXPECT_EQ(text({0x04, 0x6D, 0x2B, 0x11, 0x78, 0x11}), "2011-01-24T17:43:00");
  // Type G: 42 6C 5F 1C = 2010-12-31 (Kamstrup).
  EXPECT_EQ(text({0x42, 0x6C, 0x5F, 0x1C}), "2010-12-31");
  // Type I: 6 bytes with seconds.
  EXPECT_EQ(text({0x06, 0x6D, 0x05, 0x2B, 0x11, 0x78, 0x11, 0x00}), "2011-01-24T17:43:05");
  // Type J: time of day.
  EXPECT_EQ(text({0x03, 0x6D, 0x05, 0x2B, 0x11}), "17:43:05");
  auto d = decode_one({0x04, 0x6D, 0x80, 0x80, 0x21, 0x01});
  EXPECT_TRUE(d.value.time.invalid);
  EXPECT_TRUE(d.value.time.summer_time);
  // Start-date VIFE 0x39 turns an energy VIF into a time point.
  EXPECT_EQ(text({0x02, 0x83, 0x39, 0x5F, 0x1C}), "2010-12-31");
  // Round trip of the encoders.
  DateTime t;
  t.year = 2024;
  t.month = 2;
  t.day = 29;
  t.hour = 23;
  t.minute = 59;
  std::uint8_t f[4];
  encode_type_f(t, f);
  const DateTime back = decode_type_f(f);
  EXPECT_EQ(back.year, 2024);
  EXPECT_EQ(back.day, 29);
  EXPECT_EQ(back.minute, 59);
  std::uint8_t g[2];
  encode_type_g(t, g);
  EXPECT_EQ(decode_type_g(g).month, 2);
}

TEST(Data, TextAndLvar) {
  auto d = decode_one({0x0D, 0xFD, 0x0B, 0x06, 0x35, 0x33, 0x32, 0x44, 0x56, 0x52});
  EXPECT_EQ(d.value.type, ValueType::kText);
  EXPECT_EQ(value_string(d.value, d.rec), "RVD235");
  EXPECT_EQ(d.meaning.quantity, "Parameter set identification");
  EXPECT_EQ(text({0x0D, 0x13, 0xC2, 0x34, 0x12}), "1.234");
  EXPECT_EQ(text({0x0D, 0x13, 0xD1, 0x07}), "-0.007");
  EXPECT_EQ(text({0x0D, 0x13, 0xE2, 0xFE, 0xFF}), "-0.002");
  Bytes bin = {0x0D, 0x7C, 0x02, 0x57, 0x50, 0xF0};
  for (int i = 0; i < 16; ++i) bin.push_back(static_cast<std::uint8_t>(i));
  d = decode_one(bin);
  EXPECT_EQ(d.value.type, ValueType::kBytes);
  EXPECT_EQ(quantity_string(d.rec, d.meaning), "PW");
  EXPECT_EQ(value_string(d.value, d.rec).substr(0, 5), "0F 0E");  // most significant first
}

TEST(Data, CombinableVifes) {
  // Multiplicative correction 10^(4-6) on a plain-text VIF (Elvaco %RH): 5410 -> 54.10.
  auto d = decode_one({0x02, 0xFC, 0x03, 0x48, 0x52, 0x25, 0x74, 0x22, 0x15});
  EXPECT_EQ(value_string(d.value, d.rec), "54.10");
  EXPECT_EQ(quantity_string(d.rec, d.meaning), "%RH");
  // Volume per hour folds into m^3/h; volume per week keeps a suffix.
  d = decode_one({0x02, 0x93, 0x22, 0x05, 0x00});
  EXPECT_EQ(d.value.number.unit, Unit::kCubicMetrePerHour);
  d = decode_one({0x02, 0x93, 0x24, 0x05, 0x00});
  EXPECT_EQ(unit_string(d.meaning), "m^3/wk");
  // Error VIFE, 10^3 multiplier, manufacturer VIFE.
  d = decode_one({0x02, 0x83, 0x95, 0x7D, 0x05, 0x00});
  EXPECT_TRUE(d.meaning.has_error);
  EXPECT_EQ(d.meaning.error_code, 0x15);
  EXPECT_EQ(d.value.number.to_string(), "5000");
  d = decode_one({0x01, 0x83, 0xFF, 0x12, 0x05});
  EXPECT_TRUE(d.meaning.manufacturer_vife);
  EXPECT_EQ(d.value.number.to_string(), "5");
}

TEST(Data, OverflowingDurationIsAnError) {
  const Bytes b = {0x07, 0x23, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F};
  RecordReader rd(b);
  Record r;
  ASSERT_TRUE(rd.next(r));
  EXPECT_FALSE(decode_value(r).ok());
}

}  // namespace
}  // namespace emscore::mbus

#include "emscore/mbus/data.hpp"

#include <gtest/gtest.h>

#include "emscore/core/bcd.hpp"
#include "emscore/core/strings.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <random>
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


// The decoder reads BCD two digits per table load; core's decode_bcd is the reference.
// Every 1- and 2-byte field, random 3-, 4- and 6-byte fields (with A-F and the F sign
// nibble made likely), both byte orders (CI 0x76 sends data most significant byte first).
TEST(Data, BcdFastPathMatchesCoreDecodeBcd) {
  std::mt19937 rng(4);
  const std::uint8_t kNibbles[] = {0, 1, 5, 9, 0xA, 0xE, 0xF};
  auto check = [](const Bytes& field, Endian order) {
    static constexpr std::uint8_t kDif[] = {0, 0x09, 0x0A, 0x0B, 0x0C, 0, 0x0E};
    Bytes rec = {kDif[field.size()], 0x13};  // VIF 0x13: volume, 1 l
    rec.insert(rec.end(), field.begin(), field.end());
    RecordReader rd(rec, 0, order);
    Record r;
    ASSERT_TRUE(rd.next(r));
    auto v = decode_value(r);
    ASSERT_TRUE(v.ok()) << v.status();
    BcdOptions opt;
    opt.order = order;
    auto want = decode_bcd(field, opt);
    if (want.ok()) {
      ASSERT_EQ(v->type, ValueType::kNumber) << hex(field[0]) << " size " << field.size();
      EXPECT_EQ(v->number.mantissa, *want) << hex(field[0]) << " size " << field.size();
      EXPECT_EQ(v->number.exponent, -3);
    } else {
      EXPECT_EQ(v->type, ValueType::kInvalid) << hex(field[0]) << " size " << field.size();
    }
  };
  for (Endian order : {Endian::kLittle, Endian::kBig}) {
    for (unsigned a = 0; a < 256; ++a) {
      check({static_cast<std::uint8_t>(a)}, order);
      for (unsigned b = 0; b < 256; ++b) {
        check({static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(b)}, order);
      }
    }
    for (std::size_t size : {3, 4, 6}) {
      for (int i = 0; i < 20000; ++i) {
        Bytes f(size);
        for (auto& x : f) {
          const bool odd = rng() % 8 == 0;  // mostly decimal digits
          const auto hi = static_cast<unsigned>(odd ? kNibbles[rng() % 7] : rng() % 10);
          const auto lo = static_cast<unsigned>(odd ? kNibbles[rng() % 7] : rng() % 10);
          x = static_cast<std::uint8_t>(hi << 4 | lo);
        }
        check(f, order);
      }
    }
  }
}

// Variable-length BCD (LVAR 0xC0-0xDF: no sign nibble; 0xD0-0xDF negative) agrees with
// decode_bcd without negative digits, up to its 9-byte limit and beyond (invalid).
TEST(Data, VariableBcdMatchesCoreDecodeBcd) {
  std::mt19937 rng(5);
  for (int i = 0; i < 5000; ++i) {
    const std::size_t size = 1 + rng() % 12;
    const bool negative = rng() % 2;
    Bytes rec = {0x0D, 0x13, static_cast<std::uint8_t>((negative ? 0xD0 : 0xC0) + size)};
    Bytes field(size);
    for (auto& x : field) {
      x = rng() % 16 == 0 ? static_cast<std::uint8_t>(rng()) : static_cast<std::uint8_t>((rng() % 10) << 4 | rng() % 10);
    }
    rec.insert(rec.end(), field.begin(), field.end());
    RecordReader rd(rec);
    Record r;
    ASSERT_TRUE(rd.next(r));
    auto v = decode_value(r);
    ASSERT_TRUE(v.ok()) << v.status();
    BcdOptions opt;
    opt.allow_negative = false;
    auto want = decode_bcd(field, opt);
    if (want.ok()) {
      ASSERT_EQ(v->type, ValueType::kNumber);
      EXPECT_EQ(v->number.mantissa, negative ? -*want : *want);
    } else {
      EXPECT_EQ(v->type, ValueType::kInvalid);
    }
  }
}

// Real32 reads to_chars' shortest decimal itself; Value::parse of the same text is the
// reference, over random bit patterns and the edges (subnormals, large, negative, zero).
TEST(Data, Real32ReaderMatchesValueParse) {
  std::mt19937 rng(6);
  std::vector<std::uint32_t> patterns = {0x00000000, 0x80000000, 0x00000001, 0x007FFFFF,
                                         0x00800000, 0x7F7FFFFF, 0xFF7FFFFF, 0x3F800000,
                                         0x4B189680, 0x5F000000, 0x2F000000, 0x41AC4B2B};
  for (int i = 0; i < 200000; ++i) patterns.push_back(static_cast<std::uint32_t>(rng()));
  // Whole numbers (their own fast path): small ones, round ones, around 2^24, negative.
  auto add_float = [&](float x) {
    std::uint32_t b;
    std::memcpy(&b, &x, 4);
    patterns.push_back(b);
  };
  for (int i = -2000; i <= 2000; ++i) add_float(static_cast<float>(i));
  for (float p10 = 1; p10 < 2e7f; p10 *= 10) {
    for (int k = 1; k < 100; ++k) {
      add_float(static_cast<float>(k) * p10);
      add_float(-static_cast<float>(k) * p10);
    }
  }
  for (int i = 16777200; i <= 16777220; ++i) add_float(static_cast<float>(i));
  for (int i = 0; i < 20000; ++i) add_float(static_cast<float>(static_cast<std::int32_t>(rng() % 33554432) - 16777216));
  int compared = 0;
  for (std::uint32_t bits : patterns) {
    float f;
    std::memcpy(&f, &bits, 4);
    Bytes rec = {0x05, 0x2B};  // VIF 0x2B: power, 1 W (exponent 0)
    for (int k = 0; k < 4; ++k) rec.push_back(static_cast<std::uint8_t>(bits >> (8 * k)));
    RecordReader rd(rec);
    Record r;
    ASSERT_TRUE(rd.next(r));
    auto v = decode_value(r);
    char buf[48];
    const auto res = std::to_chars(buf, buf + sizeof buf, f);
    auto want = Value::parse(std::string_view(buf, static_cast<std::size_t>(res.ptr - buf)));
    if (!std::isfinite(f)) {
      ASSERT_TRUE(v.ok());
      EXPECT_EQ(v->type, ValueType::kInvalid);
      continue;
    }
    ASSERT_EQ(v.ok(), want.ok()) << buf;
    if (!want.ok()) continue;
    ASSERT_EQ(v->type, ValueType::kNumber) << buf;
    EXPECT_EQ(v->number.mantissa, want->mantissa) << buf;
    EXPECT_EQ(v->number.exponent, want->exponent) << buf;
    ++compared;
  }
  EXPECT_GT(compared, 220000);
}

// describe_record looks the VIF up in one table; it must give what the table functions of
// vif.hpp give, for every code of every table (kAny and kManufacturer included).
TEST(Data, DescribeRecordAgreesWithVifTables) {
  for (unsigned c = 0; c < 0x7B; ++c) {
    const Bytes rec = {0x01, static_cast<std::uint8_t>(c), 0x00};
    RecordReader rd(rec);
    Record r;
    ASSERT_TRUE(rd.next(r));
    const RecordMeaning m = describe_record(r);
    const VifInfo want = primary_vif(static_cast<std::uint8_t>(c));
    EXPECT_EQ(m.quantity, want.quantity) << hex(c);
    EXPECT_EQ(m.unit, want.unit) << hex(c);
    EXPECT_EQ(m.exponent, want.exponent) << hex(c);
    EXPECT_EQ(m.seconds, want.seconds) << hex(c);
    EXPECT_EQ(m.kind, want.kind) << hex(c);
  }
  for (std::uint8_t vif : {std::uint8_t{0xFB}, std::uint8_t{0xFD}}) {
    for (unsigned c = 0; c < 0x80; ++c) {
      const Bytes rec = {0x01, vif, static_cast<std::uint8_t>(c), 0x00};
      RecordReader rd(rec);
      Record r;
      ASSERT_TRUE(rd.next(r));
      const RecordMeaning m = describe_record(r);
      const VifInfo want = vif == 0xFB ? fb_vif(static_cast<std::uint8_t>(c))
                                       : fd_vif(static_cast<std::uint8_t>(c));
      EXPECT_EQ(m.quantity, want.quantity) << hex(vif) << " " << hex(c);
      EXPECT_EQ(m.unit, want.unit) << hex(vif) << " " << hex(c);
      EXPECT_EQ(m.exponent, want.exponent) << hex(vif) << " " << hex(c);
      EXPECT_EQ(m.seconds, want.seconds) << hex(vif) << " " << hex(c);
      EXPECT_EQ(m.kind, want.kind) << hex(vif) << " " << hex(c);
    }
  }
  const Bytes any = {0x01, 0x7E, 0x00};
  const Bytes manufacturer = {0x01, 0xFF, 0x12, 0x00};
  for (const Bytes* b : {&any, &manufacturer}) {
    RecordReader rd(*b);
    Record r;
    ASSERT_TRUE(rd.next(r));
    const RecordMeaning m = describe_record(r);
    const VifInfo want = primary_vif(r.code);
    EXPECT_EQ(m.quantity, want.quantity);
    EXPECT_EQ(m.kind, want.kind);
    EXPECT_EQ(m.manufacturer_vife, b == &manufacturer);
  }
}

}  // namespace
}  // namespace emscore::mbus

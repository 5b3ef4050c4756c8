#include "emscore/modbus/register_value.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <limits>

#include "emscore/core/strings.hpp"

namespace emscore::modbus {
namespace {

std::string msg(const absl::Status& s) { return std::string(to_std(s.message())); }

constexpr WordOrder kOrders[] = {WordOrder::kABCD, WordOrder::kCDAB, WordOrder::kBADC,
                                 WordOrder::kDCBA};

TEST(RegisterValue, Uint32InEveryOrder) {
  // 0x11223344: A=11 B=22 C=33 D=44.
  struct Case {
    WordOrder order;
    std::array<std::uint16_t, 2> regs;
  } cases[] = {{WordOrder::kABCD, {0x1122, 0x3344}},
               {WordOrder::kCDAB, {0x3344, 0x1122}},
               {WordOrder::kBADC, {0x2211, 0x4433}},
               {WordOrder::kDCBA, {0x4433, 0x2211}}};
  for (const auto& c : cases) {
    auto v = decode_value(c.regs, ValueType::kU32, c.order);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(std::get<std::uint64_t>(v->v), 0x11223344u) << word_order_name(c.order);
    std::array<std::uint16_t, 2> out{};
    ASSERT_TRUE(encode_value(*v, c.order, out).ok());
    EXPECT_EQ(out, c.regs) << word_order_name(c.order);
  }
}

TEST(RegisterValue, SixtyFourBitOrders) {
  // 0x0102030405060708.
  const std::array<std::uint16_t, 4> abcd = {0x0102, 0x0304, 0x0506, 0x0708};
  const std::array<std::uint16_t, 4> cdab = {0x0708, 0x0506, 0x0304, 0x0102};
  const std::array<std::uint16_t, 4> badc = {0x0201, 0x0403, 0x0605, 0x0807};
  const std::array<std::uint16_t, 4> dcba = {0x0807, 0x0605, 0x0403, 0x0201};
  EXPECT_EQ(std::get<std::uint64_t>(decode_value(abcd, ValueType::kU64, WordOrder::kABCD)->v), 0x0102030405060708u);
  EXPECT_EQ(std::get<std::uint64_t>(decode_value(cdab, ValueType::kU64, WordOrder::kCDAB)->v), 0x0102030405060708u);
  EXPECT_EQ(std::get<std::uint64_t>(decode_value(badc, ValueType::kU64, WordOrder::kBADC)->v), 0x0102030405060708u);
  EXPECT_EQ(std::get<std::uint64_t>(decode_value(dcba, ValueType::kU64, WordOrder::kDCBA)->v), 0x0102030405060708u);
}

TEST(RegisterValue, SignedTypes) {
  const std::uint16_t m1[] = {0xFFFF, 0xFFFF, 0xFFFF, 0xFFFE};
  EXPECT_EQ(std::get<std::int64_t>(decode_value(m1, ValueType::kI16, WordOrder::kABCD)->v), -1);
  EXPECT_EQ(std::get<std::int64_t>(decode_value(m1, ValueType::kI32, WordOrder::kABCD)->v), -1);
  EXPECT_EQ(std::get<std::int64_t>(decode_value(m1, ValueType::kI64, WordOrder::kABCD)->v), -2);
  EXPECT_EQ(std::get<std::uint64_t>(decode_value(m1, ValueType::kU16, WordOrder::kABCD)->v), 65535u);
  const std::uint16_t i16[] = {0x0080};  // byte-swapped 0x8000
  EXPECT_EQ(std::get<std::int64_t>(decode_value(i16, ValueType::kI16, WordOrder::kBADC)->v), -32768);
  EXPECT_EQ(std::get<std::int64_t>(decode_value(i16, ValueType::kI16, WordOrder::kCDAB)->v), 128);
}

TEST(RegisterValue, Float32ExactDecimal) {
  // 230.1f = 0x4366199A.
  const std::uint16_t regs[] = {0x4366, 0x199A};
  auto v = decode_value(regs, ValueType::kF32, WordOrder::kABCD);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v->to_string(), "230.1");
  auto val = v->to_value(Unit::kVolt);
  ASSERT_TRUE(val.ok());
  EXPECT_TRUE(val->identical(Value(2301, -1, Unit::kVolt))) << val->to_string();
  const std::uint16_t swapped[] = {0x199A, 0x4366};
  EXPECT_EQ(*decode_value(swapped, ValueType::kF32, WordOrder::kCDAB)->to_string(), "230.1");
  // 1e20f written out in full, not in scientific notation.
  std::array<std::uint16_t, 2> big{};
  ASSERT_TRUE(encode_text("1e20", ValueType::kF32, WordOrder::kABCD, big).ok());
  EXPECT_EQ(*decode_value(big, ValueType::kF32, WordOrder::kABCD)->to_string(), "100000000000000000000");
}

TEST(RegisterValue, Float64) {
  std::array<std::uint16_t, 4> r{};
  ASSERT_TRUE(encode_text("-12345.678", ValueType::kF64, WordOrder::kDCBA, r).ok());
  auto v = decode_value(r, ValueType::kF64, WordOrder::kDCBA);
  EXPECT_EQ(*v->to_string(), "-12345.678");
  EXPECT_TRUE(v->to_value()->identical(Value(-12345678, -3)));
  // The bytes of a little-endian double are the native bytes reversed in DCBA.
  double d = -12345.678;
  std::uint64_t bits;
  std::memcpy(&bits, &d, 8);
  EXPECT_EQ(r[0], static_cast<std::uint16_t>(((bits & 0xFF) << 8) | ((bits >> 8) & 0xFF)));
}

TEST(RegisterValue, NanAndInfinityAreErrors) {
  const std::uint16_t nan[] = {0x7FC0, 0x0000};
  auto v = decode_value(nan, ValueType::kF32, WordOrder::kABCD);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->to_string().ok());
  EXPECT_EQ(msg(v->to_string().status()), "modbus: float32 is NaN, not a number");
  const std::uint16_t inf[] = {0x7F80, 0x0000};
  EXPECT_FALSE(decode_value(inf, ValueType::kF32, WordOrder::kABCD)->to_value().ok());
}

TEST(RegisterValue, RoundTripEveryTypeAndOrder) {
  const char* texts[] = {"0", "1", "-1", "32767", "-32768", "65535", "2147483647", "-2147483648",
                         "4294967295", "9223372036854775807", "-9223372036854775808",
                         "18446744073709551615", "0.5", "-1.25", "3.4028235e38"};
  for (auto t : {ValueType::kU16, ValueType::kI16, ValueType::kU32, ValueType::kI32,
                 ValueType::kU64, ValueType::kI64, ValueType::kF32, ValueType::kF64}) {
    for (WordOrder o : kOrders) {
      for (const char* text : texts) {
        std::array<std::uint16_t, 4> r{};
        auto s = encode_text(text, t, o, r);
        if (!s.ok()) continue;  // out of range for the type: checked below
        auto v = decode_value(r, t, o);
        ASSERT_TRUE(v.ok());
        std::array<std::uint16_t, 4> again{};
        ASSERT_TRUE(encode_value(*v, o, again).ok());
        EXPECT_EQ(r, again) << value_type_name(t) << " " << word_order_name(o) << " " << text;
      }
    }
  }
}

TEST(RegisterValue, RangeChecks) {
  std::array<std::uint16_t, 4> r{};
  EXPECT_FALSE(encode_text("65536", ValueType::kU16, WordOrder::kABCD, r).ok());
  EXPECT_FALSE(encode_text("-1", ValueType::kU32, WordOrder::kABCD, r).ok());
  EXPECT_FALSE(encode_text("32768", ValueType::kI16, WordOrder::kABCD, r).ok());
  EXPECT_FALSE(encode_text("-32769", ValueType::kI16, WordOrder::kABCD, r).ok());
  EXPECT_FALSE(encode_text("9223372036854775808", ValueType::kI64, WordOrder::kABCD, r).ok());
  EXPECT_FALSE(encode_text("1.5", ValueType::kU16, WordOrder::kABCD, r).ok());
  EXPECT_FALSE(encode_text("abc", ValueType::kF32, WordOrder::kABCD, r).ok());
  EXPECT_FALSE(encode_text("1e39", ValueType::kF32, WordOrder::kABCD, r).ok());
  EXPECT_FALSE(encode_text("", ValueType::kU16, WordOrder::kABCD, r).ok());
  EXPECT_TRUE(encode_text("+7", ValueType::kU16, WordOrder::kABCD, r).ok());
  EXPECT_EQ(r[0], 7);
  std::array<std::uint16_t, 1> one{};
  EXPECT_FALSE(encode_text("1", ValueType::kU32, WordOrder::kABCD, one).ok());
  const std::uint16_t short_regs[] = {1};
  EXPECT_EQ(decode_value(short_regs, ValueType::kF32, WordOrder::kABCD).status().code(),
            absl::StatusCode::kOutOfRange);
}

TEST(RegisterValue, Names) {
  EXPECT_EQ(*parse_value_type("float32"), ValueType::kF32);
  EXPECT_EQ(*parse_value_type("INT16"), ValueType::kI16);
  EXPECT_EQ(*parse_value_type("double"), ValueType::kF64);
  EXPECT_FALSE(parse_value_type("float16").ok());
  EXPECT_EQ(*parse_word_order("cdab"), WordOrder::kCDAB);
  EXPECT_FALSE(parse_word_order("ACBD").ok());
  EXPECT_EQ(register_count(ValueType::kF64), 4u);
  EXPECT_EQ(value_type_name(ValueType::kU64), "uint64");
}

TEST(RegisterValue, BigUnsignedToValue) {
  const std::uint16_t r[] = {0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF};
  auto v = decode_value(r, ValueType::kU64, WordOrder::kABCD);
  EXPECT_EQ(*v->to_string(), "18446744073709551615");
  EXPECT_FALSE(v->to_value().ok());  // 20 digits: more than Value holds
}

}  // namespace
}  // namespace emscore::modbus

namespace emscore::modbus {
namespace {
TEST(RegisterValue, PlainDecimalText) {
  struct Case {
    const char* in;
    ValueType t;
    const char* out;
  } cases[] = {{"0.0025", ValueType::kF32, "0.0025"}, {"-0.5", ValueType::kF32, "-0.5"},
               {"0", ValueType::kF32, "0"},           {"123456", ValueType::kF32, "123456"},
               {"1.5e-7", ValueType::kF64, "0.00000015"}, {"12.75", ValueType::kF64, "12.75"}};
  for (const auto& c : cases) {
    std::array<std::uint16_t, 4> r{};
    ASSERT_TRUE(encode_text(c.in, c.t, WordOrder::kABCD, r).ok());
    EXPECT_EQ(*decode_value(r, c.t, WordOrder::kABCD)->to_string(), c.out) << c.in;
  }
}
}  // namespace
}  // namespace emscore::modbus

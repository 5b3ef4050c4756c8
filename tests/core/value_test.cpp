#include "emscore/core/value.hpp"

#include <gtest/gtest.h>

#include <random>

namespace emscore {
namespace {

TEST(Value, ParseKeepsDecimals) {
  auto v = Value::parse("295.925", Unit::kKiloWattHour);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->identical(Value(295925, -3, Unit::kKiloWattHour)));
  EXPECT_TRUE(Value::parse("000123.40")->identical(Value(12340, -2)));
  EXPECT_TRUE(Value::parse("-0.005")->identical(Value(-5, -3)));
  EXPECT_TRUE(Value::parse("+12")->identical(Value(12, 0)));
  EXPECT_TRUE(Value::parse("1.5e3")->identical(Value(15, 2)));
  EXPECT_TRUE(Value::parse("2E-2")->identical(Value(2, -2)));
  EXPECT_TRUE(Value::parse("00000.000")->identical(Value(0, -3)));
  EXPECT_TRUE(Value::parse("5.")->identical(Value(5, 0)));
  EXPECT_TRUE(Value::parse(".5")->identical(Value(5, -1)));
  EXPECT_TRUE(Value::parse("999999999999999999")->identical(Value(999999999999999999, 0)));
}

TEST(Value, ParseRejectsWithReason) {
  for (const char* bad : {"", "-", ".", "1.2.3", "12a", "1e", "1e+", "abc", "1,5", "1e999",
                          "1234567890123456789", "--1", " 1"}) {
    auto v = Value::parse(bad);
    EXPECT_FALSE(v.ok()) << bad;
    EXPECT_NE(v.status().message().find("is not a decimal number"), std::string::npos) << bad;
  }
}

TEST(Value, ToStringExact) {
  EXPECT_EQ(Value(295925, -3).to_string(), "295.925");
  EXPECT_EQ(Value(-5, -3).to_string(), "-0.005");
  EXPECT_EQ(Value(12, 2).to_string(), "1200");
  EXPECT_EQ(Value(0, -3).to_string(), "0.000");
  EXPECT_EQ(Value(0, 3).to_string(), "0");
  EXPECT_EQ(Value(INT64_MIN, -2).to_string(), "-92233720368547758.08");
  EXPECT_EQ(Value(18047, -2, Unit::kKiloWattHour).to_string_with_unit(), "180.47 kWh");
}

TEST(Value, ParseFormatRoundTrip) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 5000; ++i) {
    const Value v(static_cast<std::int64_t>(rng() >> 8) * ((rng() & 1) ? 1 : -1),
                  -static_cast<int>(rng() % 12));
    auto back = Value::parse(v.to_string());
    ASSERT_TRUE(back.ok()) << v.to_string();
    EXPECT_TRUE(back->identical(v)) << v.to_string();
  }
}

TEST(Value, ToDoubleCorrectlyRounded) {
  EXPECT_EQ(Value(295925, -3).to_double(), 295.925);
  EXPECT_EQ(Value(1, -1).to_double(), 0.1);
  EXPECT_EQ(Value(18047, -2).to_double(), 180.47);
  EXPECT_EQ(Value(5, 3).to_double(), 5000.0);
}

TEST(Value, Rescale) {
  const Value v(295925, -3);
  EXPECT_TRUE(v.rescaled(-5)->identical(Value(29592500, -5)));
  EXPECT_FALSE(v.rescaled(-1).ok());
  EXPECT_TRUE(v.rescaled(-1, true)->identical(Value(2959, -1)));
  EXPECT_TRUE(Value(-2959250, -4).rescaled(-1, true)->identical(Value(-2959, -1)));
  EXPECT_TRUE(Value(-25, -1).rescaled(0, true)->identical(Value(-3, 0)));  // half away from zero
  EXPECT_TRUE(Value(1500, -3).rescaled(-1)->identical(Value(15, -1)));
  EXPECT_FALSE(Value(1500, -3).rescaled(0).ok());
  EXPECT_FALSE(Value(INT64_MAX, 0).rescaled(-1).ok());
  EXPECT_FALSE(Value(1, 0).rescaled(200).ok());
  EXPECT_TRUE(Value(0, 0).rescaled(-30)->identical(Value(0, -30)));
}

TEST(Value, ConvertUnits) {
  const Value kwh(295925, -3, Unit::kKiloWattHour);
  auto wh = kwh.converted(Unit::kWattHour);
  ASSERT_TRUE(wh.ok());
  EXPECT_TRUE(wh->identical(Value(295925, 0, Unit::kWattHour)));
  EXPECT_EQ(wh->to_string(), "295925");
  EXPECT_FALSE(kwh.converted(Unit::kVolt).ok());
  EXPECT_EQ(kwh.converted(Unit::kVolt).status().message(), "value: cannot convert kWh to V");
  EXPECT_TRUE(Value(5, 0, Unit::kLitre).converted(Unit::kCubicMetre)->identical(Value(5, -3, Unit::kCubicMetre)));
}

TEST(Value, CompareAcrossExponentsAndUnits) {
  EXPECT_EQ(Value(10, -1), Value(100, -2));
  EXPECT_EQ(Value(1, 0, Unit::kKiloWattHour), Value(1000, 0, Unit::kWattHour));
  EXPECT_LT(Value(1, -3), Value(1, -2));
  EXPECT_GT(Value(-1, -3), Value(-1, -2));
  EXPECT_LT(Value(-5, 0), Value(0, 0));
  EXPECT_GT(Value(1, 30), Value(INT64_MAX, 0));
  EXPECT_LT(Value(-1, 30), Value(INT64_MIN, 0));
  EXPECT_EQ(compare(Value(1, 0, Unit::kVolt), Value(1, 0, Unit::kAmpere)),
            std::partial_ordering::unordered);
  EXPECT_FALSE(Value(1, 0, Unit::kVolt) == Value(1, 0, Unit::kAmpere));
  EXPECT_FALSE(Value(10, -1).identical(Value(100, -2)));
}

TEST(Value, AddExactlyWithOverflowCheck) {
  auto s = Value::parse("0.1")->plus(*Value::parse("0.2"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->to_string(), "0.3");
  auto kwh = Value(1, 0, Unit::kKiloWattHour).plus(Value(5, 0, Unit::kWattHour));
  EXPECT_TRUE(kwh->identical(Value(1005, -3, Unit::kKiloWattHour)));
  EXPECT_FALSE(Value(INT64_MAX, 0).plus(Value(1, 0)).ok());
  EXPECT_FALSE(Value(1, 0, Unit::kVolt).plus(Value(1, 0, Unit::kAmpere)).ok());
  EXPECT_TRUE(Value(5, 0).minus(Value(7, -1))->identical(Value(43, -1)));
  EXPECT_FALSE(Value(0, 0).minus(Value(INT64_MIN, 0)).ok());
}

TEST(Value, ScaledAndNormalized) {
  EXPECT_TRUE(Value(18047, 0).scaled(1, -2)->identical(Value(18047, -2)));
  EXPECT_TRUE(Value(3, 0).scaled(-25, -1)->identical(Value(-75, -1)));
  EXPECT_FALSE(Value(INT64_MAX, 0).scaled(2, 0).ok());
  EXPECT_TRUE(Value(1500, -3).normalized().identical(Value(15, -1)));
  EXPECT_TRUE(Value(0, -3).normalized().identical(Value(0, 0)));
}

}  // namespace
}  // namespace emscore

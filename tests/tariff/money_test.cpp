#include "emscore/tariff/money.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace emscore::tariff {
namespace {

using absl::int128;

int128 atto(std::int64_t major_micro) {  // micro-units of the major unit to 10^-18
  return int128(major_micro) * 1000000000000;
}

TEST(Currency, ParsesIso4217CodesWithTheirMinorUnit) {
  EXPECT_EQ(Currency::parse("EUR")->minor_digits, 2);
  EXPECT_EQ(Currency::parse("CHF")->minor_digits, 2);
  EXPECT_EQ(Currency::parse("JPY")->minor_digits, 0);
  EXPECT_EQ(Currency::parse("KWD")->minor_digits, 3);
  EXPECT_EQ(Currency::parse("USD")->code_view(), "USD");
}

TEST(Currency, RejectsWhatIsNotACode) {
  EXPECT_EQ(Currency::parse("eur").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Currency::parse("EURO").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Currency::parse("").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Currency::parse("XYZ").status().code(), absl::StatusCode::kNotFound);
}

TEST(Money, FormatsWithTheCurrencysDecimals) {
  const Currency eur = *Currency::parse("EUR");
  EXPECT_EQ((Money{eur, 1234}).to_string(), "12.34 EUR");
  EXPECT_EQ((Money{eur, -5}).amount_string(), "-0.05");
  EXPECT_EQ((Money{eur, 0}).amount_string(), "0.00");
  EXPECT_EQ((Money{*Currency::parse("JPY"), 1234}).to_string(), "1234 JPY");
  EXPECT_EQ((Money{*Currency::parse("KWD"), 1}).amount_string(), "0.001");
  EXPECT_EQ((Money{eur, std::numeric_limits<std::int64_t>::min()}).amount_string(),
            "-92233720368547758.08");
}

TEST(Money, RoundsHalfAwayFromZeroToTheMinorUnit) {
  const Currency eur = *Currency::parse("EUR");
  EXPECT_EQ(round_to_minor(eur, atto(25000))->minor, 3);    // 0.025 -> 0.03
  EXPECT_EQ(round_to_minor(eur, atto(-25000))->minor, -3);  // -0.025 -> -0.03
  EXPECT_EQ(round_to_minor(eur, atto(24999))->minor, 2);    // 0.024999 -> 0.02
  EXPECT_EQ(round_to_minor(eur, atto(15000))->minor, 2);    // 0.015 -> 0.02 (not banker's 0.02)
  EXPECT_EQ(round_to_minor(eur, atto(5000))->minor, 1);     // 0.005 -> 0.01 (banker's: 0.00)
  EXPECT_EQ(round_to_minor(*Currency::parse("JPY"), atto(500000))->minor, 1);  // 0.5 yen
  EXPECT_EQ(round_to_minor(eur, absl::Int128Max()).status().code(), absl::StatusCode::kOutOfRange);
}

TEST(Money, ExactProductOfQuantityAndPrice) {
  // 1.5 kWh x 0.3333 EUR/kWh = 0.49995 EUR exactly, 0.50 EUR rounded.
  const auto p = exact_product(15, -1, 3333, -4, kExactMoneyExponent);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, int128(49995) * int128(10000000000000));
  EXPECT_EQ(round_to_minor(*Currency::parse("EUR"), *p)->minor, 50);
  // A product finer than 10^-18 is rounded, half away from zero.
  EXPECT_EQ(*exact_product(5, -10, 1, -9, kExactMoneyExponent), 1);
  EXPECT_EQ(*exact_product(-5, -10, 1, -9, kExactMoneyExponent), -1);
  EXPECT_EQ(*exact_product(4, -10, 1, -9, kExactMoneyExponent), 0);
  // Far too large for 128 bits at 10^-18.
  EXPECT_EQ(exact_product(std::numeric_limits<std::int64_t>::max(), 10,
                          std::numeric_limits<std::int64_t>::max(), 10, kExactMoneyExponent)
                .status()
                .code(),
            absl::StatusCode::kOutOfRange);
}

TEST(Money, Rescale) {
  EXPECT_EQ(*rescale_i128(15, -1, -3), 1500);
  EXPECT_EQ(*rescale_i128(1500, -3, -1), 15);
  EXPECT_EQ(*rescale_i128(1550, -3, -1), 16);  // 1.550 -> 1.6
  EXPECT_EQ(*rescale_i128(-1550, -3, -1), -16);
  EXPECT_EQ(*rescale_i128(0, 0, -40), 0);
  EXPECT_FALSE(rescale_i128(1, 0, -39).ok());
  EXPECT_EQ(round_off_digits(123, 40), 0);
  EXPECT_EQ(pow10_i128(20), int128(100000000000) * int128(1000000000));
}

TEST(Money, DecimalFromInt128DropsTrailingZerosAndRoundsWhenTooLong) {
  const Value v = decimal_from_i128(int128(1500000000000), -12, Unit::kKiloWattHour);
  EXPECT_EQ(v.to_string_with_unit(), "1.5 kWh");
  EXPECT_EQ(decimal_from_i128(0, -12, Unit::kKiloWattHour).to_string(), "0");
  EXPECT_EQ(decimal_from_i128(1200, 0, Unit::kNone).to_string(), "1200");  // no positive exp
  // 10^20 + 5 at 10^-12 does not fit in int64: rounded to 19 digits.
  const int128 big = pow10_i128(20) + 5;
  const Value r = decimal_from_i128(big, -12, Unit::kNone);
  EXPECT_EQ(r.to_string(), "100000000");
  const int128 two63 = int128(1) << 63;  // one more than int64 holds
  EXPECT_EQ(decimal_from_i128(two63, -2, Unit::kNone).to_string(), "92233720368547758.1");
  EXPECT_EQ(decimal_from_i128(-two63 - 1, -2, Unit::kNone).to_string(), "-92233720368547758.1");
}

}  // namespace
}  // namespace emscore::tariff

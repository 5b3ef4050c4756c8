#include "emscore/tariff/money.hpp"

#include <algorithm>
#include <limits>

#include "emscore/core/status.hpp"

namespace emscore::tariff {
namespace {

struct CurrencyRow {
  std::string_view code;
  std::int8_t minor_digits;
};

// ISO 4217 (list one, current codes in common use), sorted by code: the minor unit is the
// number of decimals the standard gives each currency.
constexpr CurrencyRow kCurrencies[] = {
    {"AED", 2}, {"AUD", 2}, {"BGN", 2}, {"BHD", 3}, {"BRL", 2}, {"CAD", 2}, {"CHF", 2}, {"CLP", 0},
    {"CNY", 2}, {"CZK", 2}, {"DKK", 2}, {"EGP", 2}, {"EUR", 2}, {"GBP", 2}, {"HKD", 2}, {"HUF", 2},
    {"IDR", 2}, {"ILS", 2}, {"INR", 2}, {"IQD", 3}, {"ISK", 0}, {"JOD", 3}, {"JPY", 0}, {"KRW", 0},
    {"KWD", 3}, {"LYD", 3}, {"MAD", 2}, {"MXN", 2}, {"NOK", 2}, {"NZD", 2}, {"OMR", 3}, {"PHP", 2},
    {"PLN", 2}, {"RON", 2}, {"RSD", 2}, {"SAR", 2}, {"SEK", 2}, {"SGD", 2}, {"THB", 2}, {"TND", 3},
    {"TRY", 2}, {"TWD", 2}, {"UAH", 2}, {"USD", 2}, {"VND", 0}, {"XAF", 0}, {"XOF", 0}, {"ZAR", 2},
};

struct Pow10Table {
  absl::int128 p[39];
  absl::int128 limit[39];  // Int128Max / 10^n: the largest magnitude that may be scaled by 10^n
  Pow10Table() {
    p[0] = 1;
    for (int i = 1; i < 39; ++i) p[i] = p[i - 1] * 10;
    for (int i = 0; i < 39; ++i) limit[i] = absl::Int128Max() / p[i];
  }
};
const Pow10Table& pow10_table() {
  static const Pow10Table t;
  return t;
}

absl::int128 abs128(absl::int128 v) noexcept { return v < 0 ? -v : v; }

}  // namespace

absl::StatusOr<Currency> Currency::parse(std::string_view code) {
  if (code.size() != 3 ||
      !std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return absl::InvalidArgumentError(str_cat("tariff: currency \"", code,
                                              "\" is not an ISO 4217 code (three capitals, "
                                              "e.g. EUR)"));
  }
  for (const auto& row : kCurrencies) {
    if (row.code == code) {
      Currency c;
      std::copy(code.begin(), code.end(), c.code.begin());
      c.minor_digits = row.minor_digits;
      return c;
    }
  }
  return absl::NotFoundError(
      str_cat("tariff: currency \"", code, "\" is not in the ISO 4217 table we know"));
}

std::string Money::amount_string() const {
  const bool negative = minor < 0;
  // Magnitude as unsigned so that INT64_MIN does not overflow.
  const std::uint64_t mag =
      negative ? ~static_cast<std::uint64_t>(minor) + 1u : static_cast<std::uint64_t>(minor);
  std::string digits = std::to_string(mag);
  const auto d = static_cast<std::size_t>(currency.minor_digits);
  if (d > 0) {
    if (digits.size() <= d) digits.insert(0, d + 1 - digits.size(), '0');
    digits.insert(digits.size() - d, ".");
  }
  return negative ? "-" + digits : digits;
}

std::string Money::to_string() const { return str_cat(amount_string(), " ", currency.code_view()); }

absl::int128 pow10_i128(int n) noexcept { return pow10_table().p[std::clamp(n, 0, 38)]; }

absl::int128 round_off_digits(absl::int128 v, int digits) noexcept {
  if (digits <= 0) return v;
  if (digits > 38) return 0;
  const absl::int128 p = pow10_i128(digits);
  const absl::int128 mag = abs128(v);
  absl::int128 q = mag / p;
  const absl::int128 r = mag % p;
  if (r * 2 >= p) q += 1;  // half away from zero
  return v < 0 ? -q : q;
}

absl::StatusOr<absl::int128> rescale_i128(absl::int128 v, int from_exp, int to_exp) {
  if (to_exp > from_exp) return round_off_digits(v, to_exp - from_exp);
  const int k = from_exp - to_exp;
  if (v == 0) return v;
  if (k > 38 || abs128(v) > pow10_table().limit[k]) {
    return absl::OutOfRangeError(
        str_cat("tariff: exact sum overflows 128 bits at exponent ", to_exp));
  }
  return v * pow10_i128(k);
}

absl::StatusOr<absl::int128> exact_product(std::int64_t m1, int e1, std::int64_t m2, int e2,
                                           int to_exp) {
  // |m1 * m2| < 2^126: the product itself always fits.
  return rescale_i128(absl::int128(m1) * absl::int128(m2), e1 + e2, to_exp);
}

absl::StatusOr<Money> round_to_minor(Currency currency, absl::int128 exact) {
  const absl::int128 minor = round_off_digits(exact, -kExactMoneyExponent - currency.minor_digits);
  if (minor > absl::int128(std::numeric_limits<std::int64_t>::max()) ||
      minor < absl::int128(std::numeric_limits<std::int64_t>::min())) {
    return absl::OutOfRangeError("tariff: amount does not fit in 64-bit minor units");
  }
  return Money{currency, static_cast<std::int64_t>(minor)};
}

Value decimal_from_i128(absl::int128 v, int exp, Unit unit) noexcept {
  const absl::int128 max = std::numeric_limits<std::int64_t>::max();
  while (abs128(v) > max) {
    v = round_off_digits(v, 1);
    ++exp;
  }
  while (v != 0 && v % 10 == 0 && exp < 0) {
    v /= 10;
    ++exp;
  }
  if (v == 0) return Value(0, 0, unit);
  return Value(static_cast<std::int64_t>(v), exp, unit);
}

}  // namespace emscore::tariff

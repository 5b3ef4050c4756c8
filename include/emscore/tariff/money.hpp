// emscore/tariff/money.hpp — money as integers, and the exact sums a bill is made of.
//
// A bill must be right to the cent, so money never passes through double:
//  - Currency is an ISO 4217 alphabetic code with the number of decimals of its minor unit
//    (EUR 2, JPY 0, KWD 3), from a table of the codes in common use.
//  - Money is an integer count of minor units (cents) of one currency.
//  - While a bill is summed, costs are kept exactly as an absl::int128 count of 10^-18 major
//    units ("atto" units): price * quantity of one interval is a product of two exact
//    decimals, so nothing is rounded while summing. Each figure of a bill (a tariff line, a
//    period, a total) is rounded once, from its exact sum, to the minor unit: half away from
//    zero (commercial rounding, as the euro conversion rules of Regulation (EC) 1103/97 and
//    DIN 1333 do it). The rounded lines of a bill may therefore differ from its rounded
//    total by at most half a minor unit per line; docs/tariff.md explains why we prefer that
//    to totals that drift with the number of lines.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/numeric/int128.h"
#include "absl/status/statusor.h"
#include "emscore/core/value.hpp"

namespace emscore::tariff {

// The exponent of exact money sums: one unit is 10^-18 of the major unit (EUR, USD).
inline constexpr int kExactMoneyExponent = -18;

struct Currency {
  std::array<char, 3> code{'E', 'U', 'R'};
  std::int8_t minor_digits = 2;  // ISO 4217 "minor unit": decimals of the major unit

  // An ISO 4217 alphabetic code ("EUR", "CHF", "JPY"); InvalidArgument when the text is not
  // three upper-case letters, NotFound when the code is not in our table.
  static absl::StatusOr<Currency> parse(std::string_view code);
  std::string_view code_view() const noexcept { return {code.data(), code.size()}; }
  friend bool operator==(const Currency&, const Currency&) = default;
};

struct Money {
  Currency currency;
  std::int64_t minor = 0;  // count of minor units: 1234 = 12.34 EUR

  // "12.34" (exactly minor_digits decimals; "-0.05", "1234" for JPY).
  std::string amount_string() const;
  // "12.34 EUR".
  std::string to_string() const;
  friend bool operator==(const Money&, const Money&) = default;
};

// 10^n as int128 for 0 <= n <= 38.
absl::int128 pow10_i128(int n) noexcept;

// Divides by 10^digits, rounding half away from zero (digits >= 0; more than 38 digits gives 0).
absl::int128 round_off_digits(absl::int128 v, int digits) noexcept;

// Re-expresses the exact decimal v * 10^from_exp at exponent to_exp: exact when to_exp <=
// from_exp (an error if the result would not fit in int128), rounded half away from zero
// otherwise.
absl::StatusOr<absl::int128> rescale_i128(absl::int128 v, int from_exp, int to_exp);

// The exact product (m1 * 10^e1) * (m2 * 10^e2) at exponent `to_exp` (see rescale_i128).
absl::StatusOr<absl::int128> exact_product(std::int64_t m1, int e1, std::int64_t m2, int e2,
                                           int to_exp);

// An exact money sum (10^-18 major units) rounded to the minor unit, half away from zero;
// OutOfRange when the result does not fit in int64 minor units.
absl::StatusOr<Money> round_to_minor(Currency currency, absl::int128 exact);

// An exact decimal v * 10^exp as a Value with the given unit: trailing zeros are dropped
// (so 1.500000 kWh comes out as 1.5 kWh); digits beyond what int64 holds are rounded half
// away from zero.
Value decimal_from_i128(absl::int128 v, int exp, Unit unit) noexcept;

}  // namespace emscore::tariff

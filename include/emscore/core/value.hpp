// emscore/core/value.hpp — an exact decimal measured value.
//
// A meter value is a decimal: the meter counts 295.925 kWh, not 295.92499999999998. Value
// keeps it as mantissa * 10^exponent with a unit, so that it passes from the wire to storage
// without ever rounding through a double:
//   295.925 kWh = Value{295925, -3, Unit::kKiloWattHour}
// Arithmetic is checked (an overflow is an error, never a wrap); conversion to double is
// explicit (to_double) and meant for display and math only.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "emscore/core/unit.hpp"

namespace emscore {

struct Value {
  std::int64_t mantissa = 0;
  std::int8_t exponent = 0;
  Unit unit = Unit::kNone;

  constexpr Value() = default;
  constexpr Value(std::int64_t m, int e, Unit u = Unit::kNone) noexcept
      : mantissa(m), exponent(static_cast<std::int8_t>(e)), unit(u) {}

  // Parses a decimal such as "295.925", "-0.5", "+12", "000123.40", "1.5e3"; keeps the
  // number of decimals written ("1.50" is {150, -2}). At most 18 significant digits.
  static absl::StatusOr<Value> parse(std::string_view text, Unit unit = Unit::kNone);

  // Exact decimal text with exactly -exponent decimals: {295925,-3} -> "295.925",
  // {-5,-3} -> "-0.005", {12,2} -> "1200". No unit.
  std::string to_string() const;
  // to_string() plus " " + unit symbol when there is a unit.
  std::string to_string_with_unit() const;

  double to_double() const noexcept;

  // The same quantity with the given exponent. Increasing the exponent drops digits: an
  // error unless they are zero (or round == true: round half away from zero). Decreasing it
  // multiplies the mantissa: an error on overflow.
  absl::StatusOr<Value> rescaled(int new_exponent, bool round = false) const;
  // The same quantity in another unit of the same dimension (kWh -> Wh): an exact shift of
  // the exponent. Error when the dimensions differ.
  absl::StatusOr<Value> converted(Unit target) const;
  // Trailing zeros of the mantissa moved into the exponent ({1500,-3} -> {15,-1}).
  Value normalized() const noexcept;
  // Multiplies by m * 10^e exactly (driver factors and divisors), checked.
  absl::StatusOr<Value> scaled(std::int64_t m, int e) const;

  // Sum and difference, exact; the result has the smaller exponent and the unit of *this
  // (other is converted first). Errors on different dimensions or overflow.
  absl::StatusOr<Value> plus(const Value& other) const;
  absl::StatusOr<Value> minus(const Value& other) const;

  // Same number, unit and representation (1.0 and 1.00 differ here).
  bool identical(const Value& o) const noexcept {
    return mantissa == o.mantissa && exponent == o.exponent && unit == o.unit;
  }
};

// Numeric comparison across exponents and units of one dimension (1 kWh == 1000 Wh,
// 1.0 == 1.00). Values of different dimensions are unordered.
std::partial_ordering compare(const Value& a, const Value& b) noexcept;
inline bool operator==(const Value& a, const Value& b) noexcept {
  return compare(a, b) == std::partial_ordering::equivalent;
}
inline std::partial_ordering operator<=>(const Value& a, const Value& b) noexcept {
  return compare(a, b);
}

// Power of ten as int64 for 0 <= n <= 18.
constexpr std::int64_t pow10_i64(int n) noexcept {
  std::int64_t v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

}  // namespace emscore

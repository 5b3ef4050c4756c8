#include "emscore/core/value.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "emscore/core/strings.hpp"

namespace emscore {
namespace {

constexpr int kMaxDigits = 18;

bool mul_pow10(std::int64_t m, int n, std::int64_t* out) {
  // n in [0, 18]; checked multiplication.
  if (n < 0) return false;
  if (m == 0) {
    *out = 0;
    return true;
  }
  if (n > kMaxDigits) return false;
  return !__builtin_mul_overflow(m, pow10_i64(n), out);
}

std::string unit_suffix(Unit u) {
  return u == Unit::kNone ? std::string() : str_cat(" ", unit_symbol(u));
}

}  // namespace

absl::StatusOr<Value> Value::parse(std::string_view text, Unit unit) {
  const std::string_view original = text;
  auto fail = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        str_cat("value: \"", original, "\" is not a decimal number: ", why));
  };
  if (text.empty()) return fail("empty");
  bool negative = false;
  if (text.front() == '+' || text.front() == '-') {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  std::int64_t mant = 0;
  int significant = 0;
  int decimals = 0;
  bool seen_point = false;
  bool seen_digit = false;
  std::size_t i = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      seen_digit = true;
      if (mant != 0 || c != '0') ++significant;
      if (significant > kMaxDigits) return fail("more than 18 significant digits");
      mant = mant * 10 + (c - '0');
      if (seen_point) ++decimals;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!seen_digit) return fail("no digits");
  int exp10 = 0;
  if (i < text.size()) {
    if (text[i] != 'e' && text[i] != 'E') {
      return fail(str_cat("unexpected '", text.substr(i, 1), "' at position ",
                               i + (original.size() - text.size())));
    }
    ++i;
    bool eneg = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
      eneg = text[i] == '-';
      ++i;
    }
    if (i >= text.size()) return fail("exponent without digits");
    for (; i < text.size(); ++i) {
      const char c = text[i];
      if (c < '0' || c > '9') return fail("exponent is not an integer");
      exp10 = exp10 * 10 + (c - '0');
      if (exp10 > 100) return fail("exponent out of range");
    }
    if (eneg) exp10 = -exp10;
  }
  const int e = exp10 - decimals;
  if (e < -127 || e > 127) return fail("exponent out of range");
  return Value(negative ? -mant : mant, e, unit);
}

std::string Value::to_string() const {
  const bool neg = mantissa < 0;
  const std::uint64_t mag =
      neg ? 0 - static_cast<std::uint64_t>(mantissa) : static_cast<std::uint64_t>(mantissa);
  std::string digits = str_cat(mag);
  std::string out;
  if (neg) out.push_back('-');
  if (exponent >= 0) {
    out += digits;
    if (mag != 0) out.append(static_cast<std::size_t>(exponent), '0');
    return out;
  }
  const std::size_t decimals = static_cast<std::size_t>(-static_cast<int>(exponent));
  if (digits.size() <= decimals) {
    out += "0.";
    out.append(decimals - digits.size(), '0');
    out += digits;
  } else {
    out.append(digits, 0, digits.size() - decimals);
    out.push_back('.');
    out.append(digits, digits.size() - decimals, std::string::npos);
  }
  return out;
}

std::string Value::to_string_with_unit() const { return to_string() + unit_suffix(unit); }

double Value::to_double() const noexcept {
  // The decimal string round-trips through strtod correctly rounded, unlike m * pow(10, e)
  // which rounds twice.
  if (exponent == 0) return static_cast<double>(mantissa);
  char buf[48];
  const int n = std::snprintf(buf, sizeof buf, "%lde%d", static_cast<long>(mantissa),
                              static_cast<int>(exponent));
  if (n <= 0) return static_cast<double>(mantissa) * std::pow(10.0, exponent);
  return std::strtod(buf, nullptr);
}

absl::StatusOr<Value> Value::rescaled(int new_exponent, bool round) const {
  if (new_exponent < -127 || new_exponent > 127) {
    return absl::OutOfRangeError(str_cat("value: exponent ", new_exponent, " out of range"));
  }
  const int diff = exponent - new_exponent;
  if (diff >= 0) {
    std::int64_t m;
    if (!mul_pow10(mantissa, diff, &m)) {
      return absl::OutOfRangeError(str_cat("value: ", to_string(), " with exponent ",
                                                new_exponent, " overflows 64 bits"));
    }
    return Value(m, new_exponent, unit);
  }
  const int drop = -diff;
  if (drop > kMaxDigits) {
    if (mantissa == 0 || round) return Value(0, new_exponent, unit);
    return absl::InvalidArgumentError(
        str_cat("value: ", to_string(), " loses digits at exponent ", new_exponent));
  }
  const std::int64_t div = pow10_i64(drop);
  const std::int64_t q = mantissa / div;
  const std::int64_t r = mantissa % div;
  if (r == 0) return Value(q, new_exponent, unit);
  if (!round) {
    return absl::InvalidArgumentError(
        str_cat("value: ", to_string(), " loses digits at exponent ", new_exponent));
  }
  const std::int64_t absr = r < 0 ? -r : r;
  std::int64_t qq = q;
  if (absr * 2 >= div) qq += (mantissa < 0 ? -1 : 1);
  return Value(qq, new_exponent, unit);
}

absl::StatusOr<Value> Value::converted(Unit target) const {
  const auto s = unit_scale(unit, target);
  if (!s) {
    return absl::InvalidArgumentError(str_cat("value: cannot convert ", unit_symbol(unit),
                                                   " to ", unit_symbol(target)));
  }
  const int e = exponent + *s;
  if (e >= -127 && e <= 127) return Value(mantissa, e, target);
  return absl::OutOfRangeError(
      str_cat("value: ", to_string_with_unit(), " in ", unit_symbol(target),
                   " needs exponent ", e, ", out of range"));
}

Value Value::normalized() const noexcept {
  if (mantissa == 0) return Value(0, 0, unit);
  std::int64_t m = mantissa;
  int e = exponent;
  while (m % 10 == 0 && e < 127) {
    m /= 10;
    ++e;
  }
  return Value(m, e, unit);
}

absl::StatusOr<Value> Value::scaled(std::int64_t m, int e) const {
  std::int64_t prod;
  if (__builtin_mul_overflow(mantissa, m, &prod)) {
    return absl::OutOfRangeError(
        str_cat("value: ", to_string(), " times ", m, " overflows 64 bits"));
  }
  const int ne = exponent + e;
  if (ne < -127 || ne > 127) {
    return absl::OutOfRangeError(str_cat("value: exponent ", ne, " out of range"));
  }
  return Value(prod, ne, unit);
}

absl::StatusOr<Value> Value::plus(const Value& other) const {
  Value o = other;
  if (other.unit != unit) {
    auto c = other.converted(unit);
    if (!c.ok()) return c.status();
    o = *c;
  }
  const int e = exponent < o.exponent ? exponent : o.exponent;
  auto a = rescaled(e);
  if (!a.ok()) return a.status();
  auto b = o.rescaled(e);
  if (!b.ok()) return b.status();
  std::int64_t sum;
  if (__builtin_add_overflow(a->mantissa, b->mantissa, &sum)) {
    return absl::OutOfRangeError(str_cat("value: ", to_string(), " + ", other.to_string(),
                                              " overflows 64 bits"));
  }
  return Value(sum, e, unit);
}

absl::StatusOr<Value> Value::minus(const Value& other) const {
  if (other.mantissa == INT64_MIN) {
    return absl::OutOfRangeError("value: cannot negate the smallest mantissa");
  }
  return plus(Value(-other.mantissa, other.exponent, other.unit));
}

std::partial_ordering compare(const Value& a, const Value& b) noexcept {
  const auto s = unit_scale(b.unit, a.unit);
  if (!s) return std::partial_ordering::unordered;
  // Compare a.m * 10^ea with b.m * 10^(eb + s) exactly.
  const int ea = a.exponent;
  const int eb = b.exponent + *s;
  if ((a.mantissa < 0) != (b.mantissa < 0) || a.mantissa == 0 || b.mantissa == 0) {
    const int sa = (a.mantissa > 0) - (a.mantissa < 0);
    const int sb = (b.mantissa > 0) - (b.mantissa < 0);
    return sa <=> sb;
  }
  __extension__ using I128 = __int128;
  I128 x = a.mantissa;
  I128 y = b.mantissa;
  const int diff = ea - eb;
  const bool negative = a.mantissa < 0;
  if (diff > 18) {
    return negative ? std::partial_ordering::less : std::partial_ordering::greater;
  }
  if (diff < -18) {
    return negative ? std::partial_ordering::greater : std::partial_ordering::less;
  }
  if (diff > 0) x *= pow10_i64(diff);
  if (diff < 0) y *= pow10_i64(-diff);
  if (x < y) return std::partial_ordering::less;
  if (x > y) return std::partial_ordering::greater;
  return std::partial_ordering::equivalent;
}

}  // namespace emscore

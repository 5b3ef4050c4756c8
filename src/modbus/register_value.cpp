#include "emscore/modbus/register_value.hpp"

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::modbus {
namespace {

bool is_word_swapped(WordOrder o) noexcept { return o == WordOrder::kCDAB || o == WordOrder::kDCBA; }
bool is_byte_swapped(WordOrder o) noexcept { return o == WordOrder::kBADC || o == WordOrder::kDCBA; }

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool is_float(ValueType t) noexcept { return t == ValueType::kF32 || t == ValueType::kF64; }
bool is_signed(ValueType t) noexcept {
  return t == ValueType::kI16 || t == ValueType::kI32 || t == ValueType::kI64;
}

// Shortest round-trip text of a float or double in the given format.
std::string shortest(double d, ValueType t, std::chars_format fmt) {
  char buf[400];
  std::to_chars_result r;
  if (t == ValueType::kF32) {
    r = std::to_chars(buf, buf + sizeof buf, static_cast<float>(d), fmt);
  } else {
    r = std::to_chars(buf, buf + sizeof buf, d, fmt);
  }
  return std::string(buf, r.ptr);
}

// "-1.2345e+02" -> "-123.45", "1e+20" -> "100000000000000000000", "2.5e-03" -> "0.0025":
// the digits of the shortest round-trip form, written without an exponent.
std::string plain_decimal(std::string_view sci) {
  std::string out;
  if (!sci.empty() && sci.front() == '-') {
    out.push_back('-');
    sci.remove_prefix(1);
  }
  const std::size_t e = sci.find('e');
  const std::string_view mant = sci.substr(0, e);
  int exp10 = 0;
  if (e != std::string_view::npos) {
    std::string_view ex = sci.substr(e + 1);
    if (!ex.empty() && ex.front() == '+') ex.remove_prefix(1);
    std::from_chars(ex.data(), ex.data() + ex.size(), exp10);
  }
  std::string digits;
  for (char c : mant) {
    if (c != '.') digits.push_back(c);
  }
  // Value = 0.digits * 10^(exp10 + 1): the decimal point goes after exp10 + 1 digits.
  const int point = exp10 + 1;
  if (point <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-point), '0');
    out += digits;
  } else if (static_cast<std::size_t>(point) >= digits.size()) {
    out += digits;
    out.append(static_cast<std::size_t>(point) - digits.size(), '0');
  } else {
    out += digits.substr(0, static_cast<std::size_t>(point));
    out += '.';
    out += digits.substr(static_cast<std::size_t>(point));
  }
  return out;
}

}  // namespace

std::string_view value_type_name(ValueType t) noexcept {
  switch (t) {
    case ValueType::kU16: return "uint16";
    case ValueType::kI16: return "int16";
    case ValueType::kU32: return "uint32";
    case ValueType::kI32: return "int32";
    case ValueType::kU64: return "uint64";
    case ValueType::kI64: return "int64";
    case ValueType::kF32: return "float32";
    case ValueType::kF64: return "float64";
  }
  return "?";
}

absl::StatusOr<ValueType> parse_value_type(std::string_view name) {
  struct Alias {
    std::string_view name;
    ValueType type;
  };
  static constexpr Alias kAliases[] = {
      {"uint16", ValueType::kU16}, {"u16", ValueType::kU16},   {"int16", ValueType::kI16},
      {"i16", ValueType::kI16},    {"uint32", ValueType::kU32}, {"u32", ValueType::kU32},
      {"int32", ValueType::kI32},  {"i32", ValueType::kI32},   {"uint64", ValueType::kU64},
      {"u64", ValueType::kU64},    {"int64", ValueType::kI64}, {"i64", ValueType::kI64},
      {"float32", ValueType::kF32}, {"f32", ValueType::kF32},  {"float", ValueType::kF32},
      {"float64", ValueType::kF64}, {"f64", ValueType::kF64},  {"double", ValueType::kF64},
  };
  for (const auto& a : kAliases) {
    if (iequals(a.name, name)) return a.type;
  }
  return absl::InvalidArgumentError(
      str_cat("modbus: value type \"", name,
              "\" unknown, expected uint16, int16, uint32, int32, uint64, int64, float32 or float64"));
}

std::string_view word_order_name(WordOrder o) noexcept {
  switch (o) {
    case WordOrder::kABCD: return "ABCD";
    case WordOrder::kCDAB: return "CDAB";
    case WordOrder::kBADC: return "BADC";
    case WordOrder::kDCBA: return "DCBA";
  }
  return "?";
}

absl::StatusOr<WordOrder> parse_word_order(std::string_view name) {
  for (WordOrder o : {WordOrder::kABCD, WordOrder::kCDAB, WordOrder::kBADC, WordOrder::kDCBA}) {
    if (iequals(word_order_name(o), name)) return o;
  }
  return absl::InvalidArgumentError(
      str_cat("modbus: byte/word order \"", name, "\" unknown, expected ABCD, CDAB, BADC or DCBA"));
}

void place_bytes(std::span<const std::uint8_t> be, WordOrder order,
                 std::span<std::uint16_t> out) noexcept {
  const std::size_t words = be.size() / 2;
  for (std::size_t i = 0; i < words && i < out.size(); ++i) {
    const std::uint8_t hi = be[2 * i];
    const std::uint8_t lo = be[2 * i + 1];
    const std::uint16_t reg = is_byte_swapped(order) ? static_cast<std::uint16_t>((lo << 8) | hi)
                                                     : static_cast<std::uint16_t>((hi << 8) | lo);
    const std::size_t at = is_word_swapped(order) ? words - 1 - i : i;
    if (at < out.size()) out[at] = reg;
  }
}

void gather_bytes(std::span<const std::uint16_t> regs, WordOrder order,
                  std::span<std::uint8_t> be) noexcept {
  const std::size_t words = be.size() / 2;
  for (std::size_t i = 0; i < words; ++i) {
    const std::size_t at = is_word_swapped(order) ? words - 1 - i : i;
    const std::uint16_t reg = at < regs.size() ? regs[at] : 0;
    const auto hi = static_cast<std::uint8_t>(reg >> 8);
    const auto lo = static_cast<std::uint8_t>(reg & 0xFF);
    be[2 * i] = is_byte_swapped(order) ? lo : hi;
    be[2 * i + 1] = is_byte_swapped(order) ? hi : lo;
  }
}

absl::StatusOr<RegisterValue> decode_value(std::span<const std::uint16_t> regs, ValueType type,
                                           WordOrder order) {
  const std::size_t n = register_count(type);
  if (regs.size() < n) {
    return absl::OutOfRangeError(str_cat("modbus: ", value_type_name(type), " needs ", n,
                                         " registers, got ", regs.size()));
  }
  std::array<std::uint8_t, 8> be{};
  gather_bytes(regs.first(n), order, std::span(be).first(2 * n));
  std::uint64_t u = 0;
  for (std::size_t i = 0; i < 2 * n; ++i) u = (u << 8) | be[i];
  RegisterValue r;
  r.type = type;
  switch (type) {
    case ValueType::kU16:
    case ValueType::kU32:
    case ValueType::kU64: r.v = u; break;
    case ValueType::kI16: r.v = static_cast<std::int64_t>(static_cast<std::int16_t>(u)); break;
    case ValueType::kI32: r.v = static_cast<std::int64_t>(static_cast<std::int32_t>(u)); break;
    case ValueType::kI64: r.v = static_cast<std::int64_t>(u); break;
    case ValueType::kF32:
      r.v = static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(u)));
      break;
    case ValueType::kF64: r.v = std::bit_cast<double>(u); break;
  }
  return r;
}

double RegisterValue::to_double() const noexcept {
  if (const auto* u = std::get_if<std::uint64_t>(&v)) return static_cast<double>(*u);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  return std::get<double>(v);
}

absl::StatusOr<std::string> RegisterValue::to_string() const {
  if (const auto* u = std::get_if<std::uint64_t>(&v)) return str_cat(*u);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return str_cat(*i);
  const double d = std::get<double>(v);
  if (!std::isfinite(d)) {
    return absl::InvalidArgumentError(str_cat("modbus: ", value_type_name(type), " is ",
                                              std::isnan(d) ? "NaN" : "infinite",
                                              ", not a number"));
  }
  return plain_decimal(shortest(d, type, std::chars_format::scientific));
}

absl::StatusOr<Value> RegisterValue::to_value(Unit unit) const {
  if (const auto* u = std::get_if<std::uint64_t>(&v)) {
    if (*u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return Value::parse(str_cat(*u), unit);  // error unless it fits in 18 digits
    }
    return Value(static_cast<std::int64_t>(*u), 0, unit);
  }
  if (const auto* i = std::get_if<std::int64_t>(&v)) return Value(*i, 0, unit);
  const double d = std::get<double>(v);
  if (!std::isfinite(d)) return to_string().status();
  return Value::parse(shortest(d, type, std::chars_format::scientific), unit);
}

absl::Status encode_value(const RegisterValue& value, WordOrder order,
                          std::span<std::uint16_t> out) {
  const ValueType t = value.type;
  const std::size_t n = register_count(t);
  if (out.size() < n) {
    return absl::OutOfRangeError(str_cat("modbus: ", value_type_name(t), " needs ", n,
                                         " registers, got room for ", out.size()));
  }
  std::uint64_t bits = 0;
  auto range_error = [&](std::string_view got) {
    return absl::InvalidArgumentError(
        str_cat("modbus: ", got, " does not fit in ", value_type_name(t)));
  };
  if (is_float(t)) {
    const double d = value.to_double();
    if (t == ValueType::kF32) {
      if (std::isfinite(d) && std::fabs(d) > static_cast<double>(std::numeric_limits<float>::max())) {
        return range_error("value");
      }
      bits = std::bit_cast<std::uint32_t>(static_cast<float>(d));
    } else {
      bits = std::bit_cast<std::uint64_t>(d);
    }
  } else {
    // Integers: the value as a signed 128-bit range check through two cases.
    const int width = static_cast<int>(16 * n);
    if (const auto* dd = std::get_if<double>(&value.v)) {
      if (!std::isfinite(*dd) || std::trunc(*dd) != *dd) return range_error("a non-integer");
      if (*dd < -9223372036854775808.0 || *dd >= 18446744073709551616.0) return range_error("value");
      if (*dd < 0) {
        bits = static_cast<std::uint64_t>(static_cast<std::int64_t>(*dd));
      } else {
        bits = static_cast<std::uint64_t>(*dd);
      }
      RegisterValue again;
      again.type = t;
      if (*dd < 0) {
        again.v = static_cast<std::int64_t>(bits);
      } else {
        again.v = bits;
      }
      return encode_value(again, order, out);
    }
    if (const auto* u = std::get_if<std::uint64_t>(&value.v)) {
      const std::uint64_t max = is_signed(t) ? (std::uint64_t{1} << (width - 1)) - 1
                                             : (width == 64 ? ~std::uint64_t{0}
                                                            : (std::uint64_t{1} << width) - 1);
      if (*u > max) return range_error(str_cat(*u));
      bits = *u;
    } else {
      const std::int64_t i = std::get<std::int64_t>(value.v);
      if (is_signed(t)) {
        const std::int64_t lo = width == 64 ? std::numeric_limits<std::int64_t>::min()
                                            : -(std::int64_t{1} << (width - 1));
        const std::int64_t hi = width == 64 ? std::numeric_limits<std::int64_t>::max()
                                            : (std::int64_t{1} << (width - 1)) - 1;
        if (i < lo || i > hi) return range_error(str_cat(i));
      } else {
        if (i < 0) return range_error(str_cat(i));
        if (width < 64 && static_cast<std::uint64_t>(i) > (std::uint64_t{1} << width) - 1) {
          return range_error(str_cat(i));
        }
      }
      bits = static_cast<std::uint64_t>(i);
    }
    if (width < 64) bits &= (std::uint64_t{1} << width) - 1;
  }
  std::array<std::uint8_t, 8> be{};
  for (std::size_t k = 0; k < 2 * n; ++k) {
    be[k] = static_cast<std::uint8_t>(bits >> (8 * (2 * n - 1 - k)));
  }
  place_bytes(std::span(be).first(2 * n), order, out.first(n));
  return absl::OkStatus();
}

absl::Status encode_text(std::string_view text, ValueType type, WordOrder order,
                         std::span<std::uint16_t> out) {
  RegisterValue v;
  v.type = type;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  auto bad = [&]() {
    return absl::InvalidArgumentError(
        str_cat("modbus: \"", text, "\" is not a valid ", value_type_name(type)));
  };
  if (text.empty()) return bad();
  if (is_float(type)) {
    double d = 0;
    const auto r = std::from_chars(first, last, d);
    if (r.ec != std::errc() || r.ptr != last) return bad();
    v.v = d;
  } else if (text.front() == '-') {
    std::int64_t i = 0;
    const auto r = std::from_chars(first, last, i);
    if (r.ec != std::errc() || r.ptr != last) return bad();
    v.v = i;
  } else {
    if (text.front() == '+') ++first;
    std::uint64_t u = 0;
    const auto r = std::from_chars(first, last, u);
    if (r.ec != std::errc() || r.ptr != last) return bad();
    v.v = u;
  }
  return encode_value(v, order, out);
}

}  // namespace emscore::modbus

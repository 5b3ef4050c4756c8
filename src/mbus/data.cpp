#include "emscore/mbus/data.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "emscore/core/bcd.hpp"
#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"
#include "vif_tables.hpp"

namespace emscore::mbus {
namespace {

// Folds a per-time VIFE into the unit where the unit set has the compound (m^3 per hour is
// m^3/h); returns false when it has none.
bool fold_per_time(Unit& unit, Unit per) noexcept {
  switch (unit) {
    case Unit::kCubicMetre:
      if (per == Unit::kSecond) { unit = Unit::kCubicMetrePerSecond; return true; }
      if (per == Unit::kMinute) { unit = Unit::kCubicMetrePerMinute; return true; }
      if (per == Unit::kHour) { unit = Unit::kCubicMetrePerHour; return true; }
      if (per == Unit::kDay) { unit = Unit::kCubicMetrePerDay; return true; }
      return false;
    case Unit::kKilogram:
      if (per == Unit::kHour) { unit = Unit::kKilogramPerHour; return true; }
      if (per == Unit::kSecond) { unit = Unit::kKilogramPerSecond; return true; }
      return false;
    case Unit::kJoule:
      if (per == Unit::kHour) { unit = Unit::kJoulePerHour; return true; }
      return false;
    case Unit::kWattHour:
      if (per == Unit::kHour) { unit = Unit::kWatt; return true; }
      return false;
    default:
      return false;
  }
}

// The combinable VIFEs of a record, applied to the meaning of its VIF (the uncommon case:
// most records have none).
void describe_vifes(const Record& r, RecordMeaning& m) noexcept {
  int exponent = m.exponent;
  for (std::uint8_t e : r.vifes) {
    const VifeInfo& x = detail::kCombinableVifeTable[e & 0x7F];
    switch (x.kind) {
      case VifeKind::kErrorCode:
        if ((e & 0x7F) != 0) {
          m.has_error = true;
          m.error_code = e & 0x7F;
        }
        break;
      case VifeKind::kPerTime:
        if (x.per_time != Unit::kNone && !fold_per_time(m.unit, x.per_time)) {
          m.per_time = x.per_time;
        }
        break;
      case VifeKind::kMultiplicative: exponent += x.exponent; break;
      case VifeKind::kAdditive: m.additive = true; break;
      case VifeKind::kStartDateOf:
      case VifeKind::kLimitExceedDate:
        m.kind = VifKind::kDateTime;
        m.unit = Unit::kNone;
        m.seconds = 1;
        exponent = 0;
        m.limit_value = x.kind == VifeKind::kLimitExceedDate;
        break;
      case VifeKind::kLimitExceedCount:
        m.unit = Unit::kNone;
        m.seconds = 1;
        exponent = 0;
        m.limit_value = true;
        break;
      case VifeKind::kLimitValue:
      case VifeKind::kLimitExceedDuration:
      case VifeKind::kValueDuringLimit:
        m.limit_value = true;
        break;
      case VifeKind::kAccumulationPositive: m.accumulation_positive = true; break;
      case VifeKind::kAccumulationNegative: m.accumulation_negative = true; break;
      case VifeKind::kFutureValue: m.future_value = true; break;
      case VifeKind::kManufacturerNext:
        m.manufacturer_vife = true;
        m.exponent = static_cast<std::int8_t>(exponent);
        return;  // the rest of the VIFEs are the manufacturer's
      default:
        break;
    }
  }
  m.exponent = static_cast<std::int8_t>(exponent < -127 ? -127 : exponent > 127 ? 127 : exponent);
}

int century_year(int yy, int hundred_years) noexcept {
  // EN 13757-3:2013 Annex A: year 0..99 plus, in type F, hundred-year bits counted from
  // 1900. Meters without them (most) mean 2000..2080 for 0..80 and 1981..1999 above.
  if (hundred_years != 0) return 1900 + 100 * hundred_years + yy;
  return yy <= 80 ? 2000 + yy : 1900 + yy;
}

// The data field as an unsigned number (1 to 8 bytes; the caller checks the size). Fixed
// sizes load with one or two moves instead of a byte loop.
inline std::uint64_t load_uint(std::span<const std::uint8_t> b, bool little) noexcept {
  const std::uint8_t* p = b.data();
  std::uint64_t v = 0;
  if (little) [[likely]] {
    switch (b.size()) {
      case 1: return p[0];
      case 2: { std::uint16_t x; std::memcpy(&x, p, 2); return x; }
      case 4: { std::uint32_t x; std::memcpy(&x, p, 4); return x; }
      case 8: std::memcpy(&v, p, 8); return v;
      default: break;
    }
    for (std::size_t i = b.size(); i-- > 0;) v = (v << 8) | p[i];
  } else {
    for (std::size_t i = 0; i < b.size(); ++i) v = (v << 8) | p[i];
  }
  return v;
}

std::int64_t sign_extend(std::uint64_t v, std::size_t bytes) noexcept {
  if (bytes >= 8) return static_cast<std::int64_t>(v);
  const std::uint64_t sign = std::uint64_t{1} << (8 * bytes - 1);
  return static_cast<std::int64_t>((v ^ sign) - sign);
}

// One BCD byte (two digits, low nibble the lower digit) as 0..99; 0xFF when a nibble is A-F.
constexpr std::array<std::uint8_t, 256> kBcdByte = [] {
  std::array<std::uint8_t, 256> t{};
  for (unsigned b = 0; b < 256; ++b) {
    t[b] = ((b >> 4) <= 9 && (b & 0x0F) <= 9) ? static_cast<std::uint8_t>((b >> 4) * 10 + (b & 0x0F))
                                              : std::uint8_t{0xFF};
  }
  return t;
}();

// BCD, the same as core's decode_bcd (1 to kMaxBcdBytes bytes; 0xF in the most significant
// nibble is a minus sign when allowed; any other A-F nibble makes it invalid) but two digits
// per table load and no Status: false means "not a decimal number".
inline bool bcd_value(std::span<const std::uint8_t> d, bool little, bool allow_negative,
                      std::int64_t& out) noexcept {
  const std::size_t n = d.size();
  if (n == 0 || n > kMaxBcdBytes) return false;
  const std::uint8_t* p = d.data();
  // Most significant byte first.
  const std::uint8_t top = little ? p[n - 1] : p[0];
  std::uint8_t bad = 0;
  std::int64_t value;
  bool negative = false;
  if (allow_negative && (top >> 4) == 0xF) {
    negative = true;
    value = top & 0x0F;
    bad = value > 9 ? 0xFF : 0;
  } else {
    value = kBcdByte[top];
    bad = static_cast<std::uint8_t>(value);
  }
  if (little) {
    for (std::size_t i = n - 1; i-- > 0;) {
      const std::uint8_t t = kBcdByte[p[i]];
      bad |= t;
      value = value * 100 + t;
    }
  } else {
    for (std::size_t i = 1; i < n; ++i) {
      const std::uint8_t t = kBcdByte[p[i]];
      bad |= t;
      value = value * 100 + t;
    }
  }
  if (bad & 0x80) return false;
  out = negative ? -value : value;
  return true;
}

[[gnu::cold, gnu::noinline]] absl::Status duration_overflow(std::int64_t raw, std::int32_t seconds) {
  return absl::OutOfRangeError(
      str_cat("mbus: duration ", raw, " times ", seconds, " s does not fit 64 bits"));
}

[[gnu::cold, gnu::noinline]] absl::Status exponent_out_of_range(int e) {
  return absl::OutOfRangeError(str_cat("mbus: decimal exponent ", e, " out of range"));
}

// raw * seconds * 10^(exponent + extra_exp) into v; false (v untouched) when the product
// does not fit 64 bits or the exponent an int8 (scale_status() then says which).
inline bool scale_into(RecordValue& v, const RecordMeaning& m, std::int64_t raw,
                       int extra_exp) noexcept {
  std::int64_t mant = raw;
  if (m.seconds != 1 && __builtin_mul_overflow(raw, std::int64_t{m.seconds}, &mant)) [[unlikely]] {
    return false;
  }
  const int e = extra_exp + m.exponent;
  if (e < -127 || e > 127) [[unlikely]] return false;
  v.type = ValueType::kNumber;
  v.number = Value(mant, e, m.unit);
  return true;
}

// Why scale_into() failed.
[[gnu::cold, gnu::noinline]] absl::Status scale_status(const RecordMeaning& m, std::int64_t raw,
                                                       int extra_exp) {
  std::int64_t mant;
  if (m.seconds != 1 && __builtin_mul_overflow(raw, std::int64_t{m.seconds}, &mant)) {
    return duration_overflow(raw, m.seconds);
  }
  return exponent_out_of_range(extra_exp + m.exponent);
}

inline absl::Status scale(RecordValue& v, const RecordMeaning& m, std::int64_t raw, int extra_exp) {
  if (scale_into(v, m, raw, extra_exp)) [[likely]] return absl::OkStatus();
  return scale_status(m, raw, extra_exp);
}

// A binary integer (1 to 8 bytes): signed for measured values, unsigned for identifiers and
// bit fields; an unsigned 64-bit number above INT64_MAX stays bytes. False: see scale_into.
inline bool decode_binary(std::span<const std::uint8_t> d, bool little, bool is_signed,
                          const RecordMeaning& m, RecordValue& v, std::int64_t& raw) noexcept {
  const std::uint64_t u = load_uint(d, little);
  if (!is_signed && d.size() == 8 && u > static_cast<std::uint64_t>(INT64_MAX)) [[unlikely]] {
    v.type = ValueType::kBytes;
    v.bytes = d;
    return true;
  }
  raw = is_signed ? sign_extend(u, d.size()) : static_cast<std::int64_t>(u);
  return scale_into(v, m, raw, 0);
}

[[gnu::noinline]] absl::Status decode_real32(std::span<const std::uint8_t> d, bool little,
                                            const RecordMeaning& m, RecordValue& v) {
  const auto bits32 = static_cast<std::uint32_t>(load_uint(d, little));
  float f;
  std::memcpy(&f, &bits32, sizeof f);
  if (!std::isfinite(f)) {
    v.type = ValueType::kInvalid;
    v.bytes = d;
    return absl::OkStatus();
  }
  // The shortest decimal that reads back as the same float: the value the meter meant.
  // Whole numbers below 2^24 (counters, zeros) are their own shortest digits; to_chars
  // writes them plainly ("230") unless scientific is shorter ("1e+06"), and so does this.
  if (f > -16777216.0f && f < 16777216.0f && f == static_cast<float>(static_cast<std::int32_t>(f))) {
    const std::int32_t i = static_cast<std::int32_t>(f);
    std::uint32_t n = static_cast<std::uint32_t>(i < 0 ? -i : i);
    int digits = 1, zeros = 0;
    for (std::uint32_t x = n; x >= 10; x /= 10) ++digits;
    std::uint32_t sig = n;
    while (sig != 0 && sig % 10 == 0) {
      sig /= 10;
      ++zeros;
    }
    const int sig_digits = digits - zeros;
    const int scientific = sig_digits + (sig_digits > 1 ? 1 : 0) + 4;  // d[.ddd]e+XX
    if (n == 0 || digits <= scientific) return scale(v, m, i, 0);
    return scale(v, m, i < 0 ? -static_cast<std::int64_t>(sig) : sig, zeros);
  }
  char buf[48];
  const auto res = std::to_chars(buf, buf + sizeof buf, f);
  const std::string_view text(buf, static_cast<std::size_t>(res.ptr - buf));
  // to_chars writes [-]digits[.digits][e(+|-)digits] with at most 9 significant digits:
  // read it here as Value::parse would (mantissa = the digits, exponent = e - decimals);
  // anything else goes through Value::parse itself.
  const char* c = text.data();
  const char* const end = c + text.size();
  const bool negative = c != end && *c == '-';
  if (negative) ++c;
  std::int64_t mant = 0;
  int digits = 0, decimals = 0, exp10 = 0;
  bool point = false;
  for (; c != end; ++c) {
    if (*c >= '0' && *c <= '9') {
      mant = mant * 10 + (*c - '0');
      ++digits;
      decimals += point ? 1 : 0;
    } else if (*c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  bool simple = digits > 0 && digits <= 18;
  if (simple && c != end) {
    // 'e', a sign, then 2 or 3 digits
    if (*c == 'e' && end - c >= 3 && (c[1] == '+' || c[1] == '-')) {
      const bool eneg = c[1] == '-';
      for (c += 2; c != end && *c >= '0' && *c <= '9'; ++c) exp10 = exp10 * 10 + (*c - '0');
      if (eneg) exp10 = -exp10;
      simple = c == end;
    } else {
      simple = false;
    }
  }
  if (!simple) [[unlikely]] {
    auto parsed = Value::parse(text);
    if (!parsed.ok()) return parsed.status();
    return scale(v, m, parsed->mantissa, parsed->exponent);
  }
  return scale(v, m, negative ? -mant : mant, exp10 - decimals);
}

bool is_date_kind(VifKind k) noexcept { return k == VifKind::kDate || k == VifKind::kDateTime; }

}  // namespace

RecordMeaning describe_record(const Record& r) noexcept {
  // One named result for every path, so it is built in place (no copy on return). The
  // VIF's meaning is one table entry (vif_tables.hpp); VIFEs, when there are any, refine it.
  RecordMeaning m;
  unsigned table = static_cast<unsigned>(r.table);
  if (r.kind != RecordKind::kData || table > static_cast<unsigned>(VifTable::kFD)) [[unlikely]] {
    if (r.kind != RecordKind::kData) {
      // The function ("Manufacturer specific", "More records follow") says what it is.
      m.quantity = "";
      m.kind = VifKind::kManufacturer;
      m.manufacturer_vife = true;
      return m;
    }
    switch (r.table) {
      case VifTable::kManufacturer:
        m = detail::kVifMeaningTable[0x7F];
        m.manufacturer_vife = true;
        return m;  // VIFEs are the manufacturer's
      case VifTable::kAny:
        table = 0;  // the primary table's 0x7E "Any VIF"
        break;
      default:
        // Plain text (the meter's own text names the quantity; it is not mapped onto a
        // unit because the texts are not unit symbols in practice: "C" is a count, not
        // coulomb) or no VIF.
        m.quantity = "";
        if (!r.vifes.empty()) describe_vifes(r, m);
        return m;
    }
  }
  m = detail::kVifMeaningTable[table * 128 + (r.code & 0x7F)];
  if (!r.vifes.empty()) [[unlikely]] describe_vifes(r, m);
  return m;
}

DateTime decode_type_g(std::span<const std::uint8_t, 2> b) noexcept {
  DateTime t;
  t.day = b[0] & 0x1F;
  t.month = b[1] & 0x0F;
  const int yy = ((b[0] & 0xE0) >> 5) | ((b[1] & 0xF0) >> 1);
  t.year = static_cast<std::int16_t>(century_year(yy, 0));
  return t;
}

DateTime decode_type_f(std::span<const std::uint8_t, 4> b) noexcept {
  DateTime t;
  t.has_time = true;
  t.minute = b[0] & 0x3F;
  t.invalid = (b[0] & 0x80) != 0;
  t.hour = b[1] & 0x1F;
  t.summer_time = (b[1] & 0x80) != 0;
  const int hy = (b[1] >> 5) & 0x03;
  t.day = b[2] & 0x1F;
  t.month = b[3] & 0x0F;
  const int yy = ((b[2] & 0xE0) >> 5) | ((b[3] & 0xF0) >> 1);
  t.year = static_cast<std::int16_t>(century_year(yy, hy));
  return t;
}

DateTime decode_type_i(std::span<const std::uint8_t, 6> b) noexcept {
  DateTime t;
  t.has_time = true;
  t.has_seconds = true;
  t.second = b[0] & 0x3F;
  t.minute = b[1] & 0x3F;
  t.invalid = (b[1] & 0x80) != 0;
  t.hour = b[2] & 0x1F;
  t.day = b[3] & 0x1F;
  t.month = b[4] & 0x0F;
  const int yy = ((b[3] & 0xE0) >> 5) | ((b[4] & 0xF0) >> 1);
  t.year = static_cast<std::int16_t>(century_year(yy, 0));
  return t;
}

DateTime decode_type_j(std::span<const std::uint8_t, 3> b) noexcept {
  DateTime t;
  t.has_date = false;
  t.has_time = true;
  t.has_seconds = true;
  t.second = b[0] & 0x3F;
  t.minute = b[1] & 0x3F;
  t.hour = b[2] & 0x1F;
  return t;
}

void encode_type_g(const DateTime& t, std::span<std::uint8_t, 2> out) noexcept {
  const unsigned yy = static_cast<unsigned>(t.year % 100);
  out[0] = static_cast<std::uint8_t>((t.day & 0x1F) | ((yy & 0x07) << 5));
  out[1] = static_cast<std::uint8_t>((t.month & 0x0F) | ((yy & 0x78) << 1));
}

void encode_type_f(const DateTime& t, std::span<std::uint8_t, 4> out) noexcept {
  const unsigned yy = static_cast<unsigned>(t.year % 100);
  const unsigned hy = t.year >= 2000 && t.year < 2081 ? 0u
                      : static_cast<unsigned>((t.year - 1900) / 100) & 0x03u;
  out[0] = static_cast<std::uint8_t>((t.minute & 0x3F) | (t.invalid ? 0x80 : 0));
  out[1] = static_cast<std::uint8_t>((t.hour & 0x1F) | (hy << 5) | (t.summer_time ? 0x80 : 0));
  out[2] = static_cast<std::uint8_t>((t.day & 0x1F) | ((yy & 0x07) << 5));
  out[3] = static_cast<std::uint8_t>((t.month & 0x0F) | ((yy & 0x78) << 1));
}

std::string format_datetime(const DateTime& t) {
  char buf[32];
  int n = 0;
  if (t.has_date && t.has_time) {
    n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u", t.year, t.month, t.day,
                      t.hour, t.minute, t.second);
  } else if (t.has_date) {
    n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", t.year, t.month, t.day);
  } else {
    n = std::snprintf(buf, sizeof buf, "%02u:%02u:%02u", t.hour, t.minute, t.second);
  }
  return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
}

std::size_t copy_text(std::span<const std::uint8_t> reversed, std::span<char> out) noexcept {
  const std::size_t n = reversed.size() < out.size() ? reversed.size() : out.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t c = reversed[reversed.size() - 1 - i];
    out[i] = (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : '?';
  }
  return n;
}

std::string text_of(std::span<const std::uint8_t> reversed) {
  std::string s(reversed.size(), '\0');
  copy_text(reversed, std::span<char>(s.data(), s.size()));
  return s;
}

namespace {

// A time point from an integer-coded data field (type G, J, F or I by its length); false
// for other codings, which are then read as a number.
[[gnu::noinline]] bool decode_time_point(DataCoding coding, std::span<const std::uint8_t> d, bool little,
                       DateTime& out) noexcept {
  std::array<std::uint8_t, 6> le{};
  for (std::size_t i = 0; i < d.size() && i < le.size(); ++i) {
    le[i] = little ? d[i] : d[d.size() - 1 - i];
  }
  switch (coding) {
    case DataCoding::kInt16:
      out = decode_type_g(std::span<const std::uint8_t, 2>(le.data(), 2));
      return true;
    case DataCoding::kInt24:
      out = decode_type_j(std::span<const std::uint8_t, 3>(le.data(), 3));
      return true;
    case DataCoding::kInt32:
      out = decode_type_f(std::span<const std::uint8_t, 4>(le.data(), 4));
      return true;
    case DataCoding::kInt48:
      out = decode_type_i(std::span<const std::uint8_t, 6>(le.data(), 6));
      return true;
    default:
      return false;
  }
}

// Integer codings 1-7 (not real): signed for measured values, unsigned for identifiers and
// bit fields. False (with the raw number) when it cannot be scaled.
inline bool decode_binary_field(const Record& r, const RecordMeaning& m, RecordValue& v,
                                std::int64_t& raw) noexcept {
  const bool is_signed = m.kind != VifKind::kIdentifier && m.kind != VifKind::kBitField;
  return decode_binary(r.data, r.order == Endian::kLittle, is_signed, m, v, raw);
}

// BCD codings 9-C, E: A-F digits are the meter's "no valid value".
inline bool decode_bcd_field(const Record& r, const RecordMeaning& m, RecordValue& v,
                             std::int64_t& raw) noexcept {
  if (!bcd_value(r.data, r.order == Endian::kLittle, /*allow_negative=*/true, raw)) {
    v.type = ValueType::kInvalid;
    v.bytes = r.data;
    return true;
  }
  return scale_into(v, m, raw, 0);
}

// A variable-length data field (EN 13757-3 §6.3.2, LVAR): text, BCD, binary number or bytes.
[[gnu::noinline]] absl::Status decode_variable(const Record& r, const RecordMeaning& m,
                                             RecordValue& v) {
  const bool is_signed = m.kind != VifKind::kIdentifier && m.kind != VifKind::kBitField;
  const std::span<const std::uint8_t> d = r.data;
  const bool little = r.order == Endian::kLittle;
  const std::uint8_t lvar = r.lvar;
  if (lvar <= 0xBF) {
    v.type = ValueType::kText;
    v.bytes = d;
    return absl::OkStatus();
  }
  if (lvar <= 0xDF) {
    std::int64_t b = 0;
    if (!d.empty() && !bcd_value(d, little, /*allow_negative=*/false, b)) {
      v.type = ValueType::kInvalid;
      v.bytes = d;
      return absl::OkStatus();
    }
    return scale(v, m, lvar >= 0xD0 ? -b : b, 0);
  }
  if (lvar <= 0xEF && !d.empty() && d.size() <= 8) {
    std::int64_t raw = 0;
    if (decode_binary(d, little, is_signed, m, v, raw)) return absl::OkStatus();
    return scale_status(m, raw, 0);
  }
  v.type = ValueType::kBytes;
  v.bytes = d;
  return absl::OkStatus();
}

}  // namespace

absl::Status decode_value_into(const Record& r, const RecordMeaning& m, RecordValue& v) {
  // Integer and BCD fields (nearly all records) are decoded inline and report failure as a
  // bool, so the Status is built only on failure; time points, reals and variable-length
  // fields have their own out-of-line functions.
  v.type = ValueType::kNone;
  v.bytes = {};
  if (r.kind != RecordKind::kData) [[unlikely]] {
    v.type = r.data.empty() ? ValueType::kNone : ValueType::kBytes;
    v.bytes = r.data;
    return absl::OkStatus();
  }
  // Time points: the data field length picks the type (EN 13757-3 Annex A).
  if (is_date_kind(m.kind)) [[unlikely]] {
    if (decode_time_point(r.coding, r.data, r.order == Endian::kLittle, v.time)) {
      v.type = ValueType::kDateTime;
      return absl::OkStatus();
    }
    // other codings: the number as sent
  }
  std::int64_t raw = 0;
  bool ok;
  switch (r.coding) {
    case DataCoding::kInt8:
    case DataCoding::kInt16:
    case DataCoding::kInt24:
    case DataCoding::kInt32:
    case DataCoding::kInt48:
    case DataCoding::kInt64:
      ok = decode_binary_field(r, m, v, raw);
      break;
    case DataCoding::kBcd2:
    case DataCoding::kBcd4:
    case DataCoding::kBcd6:
    case DataCoding::kBcd8:
    case DataCoding::kBcd12:
      ok = decode_bcd_field(r, m, v, raw);
      break;
    case DataCoding::kReal32:
      return decode_real32(r.data, r.order == Endian::kLittle, m, v);
    case DataCoding::kVariable:
      return decode_variable(r, m, v);
    case DataCoding::kNone:
    case DataCoding::kSelection:
    case DataCoding::kSpecial:
    default:
      return absl::OkStatus();
  }
  if (ok) [[likely]] return absl::OkStatus();
  return scale_status(m, raw, 0);
}

absl::StatusOr<RecordValue> decode_value(const Record& r, const RecordMeaning& m) {
  RecordValue v;
  EMSCORE_RETURN_IF_ERROR(decode_value_into(r, m, v));
  return v;
}

std::string value_string(const RecordValue& v, const Record& r) {
  switch (v.type) {
    case ValueType::kNone: return "";
    case ValueType::kNumber: return v.number.to_string();
    case ValueType::kDateTime: return format_datetime(v.time);
    case ValueType::kText: return text_of(v.bytes);
    case ValueType::kInvalid: {
      if (r.coding == DataCoding::kReal32) return "NaN";
      const Endian order = r.order;
      return bcd_to_hex_digits(v.bytes, order);
    }
    case ValueType::kBytes: {
      // A binary number (LVAR 0xE0-0xF6, long integers) reads most significant byte first
      // like any number; manufacturer data stays in the order sent.
      const bool number = r.kind == RecordKind::kData && r.order == Endian::kLittle;
      static constexpr char kHex[] = "0123456789ABCDEF";
      std::string s;
      s.reserve(v.bytes.size() * 3);
      for (std::size_t i = 0; i < v.bytes.size(); ++i) {
        const std::uint8_t b = number ? v.bytes[v.bytes.size() - 1 - i] : v.bytes[i];
        if (i) s.push_back(' ');
        s.push_back(kHex[b >> 4]);
        s.push_back(kHex[b & 0x0F]);
      }
      return s;
    }
  }
  return "";
}

std::string unit_string(const RecordMeaning& m) {
  std::string s(unit_symbol(m.unit));
  if (m.per_time != Unit::kNone) {
    s += '/';
    s += unit_symbol(m.per_time);
  }
  return s;
}

std::string quantity_string(const Record& r, const RecordMeaning& m) {
  if (r.table == VifTable::kPlainText) return text_of(r.plain_text);
  return std::string(m.quantity);
}

}  // namespace emscore::mbus

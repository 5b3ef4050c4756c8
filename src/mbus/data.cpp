#include "emscore/mbus/data.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "emscore/core/bcd.hpp"
#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"

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

int century_year(int yy, int hundred_years) noexcept {
  // EN 13757-3:2013 Annex A: year 0..99 plus, in type F, hundred-year bits counted from
  // 1900. Meters without them (most) mean 2000..2080 for 0..80 and 1981..1999 above.
  if (hundred_years != 0) return 1900 + 100 * hundred_years + yy;
  return yy <= 80 ? 2000 + yy : 1900 + yy;
}

bool read_uint(std::span<const std::uint8_t> b, Endian order, std::uint64_t& out) noexcept {
  if (b.empty() || b.size() > 8) return false;
  std::uint64_t v = 0;
  if (order == Endian::kLittle) {
    for (std::size_t i = b.size(); i-- > 0;) v = (v << 8) | b[i];
  } else {
    for (std::uint8_t x : b) v = (v << 8) | x;
  }
  out = v;
  return true;
}

std::int64_t sign_extend(std::uint64_t v, std::size_t bytes) noexcept {
  if (bytes >= 8) return static_cast<std::int64_t>(v);
  const std::uint64_t sign = std::uint64_t{1} << (8 * bytes - 1);
  return static_cast<std::int64_t>((v ^ sign) - sign);
}

absl::Status scale(RecordValue& v, const RecordMeaning& m, std::int64_t raw, int extra_exp) {
  std::int64_t mant = raw;
  if (m.seconds != 1 && __builtin_mul_overflow(raw, std::int64_t{m.seconds}, &mant)) {
    return absl::OutOfRangeError(
        str_cat("mbus: duration ", raw, " times ", m.seconds, " s does not fit 64 bits"));
  }
  const int e = extra_exp + m.exponent;
  if (e < -127 || e > 127) {
    return absl::OutOfRangeError(str_cat("mbus: decimal exponent ", e, " out of range"));
  }
  v.type = ValueType::kNumber;
  v.number = Value(mant, e, m.unit);
  return absl::OkStatus();
}

bool is_date_kind(VifKind k) noexcept { return k == VifKind::kDate || k == VifKind::kDateTime; }

}  // namespace

RecordMeaning describe_record(const Record& r) noexcept {
  RecordMeaning m;
  if (r.kind != RecordKind::kData) {
    m.quantity = "";  // the function ("Manufacturer specific", "More records follow") says it
    m.kind = VifKind::kManufacturer;
    m.manufacturer_vife = true;
    return m;
  }
  VifInfo info;
  switch (r.table) {
    case VifTable::kPrimary: info = primary_vif(r.code); break;
    case VifTable::kFB: info = fb_vif(r.code); break;
    case VifTable::kFD: info = fd_vif(r.code); break;
    case VifTable::kPlainText: {
      // The meter's own text names the quantity; it is not mapped onto a unit because
      // the texts are not unit symbols in practice ("C" is a count, not coulomb).
      info = VifInfo{"", Unit::kNone, 0, 1, VifKind::kNumber};
      break;
    }
    case VifTable::kManufacturer:
      info = primary_vif(0x7F);
      m.manufacturer_vife = true;
      break;
    case VifTable::kAny:
      info = primary_vif(0x7E);
      break;
    case VifTable::kNone:
      break;
  }
  m.quantity = info.quantity;
  m.unit = info.unit;
  m.exponent = info.exponent;
  m.seconds = info.seconds;
  m.kind = info.kind;
  if (r.table == VifTable::kManufacturer) return m;  // VIFEs are the manufacturer's
  int exponent = m.exponent;
  for (std::uint8_t e : r.vifes) {
    const VifeInfo x = combinable_vife(e);
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
        return m;  // the rest of the VIFEs are the manufacturer's
      default:
        break;
    }
  }
  m.exponent = static_cast<std::int8_t>(exponent < -127 ? -127 : exponent > 127 ? 127 : exponent);
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

absl::Status decode_value_into(const Record& r, const RecordMeaning& m, RecordValue& v) {
  v.type = ValueType::kNone;
  v.bytes = {};
  if (r.kind != RecordKind::kData) {
    v.type = r.data.empty() ? ValueType::kNone : ValueType::kBytes;
    v.bytes = r.data;
    return absl::OkStatus();
  }
  const std::span<const std::uint8_t> d = r.data;
  // Time points: the data field length picks the type (EN 13757-3 Annex A).
  if (is_date_kind(m.kind)) {
    std::array<std::uint8_t, 6> le{};
    const bool le_order = r.order == Endian::kLittle;
    for (std::size_t i = 0; i < d.size() && i < le.size(); ++i) {
      le[i] = le_order ? d[i] : d[d.size() - 1 - i];
    }
    switch (r.coding) {
      case DataCoding::kInt16:
        v.type = ValueType::kDateTime;
        v.time = decode_type_g(std::span<const std::uint8_t, 2>(le.data(), 2));
        return absl::OkStatus();
      case DataCoding::kInt24:
        v.type = ValueType::kDateTime;
        v.time = decode_type_j(std::span<const std::uint8_t, 3>(le.data(), 3));
        return absl::OkStatus();
      case DataCoding::kInt32:
        v.type = ValueType::kDateTime;
        v.time = decode_type_f(std::span<const std::uint8_t, 4>(le.data(), 4));
        return absl::OkStatus();
      case DataCoding::kInt48:
        v.type = ValueType::kDateTime;
        v.time = decode_type_i(std::span<const std::uint8_t, 6>(le.data(), 6));
        return absl::OkStatus();
      default:
        break;  // other codings: the number as sent
    }
  }
  const bool is_signed = m.kind != VifKind::kIdentifier && m.kind != VifKind::kBitField;
  switch (r.coding) {
    case DataCoding::kNone:
    case DataCoding::kSelection:
    case DataCoding::kSpecial:
      v.type = ValueType::kNone;
      return absl::OkStatus();
    case DataCoding::kInt8:
    case DataCoding::kInt16:
    case DataCoding::kInt24:
    case DataCoding::kInt32:
    case DataCoding::kInt48:
    case DataCoding::kInt64: {
      std::uint64_t u = 0;
      read_uint(d, r.order, u);
      if (!is_signed && d.size() == 8 && u > static_cast<std::uint64_t>(INT64_MAX)) {
        v.type = ValueType::kBytes;
        v.bytes = d;
        return absl::OkStatus();
      }
      const std::int64_t raw = is_signed ? sign_extend(u, d.size()) : static_cast<std::int64_t>(u);
      EMSCORE_RETURN_IF_ERROR(scale(v, m, raw, 0));
      return absl::OkStatus();
    }
    case DataCoding::kReal32: {
      std::uint64_t u = 0;
      read_uint(d, r.order, u);
      const auto bits32 = static_cast<std::uint32_t>(u);
      float f;
      std::memcpy(&f, &bits32, sizeof f);
      if (!std::isfinite(f)) {
        v.type = ValueType::kInvalid;
        v.bytes = d;
        return absl::OkStatus();
      }
      // The shortest decimal that reads back as the same float: the value the meter meant.
      char buf[48];
      const auto res = std::to_chars(buf, buf + sizeof buf, f);
      auto parsed = Value::parse(std::string_view(buf, static_cast<std::size_t>(res.ptr - buf)));
      if (!parsed.ok()) return parsed.status();
      EMSCORE_RETURN_IF_ERROR(scale(v, m, parsed->mantissa, parsed->exponent));
      return absl::OkStatus();
    }
    case DataCoding::kBcd2:
    case DataCoding::kBcd4:
    case DataCoding::kBcd6:
    case DataCoding::kBcd8:
    case DataCoding::kBcd12: {
      BcdOptions opt;
      opt.order = r.order;
      auto b = decode_bcd(d, opt);
      if (!b.ok()) {
        v.type = ValueType::kInvalid;  // A-F digits: the meter's "no valid value"
        v.bytes = d;
        return absl::OkStatus();
      }
      EMSCORE_RETURN_IF_ERROR(scale(v, m, *b, 0));
      return absl::OkStatus();
    }
    case DataCoding::kVariable: {
      const std::uint8_t lvar = r.lvar;
      if (lvar <= 0xBF) {
        v.type = ValueType::kText;
        v.bytes = d;
        return absl::OkStatus();
      }
      if (lvar <= 0xDF) {
        BcdOptions opt;
        opt.order = r.order;
        opt.allow_negative = false;
        auto b = d.empty() ? absl::StatusOr<std::int64_t>(0) : decode_bcd(d, opt);
        if (!b.ok()) {
          v.type = ValueType::kInvalid;
          v.bytes = d;
          return absl::OkStatus();
        }
        EMSCORE_RETURN_IF_ERROR(scale(v, m, lvar >= 0xD0 ? -*b : *b, 0));
        return absl::OkStatus();
      }
      if (lvar <= 0xEF && !d.empty() && d.size() <= 8) {
        std::uint64_t u = 0;
        read_uint(d, r.order, u);
        if (!is_signed && d.size() == 8 && u > static_cast<std::uint64_t>(INT64_MAX)) {
          v.type = ValueType::kBytes;
          v.bytes = d;
          return absl::OkStatus();
        }
        const std::int64_t raw =
            is_signed ? sign_extend(u, d.size()) : static_cast<std::int64_t>(u);
        EMSCORE_RETURN_IF_ERROR(scale(v, m, raw, 0));
        return absl::OkStatus();
      }
      v.type = ValueType::kBytes;
      v.bytes = d;
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
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

#include "emscore/dsmr/telegram.hpp"

#include <cstring>

#include "emscore/core/crc.hpp"
#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/core/unit.hpp"
#include "emscore/dsmr/timestamp.hpp"

namespace emscore::dsmr {
namespace {

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_eol(char c) noexcept { return c == '\r' || c == '\n'; }
constexpr bool is_space(char c) noexcept { return c == ' ' || c == '\t'; }

constexpr int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Reads 1..3 digits as a byte value; returns the characters used, 0 on failure.
inline std::size_t read_byte(std::string_view s, std::size_t i, std::uint8_t* out) noexcept {
  unsigned v = 0;
  std::size_t n = 0;
  while (i + n < s.size() && is_digit(s[i + n])) {
    v = v * 10 + static_cast<unsigned>(s[i + n] - '0');
    if (++n > 3 || v > 255) return 0;
  }
  if (n == 0) return 0;
  *out = static_cast<std::uint8_t>(v);
  return n;
}

// The units P1 telegrams use, checked before the general table (parse_unit scans every unit
// and alias; this is the hot path of a telegram with ~30 numbers).
inline std::optional<Unit> p1_unit(std::string_view u) noexcept {
  switch (u.size()) {
    case 1:
      if (u[0] == 'V') return Unit::kVolt;
      if (u[0] == 'A') return Unit::kAmpere;
      if (u[0] == 's') return Unit::kSecond;
      if (u[0] == 'W') return Unit::kWatt;
      break;
    case 2:
      if (u == "kW") return Unit::kKiloWatt;
      if (u == "m3") return Unit::kCubicMetre;
      if (u == "Wh") return Unit::kWattHour;
      if (u == "GJ") return Unit::kGigaJoule;
      if (u == "Hz") return Unit::kHertz;
      break;
    case 3:
      if (u == "kWh") return Unit::kKiloWattHour;
      break;
    default:
      break;
  }
  return parse_unit(u);
}

constexpr obis::ObisCode kVersion{1, 3, 0, 2, 8};
constexpr obis::ObisCode kBelgianVersion{0, 0, 96, 1, 4};

}  // namespace

std::size_t read_obis(std::string_view s, obis::ObisCode* out) noexcept {
  obis::ObisCode o;
  std::size_t i = 0;
  std::size_t n;
  if ((n = read_byte(s, i, &o.a)) == 0) return 0;
  i += n;
  if (i >= s.size() || s[i] != '-') return 0;
  ++i;
  if ((n = read_byte(s, i, &o.b)) == 0) return 0;
  i += n;
  if (i >= s.size() || s[i] != ':') return 0;
  ++i;
  if ((n = read_byte(s, i, &o.c)) == 0) return 0;
  i += n;
  if (i >= s.size() || s[i] != '.') return 0;
  ++i;
  if ((n = read_byte(s, i, &o.d)) == 0) return 0;
  i += n;
  if (i >= s.size() || s[i] != '.') return 0;
  ++i;
  if ((n = read_byte(s, i, &o.e)) == 0) return 0;
  i += n;
  // F as "*F" (DSMR), "&F" or ".F" (the DSMR 4.2 specification example writes
  // "1-0:31.7.0.255").
  if (i < s.size() && (s[i] == '*' || s[i] == '&' || s[i] == '.')) {
    if ((n = read_byte(s, i + 1, &o.f)) == 0) return 0;
    i += 1 + n;
  }
  *out = o;
  return i;
}

bool parse_decimal(std::string_view text, Value* out) noexcept {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    negative = text[i] == '-';
    ++i;
  }
  std::int64_t mant = 0;
  int significant = 0;
  int decimals = 0;
  bool point = false;
  bool digit = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (is_digit(c)) {
      digit = true;
      if (mant != 0 || c != '0') {
        if (++significant > 18) return false;
      }
      mant = mant * 10 + (c - '0');
      if (point) {
        if (++decimals > 100) return false;
      }
    } else if (c == '.' && !point) {
      point = true;
    } else {
      return false;
    }
  }
  if (!digit) return false;
  *out = Value(negative ? -mant : mant, -decimals);
  return true;
}

bool decode_hex_text(std::string_view hex_text, std::string* out) {
  if (hex_text.size() % 2 != 0) return false;
  out->clear();
  out->reserve(hex_text.size() / 2);
  for (std::size_t i = 0; i < hex_text.size(); i += 2) {
    const int hi = hex_digit(hex_text[i]);
    const int lo = hex_digit(hex_text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

std::string_view group_kind_name(GroupKind k) noexcept {
  switch (k) {
    case GroupKind::kEmpty: return "empty";
    case GroupKind::kNumber: return "number";
    case GroupKind::kTimestamp: return "timestamp";
    case GroupKind::kObis: return "obis";
    case GroupKind::kText: return "text";
  }
  return "text";
}

std::string_view variant_name(Variant v) noexcept {
  switch (v) {
    case Variant::kUnknown: return "unknown";
    case Variant::kDsmrLegacy: return "DSMR 2.2/3.0";
    case Variant::kDsmr4: return "DSMR 4";
    case Variant::kDsmr5: return "DSMR 5";
    case Variant::kBelgium: return "e-MUCS (BE)";
    case Variant::kLuxembourg: return "Smarty (LU)";
    case Variant::kOther: return "other";
  }
  return "unknown";
}

std::string describe(const Issue& issue) {
  std::string_view what;
  switch (issue.kind) {
    case IssueKind::kBadObis: what = "does not start with an OBIS code A-B:C.D.E"; break;
    case IssueKind::kNoValue: what = "has an OBIS code but no \"(value)\""; break;
    case IssueKind::kUnclosedGroup: what = "has '(' without ')'"; break;
    case IssueKind::kNestedParen: what = "has '(' inside a value"; break;
    case IssueKind::kTrailing: what = "has characters after the last ')'"; break;
    case IssueKind::kOrphanGroup: what = "continues \"(...)\" with no object before it"; break;
    case IssueKind::kBadHeader: what = "is not an identification /XXXZ..."; break;
    case IssueKind::kBadTimestamp:
      what = "has a YYMMDDhhmmssX timestamp that is not a valid date and time";
      break;
  }
  return str_cat("dsmr: line at offset ", issue.offset, " ", what);
}

const DataObject* Telegram::find(const obis::ObisCode& code) const noexcept {
  for (const DataObject& o : objects) {
    if (o.obis == code) return &o;
  }
  return nullptr;
}

std::optional<Value> Telegram::number(const obis::ObisCode& code) const noexcept {
  const DataObject* o = find(code);
  if (o == nullptr) return std::nullopt;
  for (const ValueGroup& g : groups(*o)) {
    if (g.kind == GroupKind::kNumber) return g.value;
  }
  return std::nullopt;
}

std::optional<absl::Time> Telegram::timestamp(const obis::ObisCode& code) const noexcept {
  const DataObject* o = find(code);
  if (o == nullptr) return std::nullopt;
  for (const ValueGroup& g : groups(*o)) {
    if (g.kind == GroupKind::kTimestamp) return g.time;
  }
  return std::nullopt;
}

TelegramParser::TelegramParser(ParserOptions options)
    : zone_(options.time_zone ? *options.time_zone : default_time_zone()),
      fallback_zone_(is_fallback_zone(zone_)) {}

void TelegramParser::classify(ValueGroup& g, const obis::ObisCode& obis, std::uint32_t index,
                              std::uint32_t offset) {
  // Padding spaces ("( 230.1*V)") are tolerated; raw keeps them.
  const std::string_view r = ValueGroup::trim_spaces(g.raw);
  if (r.empty()) {
    g.kind = GroupKind::kEmpty;
    return;
  }
  g.kind = GroupKind::kText;
  const char last = r.back();
  if (r.size() == 13 && (last == 'S' || last == 'W' || last == 's' || last == 'w')) {
    bool digits = true;
    for (std::size_t i = 0; i < 12; ++i) digits = digits && is_digit(r[i]);
    if (digits) {
      if (parse_timestamp(r, zone_, &g.time, &g.dst_flag, fallback_zone_)) {
        g.kind = GroupKind::kTimestamp;
      } else {
        issues_.push_back(Issue{offset, IssueKind::kBadTimestamp});
      }
      return;
    }
  }
  // DSMR 2.2/3.0 write the gas capture time without a season flag as the first group of
  // 0-n:24.3.0; 0-0:1.0.0 has no other form. Elsewhere 12 digits stay a number.
  if (r.size() == 12 && index == 0 &&
      ((obis.c == 24 && obis.d == 3) || (obis.c == 1 && obis.d == 0 && obis.e == 0))) {
    if (parse_timestamp(r, zone_, &g.time, &g.dst_flag, fallback_zone_)) {
      g.kind = GroupKind::kTimestamp;
      return;
    }
  }
  const std::size_t star = r.find('*');
  if (star != std::string_view::npos) {
    if (parse_decimal(ValueGroup::trim_spaces(r.substr(0, star)), &g.value)) {
      g.kind = GroupKind::kNumber;
      g.unit_text = ValueGroup::trim_spaces(r.substr(star + 1));
      if (auto u = p1_unit(g.unit_text)) g.value.unit = *u;
    }
    return;
  }
  if (is_digit(r.front()) && r.find(':') != std::string_view::npos) {
    obis::ObisCode code;
    if (read_obis(r, &code) == r.size()) {
      g.kind = GroupKind::kObis;
      g.obis = code;
      return;
    }
  }
  if (parse_decimal(r, &g.value)) g.kind = GroupKind::kNumber;
}

absl::StatusOr<Telegram> TelegramParser::parse(std::span<const std::uint8_t> bytes,
                                               std::optional<CrcStatus> crc) {
  const std::string_view all(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const std::size_t slash = all.find('/');
  if (slash == std::string_view::npos) {
    return absl::InvalidArgumentError(
        "dsmr: telegram at offset 0: no '/' identification line, expected /XXXZ...");
  }
  const std::size_t bang = all.find('!', slash);
  if (bang == std::string_view::npos) {
    return absl::InvalidArgumentError(str_cat("dsmr: telegram at offset ", slash,
                                              ": no '!' end of telegram, expected !CRC"));
  }
  objects_.clear();
  groups_.clear();
  issues_.clear();

  Telegram t;
  if (crc) {
    t.crc = *crc;
  } else {
    // Check the CRC digits here: up to four hex digits after '!'.
    std::size_t k = bang + 1;
    std::uint16_t sent = 0;
    int digits = 0;
    while (k < all.size() && digits < 4 && hex_digit(all[k]) >= 0) {
      sent = static_cast<std::uint16_t>((sent << 4) | hex_digit(all[k]));
      ++digits;
      ++k;
    }
    if (digits == 0) {
      t.crc = CrcStatus::kAbsent;
    } else {
      const auto body = bytes.subspan(slash, bang + 1 - slash);
      const auto restored = crc_with_crlf_restored(body);
      t.crc = crc16_arc(body) == sent || (restored && *restored == sent) ? CrcStatus::kOk
                                                                         : CrcStatus::kMismatch;
    }
  }

  // The identification line.
  std::size_t pos = slash + 1;
  std::size_t eol = pos;
  while (eol < bang && !is_eol(all[eol])) ++eol;
  t.header = all.substr(pos, eol - pos);
  {
    const std::string_view h = t.header;
    bool letters = h.size() >= 4;
    for (std::size_t i = 0; letters && i < 3; ++i) {
      const char c = h[i];
      letters = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }
    if (h.size() >= 3) t.dialect.manufacturer = h.substr(0, 3);
    if (h.size() >= 4) t.dialect.baud = h[3];
    if (h.size() >= 4) t.dialect.identification = h.substr(4);
    if (!letters) issues_.push_back(Issue{static_cast<std::uint32_t>(slash), IssueKind::kBadHeader});
  }

  const std::string_view body = all.substr(0, bang);
  pos = eol;
  while (pos < body.size()) parse_line(body, pos);

  t.objects = objects_;
  t.all_groups = groups_;
  t.issues = issues_;

  // The dialect: version lines first, then the header.
  bool belgian = t.dialect.manufacturer == "FLU";
  for (const DataObject& o : objects_) {
    if (o.group_count == 0) continue;
    if (o.obis == kVersion && t.dialect.version.empty()) {
      t.dialect.version = groups_[o.first_group].raw;
    } else if (o.obis == kBelgianVersion) {
      t.dialect.version = groups_[o.first_group].raw;
      belgian = true;
    }
  }
  if (belgian) {
    t.dialect.variant = Variant::kBelgium;
  } else if (!t.dialect.version.empty() && t.dialect.version.front() == '4') {
    t.dialect.variant = Variant::kDsmr4;
  } else if (!t.dialect.version.empty() && t.dialect.version.front() == '5') {
    t.dialect.variant = Variant::kDsmr5;
  } else if (t.dialect.version.empty() && t.crc == CrcStatus::kAbsent) {
    t.dialect.variant = Variant::kDsmrLegacy;
  } else if (t.dialect.version.empty()) {
    t.dialect.variant = Variant::kOther;
  }
  return t;
}

void TelegramParser::parse_line(std::string_view body, std::size_t& pos) {
  const std::size_t end = body.size();
  // Blank lines and stray spaces.
  while (pos < end && (is_eol(body[pos]) || is_space(body[pos]))) ++pos;
  if (pos >= end) return;
  const std::size_t line_start = pos;
  const auto line_offset = static_cast<std::uint32_t>(line_start);
  auto skip_line = [&] {
    while (pos < end && !is_eol(body[pos])) ++pos;
  };

  DataObject* object = nullptr;
  if (body[pos] == '(') {
    // A continuation of the previous object (DSMR 2.2/3.0 gas value, long lines).
    if (objects_.empty() ||
        objects_.back().first_group + objects_.back().group_count != groups_.size()) {
      issues_.push_back(Issue{line_offset, IssueKind::kOrphanGroup});
      skip_line();
      return;
    }
    object = &objects_.back();
  } else {
    obis::ObisCode code;
    std::size_t n = read_obis(body.substr(pos), &code);
    if (n == 0) {
      // Other forms ObisCode understands ("1.8.1", "C.1.0", "F.F"), up to '(' or a space.
      std::size_t k = pos;
      while (k < end && body[k] != '(' && !is_eol(body[k]) && !is_space(body[k])) ++k;
      if (k > pos && k - pos <= 24 && k < end && body[k] == '(') {
        auto parsed = obis::ObisCode::parse(body.substr(pos, k - pos));
        if (parsed.ok()) {
          code = *parsed;
          n = k - pos;
        }
      }
    }
    if (n == 0) {
      issues_.push_back(Issue{line_offset, IssueKind::kBadObis});
      skip_line();
      return;
    }
    pos += n;
    DataObject o;
    o.obis = code;
    o.offset = line_offset;
    o.first_group = static_cast<std::uint32_t>(groups_.size());
    objects_.push_back(o);
    object = &objects_.back();
    // Tolerate spaces between the code and its first group.
    while (pos < end && is_space(body[pos])) ++pos;
  }

  std::size_t text_end = pos;
  bool broken = false;
  while (pos < end && body[pos] == '(') {
    const std::size_t open = pos;
    std::size_t j = pos + 1;
    while (j < end && body[j] != ')' && body[j] != '(' && !is_eol(body[j])) ++j;
    if (j < end && is_eol(body[j])) {
      // A line end inside a group: a meter that wraps long values (text messages) continues
      // on the next line; a line that merely lost its ')' is followed by a new object.
      std::size_t k = j;
      while (k < end && is_eol(body[k])) ++k;
      obis::ObisCode ignored;
      const bool next_is_object = k >= end || body[k] == '(' || read_obis(body.substr(k), &ignored) > 0;
      if (!next_is_object) {
        std::size_t m = k;
        while (m < end && body[m] != ')' && body[m] != '(') ++m;
        if (m < end && body[m] == ')') j = m;
      }
    }
    if (j >= end || body[j] != ')') {
      issues_.push_back(Issue{static_cast<std::uint32_t>(open),
                              j < end && body[j] == '(' ? IssueKind::kNestedParen
                                                        : IssueKind::kUnclosedGroup});
      pos = j;
      skip_line();
      text_end = pos;
      broken = true;
      break;
    }
    ValueGroup g;
    g.raw = body.substr(open + 1, j - open - 1);
    const auto index = object->group_count;
    if (g.raw.find_first_of("\r\n") != std::string_view::npos) {
      g.kind = GroupKind::kText;
    } else {
      classify(g, object->obis, index, static_cast<std::uint32_t>(open));
    }
    groups_.push_back(g);
    ++object->group_count;
    pos = j + 1;
    text_end = pos;
    // Spaces between groups and at the end of the line are tolerated.
    std::size_t k = pos;
    while (k < end && is_space(body[k])) ++k;
    if (k >= end || body[k] == '(' || is_eol(body[k])) pos = k;
  }
  if (!broken && pos < end && !is_eol(body[pos])) {
    broken = true;
    issues_.push_back(Issue{static_cast<std::uint32_t>(pos), IssueKind::kTrailing});
    skip_line();
  }
  if (!broken && object->group_count == 0 && body[line_start] != '(') {
    issues_.push_back(Issue{line_offset, IssueKind::kNoValue});
  }
  const std::size_t obj_start = object->offset;
  object->text = body.substr(obj_start, text_end - obj_start);

  // DSMR 2.2/3.0 gas: "(...)(m3)" then "(00001.001)": the unit group names the unit of the
  // reading that follows on the continuation line.
  if (object->group_count >= 2) {
    ValueGroup& last = groups_[object->first_group + object->group_count - 1];
    const ValueGroup& unit = groups_[object->first_group + object->group_count - 2];
    if (last.kind == GroupKind::kNumber && last.unit_text.empty() &&
        unit.kind == GroupKind::kText) {
      if (auto u = parse_unit(unit.raw)) {
        last.value.unit = *u;
        last.unit_text = unit.raw;
      }
    }
  }
}

}  // namespace emscore::dsmr

#include "emscore/mapping/mbus_default.hpp"

#include "emscore/mapping/apply.hpp"

namespace emscore::mapping {
namespace {

enum class Q : std::uint8_t { kNone, kEnergy, kVolume, kOnTime, kPower, kFlow, kFlowTemp, kReturnTemp, kTempDiff };

// EN 13757-3 Table 10, primary VIF codes (extension bit cleared).
Q quantity_of(std::uint8_t code) noexcept {
  if (code <= 0x0F) return Q::kEnergy;                   // Wh 0x00-0x07, J 0x08-0x0F
  if (code >= 0x10 && code <= 0x17) return Q::kVolume;   // m³
  if (code >= 0x20 && code <= 0x23) return Q::kOnTime;
  if (code >= 0x28 && code <= 0x37) return Q::kPower;    // W 0x28-0x2F, J/h 0x30-0x37
  if (code >= 0x38 && code <= 0x4F) return Q::kFlow;     // m³/h, m³/min, m³/s
  if (code >= 0x58 && code <= 0x5B) return Q::kFlowTemp;
  if (code >= 0x5C && code <= 0x5F) return Q::kReturnTemp;
  if (code >= 0x60 && code <= 0x63) return Q::kTempDiff;
  return Q::kNone;
}

// Exact steps to the conventional unit of the code.
absl::StatusOr<Value> conventional(Value v) {
  switch (v.unit) {
    case Unit::kWattHour: return v.converted(Unit::kKiloWattHour);
    case Unit::kJoule: return v.converted(Unit::kGigaJoule);
    case Unit::kWatt: return v.converted(Unit::kKiloWatt);
    case Unit::kCubicMetrePerMinute:
    case Unit::kCubicMetrePerSecond: {
      const bool per_minute = v.unit == Unit::kCubicMetrePerMinute;
      auto s = v.scaled(per_minute ? 60 : 3600, 0);
      if (!s.ok()) return s.status();
      s->unit = Unit::kCubicMetrePerHour;
      return s;
    }
    default: return v;
  }
}

}  // namespace

std::optional<std::uint8_t> obis_medium_of(std::uint8_t medium) noexcept {
  switch (medium) {
    case 0x02: return 1;
    case 0x03: return 7;
    case 0x04:
    case 0x0C:
    case 0x0D: return 6;
    case 0x0A:
    case 0x0B: return 5;
    case 0x07:
    case 0x16: return 8;
    case 0x06:
    case 0x15: return 9;
    default: return std::nullopt;
  }
}

std::optional<obis::ObisCode> mbus_default_code(std::uint8_t medium, const mbus::Record& r,
                                                const mbus::RecordMeaning& m) noexcept {
  if (r.kind != mbus::RecordKind::kData || r.table != mbus::VifTable::kPrimary) return std::nullopt;
  if (r.storage != 0 || r.subunit != 0 || r.function != mbus::Function::kInstantaneous) return std::nullopt;
  if (m.kind != mbus::VifKind::kNumber || m.manufacturer_vife || m.additive || m.future_value ||
      m.limit_value || m.per_time != Unit::kNone) {
    return std::nullopt;
  }
  const auto a = obis_medium_of(medium);
  if (!a) return std::nullopt;
  const Q q = quantity_of(r.code);
  if (q == Q::kNone) return std::nullopt;
  const bool tariffed = q == Q::kEnergy || q == Q::kVolume;
  if (r.tariff > (tariffed ? 9u : 0u)) return std::nullopt;
  const auto t = static_cast<std::uint8_t>(r.tariff);
  if (q == Q::kOnTime) return obis::ObisCode(0, 0, 96, 8, 0);
  switch (*a) {
    case 1:
      if (q == Q::kEnergy) return obis::ObisCode(1, 0, m.accumulation_negative ? 2 : 1, 8, t);
      if (q == Q::kPower) return obis::ObisCode(1, 0, m.accumulation_negative ? 2 : 1, 7, 0);
      return std::nullopt;
    case 5:
    case 6:
      if (m.accumulation_negative) return std::nullopt;
      switch (q) {
        case Q::kEnergy: return obis::ObisCode(*a, 0, 1, 0, t);
        case Q::kVolume: return obis::ObisCode(*a, 0, 2, 0, t);
        case Q::kPower: return obis::ObisCode(*a, 0, 8, 0, 0);
        case Q::kFlow: return obis::ObisCode(*a, 0, 3, 3, 0);
        case Q::kFlowTemp: return obis::ObisCode(*a, 0, 3, 1, 0);
        case Q::kReturnTemp: return obis::ObisCode(*a, 0, 3, 2, 0);
        case Q::kTempDiff: return obis::ObisCode(*a, 0, 12, 0, 0);
        default: return std::nullopt;
      }
    case 8:
    case 9:
      if (m.accumulation_negative) return std::nullopt;
      if (q == Q::kVolume) return obis::ObisCode(*a, 0, 1, 0, t);
      if (q == Q::kFlow) return obis::ObisCode(*a, 0, 2, 0, 0);
      return std::nullopt;
    case 7:
      if (q == Q::kVolume && !m.accumulation_negative) return obis::ObisCode(7, 0, 3, 0, t);
      return std::nullopt;
    default: return std::nullopt;
  }
}

std::size_t mbus_default_readings(const mbus::Telegram& telegram, DeviceRef device, absl::Time at,
                                  std::vector<Reading>& out) {
  const std::size_t first = out.size();
  const Quality base = telegram_quality(telegram);
  mbus::RecordReader reader = telegram.reader();
  mbus::Record r;
  while (reader.next(r)) {
    const mbus::RecordMeaning m = mbus::describe_record(r);
    const auto code = mbus_default_code(telegram.header.medium, r, m);
    if (!code) continue;
    bool seen = false;
    for (std::size_t i = first; i < out.size() && !seen; ++i) seen = out[i].quantity == *code;
    if (seen) continue;
    auto v = mbus::decode_value(r, m);
    if (!v.ok() || v->type != mbus::ValueType::kNumber) continue;
    auto value = conventional(v->number);
    if (!value.ok()) continue;
    out.push_back(Reading{device, *code, *value, at, m.has_error ? Quality::kQuestionable : base});
  }
  return out.size() - first;
}

}  // namespace emscore::mapping

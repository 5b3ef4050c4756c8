#include "emscore/core/unit.hpp"

#include <array>
#include <utility>

namespace emscore {
namespace {

constexpr bool table_is_indexed() {
  for (std::size_t i = 0; i < std::size(kUnitTable); ++i) {
    if (static_cast<std::size_t>(kUnitTable[i].unit) != i) return false;
  }
  return true;
}
static_assert(table_is_indexed(), "kUnitTable must follow the enum order");

struct Alias {
  std::string_view text;
  Unit unit;
};
// Spellings seen in DSMR telegrams, M-Bus plain-text VIFs, Modbus register maps and data
// sheets, in addition to the canonical symbols.
constexpr Alias kAliases[] = {
    {"m3", Unit::kCubicMetre},        {"m\xC2\xB3", Unit::kCubicMetre},
    {"M3", Unit::kCubicMetre},        {"m3/h", Unit::kCubicMetrePerHour},
    {"m\xC2\xB3/h", Unit::kCubicMetrePerHour}, {"Nm3", Unit::kCubicMetreCorrected},
    {"KWH", Unit::kKiloWattHour},     {"kwh", Unit::kKiloWattHour},
    {"KW", Unit::kKiloWatt},          {"kw", Unit::kKiloWatt},
    {"WH", Unit::kWattHour},          {"kVArh", Unit::kKiloVarHour},
    {"kvarh", Unit::kKiloVarHour},    {"KVARH", Unit::kKiloVarHour},
    {"kVarh", Unit::kKiloVarHour},    {"kVAr", Unit::kKiloVar},
    {"kVar", Unit::kKiloVar},         {"KVAR", Unit::kKiloVar},
    {"VAr", Unit::kVar},              {"VAR", Unit::kVar},
    {"VArh", Unit::kVarHour},         {"Varh", Unit::kVarHour},
    {"KVA", Unit::kKiloVoltAmpere},   {"KVAH", Unit::kKiloVoltAmpereHour},
    {"degC", Unit::kCelsius},         {"*C", Unit::kCelsius},
    {"\xC2\xB0" "C", Unit::kCelsius}, {"deg", Unit::kDegree},
    {"sec", Unit::kSecond},           {"L", Unit::kLitre},
    {"ltr", Unit::kLitre},            {"Ohm", Unit::kOhm},
    {"\xCE\xA9", Unit::kOhm},         {"hz", Unit::kHertz},
    {"HZ", Unit::kHertz},             {"GJ", Unit::kGigaJoule},
    {"Gj", Unit::kGigaJoule},         {"MJ", Unit::kMegaJoule},
};

}  // namespace

std::optional<Unit> parse_unit(std::string_view symbol) noexcept {
  for (const UnitInfo& u : kUnitTable) {
    if (u.symbol == symbol && !(u.unit == Unit::kNone && !symbol.empty())) return u.unit;
  }
  for (const Alias& a : kAliases) {
    if (a.text == symbol) return a.unit;
  }
  return std::nullopt;
}

std::optional<Unit> unit_from_dlms(std::uint8_t code) noexcept {
  if (code == 0) return std::nullopt;
  for (const UnitInfo& u : kUnitTable) {
    if (u.dlms_code == code) return u.unit;
  }
  return std::nullopt;
}

}  // namespace emscore

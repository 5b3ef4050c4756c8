#include "emscore/mbus/vif.hpp"

#include <array>

#include "vif_tables.hpp"

namespace emscore::mbus {
namespace {

constexpr VifInfo num(std::string_view q, Unit u, int e) noexcept {
  return VifInfo{q, u, static_cast<std::int8_t>(e), 1, VifKind::kNumber};
}
constexpr std::int32_t kDurationSeconds[4] = {1, 60, 3600, 86400};
constexpr VifInfo duration(std::string_view q, unsigned nn) noexcept {
  return VifInfo{q, Unit::kSecond, 0, kDurationSeconds[nn & 3u], VifKind::kNumber};
}
// Durations in units longer than a day (months, years) cannot be turned into seconds exactly.
constexpr VifInfo long_duration(std::string_view q, Unit u) noexcept {
  return VifInfo{q, u, 0, 1, VifKind::kNumber};
}
constexpr VifInfo ident(std::string_view q) noexcept {
  return VifInfo{q, Unit::kNone, 0, 1, VifKind::kIdentifier};
}
constexpr VifInfo bits(std::string_view q) noexcept {
  return VifInfo{q, Unit::kNone, 0, 1, VifKind::kBitField};
}
constexpr VifInfo plain(std::string_view q) noexcept {
  return VifInfo{q, Unit::kNone, 0, 1, VifKind::kNumber};
}
constexpr VifInfo reserved() noexcept {
  return VifInfo{"Reserved", Unit::kNone, 0, 1, VifKind::kReserved};
}
constexpr int n3(std::uint8_t c) noexcept { return c & 0x07; }
constexpr int n2(std::uint8_t c) noexcept { return c & 0x03; }
constexpr Unit kPerTimeUnit[8] = {Unit::kSecond, Unit::kMinute, Unit::kHour, Unit::kDay,
                                  Unit::kWeek, Unit::kMonth, Unit::kYear, Unit::kNone};
constexpr std::string_view kPerTimeText[8] = {"per second", "per minute", "per hour",
                                              "per day", "per week", "per month",
                                              "per year", "per revolution / measurement"};
constexpr std::string_view kPerUnitText[14] = {
    "increment per input pulse on input channel 0", "increment per input pulse on input channel 1",
    "increment per output pulse on output channel 0", "increment per output pulse on output channel 1",
    "per litre", "per m^3", "per kg", "per K", "per kWh", "per GJ", "per kW", "per K*l",
    "per V", "per A"};
constexpr std::string_view kMultipliedByText[3] = {"multiplied by s", "multiplied by s/V",
                                                   "multiplied by s/A"};

}  // namespace

namespace {

// EN 13757-3:2013 Table 10 (primary VIF codes).
constexpr VifInfo primary_vif_of(std::uint8_t c) noexcept {
  c &= 0x7F;
  switch (c >> 3) {
    case 0x00: return num("Energy", Unit::kWattHour, n3(c) - 3);          // E000 0nnn
    case 0x01: return num("Energy", Unit::kJoule, n3(c));                 // E000 1nnn
    case 0x02: return num("Volume", Unit::kCubicMetre, n3(c) - 6);        // E001 0nnn
    case 0x03: return num("Mass", Unit::kKilogram, n3(c) - 3);            // E001 1nnn
    case 0x04:                                                            // E010 0xnn
      return (c & 0x04) ? duration("Operating time", c) : duration("On time", c);
    case 0x05: return num("Power", Unit::kWatt, n3(c) - 3);               // E010 1nnn
    case 0x06: return num("Power", Unit::kJoulePerHour, n3(c));           // E011 0nnn
    case 0x07: return num("Volume flow", Unit::kCubicMetrePerHour, n3(c) - 6);
    case 0x08: return num("Volume flow", Unit::kCubicMetrePerMinute, n3(c) - 7);
    case 0x09: return num("Volume flow", Unit::kCubicMetrePerSecond, n3(c) - 9);
    case 0x0A: return num("Mass flow", Unit::kKilogramPerHour, n3(c) - 3);
    case 0x0B:
      return (c & 0x04) ? num("Return temperature", Unit::kCelsius, n2(c) - 3)
                        : num("Flow temperature", Unit::kCelsius, n2(c) - 3);
    case 0x0C:
      return (c & 0x04) ? num("External temperature", Unit::kCelsius, n2(c) - 3)
                        : num("Temperature difference", Unit::kKelvin, n2(c) - 3);
    case 0x0D:
      if ((c & 0x04) == 0) return num("Pressure", Unit::kBar, n2(c) - 3);  // E110 10nn
      switch (c) {
        case 0x6C: return VifInfo{"Time point (date)", Unit::kNone, 0, 1, VifKind::kDate};
        case 0x6D:
          return VifInfo{"Time point (date & time)", Unit::kNone, 0, 1, VifKind::kDateTime};
        case 0x6E: return VifInfo{"H.C.A.", Unit::kHeatCostAllocation, 0, 1, VifKind::kNumber};
        default: return reserved();
      }
    case 0x0E:
      return (c & 0x04) ? duration("Actuality Duration", c) : duration("Averaging Duration", c);
    default:
      switch (c) {
        case 0x78: return ident("Fabrication No");
        case 0x79: return ident("(Enhanced) Identification");
        case 0x7A: return ident("Bus Address");
        case 0x7E: return VifInfo{"Any VIF", Unit::kNone, 0, 1, VifKind::kReserved};
        case 0x7F: return VifInfo{"Manufacturer specific", Unit::kNone, 0, 1, VifKind::kManufacturer};
        default: return reserved();
      }
  }
}

// EN 13757-3:2013 Table 14 (main VIFE code extension table, after VIF 0xFD).
constexpr VifInfo fd_vif_of(std::uint8_t c) noexcept {
  c &= 0x7F;
  if (c <= 0x03) return num("Credit", Unit::kCurrency, n2(c) - 3);
  if (c <= 0x07) return num("Debit", Unit::kCurrency, n2(c) - 3);
  if (c >= 0x40 && c <= 0x4F) return num("Voltage", Unit::kVolt, (c & 0x0F) - 9);
  if (c >= 0x50 && c <= 0x5F) return num("Current", Unit::kAmpere, (c & 0x0F) - 12);
  switch (c) {
    case 0x08: return ident("Access Number (transmission count)");
    case 0x09: return ident("Medium");
    case 0x0A: return ident("Manufacturer");
    case 0x0B: return ident("Parameter set identification");
    case 0x0C: return ident("Model / Version");
    case 0x0D: return ident("Hardware version");
    case 0x0E: return ident("Firmware version");
    case 0x0F: return ident("Software version");
    case 0x10: return ident("Customer location");
    case 0x11: return ident("Customer");
    case 0x12: return ident("Access Code User");
    case 0x13: return ident("Access Code Operator");
    case 0x14: return ident("Access Code System Operator");
    case 0x15: return ident("Access Code Developer");
    case 0x16: return ident("Password");
    case 0x17: return bits("Error flags");
    case 0x18: return bits("Error mask");
    case 0x19: return ident("Security key");
    case 0x1A: return bits("Digital Output");
    case 0x1B: return bits("Digital Input");
    case 0x1C: return num("Baudrate", Unit::kBaud, 0);
    case 0x1D: return plain("Response delay time (bit times)");
    case 0x1E: return plain("Retry");
    case 0x1F: return bits("Remote control");
    case 0x20: return plain("First storage # for cyclic storage");
    case 0x21: return plain("Last storage # for cyclic storage");
    case 0x22: return plain("Size of storage block");
    case 0x23: return ident("Descriptor for tariff and subunit");
    case 0x24: case 0x25: case 0x26: case 0x27: return duration("Storage interval", c);
    case 0x28: return long_duration("Storage interval", Unit::kMonth);
    case 0x29: return long_duration("Storage interval", Unit::kYear);
    case 0x2A: return ident("Operator specific data");
    case 0x2B: return VifInfo{"Time point (second)", Unit::kSecond, 0, 1, VifKind::kNumber};
    case 0x2C: case 0x2D: case 0x2E: case 0x2F: return duration("Duration since last readout", c);
    case 0x30: return VifInfo{"Start of tariff", Unit::kNone, 0, 1, VifKind::kDateTime};
    case 0x31: case 0x32: case 0x33: return duration("Duration of tariff", c);
    case 0x34: case 0x35: case 0x36: case 0x37: return duration("Period of tariff", c);
    case 0x38: return long_duration("Period of tariff", Unit::kMonth);
    case 0x39: return long_duration("Period of tariff", Unit::kYear);
    case 0x3A: return plain("Dimensionless");
    case 0x3B: return ident("Data container for wireless M-Bus protocol");
    case 0x3C: case 0x3D: case 0x3E: case 0x3F:
      return duration("Period of nominal data transmissions", c);
    case 0x60: return plain("Reset counter");
    case 0x61: return plain("Cumulation counter");
    case 0x62: return bits("Control signal");
    case 0x63: return plain("Day of week");
    case 0x64: return plain("Week number");
    case 0x65: return plain("Time point of day change");
    case 0x66: return bits("State of parameter activation");
    case 0x67: return plain("Special supplier information");
    case 0x68: return duration("Duration since last cumulation", 2);
    case 0x69: return duration("Duration since last cumulation", 3);
    case 0x6A: return long_duration("Duration since last cumulation", Unit::kMonth);
    case 0x6B: return long_duration("Duration since last cumulation", Unit::kYear);
    case 0x6C: return duration("Operating time battery", 2);
    case 0x6D: return duration("Operating time battery", 3);
    case 0x6E: return long_duration("Operating time battery", Unit::kMonth);
    case 0x6F: return long_duration("Operating time battery", Unit::kYear);
    case 0x70:
      return VifInfo{"Date and time of battery change", Unit::kNone, 0, 1, VifKind::kDateTime};
    case 0x71: return num("RF level", Unit::kDecibelMilliwatt, 0);
    case 0x72: return ident("Daylight saving");
    case 0x73: return ident("Listening window management");
    case 0x74: return VifInfo{"Remaining battery life time", Unit::kDay, 0, 1, VifKind::kNumber};
    case 0x75: return plain("Number of times the meter was stopped");
    case 0x76: return ident("Data container for manufacturer specific protocol");
    default: return reserved();
  }
}

// EN 13757-3:2013 Tables 12/13 (alternate extension table, after VIF 0xFB).
constexpr VifInfo fb_vif_of(std::uint8_t c) noexcept {
  c &= 0x7F;
  switch (c) {
    case 0x00: case 0x01: return num("Energy", Unit::kWattHour, (c & 1) + 5);     // 0.1-1 MWh
    case 0x02: case 0x03: return num("Reactive energy", Unit::kVarHour, (c & 1) + 3);  // kvarh
    case 0x08: case 0x09: return num("Energy", Unit::kJoule, (c & 1) + 8);        // 0.1-1 GJ
    case 0x10: case 0x11: return num("Volume", Unit::kCubicMetre, (c & 1) + 2);   // 100-1000 m^3
    case 0x14: case 0x15: case 0x16: case 0x17:
      return num("Reactive power", Unit::kVar, n2(c));                           // kvar 10^(nn-3)
    case 0x18: case 0x19: return num("Mass", Unit::kKilogram, (c & 1) + 5);       // 100-1000 t
    case 0x1A: case 0x1B: return num("Relative humidity", Unit::kPercent, (c & 1) - 1);
    case 0x28: case 0x29: return num("Power", Unit::kWatt, (c & 1) + 5);          // 0.1-1 MW
    case 0x2A: return num("Phase U-U", Unit::kDegree, -1);
    case 0x2B: return num("Phase U-I", Unit::kDegree, -1);
    case 0x2C: case 0x2D: case 0x2E: case 0x2F: return num("Frequency", Unit::kHertz, n2(c) - 3);
    case 0x30: case 0x31: return num("Power", Unit::kJoulePerHour, (c & 1) + 8);  // 0.1-1 GJ/h
    case 0x34: case 0x35: case 0x36: case 0x37:
      return num("Apparent power", Unit::kVoltAmpere, n2(c));                    // kVA 10^(nn-3)
    case 0x58: case 0x59: case 0x5A: case 0x5B:
      return num("Flow temperature", Unit::kFahrenheit, n2(c) - 3);
    case 0x5C: case 0x5D: case 0x5E: case 0x5F:
      return num("Return temperature", Unit::kFahrenheit, n2(c) - 3);
    case 0x60: case 0x61: case 0x62: case 0x63:
      return num("Temperature difference", Unit::kFahrenheit, n2(c) - 3);
    case 0x64: case 0x65: case 0x66: case 0x67:
      return num("External temperature", Unit::kFahrenheit, n2(c) - 3);
    case 0x70: case 0x71: case 0x72: case 0x73:
      return num("Cold / Warm Temperature Limit", Unit::kFahrenheit, n2(c) - 3);
    case 0x74: case 0x75: case 0x76: case 0x77:
      return num("Cold / Warm Temperature Limit", Unit::kCelsius, n2(c) - 3);
    default:
      if (c >= 0x78) return num("Cumul count max power", Unit::kWatt, n3(c) - 3);
      return reserved();
  }
}

// EN 13757-3:2013 Table 16 (codes for record errors, combinable VIFE E000 xxxx / E001 xxxx).
constexpr std::string_view record_error_text_of(std::uint8_t c) noexcept {
  switch (c & 0x1F) {
    case 0x00: return "none";
    case 0x01: return "too many DIFEs";
    case 0x02: return "storage number not implemented";
    case 0x03: return "unit number not implemented";
    case 0x04: return "tariff number not implemented";
    case 0x05: return "function not implemented";
    case 0x06: return "data class not implemented";
    case 0x07: return "data size not implemented";
    case 0x0B: return "too many VIFEs";
    case 0x0C: return "illegal VIF-group";
    case 0x0D: return "illegal VIF-exponent";
    case 0x0E: return "VIF/DIF mismatch";
    case 0x0F: return "unimplemented action";
    case 0x15: return "no data available (undefined value)";
    case 0x16: return "data overflow";
    case 0x17: return "data underflow";
    case 0x18: return "data error";
    case 0x1C: return "premature end of record";
    default: return "reserved record error";
  }
}

constexpr VifeInfo combinable_vife_of(std::uint8_t c) noexcept {
  c &= 0x7F;
  VifeInfo v;
  if (c <= 0x1F) {
    v.kind = VifeKind::kErrorCode;
    v.text = record_error_text_of(c);
    return v;
  }
  if (c <= 0x27) {
    v.kind = VifeKind::kPerTime;
    v.per_time = kPerTimeUnit[c & 7];
    v.text = kPerTimeText[c & 7];
    return v;
  }
  if (c <= 0x35) {
    v.kind = VifeKind::kPerUnit;
    v.text = kPerUnitText[c - 0x28];
    return v;
  }
  if (c <= 0x38) {
    v.kind = VifeKind::kMultipliedBy;
    v.text = kMultipliedByText[c - 0x36];
    return v;
  }
  if (c >= 0x70 && c <= 0x77) {
    v.kind = VifeKind::kMultiplicative;
    v.exponent = static_cast<std::int8_t>((c & 7) - 6);
    v.text = "multiplicative correction factor";
    return v;
  }
  if (c >= 0x78 && c <= 0x7B) {
    v.kind = VifeKind::kAdditive;
    v.exponent = static_cast<std::int8_t>((c & 3) - 3);
    v.text = "additive correction constant";
    return v;
  }
  switch (c) {
    case 0x39: v.kind = VifeKind::kStartDateOf; v.text = "start date(/time) of"; return v;
    case 0x3A: v.kind = VifeKind::kUncorrected; v.text = "uncorrected unit"; return v;
    case 0x3B:
      v.kind = VifeKind::kAccumulationPositive;
      v.text = "accumulation only if positive contributions";
      return v;
    case 0x3C:
      v.kind = VifeKind::kAccumulationNegative;
      v.text = "accumulation of abs value only if negative contributions";
      return v;
    case 0x3E: v.kind = VifeKind::kBaseConditions; v.text = "value at base conditions"; return v;
    case 0x3F: v.kind = VifeKind::kObisDeclaration; v.text = "OBIS declaration"; return v;
    case 0x40: v.kind = VifeKind::kLimitValue; v.text = "lower limit value"; return v;
    case 0x48: v.kind = VifeKind::kLimitValue; v.text = "upper limit value"; return v;
    case 0x41: v.kind = VifeKind::kLimitExceedCount; v.text = "number of exceeds of lower limit"; return v;
    case 0x49: v.kind = VifeKind::kLimitExceedCount; v.text = "number of exceeds of upper limit"; return v;
    case 0x42: case 0x43: case 0x46: case 0x47: case 0x4A: case 0x4B: case 0x4E: case 0x4F:
    case 0x6A: case 0x6B: case 0x6E: case 0x6F:
      v.kind = VifeKind::kLimitExceedDate;
      v.text = "date (/time) of begin/end of limit exceed";
      return v;
    case 0x68: v.kind = VifeKind::kValueDuringLimit; v.text = "value during lower limit exceed"; return v;
    case 0x6C: v.kind = VifeKind::kValueDuringLimit; v.text = "value during upper limit exceed"; return v;
    case 0x7D:
      v.kind = VifeKind::kMultiplicative;
      v.exponent = 3;
      v.text = "multiplicative correction factor 10^3";
      return v;
    case 0x7E: v.kind = VifeKind::kFutureValue; v.text = "future value"; return v;
    case 0x7F:
      v.kind = VifeKind::kManufacturerNext;
      v.text = "next VIFE and data of this block are manufacturer specific";
      return v;
    default:
      if ((c >= 0x50 && c <= 0x5F) || (c >= 0x60 && c <= 0x67)) {
        v.kind = VifeKind::kLimitExceedDuration;
        v.text = "duration of limit exceed";
        return v;
      }
      v.kind = VifeKind::kReserved;
      v.text = "reserved";
      return v;
  }
}

}  // namespace

// The tables, built at compile time from the switch functions above (one entry per 7-bit
// code, so a lookup is one indexed load).
namespace detail {
namespace {
template <typename T, typename F>
constexpr std::array<T, 128> make_table(F f) noexcept {
  std::array<T, 128> t{};
  for (unsigned c = 0; c < 128; ++c) t[c] = f(static_cast<std::uint8_t>(c));
  return t;
}
}  // namespace
constexpr std::array<VifInfo, 128> kPrimaryVifTable = make_table<VifInfo>(primary_vif_of);
constexpr std::array<VifInfo, 128> kFdVifTable = make_table<VifInfo>(fd_vif_of);
constexpr std::array<VifInfo, 128> kFbVifTable = make_table<VifInfo>(fb_vif_of);
constexpr std::array<VifeInfo, 128> kCombinableVifeTable = make_table<VifeInfo>(combinable_vife_of);

static_assert(static_cast<unsigned>(VifTable::kPrimary) == 0 &&
              static_cast<unsigned>(VifTable::kFB) == 1 && static_cast<unsigned>(VifTable::kFD) == 2);
constexpr std::array<RecordMeaning, 3 * 128> kVifMeaningTable = [] {
  std::array<RecordMeaning, 3 * 128> t{};
  const std::array<VifInfo, 128>* tables[3] = {&kPrimaryVifTable, &kFbVifTable, &kFdVifTable};
  for (unsigned i = 0; i < 3; ++i) {
    for (unsigned c = 0; c < 128; ++c) {
      const VifInfo& info = (*tables[i])[c];
      RecordMeaning& m = t[i * 128 + c];
      m.quantity = info.quantity;
      m.unit = info.unit;
      m.exponent = info.exponent;
      m.seconds = info.seconds;
      m.kind = info.kind;
    }
  }
  return t;
}();
}  // namespace detail

VifInfo primary_vif(std::uint8_t code) noexcept { return detail::kPrimaryVifTable[code & 0x7F]; }
VifInfo fd_vif(std::uint8_t code) noexcept { return detail::kFdVifTable[code & 0x7F]; }
VifInfo fb_vif(std::uint8_t code) noexcept { return detail::kFbVifTable[code & 0x7F]; }
VifeInfo combinable_vife(std::uint8_t code) noexcept {
  return detail::kCombinableVifeTable[code & 0x7F];
}
std::string_view record_error_text(std::uint8_t code) noexcept {
  return record_error_text_of(code);
}

}  // namespace emscore::mbus

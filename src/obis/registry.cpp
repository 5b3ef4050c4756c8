#include "emscore/obis/registry.hpp"

#include <array>

#include "emscore/core/strings.hpp"

namespace emscore::obis {
namespace {

// A named code. B (channel) and F (billing period) are not compared.
struct Named {
  std::uint8_t a, c, d, e;
  std::string_view description;
  Unit unit;
  ValueKind kind;
  std::uint8_t b = 255;  // 255: any channel
};

using VK = ValueKind;
using U = Unit;

// Abstract objects (A = 0) and electricity objects outside the C/D/E scheme, as DSMR/ESMR
// P1 and its national variants use them; gas, water and thermal codes as data loggers use
// them (the Modbus table of the M-Bus/Modbus data logger among them).
constexpr Named kNamed[] = {
    // --- P1 telegram header objects
    {1, 0, 2, 8, "Version information of the P1 interface", U::kNone, VK::kIdentifier, 3},
    {1, 0, 2, 8, "Firmware signature", U::kNone, VK::kIdentifier},
    {1, 0, 2, 0, "Firmware version", U::kNone, VK::kIdentifier},
    {1, 0, 8, 0, "Measurement period 1 (averaging of demand values)", U::kSecond, VK::kState},
    {1, 0, 8, 1, "Measurement period 2 (averaging of demand values)", U::kSecond, VK::kState},
    {1, 0, 8, 2, "Measurement period 3 (averaging of instantaneous values)", U::kSecond, VK::kState},
    {1, 96, 5, 5, "Operating status", U::kNone, VK::kState},
    {1, 31, 4, 0, "Fuse supervision threshold (current limit), L1", U::kAmpere, VK::kState},
    {1, 51, 4, 0, "Fuse supervision threshold (current limit), L2", U::kAmpere, VK::kState},
    {1, 71, 4, 0, "Fuse supervision threshold (current limit), L3", U::kAmpere, VK::kState},
    {0, 0, 2, 8, "Version information of the P1 interface", U::kNone, VK::kIdentifier},
    {0, 1, 0, 0, "Date and time of the telegram", U::kNone, VK::kTimestamp},
    {0, 42, 0, 0, "Logical device name", U::kNone, VK::kIdentifier},
    {0, 96, 1, 0, "Equipment identifier", U::kNone, VK::kIdentifier},
    {0, 96, 1, 1, "Equipment identifier (electricity meter)", U::kNone, VK::kIdentifier},
    {0, 96, 1, 4, "Version information (e-MUCS)", U::kNone, VK::kIdentifier},
    {0, 96, 14, 0, "Tariff indicator (electricity)", U::kNone, VK::kState},
    {0, 96, 14, 1, "Tariff indicator (electricity, second tariff scheme)", U::kNone, VK::kState},
    {0, 96, 1, 255, "Equipment identifier (manufacturer form)", U::kNone, VK::kIdentifier},
    {0, 96, 50, 1, "Meter manufacturer", U::kNone, VK::kIdentifier},
    {0, 96, 3, 10, "Breaker state", U::kNone, VK::kState},
    {0, 96, 13, 0, "Text message", U::kNone, VK::kIdentifier},
    {0, 96, 13, 1, "Text message code", U::kNone, VK::kIdentifier},
    {0, 96, 7, 21, "Number of power failures in any phase", U::kNone, VK::kCounter},
    {0, 96, 7, 9, "Number of long power failures in any phase", U::kNone, VK::kCounter},
    {0, 17, 0, 0, "Limiter threshold", U::kKiloWatt, VK::kState},
    {0, 98, 1, 0, "Monthly maximum demand history (13 months)", U::kKiloWatt, VK::kLog},
    {1, 99, 97, 0, "Power failure event log (long power failures)", U::kSecond, VK::kLog},
    {1, 99, 1, 0, "Load profile", U::kNone, VK::kLog},
    {1, 0, 9, 1, "Local time", U::kNone, VK::kTimestamp},
    {1, 0, 9, 2, "Local date", U::kNone, VK::kTimestamp},
    {1, 0, 0, 0, "Device address", U::kNone, VK::kIdentifier},
    {1, 96, 1, 0, "Equipment identifier (electricity meter)", U::kNone, VK::kIdentifier},
    {1, 96, 1, 1, "Equipment identifier (electricity meter)", U::kNone, VK::kIdentifier},
    {1, 97, 97, 0, "Error register", U::kNone, VK::kState},
    // --- M-Bus channel devices on P1 (0-n:24.x.x)
    {0, 24, 1, 0, "Device type of the M-Bus channel", U::kNone, VK::kIdentifier},
    {0, 24, 2, 1, "Last reading of the M-Bus channel (temperature-corrected for gas)", U::kCubicMetre, VK::kRegister},
    {0, 24, 2, 3, "Last reading of the M-Bus channel (not temperature-corrected)", U::kCubicMetre, VK::kRegister},
    {0, 24, 3, 0, "Last hourly reading of the M-Bus channel (DSMR 2.2/3 profile form)", U::kCubicMetre, VK::kLog},
    {0, 24, 4, 0, "Valve position of the M-Bus channel", U::kNone, VK::kState},
    // --- Gas (A = 7)
    {7, 3, 0, 0, "Gas volume, meter reading, total", U::kCubicMetre, VK::kRegister},
    {7, 3, 0, 1, "Gas volume, meter reading, tariff 1", U::kCubicMetre, VK::kRegister},
    {7, 3, 0, 2, "Gas volume, meter reading, tariff 2", U::kCubicMetre, VK::kRegister},
    {7, 3, 0, 3, "Gas volume, meter reading, tariff 3", U::kCubicMetre, VK::kRegister},
    {7, 3, 0, 4, "Gas volume, meter reading, tariff 4", U::kCubicMetre, VK::kRegister},
    {7, 3, 0, 5, "Gas volume, meter reading, tariff 5", U::kCubicMetre, VK::kRegister},
    {7, 3, 0, 6, "Gas volume, meter reading, tariff 6", U::kCubicMetre, VK::kRegister},
    {7, 3, 1, 0, "Gas volume at base conditions, meter reading", U::kCubicMetre, VK::kRegister},
    {7, 3, 7, 0, "Gas flow rate", U::kCubicMetrePerHour, VK::kInstantaneous},
    {7, 42, 0, 0, "Gas absolute pressure", U::kBar, VK::kInstantaneous},
    {7, 41, 0, 0, "Gas temperature", U::kCelsius, VK::kInstantaneous},
    // --- Water (A = 8 cold, 9 hot)
    {8, 1, 0, 0, "Cold water volume, meter reading", U::kCubicMetre, VK::kRegister},
    {8, 2, 0, 0, "Cold water flow rate", U::kCubicMetrePerHour, VK::kInstantaneous},
    {9, 1, 0, 0, "Hot water volume, meter reading", U::kCubicMetre, VK::kRegister},
    {9, 2, 0, 0, "Hot water flow rate", U::kCubicMetrePerHour, VK::kInstantaneous},
    // --- Thermal energy, heating (A = 6) and cooling (A = 5). Codes 1.0.0, 2.0.0 follow
    // EN 13757-1; 3.1.0, 3.2.0, 3.3.0 and 8.0.0 follow the data logger's Modbus layout;
    // 10.0.0-12.0.0 and 4.0.0 are the EN 13757-1 codes for the same quantities.
    {6, 1, 0, 0, "Heat energy, meter reading", U::kKiloWattHour, VK::kRegister},
    {6, 2, 0, 0, "Heat meter volume, meter reading", U::kCubicMetre, VK::kRegister},
    {6, 3, 1, 0, "Heat meter flow temperature", U::kCelsius, VK::kInstantaneous},
    {6, 3, 2, 0, "Heat meter return temperature", U::kCelsius, VK::kInstantaneous},
    {6, 3, 3, 0, "Heat meter flow rate", U::kCubicMetrePerHour, VK::kInstantaneous},
    {6, 8, 0, 0, "Heat power", U::kKiloWatt, VK::kInstantaneous},
    {6, 4, 0, 0, "Heat power", U::kKiloWatt, VK::kInstantaneous},
    {6, 10, 0, 0, "Heat meter flow temperature", U::kCelsius, VK::kInstantaneous},
    {6, 11, 0, 0, "Heat meter return temperature", U::kCelsius, VK::kInstantaneous},
    {6, 12, 0, 0, "Heat meter temperature difference", U::kKelvin, VK::kInstantaneous},
    {5, 1, 0, 0, "Cooling energy, meter reading", U::kKiloWattHour, VK::kRegister},
    {5, 2, 0, 0, "Cooling meter volume, meter reading", U::kCubicMetre, VK::kRegister},
    {5, 3, 1, 0, "Cooling meter flow temperature", U::kCelsius, VK::kInstantaneous},
    {5, 3, 2, 0, "Cooling meter return temperature", U::kCelsius, VK::kInstantaneous},
    {5, 3, 3, 0, "Cooling meter flow rate", U::kCubicMetrePerHour, VK::kInstantaneous},
    {5, 8, 0, 0, "Cooling power", U::kKiloWatt, VK::kInstantaneous},
    {5, 4, 0, 0, "Cooling power", U::kKiloWatt, VK::kInstantaneous},
    {5, 10, 0, 0, "Cooling meter flow temperature", U::kCelsius, VK::kInstantaneous},
    {5, 11, 0, 0, "Cooling meter return temperature", U::kCelsius, VK::kInstantaneous},
    {5, 12, 0, 0, "Cooling meter temperature difference", U::kKelvin, VK::kInstantaneous},
    // --- Heat cost allocators (A = 4): readings are dimensionless units.
    {4, 1, 0, 0, "Heat cost allocator, meter reading (no unit)", U::kHeatCostAllocation, VK::kRegister},
    {4, 2, 0, 0, "Heat cost allocator, volume reading", U::kCubicMetre, VK::kRegister},
    {4, 3, 1, 0, "Heat cost allocator, flow temperature", U::kCelsius, VK::kInstantaneous},
    {4, 3, 2, 0, "Heat cost allocator, return temperature", U::kCelsius, VK::kInstantaneous},
    {4, 3, 3, 0, "Heat cost allocator, flow rate", U::kCubicMetrePerHour, VK::kInstantaneous},
};

// Electricity quantities by C within a phase block (C mod 20, 1..20), IEC 62056-6-1 §7.5.1.
struct Quantity {
  std::string_view power;   // D = 7 and demands
  std::string_view energy;  // D = 8, 9, 29
  U power_unit;
  U energy_unit;
};
constexpr std::array<Quantity, 21> kQuantities{{
    {},
    {"Active power import (+P)", "Active energy import (+A)", U::kKiloWatt, U::kKiloWattHour},
    {"Active power export (-P)", "Active energy export (-A)", U::kKiloWatt, U::kKiloWattHour},
    {"Reactive power import (+Q)", "Reactive energy import (+R)", U::kKiloVar, U::kKiloVarHour},
    {"Reactive power export (-Q)", "Reactive energy export (-R)", U::kKiloVar, U::kKiloVarHour},
    {"Reactive power QI", "Reactive energy QI", U::kKiloVar, U::kKiloVarHour},
    {"Reactive power QII", "Reactive energy QII", U::kKiloVar, U::kKiloVarHour},
    {"Reactive power QIII", "Reactive energy QIII", U::kKiloVar, U::kKiloVarHour},
    {"Reactive power QIV", "Reactive energy QIV", U::kKiloVar, U::kKiloVarHour},
    {"Apparent power import (+S)", "Apparent energy import (+S)", U::kKiloVoltAmpere, U::kKiloVoltAmpereHour},
    {"Apparent power export (-S)", "Apparent energy export (-S)", U::kKiloVoltAmpere, U::kKiloVoltAmpereHour},
    {"Current", "Ampere-hours", U::kAmpere, U::kAmpereHour},
    {"Voltage", "Volt-squared hours", U::kVolt, U::kNone},
    {"Power factor", "", U::kNone, U::kNone},
    {"Frequency", "", U::kHertz, U::kNone},
    {"Active power absolute (|+P|+|-P|)", "Active energy absolute (|+A|+|-A|)", U::kKiloWatt, U::kKiloWattHour},
    {"Active power net (+P - -P)", "Active energy net (+A - -A)", U::kKiloWatt, U::kKiloWattHour},
    {"Active power QI", "Active energy QI", U::kKiloWatt, U::kKiloWattHour},
    {"Active power QII", "Active energy QII", U::kKiloWatt, U::kKiloWattHour},
    {"Active power QIII", "Active energy QIII", U::kKiloWatt, U::kKiloWattHour},
    {"Active power QIV", "Active energy QIV", U::kKiloWatt, U::kKiloWattHour},
}};

std::optional<ObisDescription> describe_electricity(const ObisCode& o) {
  ObisDescription out{o, {}, Medium::kElectricity, U::kNone, VK::kOther};
  if (o.c == 91 && o.d == 7) {
    out.description = "Neutral current";
    out.unit = U::kAmpere;
    out.kind = VK::kInstantaneous;
    return out;
  }
  if (o.c == 0 || o.c > 80) return std::nullopt;
  const int block = (o.c - 1) / 20;  // 0 = all phases, 1..3 = L1..L3
  const int q = (o.c - 1) % 20 + 1;
  const Quantity& qty = kQuantities[static_cast<std::size_t>(q)];
  const std::string_view phase[] = {"", ", L1", ", L2", ", L3"};
  const std::string tariff = o.e == 0 ? std::string(", total") : str_cat(", tariff ", o.e);
  const bool is_voltage = q == 12;
  switch (o.d) {
    case 7:
      out.description = str_cat(qty.power, phase[block]);
      out.unit = qty.power_unit;
      out.kind = VK::kInstantaneous;
      break;
    case 8:
    case 9:
    case 29:
      if (qty.energy.empty() || q == 11 || q == 12) return std::nullopt;
      out.description = str_cat(qty.energy, phase[block],
                                     o.d == 8 ? "" : o.d == 9 ? ", billing period" : ", delta over capture period",
                                     tariff);
      out.unit = qty.energy_unit;
      out.kind = VK::kRegister;
      break;
    case 2: case 3: case 4: case 5: case 6:
    case 12: case 13: case 14: case 15: case 16:
    case 22: case 23: case 24: case 25: case 26: {
      const int proc = o.d % 10;
      const int period = o.d / 10 + 1;
      const std::string period_text = period == 1 ? std::string() : str_cat(" (period ", period, ")");
      if (q >= 11 && q <= 14) {
        // Minimum/maximum/average of current, voltage, PF and frequency are statistics.
        const std::string_view what = proc == 2   ? "Cumulative maximum"
                                      : proc == 3 ? "Minimum"
                                      : proc == 4 ? "Current average"
                                      : proc == 5 ? "Last average"
                                                  : "Maximum";
        out.description = str_cat(what, period_text, " of ", qty.power, phase[block]);
        out.unit = qty.power_unit;
        out.kind = VK::kInstantaneous;
      } else {
        const std::string_view what = proc == 2   ? "Cumulative maximum demand"
                                      : proc == 3 ? "Minimum demand"
                                      : proc == 4 ? "Current average demand"
                                      : proc == 5 ? "Last average demand"
                                                  : "Maximum demand";
        out.description = str_cat(what, period_text, ", ", qty.power, phase[block], tariff);
        out.unit = qty.power_unit;
        out.kind = VK::kDemand;
      }
      break;
    }
    case 32:
    case 36:
      if (!is_voltage) return std::nullopt;
      out.description = str_cat("Number of voltage ", o.d == 32 ? "sags" : "swells",
                                     block == 0 ? " in any phase" : phase[block]);
      out.kind = VK::kCounter;
      break;
    case 31:
    case 35:
      if (!is_voltage) return std::nullopt;
      out.description = str_cat("Voltage ", o.d == 31 ? "sag" : "swell", " threshold",
                                     phase[block]);
      out.unit = U::kVolt;
      out.kind = VK::kState;
      break;
    default:
      return std::nullopt;
  }
  return out;
}

}  // namespace

std::string_view value_kind_name(ValueKind k) noexcept {
  switch (k) {
    case VK::kRegister: return "register";
    case VK::kDemand: return "demand";
    case VK::kInstantaneous: return "instantaneous";
    case VK::kCounter: return "counter";
    case VK::kIdentifier: return "identifier";
    case VK::kTimestamp: return "timestamp";
    case VK::kState: return "state";
    case VK::kLog: return "log";
    case VK::kOther: return "other";
  }
  return "other";
}

std::optional<ObisDescription> describe(const ObisCode& code) {
  std::optional<ObisDescription> out;
  for (const Named& n : kNamed) {
    if (n.a == code.a && (n.b == 255 || n.b == code.b) && n.c == code.c && n.d == code.d && n.e == code.e) {
      out = ObisDescription{code, std::string(n.description), medium_of_group_a(code.a), n.unit,
                            n.kind};
      break;
    }
  }
  if (!out && code.a == 1) out = describe_electricity(code);
  if (out && code.f != 255) out->description += str_cat(", billing period ", code.f);
  return out;
}

}  // namespace emscore::obis

// emscore/core/unit.hpp — the units of meter values.
//
// The set is the DLMS/COSEM unit enumeration (IEC 62056-6-2, "unit" of a register's
// scaler_unit) that M-Bus VIFs and DSMR lines also map onto, plus the decimal-prefixed
// forms meters print (kWh, kvarh, GJ, ...). Each unit knows its base unit and the power of
// ten between them, so that conversions between e.g. Wh and kWh are exact exponent shifts.
// Symbols follow the M-Bus/libmbus normalised style: "m^3", "°C", "Wh".
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace emscore {

// X(Name, symbol, dlms_code, BaseName, power_of_ten, quantity)
// dlms_code 0 = no DLMS code of its own (a prefixed unit); 255 = "count"/dimensionless.
#define EMSCORE_UNITS(X)                                                   \
  X(None, "", 255, None, 0, "")                                            \
  X(Year, "a", 1, Year, 0, "Time")                                         \
  X(Month, "mo", 2, Month, 0, "Time")                                      \
  X(Week, "wk", 3, Week, 0, "Time")                                        \
  X(Day, "d", 4, Day, 0, "Time")                                           \
  X(Hour, "h", 5, Hour, 0, "Time")                                         \
  X(Minute, "min", 6, Minute, 0, "Time")                                   \
  X(Second, "s", 7, Second, 0, "Time")                                     \
  X(Degree, "°", 8, Degree, 0, "Angle")                                    \
  X(Celsius, "°C", 9, Celsius, 0, "Temperature")                           \
  X(Currency, "currency", 10, Currency, 0, "Money")                        \
  X(Metre, "m", 11, Metre, 0, "Length")                                    \
  X(MetrePerSecond, "m/s", 12, MetrePerSecond, 0, "Speed")                 \
  X(CubicMetre, "m^3", 13, CubicMetre, 0, "Volume")                        \
  X(CubicMetreCorrected, "Nm^3", 14, CubicMetreCorrected, 0, "Volume")     \
  X(CubicMetrePerHour, "m^3/h", 15, CubicMetrePerHour, 0, "Volume flow")   \
  X(CubicMetrePerHourCorrected, "Nm^3/h", 16, CubicMetrePerHourCorrected, 0, "Volume flow") \
  X(CubicMetrePerDay, "m^3/d", 17, CubicMetrePerDay, 0, "Volume flow")     \
  X(CubicMetrePerDayCorrected, "Nm^3/d", 18, CubicMetrePerDayCorrected, 0, "Volume flow") \
  X(Litre, "l", 19, CubicMetre, -3, "Volume")                              \
  X(Kilogram, "kg", 20, Kilogram, 0, "Mass")                               \
  X(Newton, "N", 21, Newton, 0, "Force")                                   \
  X(NewtonMetre, "Nm", 22, NewtonMetre, 0, "Energy")                       \
  X(Pascal, "Pa", 23, Pascal, 0, "Pressure")                               \
  X(Bar, "bar", 24, Pascal, 5, "Pressure")                                 \
  X(Joule, "J", 25, Joule, 0, "Energy")                                    \
  X(JoulePerHour, "J/h", 26, JoulePerHour, 0, "Power")                     \
  X(Watt, "W", 27, Watt, 0, "Power")                                       \
  X(VoltAmpere, "VA", 28, VoltAmpere, 0, "Apparent power")                 \
  X(Var, "var", 29, Var, 0, "Reactive power")                              \
  X(WattHour, "Wh", 30, WattHour, 0, "Energy")                             \
  X(VoltAmpereHour, "VAh", 31, VoltAmpereHour, 0, "Apparent energy")       \
  X(VarHour, "varh", 32, VarHour, 0, "Reactive energy")                    \
  X(Ampere, "A", 33, Ampere, 0, "Current")                                 \
  X(Coulomb, "C", 34, Coulomb, 0, "Charge")                                \
  X(Volt, "V", 35, Volt, 0, "Voltage")                                     \
  X(Ohm, "Ohm", 38, Ohm, 0, "Resistance")                                  \
  X(Hertz, "Hz", 44, Hertz, 0, "Frequency")                                \
  X(KilogramPerSecond, "kg/s", 50, KilogramPerSecond, 0, "Mass flow")      \
  X(Kelvin, "K", 52, Kelvin, 0, "Temperature difference")                  \
  X(Percent, "%", 56, Percent, 0, "Ratio")                                 \
  X(AmpereHour, "Ah", 57, AmpereHour, 0, "Charge")                         \
  X(WattHourPerCubicMetre, "Wh/m^3", 60, WattHourPerCubicMetre, 0, "Calorific value") \
  X(JoulePerCubicMetre, "J/m^3", 61, JoulePerCubicMetre, 0, "Calorific value") \
  X(DecibelMilliwatt, "dBm", 70, DecibelMilliwatt, 0, "Signal strength")   \
  X(KiloWatt, "kW", 0, Watt, 3, "Power")                                   \
  X(MegaWatt, "MW", 0, Watt, 6, "Power")                                   \
  X(KiloWattHour, "kWh", 0, WattHour, 3, "Energy")                         \
  X(MegaWattHour, "MWh", 0, WattHour, 6, "Energy")                         \
  X(KiloVar, "kvar", 0, Var, 3, "Reactive power")                          \
  X(KiloVarHour, "kvarh", 0, VarHour, 3, "Reactive energy")                \
  X(KiloVoltAmpere, "kVA", 0, VoltAmpere, 3, "Apparent power")             \
  X(KiloVoltAmpereHour, "kVAh", 0, VoltAmpereHour, 3, "Apparent energy")   \
  X(KiloJoule, "kJ", 0, Joule, 3, "Energy")                                \
  X(MegaJoule, "MJ", 0, Joule, 6, "Energy")                                \
  X(GigaJoule, "GJ", 0, Joule, 9, "Energy")                                \
  X(KiloVolt, "kV", 0, Volt, 3, "Voltage")                                 \
  X(MilliAmpere, "mA", 0, Ampere, -3, "Current")                           \
  X(LitrePerHour, "l/h", 0, CubicMetrePerHour, -3, "Volume flow")          \
  X(CubicMetrePerMinute, "m^3/min", 0, CubicMetrePerMinute, 0, "Volume flow") \
  X(CubicMetrePerSecond, "m^3/s", 0, CubicMetrePerSecond, 0, "Volume flow") \
  X(KilogramPerHour, "kg/h", 0, KilogramPerHour, 0, "Mass flow")           \
  X(Tonne, "t", 0, Kilogram, 3, "Mass")                                    \
  X(Gram, "g", 0, Kilogram, -3, "Mass")                                    \
  X(Millibar, "mbar", 0, Pascal, 2, "Pressure")                            \
  X(PartsPerMillion, "ppm", 0, PartsPerMillion, 0, "Ratio")                \
  X(HeatCostAllocation, "HCA", 0, HeatCostAllocation, 0, "Heat cost allocation") \
  X(Fahrenheit, "°F", 0, Fahrenheit, 0, "Temperature")                     \
  X(Baud, "Bd", 0, Baud, 0, "Baud rate")

enum class Unit : std::uint8_t {
#define EMSCORE_UNIT_ENUM(name, sym, code, base, pow10, qty) k##name,
  EMSCORE_UNITS(EMSCORE_UNIT_ENUM)
#undef EMSCORE_UNIT_ENUM
};

struct UnitInfo {
  Unit unit;
  std::string_view symbol;
  std::uint8_t dlms_code;  // 0 when the unit is a prefixed form without its own code
  Unit base;               // the unit this one is a power-of-ten multiple of
  std::int8_t pow10;       // value_in_base = value * 10^pow10
  std::string_view quantity;
};

inline constexpr UnitInfo kUnitTable[] = {
#define EMSCORE_UNIT_INFO(name, sym, code, base_, pow10_, qty) \
  UnitInfo{Unit::k##name, sym, code, Unit::k##base_, pow10_, qty},
    EMSCORE_UNITS(EMSCORE_UNIT_INFO)
#undef EMSCORE_UNIT_INFO
};

constexpr const UnitInfo& unit_info(Unit u) noexcept {
  return kUnitTable[static_cast<std::size_t>(u)];
}
constexpr std::string_view unit_symbol(Unit u) noexcept { return unit_info(u).symbol; }
constexpr Unit base_unit(Unit u) noexcept { return unit_info(u).base; }
constexpr bool same_dimension(Unit a, Unit b) noexcept { return base_unit(a) == base_unit(b); }

// Power of ten that turns a value in `from` into a value in `to` (e.g. kWh -> Wh: 3), or
// nullopt when the units are not multiples of one base.
constexpr std::optional<int> unit_scale(Unit from, Unit to) noexcept {
  if (!same_dimension(from, to)) return std::nullopt;
  return unit_info(from).pow10 - unit_info(to).pow10;
}

// The unit for a symbol as meters write it. Accepts the canonical symbols and the usual
// spellings: "m3", "m³", "M3" (DSMR), "kVArh", "kVAr", "*C", "degC", "°C", "C" is Coulomb.
// Case matters where it changes the meaning (mW vs MW); common all-caps forms of units
// that are unambiguous ("KWH", "V", "KW") are accepted.
std::optional<Unit> parse_unit(std::string_view symbol) noexcept;

// The unit with a DLMS/COSEM unit code (1..255), if the set has it.
std::optional<Unit> unit_from_dlms(std::uint8_t code) noexcept;

}  // namespace emscore

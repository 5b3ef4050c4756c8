// emscore/mapping/driver.hpp — device drivers as data.
//
// A driver says which values of a device are read and what they mean: for a Modbus device,
// per register (address, function, type, byte/word order, unit, scaling, tariff, phase,
// OBIS code, save flag); for an M-Bus device, per record index of its telegram, and it
// applies to every meter with the same manufacturer, medium, version and number of records
// (as the M-Bus/Modbus data logger of seed 002 matches its drivers). Drivers are loaded from
// and saved to JSON (driver_json.hpp); the shipped ones live in drivers/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "emscore/core/unit.hpp"
#include "emscore/core/value.hpp"
#include "emscore/modbus/register_value.hpp"
#include "emscore/obis/obis_code.hpp"

namespace emscore::mapping {

// Which Modbus table a field lives in (and so the read function: 1, 2, 3 or 4).
enum class Table : std::uint8_t { kCoil, kDiscreteInput, kHoldingRegister, kInputRegister };
std::string_view table_name(Table t) noexcept;  // "coil", "discrete_input", "holding", "input"
std::optional<Table> parse_table(std::string_view name) noexcept;
constexpr bool is_bit_table(Table t) noexcept {
  return t == Table::kCoil || t == Table::kDiscreteInput;
}

// Scaling from the raw number to the value in `unit`: value = raw * factor / divisor.
// A factor or divisor of ±10^k (the common case: Wh -> kWh, 0.01 V) is exact. Any other
// divisor is applied exactly when it divides, else rounded half away from zero to
// 6 more decimals than the raw value has (documented in docs/mapping.md).
struct Scaling {
  Value factor{1, 0};
  Value divisor{1, 0};
  bool is_identity() const noexcept { return factor == Value(1, 0) && divisor == Value(1, 0); }
};

// What a value means, shared by Modbus and M-Bus fields.
struct Meaning {
  std::string name;                   // "Active energy import"
  std::optional<obis::ObisCode> obis; // the reading's quantity; no OBIS = not turned into a Reading
  Unit unit = Unit::kNone;            // unit of the scaled value
  std::optional<Unit> output_unit;    // convert to this unit (same dimension) before emitting
  Scaling scaling;
  std::uint8_t tariff = 0;            // 0 = none/total
  std::uint8_t phase = 0;             // 0 = none, 1..3 = L1..L3
  bool save = true;                   // store in the database (else served only)
};

struct ModbusField {
  Meaning meaning;
  Table table = Table::kHoldingRegister;
  std::uint16_t address = 0;  // PDU address (0-based) of the first register or bit
  modbus::ValueType type = modbus::ValueType::kU16;  // registers only
  modbus::WordOrder order = modbus::WordOrder::kABCD;

  std::uint16_t width() const noexcept {  // registers or bits occupied
    return is_bit_table(table) ? 1 : static_cast<std::uint16_t>(modbus::register_count(type));
  }
};

struct ModbusDriver {
  std::string id;            // file stem, e.g. "eastron_sdm630"
  std::string manufacturer;  // "Eastron"
  std::string model;         // "SDM630"
  std::string description;
  std::string source;        // where the register map comes from
  std::vector<ModbusField> fields;
};

// An M-Bus field: the record's VIF gives the unit and decade; `meaning.unit` (when set) is the
// unit the value is expressed in (an exact conversion from the VIF's unit of the same
// dimension), factor/divisor correct a meter's wrong decade, output_unit converts again.
// The record must have the field's storage number and tariff (meaning.tariff, 0 = total):
// a stored value is never taken for the current one, a tariff register never for the total.
struct MbusField {
  Meaning meaning;
  std::uint32_t record = 0;   // index of the data record in the telegram (0-based, frame order)
  std::uint64_t storage = 0;  // the record's storage number (0 = the current value; up to 41 bits)
};

// Applies to every meter whose telegram has this manufacturer, medium, version and number of
// records.
struct MbusMatch {
  std::string manufacturer;  // three letters, e.g. "EMU"
  std::uint8_t medium = 0;   // EN 13757-3 device type byte
  std::uint8_t version = 0;
  std::uint32_t records = 0;
  friend bool operator==(const MbusMatch&, const MbusMatch&) = default;
};

struct MbusDriver {
  std::string id;
  std::string description;
  std::string source;
  MbusMatch match;
  std::vector<MbusField> fields;
};

// Checks a driver for mistakes a JSON schema cannot see: overlapping registers, bit tables with
// a non-bit type, a zero divisor, an output unit of another dimension, duplicate OBIS codes for
// the same tariff/phase, addresses past 65535. Every problem is named with its field index.
absl::Status validate(const ModbusDriver& d);
absl::Status validate(const MbusDriver& d);

// value = raw * factor / divisor as described at Scaling, then converted to output_unit.
absl::StatusOr<Value> apply_meaning(const Meaning& m, const Value& raw);
// The same for a value that already carries its unit (M-Bus): v * factor / divisor in v's
// unit, then converted to output_unit. m.unit is not looked at.
absl::StatusOr<Value> apply_scaling(const Meaning& m, const Value& v);

}  // namespace emscore::mapping

// emscore/mbus/vif.hpp — value information field tables (EN 13757-3:2013 §6.4, Tables 10-15).
//
// A VIF says what a data record measures and in which unit and decade. The primary table
// (VIF 0x00-0x7A) covers energy, volume, mass, times, power, flows, temperatures,
// pressure, time points, H.C.A. units, durations and identification numbers; VIF 0xFD and
// 0xFB switch to the two extension tables (the first VIFE is then the code); 0x7C/0xFC
// carries a plain-text unit; 0x7F/0xFF is manufacturer specific. VIFEs after the VIF (and
// after the FB/FD code) are "combinable" (orthogonal) extensions: error codes, per-time,
// multiplicative corrections, limit values, date annotations and so on (Table 15).
//
// The tables are written as constexpr switch functions over the standard's codes and
// compiled into arrays indexed by code (src/mbus/vif_tables.hpp): a lookup is one load and
// never allocates.
#pragma once

#include <cstdint>
#include <string_view>

#include "emscore/core/unit.hpp"

namespace emscore::mbus {

enum class VifTable : std::uint8_t {
  kPrimary,       // Table 10
  kFB,            // alternate extension table (Table 12/13), VIF 0xFB
  kFD,            // main extension table (Table 14), VIF 0xFD
  kPlainText,     // VIF 0x7C/0xFC: unit in ASCII
  kManufacturer,  // VIF 0x7F/0xFF
  kAny,           // VIF 0x7E/0xFE: readout selection of all VIFs
  kNone,          // no VIF (special DIF functions)
};

// How the data field is to be understood.
enum class VifKind : std::uint8_t {
  kNumber,         // a measured number: Value in `unit` times 10^exponent
  kDate,           // time point, date (type G), or F/I when the data field is longer
  kDateTime,       // time point, date and time (type F/I/J by data field length)
  kIdentifier,     // fabrication number, customer, versions...: a number or text, no unit
  kBitField,       // error flags, digital inputs/outputs: shown as a number, no unit
  kReserved,       // a code the standard reserves
  kManufacturer,   // manufacturer specific
};

struct VifInfo {
  std::string_view quantity;   // "Energy", "Volume", "Flow temperature", ...
  Unit unit = Unit::kNone;     // after applying `exponent` (and `seconds` for durations)
  std::int8_t exponent = 0;    // value = raw * 10^exponent [* seconds]
  std::int32_t seconds = 1;    // durations are normalised to seconds: 1, 60, 3600, 86400
  VifKind kind = VifKind::kNumber;
};

// Primary VIF table for code = VIF & 0x7F (0x00..0x7A; 0x7B..0x7F are switches).
VifInfo primary_vif(std::uint8_t code) noexcept;
// Main extension table (VIF 0xFD), code = first VIFE & 0x7F.
VifInfo fd_vif(std::uint8_t code) noexcept;
// Alternate extension table (VIF 0xFB), code = first VIFE & 0x7F.
VifInfo fb_vif(std::uint8_t code) noexcept;

// Combinable (orthogonal) VIFE, Table 15 (code = VIFE & 0x7F).
enum class VifeKind : std::uint8_t {
  kErrorCode,            // 0x00-0x1F: record error (EN 13757-3 Table 16)
  kPerTime,              // 0x20-0x26 (per second .. per year), 0x27 per measurement
  kPerUnit,              // 0x28-0x35: increments per pulse, per litre, per kWh, ...
  kMultipliedBy,         // 0x36-0x38
  kStartDateOf,          // 0x39: the record is the start date/time of the quantity
  kUncorrected,          // 0x3A
  kAccumulationPositive, // 0x3B
  kAccumulationNegative, // 0x3C
  kBaseConditions,       // 0x3E
  kObisDeclaration,      // 0x3F
  kLimitValue,           // 0x40, 0x48
  kLimitExceedCount,     // 0x41, 0x49
  kLimitExceedDate,      // 0x42.. date (/time) of begin/end of first/last limit exceed
  kLimitExceedDuration,  // 0x50-0x5F, 0x60-0x67
  kValueDuringLimit,     // 0x68, 0x6C
  kMultiplicative,       // 0x70-0x77: 10^(nnn-6); 0x7D: 10^3
  kAdditive,             // 0x78-0x7B: offset 10^(nn-3) in the VIF's unit
  kFutureValue,          // 0x7E
  kManufacturerNext,     // 0x7F: following VIFEs and data are manufacturer specific
  kReserved,
};

struct VifeInfo {
  VifeKind kind = VifeKind::kReserved;
  std::int8_t exponent = 0;   // kMultiplicative: decade; kAdditive: decade of the offset
  Unit per_time = Unit::kNone;  // kPerTime: s, min, h, d, wk, mo, a
  std::string_view text;      // short description, e.g. "per hour", "data overflow"
};
VifeInfo combinable_vife(std::uint8_t code) noexcept;

// The record error named by a combinable VIFE 0x00-0x1F (Table 16), e.g. "no data available".
std::string_view record_error_text(std::uint8_t code) noexcept;

}  // namespace emscore::mbus

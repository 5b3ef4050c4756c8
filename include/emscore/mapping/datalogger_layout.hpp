// emscore/mapping/datalogger_layout.hpp — the Modbus-server register layout of the
// M-Bus/Modbus data logger (seed 002, chapter "Modbus Server").
//
// The data logger serves every device it reads under its own Modbus unit id, in two views:
//   by register index: driver register n sits at register number 12000 + 30·n,
//                      float32 at +0, uint64 at +2 (n = 0..1784);
//   by OBIS code:      a fixed table from 1000 to 4182, float32 at the listed number,
//                      uint64 two registers later.
// Register numbers start at 1 (register 1030 is PDU address 1029), values are big endian
// with the most significant word first (ABCD).
//
// The float32 carries the reading as IEEE single precision (what the data logger's clients
// expect). The uint64 is not specified by the data logger's manual; emscore puts the
// reading in thousandths of its unit there, rounded half away from zero (180.47 kWh ->
// 180470, i.e. Wh for a kWh register, litres for m³, mV for V), as two's complement when the
// value is negative, so integer clients get three exact decimals.
//
// The printed table has slips; decisions (tested in tests/mapping/datalogger_layout_test.cpp,
// argued in docs/mapping.md):
//   1. 1-0:71.7.0 and 1-0:32.7.0 both print 2440 and the next rows are shifted (an empty row
//      with 2500/2502, 1-0:52.7.0 with only 2532, 1-0:72.7.0 with only 2530). The table rises
//      by 30 each row everywhere else, so: 71.7.0 = 2440, 32.7.0 = 2470, 52.7.0 = 2500,
//      72.7.0 = 2530, and 33.7.0 = 2560 continues as printed.
//   2. 5-0:1.0.0 and 5-0:2.0.0 appear under "combined heat/cold meter for cooling"
//      (3680, 3710) and under "cold meter" (4000, 4030). Every device has its own unit id,
//      so both slots can be served without collision: a reading of 5-0:1.0.0 is served at
//      3680 and 4000 (and 5-0:2.0.0 at 3710 and 4030). A client following either row of the
//      manual finds it.
//   3. The table labels A=4 codes "heat meter"; OBIS says A=4 is a heat cost allocator (and
//      the table's own "meter reading without unit" for 4-0:1.0.0 is what an allocator
//      gives). The layout keeps the addresses as printed; the label is descriptive only.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "emscore/obis/obis_code.hpp"

namespace emscore::mapping {

inline constexpr std::uint16_t kIndexBase = 12000;   // register number of index 0
inline constexpr std::uint16_t kIndexStride = 30;
inline constexpr std::uint16_t kMaxRegisterIndex = (65535 - 3 - kIndexBase) / kIndexStride;  // 1784

struct ObisSlot {
  obis::ObisCode code;
  std::uint16_t float_register;  // register number (1-based) of the float32
  std::string_view label;        // the data logger's medium column
  constexpr std::uint16_t uint64_register() const noexcept {
    return static_cast<std::uint16_t>(float_register + 2);
  }
};

// The by-OBIS table in register order, with the slips resolved as above (5-0:1.0.0 and
// 5-0:2.0.0 appear twice).
std::span<const ObisSlot> datalogger_obis_table() noexcept;

// Every slot of a code (0, 1 or 2 of them).
std::span<const ObisSlot> slots_for(const obis::ObisCode& code) noexcept;

// Register number (1-based) of the float32 of register index n; nullopt past 1784.
constexpr std::optional<std::uint16_t> index_float_register(std::uint32_t n) noexcept {
  if (n > kMaxRegisterIndex) return std::nullopt;
  return static_cast<std::uint16_t>(kIndexBase + kIndexStride * n);
}
constexpr std::optional<std::uint16_t> index_uint64_register(std::uint32_t n) noexcept {
  if (n > kMaxRegisterIndex) return std::nullopt;
  return static_cast<std::uint16_t>(kIndexBase + kIndexStride * n + 2);
}

}  // namespace emscore::mapping

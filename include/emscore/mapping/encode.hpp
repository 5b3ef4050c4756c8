// emscore/mapping/encode.hpp — Readings back into a register image (the inverse of apply).
//
// A simulator (the modbus CLI's test server, tests, demos) serves a meter from its driver:
// encode() writes readings into a MemoryDataModel exactly where and as the meter would, so
// that read_plan + apply on that image gives the same readings again.
//
// For each reading, the field whose OBIS code equals the reading's quantity (the code carries
// tariff and phase: 1-0:1.8.1, 1-0:52.7.0) is encoded: the value is converted to the field's
// unit (from an output_unit or any unit of the same dimension), scaled inversely
// (raw = value × divisor ÷ factor), and written as the field's type in its word order; a bit
// field (coil, discrete input) takes 0 or 1. Integer types take the nearest integer, and the
// result must read back (through apply_meaning) as the reading's value: 0.5 into a uint16 field
// without scaling is an error, not a silent 1. Float types take the nearest float32/float64
// (what the meter would store). Readings without a field are ignored (a simulator may be fed a
// whole device's readings); a field without a reading keeps its registers.
#pragma once

#include <cstdint>
#include <span>

#include "absl/status/status.h"
#include "emscore/mapping/driver.hpp"
#include "emscore/modbus/memory_model.hpp"
#include "emscore/obis/reading.hpp"

namespace emscore::mapping {

// Writes the readings into the bank of `unit` (added to the model when missing). Stops at the
// first reading that cannot be encoded; the error names the field and the value.
absl::Status encode(const ModbusDriver& d, std::span<const Reading> readings,
                    modbus::MemoryDataModel& model, std::uint8_t unit);

// The raw registers of one field for a value (registers: register_count(type) of them; a bit
// field: one element, 0 or 1). Used by encode(); exposed for other register images.
absl::Status encode_field(const ModbusField& f, const Value& value, std::span<std::uint16_t> out);

}  // namespace emscore::mapping

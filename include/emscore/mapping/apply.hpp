// emscore/mapping/apply.hpp — register blocks in, Readings out.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "emscore/mapping/driver.hpp"
#include "emscore/obis/reading.hpp"

namespace emscore::mapping {

// The answer to one read: registers (FC 3/4) or bits (FC 1/2, one 0/1 per element).
struct RegisterBlock {
  Table table = Table::kHoldingRegister;
  std::uint16_t start = 0;
  std::span<const std::uint16_t> values;
  bool contains(Table t, std::uint32_t address, std::uint32_t width) const noexcept {
    return t == table && address >= start && address + width <= start + values.size();
  }
};

struct FieldError {
  std::size_t field = 0;  // index into driver.fields
  std::string message;
};

// Decodes every field of the driver found in the blocks into `out` (appended; a field without
// an OBIS code yields no Reading). A field not covered by any block, or whose value cannot be
// decoded (NaN, overflow), is reported in `errors` (when given) and skipped: one bad register
// never hides the others. Returns the number of readings appended.
std::size_t apply(const ModbusDriver& driver, std::span<const RegisterBlock> blocks,
                  DeviceRef device, absl::Time at, std::vector<Reading>& out,
                  std::vector<FieldError>* errors = nullptr);

}  // namespace emscore::mapping

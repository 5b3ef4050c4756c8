// emscore/mapping/read_plan.hpp — as few Modbus requests as the protocol allows.
//
// Reading 40 registers one request each costs 40 round trips on an RS485 line at 9600 baud
// (~30 ms each): more than a second per device. The planner merges fields of the same table
// into one request when the gap between them is small (reading a few unused registers is
// cheaper than another round trip) and the request stays within the protocol's limits
// (125 registers for FC 3/4, 2000 bits for FC 1/2) — or a device's own smaller limit.
#pragma once

#include <cstdint>
#include <vector>

#include "emscore/mapping/driver.hpp"

namespace emscore::mapping {

struct PlanOptions {
  std::uint16_t max_registers = 125;  // per FC 3/4 request (some meters allow fewer)
  std::uint16_t max_bits = 2000;      // per FC 1/2 request
  std::uint16_t max_gap = 16;         // unused registers/bits allowed between merged fields
};

struct PlannedRead {
  Table table = Table::kHoldingRegister;
  std::uint16_t start = 0;  // PDU address
  std::uint16_t count = 0;  // registers or bits
  std::vector<std::size_t> fields;  // indices into driver.fields served by this read
};

// Reads covering every field, sorted by table then address. Error when the options are out of
// the protocol's range or a field is wider than max_registers.
absl::StatusOr<std::vector<PlannedRead>> plan_reads(const ModbusDriver& d, PlanOptions opt = {});

}  // namespace emscore::mapping

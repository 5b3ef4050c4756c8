// A meter described by a driver file, end to end without hardware: the driver (JSON) builds a
// simulated meter's register image (encode), a poller reads it as the driver plans (plan_reads
// + apply -> OBIS-tagged Readings), and the gateway serves the readings in the data logger's
// Modbus layout (LayoutModel), read back here as a Modbus client would: register 1030 is
// 1-0:1.8.1 as float32, 12090 the driver's register 3.
#include <bit>
#include <cstdio>
#include <string>
#include <vector>

#include "emscore/mapping/apply.hpp"
#include "emscore/mapping/driver_json.hpp"
#include "emscore/mapping/encode.hpp"
#include "emscore/mapping/layout_model.hpp"
#include "emscore/mapping/read_plan.hpp"
#include "emscore/modbus/memory_model.hpp"

namespace mapping = emscore::mapping;
using emscore::Reading;
using emscore::Unit;
using emscore::Value;

constexpr const char* kDriver = R"({
  "kind": "modbus", "id": "demo_meter", "manufacturer": "Demo", "model": "3-phase meter",
  "numbering": "modicon",
  "defaults": {"table": "holding", "type": "uint64"},
  "fields": [
    {"name": "Active energy import, total",    "address": 46001, "unit": "Wh", "output_unit": "kWh", "obis": "1-0:1.8.0"},
    {"name": "Active energy import, tariff 1", "address": 46005, "unit": "Wh", "output_unit": "kWh", "obis": "1-0:1.8.1", "tariff": 1},
    {"name": "Active energy import, tariff 2", "address": 46009, "unit": "Wh", "output_unit": "kWh", "obis": "1-0:1.8.2", "tariff": 2},
    {"name": "Voltage L1", "address": 46101, "type": "uint16", "unit": "V", "factor": "0.1", "phase": 1, "obis": "1-0:32.7.0", "save": false}
  ]})";

int main() {
  auto file = mapping::parse_driver_file(kDriver, "demo_meter.json");
  if (!file.ok()) {
    std::fprintf(stderr, "%s\n", std::string(file.status().message()).c_str());
    return 1;
  }
  const auto& driver = std::get<mapping::ModbusDriver>(file->driver);
  const auto at = absl::FromUnixSeconds(1730725225);

  // 1. The simulated meter: its registers, built from readings through the driver.
  const std::vector<Reading> truth = {
      {{1}, *driver.fields[0].meaning.obis, Value(29592, -2, Unit::kKiloWattHour), at},
      {{1}, *driver.fields[1].meaning.obis, Value(18047, -2, Unit::kKiloWattHour), at},
      {{1}, *driver.fields[2].meaning.obis, Value(11545, -2, Unit::kKiloWattHour), at},
      {{1}, *driver.fields[3].meaning.obis, Value(2301, -1, Unit::kVolt), at},
  };
  emscore::modbus::MemoryDataModel meter;
  if (auto st = mapping::encode(driver, truth, meter, 1); !st.ok()) {
    std::fprintf(stderr, "%s\n", std::string(st.message()).c_str());
    return 1;
  }

  // 2. The poller: planned reads, then apply.
  auto plan = mapping::plan_reads(driver);
  if (!plan.ok()) return 1;
  std::vector<std::vector<std::uint16_t>> data;
  data.reserve(plan->size());
  std::vector<mapping::RegisterBlock> blocks;
  for (const auto& r : *plan) {
    data.emplace_back(r.count);
    meter.read_holding_registers(1, r.start, data.back());
    blocks.push_back({r.table, r.start, data.back()});
    std::printf("read FC 3 start %u count %u\n", r.start, r.count);
  }
  std::vector<Reading> readings;
  std::vector<mapping::FieldError> errors;
  mapping::apply(driver, blocks, {1}, at, readings, &errors);
  for (const auto& e : errors) std::fprintf(stderr, "field %zu: %s\n", e.field, e.message.c_str());
  for (const auto& r : readings) {
    std::printf("%-11s %s\n", r.quantity.to_string().c_str(), r.value.to_string_with_unit().c_str());
  }

  // 3. The gateway's Modbus server: unit id 9, the driver's field index as register index.
  std::vector<mapping::IndexedReading> indexed;
  for (std::size_t i = 0; i < readings.size(); ++i) indexed.push_back({static_cast<std::uint32_t>(i), readings[i]});
  mapping::LayoutModel layout;
  layout.set_unit(9, indexed);
  auto float_at = [&](std::uint16_t register_number) {
    std::uint16_t regs[2];
    layout.read_holding_registers(9, static_cast<std::uint16_t>(register_number - 1), regs);
    return std::bit_cast<float>(static_cast<std::uint32_t>(regs[0]) << 16 | regs[1]);
  };
  const float by_obis = float_at(1030);   // 1-0:1.8.1 in the OBIS table
  const float by_index = float_at(12030); // register index 1
  std::printf("unit 9 register 1030: %g, register 12030: %g\n", by_obis, by_index);
  return readings.size() == 4 && by_obis == 180.47f && by_index == 180.47f ? 0 : 1;
}

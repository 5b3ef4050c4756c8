// Mapping costs, each against a named baseline measured in the same run:
//   apply() of a 100-field Modbus driver to its register blocks (decode + scaling + unit
//     conversion + OBIS Reading), ns per reading;
//     baseline DecodeOnly: modbus::decode_value + to_value of the same registers (the floor:
//     what any Modbus poller pays before knowing what a value means);
//   apply() of the EMU Professional M-Bus driver to a real telegram, and the driver-less
//     mbus_default_readings(); baseline: mbus decode of every record of the same telegram;
//   LayoutModel read of 125 registers (the gateway's Modbus server), baseline: the same read
//     from a MemoryDataModel (a plain copy); LayoutModel::set_unit of 100 readings (per poll).
#include <benchmark/benchmark.h>

#include <fstream>
#include <string>
#include <vector>

#include "emscore/mapping/apply.hpp"
#include "emscore/mapping/driver_json.hpp"
#include "emscore/mapping/encode.hpp"
#include "emscore/mapping/layout_model.hpp"
#include "emscore/mapping/mbus_default.hpp"
#include "emscore/mapping/read_plan.hpp"
#include "emscore/mbus/data.hpp"
#include "emscore/mbus/frame.hpp"
#include "emscore/modbus/memory_model.hpp"

namespace {

namespace mapping = emscore::mapping;
namespace modbus = emscore::modbus;
using emscore::Reading;
using emscore::Unit;
using emscore::Value;

// 100 fields as a 3-phase meter map looks: 50 float32 (V, A, W ...), 25 uint32 energies in Wh
// emitted as kWh, 25 int16 with factor 0.01.
mapping::ModbusDriver driver_100() {
  mapping::ModbusDriver d;
  d.id = "bench_100";
  std::uint16_t addr = 0;
  for (int i = 0; i < 100; ++i) {
    mapping::ModbusField f;
    f.meaning.name = "field " + std::to_string(i);
    f.meaning.obis = emscore::obis::ObisCode(1, 0, static_cast<std::uint8_t>(1 + i % 80),
                                             static_cast<std::uint8_t>(i < 50 ? 7 : 8),
                                             static_cast<std::uint8_t>(i / 80));
    f.table = mapping::Table::kInputRegister;
    if (i < 50) {
      f.type = modbus::ValueType::kF32;
      f.meaning.unit = Unit::kVolt;
    } else if (i < 75) {
      f.type = modbus::ValueType::kU32;
      f.order = modbus::WordOrder::kCDAB;
      f.meaning.unit = Unit::kWattHour;
      f.meaning.output_unit = Unit::kKiloWattHour;
    } else {
      f.type = modbus::ValueType::kI16;
      f.meaning.unit = Unit::kAmpere;
      f.meaning.scaling.factor = Value(1, -2);
    }
    f.address = addr;
    addr = static_cast<std::uint16_t>(addr + f.width());
    d.fields.push_back(std::move(f));
  }
  return d;
}

struct ModbusFixture {
  mapping::ModbusDriver driver = driver_100();
  std::vector<std::vector<std::uint16_t>> data;
  std::vector<mapping::RegisterBlock> blocks;
  ModbusFixture() {
    // A plausible image (encode() of readings), read as the planner says.
    std::vector<Reading> readings;
    for (std::size_t i = 0; i < driver.fields.size(); ++i) {
      const auto& m = driver.fields[i].meaning;
      Value v = i < 50 ? Value(2301 + static_cast<std::int64_t>(i), -1, Unit::kVolt)
              : i < 75 ? Value(123456 + static_cast<std::int64_t>(i), -3, Unit::kKiloWattHour)
                       : Value(-512 + static_cast<std::int64_t>(i), -2, Unit::kAmpere);
      readings.push_back(Reading{{1}, *m.obis, v, absl::UnixEpoch()});
    }
    modbus::MemoryDataModel model;
    if (!mapping::encode(driver, readings, model, 1).ok()) std::abort();
    auto plan = mapping::plan_reads(driver);
    if (!plan.ok()) std::abort();
    data.reserve(plan->size());
    for (const auto& r : *plan) {
      data.emplace_back(r.count);
      model.read_input_registers(1, r.start, data.back());
      blocks.push_back(mapping::RegisterBlock{r.table, r.start, data.back()});
    }
  }
};

const ModbusFixture& modbus_fixture() {
  static const ModbusFixture f;
  return f;
}

void per_reading(benchmark::State& state, std::int64_t n) {
  state.SetItemsProcessed(state.iterations() * n);
  // iterations * n / CPU time, inverted: time per reading (printed with its SI prefix, "41n").
  state.counters["per_reading"] =
      benchmark::Counter(static_cast<double>(n),
                         benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_ModbusDecodeOnly_Baseline(benchmark::State& state) {
  const auto& fx = modbus_fixture();
  for (auto _ : state) {
    std::int64_t sum = 0;
    for (const auto& f : fx.driver.fields) {
      for (const auto& b : fx.blocks) {
        if (!b.contains(f.table, f.address, f.width())) continue;
        auto v = modbus::decode_value(b.values.subspan(f.address - b.start, f.width()), f.type, f.order);
        auto x = v->to_value();
        sum += x->mantissa;
        break;
      }
    }
    benchmark::DoNotOptimize(sum);
  }
  per_reading(state, 100);
}
BENCHMARK(BM_ModbusDecodeOnly_Baseline);

void BM_ModbusApply100(benchmark::State& state) {
  const auto& fx = modbus_fixture();
  std::vector<Reading> out;
  out.reserve(100);
  for (auto _ : state) {
    out.clear();
    mapping::apply(fx.driver, fx.blocks, {1}, absl::UnixEpoch(), out);
    benchmark::DoNotOptimize(out.data());
  }
  if (out.size() != 100) state.SkipWithError("apply lost readings");
  per_reading(state, 100);
}
BENCHMARK(BM_ModbusApply100);

// --- M-Bus -------------------------------------------------------------------------------

struct MbusFixture {
  std::vector<std::uint8_t> bytes;
  mapping::MbusDriver driver;
  std::unique_ptr<emscore::mbus::Frame> frame;
  std::unique_ptr<emscore::mbus::Telegram> telegram;
  MbusFixture() {
    auto file = mapping::load_driver_file(std::string(EMSCORE_SOURCE_DIR) + "/drivers/emu_professional_m_bus.json");
    if (!file.ok()) std::abort();
    driver = std::get<mapping::MbusDriver>(file->driver);
    bytes = file->mbus_tests.at(0).frame;
    auto f = emscore::mbus::parse_frame(bytes);
    if (!f.ok()) std::abort();
    frame = std::make_unique<emscore::mbus::Frame>(*f);
    auto t = emscore::mbus::parse_telegram(*frame);
    if (!t.ok()) std::abort();
    telegram = std::make_unique<emscore::mbus::Telegram>(*t);
  }
};

const MbusFixture& mbus_fixture() {
  static const MbusFixture f;
  return f;
}

void BM_MbusDecodeAllRecords_Baseline(benchmark::State& state) {
  const auto& fx = mbus_fixture();
  std::int64_t records = 0;
  for (auto _ : state) {
    std::int64_t sum = 0;
    records = 0;
    auto reader = fx.telegram->reader();
    emscore::mbus::Record r;
    emscore::mbus::RecordValue v;
    while (reader.next(r)) {
      const auto m = emscore::mbus::describe_record(r);
      if (emscore::mbus::decode_value_into(r, m, v).ok()) sum += v.number.mantissa;
      ++records;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.counters["records"] = static_cast<double>(records);
  per_reading(state, records);
}
BENCHMARK(BM_MbusDecodeAllRecords_Baseline);

void BM_MbusApplyEmuDriver(benchmark::State& state) {
  const auto& fx = mbus_fixture();
  std::vector<Reading> out;
  out.reserve(16);
  for (auto _ : state) {
    out.clear();
    mapping::apply(fx.driver, *fx.telegram, {1}, absl::UnixEpoch(), out);
    benchmark::DoNotOptimize(out.data());
  }
  per_reading(state, static_cast<std::int64_t>(out.size()));
}
BENCHMARK(BM_MbusApplyEmuDriver);

void BM_MbusDefaultReadings(benchmark::State& state) {
  const auto& fx = mbus_fixture();
  std::vector<Reading> out;
  out.reserve(16);
  for (auto _ : state) {
    out.clear();
    mapping::mbus_default_readings(*fx.telegram, {1}, absl::UnixEpoch(), out);
    benchmark::DoNotOptimize(out.data());
  }
  per_reading(state, static_cast<std::int64_t>(out.size()));
}
BENCHMARK(BM_MbusDefaultReadings);

// --- The gateway's Modbus server ----------------------------------------------------------

std::vector<mapping::IndexedReading> hundred_readings() {
  std::vector<mapping::IndexedReading> v;
  const auto table = mapping::datalogger_obis_table();
  for (std::uint32_t i = 0; i < 100; ++i) {
    const auto code = table[i % table.size()].code;
    v.push_back({i, Reading{{1}, code, Value(18047 + i, -2, Unit::kKiloWattHour), absl::UnixEpoch()}});
  }
  return v;
}

void BM_MemoryModelRead125_Baseline(benchmark::State& state) {
  modbus::MemoryDataModel model;
  model.add_unit(9);
  std::vector<std::uint16_t> out(125);
  for (auto _ : state) {
    model.read_holding_registers(9, static_cast<std::uint16_t>(state.range(0) - 1), out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 125);
}
BENCHMARK(BM_MemoryModelRead125_Baseline)->Arg(1000)->Arg(12000);

void BM_LayoutModelRead125(benchmark::State& state) {
  mapping::LayoutModel model;
  const auto values = hundred_readings();
  model.set_unit(9, values);
  std::vector<std::uint16_t> out(125);
  for (auto _ : state) {
    model.read_holding_registers(9, static_cast<std::uint16_t>(state.range(0) - 1), out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 125);
}
// 1000: the OBIS view; 12000: the index view; 60000: past the stored image (computed).
BENCHMARK(BM_LayoutModelRead125)->Arg(1000)->Arg(12000)->Arg(60000);

void BM_LayoutModelSetUnit100(benchmark::State& state) {
  mapping::LayoutModel model;
  const auto values = hundred_readings();
  for (auto _ : state) {
    model.set_unit(9, values);
    benchmark::ClobberMemory();
  }
  per_reading(state, 100);
}
BENCHMARK(BM_LayoutModelSetUnit100);

}  // namespace

BENCHMARK_MAIN();

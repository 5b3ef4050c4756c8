#include "emscore/mapping/driver_json.hpp"

#include <gtest/gtest.h>

namespace emscore::mapping {
namespace {

using namespace emscore::obis::literals;

constexpr const char* kGood = R"({
  "kind": "modbus", "id": "demo", "manufacturer": "ACME", "model": "M1",
  "numbering": "one_based",
  "defaults": {"table": "input", "type": "float32", "order": "ABCD"},
  "fields": [
    {"name": "Voltage L1", "address": 1, "unit": "V", "obis": "1-0:32.7.0", "phase": 1},
    {"name": "Energy", "address": 73, "unit": "Wh", "output_unit": "kWh", "obis": "1.8.0",
     "type": "uint32", "order": "CDAB", "factor": "10", "divisor": 2, "save": false, "tariff": 0},
    {"name": "Relay", "address": 1, "table": "coil"}
  ],
  "tests": [{"name": "t", "blocks": [{"table": "input", "start": 1, "values": [17254, 6554]}],
             "expect": [{"obis": "1-0:32.7.0", "value": "230.1", "unit": "V"}]}]
})";

TEST(DriverJson, ParsesEveryFieldKey) {
  auto f = parse_driver_file(kGood, "demo.json");
  ASSERT_TRUE(f.ok()) << f.status();
  const auto& d = std::get<ModbusDriver>(f->driver);
  EXPECT_EQ(d.id, "demo");
  EXPECT_EQ(d.manufacturer, "ACME");
  ASSERT_EQ(d.fields.size(), 3u);
  EXPECT_EQ(d.fields[0].address, 0);  // one_based: register 1 is address 0
  EXPECT_EQ(d.fields[0].table, Table::kInputRegister);
  EXPECT_EQ(d.fields[0].type, modbus::ValueType::kF32);
  EXPECT_EQ(d.fields[0].meaning.phase, 1);
  EXPECT_EQ(d.fields[0].meaning.obis, "1-0:32.7.0"_obis);
  const auto& e = d.fields[1];
  EXPECT_EQ(e.address, 72);
  EXPECT_EQ(e.type, modbus::ValueType::kU32);
  EXPECT_EQ(e.order, modbus::WordOrder::kCDAB);
  EXPECT_EQ(e.meaning.obis, "1-0:1.8.0"_obis);
  EXPECT_EQ(e.meaning.output_unit, Unit::kKiloWattHour);
  EXPECT_TRUE(e.meaning.scaling.factor.identical(Value(10, 0)));
  EXPECT_TRUE(e.meaning.scaling.divisor.identical(Value(2, 0)));
  EXPECT_FALSE(e.meaning.save);
  EXPECT_EQ(d.fields[2].table, Table::kCoil);
  EXPECT_FALSE(d.fields[2].meaning.obis.has_value());
  ASSERT_EQ(f->modbus_tests.size(), 1u);
  EXPECT_EQ(f->modbus_tests[0].starts[0], 0);
  EXPECT_EQ(f->modbus_tests[0].expect[0].value, Value(2301, -1, Unit::kVolt));
}

TEST(DriverJson, ModiconNumbering) {
  auto f = parse_driver_file(R"({"kind":"modbus","id":"m","numbering":"modicon","fields":[
      {"name":"a","address":30001,"type":"float32"},{"name":"b","address":40010},
      {"name":"c","address":10001},{"name":"d","address":1},{"name":"e","address":300005,"type":"float32"}]})");
  ASSERT_TRUE(f.ok()) << f.status();
  const auto& d = std::get<ModbusDriver>(f->driver);
  EXPECT_EQ(d.fields[0].table, Table::kInputRegister);
  EXPECT_EQ(d.fields[0].address, 0);
  EXPECT_EQ(d.fields[1].table, Table::kHoldingRegister);
  EXPECT_EQ(d.fields[1].address, 9);
  EXPECT_EQ(d.fields[2].table, Table::kDiscreteInput);
  EXPECT_EQ(d.fields[3].table, Table::kCoil);
  EXPECT_EQ(d.fields[4].table, Table::kInputRegister);
  EXPECT_EQ(d.fields[4].address, 4);
}

struct Bad {
  const char* json;
  const char* message;
};

TEST(DriverJson, ErrorsNameThePathAndTheExpectation) {
  const Bad cases[] = {
      {R"({"kind":"modbus","id":"x","fields":[{"name":"a","address":0,"type":"float33"}]})",
       "d.json: $.fields[0].type: \"float33\" is not a value type (expected uint16, int16, uint32, int32, uint64, int64, float32, float64)"},
      {R"({"kind":"modbus","id":"x","fields":[{"name":"a","adress":0}]})",
       "d.json: $.fields[0]: unknown key \"adress\" (expected one of name, obis, unit, output_unit, factor, divisor, tariff, phase, save, address, table, type, order)"},
      {R"({"kind":"modbus","id":"x","fields":[{"name":"a"}]})", "d.json: $.fields[0]: missing \"address\""},
      {R"({"kind":"modbus","id":"x","fields":[{"name":"a","address":70000}]})",
       "d.json: $.fields[0].address: 70000 is out of range, expected 0-65535"},
      {R"({"kind":"modbus","id":"x","numbering":"modicon","fields":[{"name":"a","address":20001}]})",
       "d.json: $.fields[0].address: 20001 is not a Modicon register number (0xxxx coil, 1xxxx discrete input, 3xxxx input, 4xxxx holding, counting from 1)"},
      {R"({"kind":"modbus","id":"x","numbering":"modicon","fields":[{"name":"a","address":30001,"table":"holding"}]})",
       "d.json: $.fields[0].address: 30001 is a input register but the table is holding"},
      {R"({"kind":"modbus","id":"x","fields":[{"name":"a","address":0,"unit":"furlong"}]})",
       "d.json: $.fields[0].unit: \"furlong\" is not a unit (e.g. kWh, Wh, V, A, W, m^3)"},
      {R"({"kind":"modbus","id":"x","fields":[{"name":"a","address":0,"obis":"1-0:1.8"}]})",
       "d.json: $.fields[0].obis: obis: \"1-0:1.8\" at position 7: expected '.' and value group E, found end of text"},
      {R"({"kind":"modbus","id":"x","fields":[{"name":"a","address":0,"divisor":"0"}]})",
       "d.json: $.fields[0].divisor: must not be zero"},
      {R"({"kind":"modbus","id":"x","fields":[{"name":"a","address":0,"factor":"1,5"}]})",
       "d.json: $.fields[0].factor: value: \"1,5\" is not a decimal number: unexpected ',' at position 1"},
      {R"({"kind":"modbus","id":"x","fields":[{"name":"a","address":0,"phase":7}]})",
       "d.json: $.fields[0].phase: 7 is out of range, expected 0-3"},
      {R"({"kind":"modbus","id":"x","fields":[{"name":"a","address":0,"save":"yes"}]})",
       "d.json: $.fields[0].save: expected true or false, got a string"},
      {R"({"kind":"modbus","id":"x","fields":[{"name":"a","address":0,"type":"float32"},{"name":"b","address":1}]})",
       "d.json: $: mapping: fields 0 (a) and 1 (b) overlap at holding address 1"},
      {R"({"kind":"modbus","id":"x","fields":{}})", "d.json: $.fields: expected an array, got an object"},
      {R"({"kind":"modbus","id":"x","defaults":{"table":"xyz"},"fields":[{"name":"a","address":0}]})",
       "d.json: $.defaults.table: \"xyz\", expected coil, discrete_input, holding or input"},
      {R"({"kind":"modbus","id":"x","defaults":{"type":"float33"},"fields":[]})",
       "d.json: $.defaults.type: \"float33\" is not a value type (expected uint16, int16, uint32, int32, uint64, int64, float32, float64)"},
      {R"({"kind":"modbus","id":"x","defaults":{"order":"ABDC"},"fields":[]})",
       "d.json: $.defaults.order: \"ABDC\", expected ABCD, CDAB, BADC or DCBA"},
      {R"({"kind":"zigbee","id":"x"})", "d.json: $.kind: \"zigbee\", expected \"modbus\" or \"mbus\""},
      {R"([1,2])", "d.json: $: expected an object"},
      {"{\"kind\": \"modbus\",\n \"id\": }", "d.json: line 2, column 8: not valid JSON (syntax error)"},
      {R"({"kind":"mbus","id":"x","match":{"manufacturer":"EMU","medium":2,"version":16},"fields":[]})",
       "d.json: $.match: missing \"records\""},
      {R"({"kind":"modbus","id":"x","fields":[],"tests":[{"blocks":[{"table":"input","start":0,"values":[70000]}],"expect":[]}]})",
       "d.json: $.tests[0].blocks[0].values[0]: expected a register value 0-65535"},
  };
  for (const auto& c : cases) {
    auto f = parse_driver_file(c.json, "d.json");
    ASSERT_FALSE(f.ok()) << c.json;
    EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_EQ(std::string(f.status().message()), c.message) << c.json;
  }
}

TEST(DriverJson, ExportThenImportIsTheIdentity) {
  auto f = parse_driver_file(kGood);
  ASSERT_TRUE(f.ok());
  const std::string once = driver_to_json_text(f->driver);
  auto again = parse_driver_file(once);
  ASSERT_TRUE(again.ok()) << again.status() << "\n" << once;
  EXPECT_EQ(driver_to_json_text(again->driver), once);
  const auto& a = std::get<ModbusDriver>(f->driver);
  const auto& b = std::get<ModbusDriver>(again->driver);
  ASSERT_EQ(a.fields.size(), b.fields.size());
  for (std::size_t i = 0; i < a.fields.size(); ++i) {
    EXPECT_EQ(a.fields[i].address, b.fields[i].address);
    EXPECT_EQ(a.fields[i].table, b.fields[i].table);
    EXPECT_EQ(a.fields[i].type, b.fields[i].type);
    EXPECT_EQ(a.fields[i].order, b.fields[i].order);
    EXPECT_EQ(a.fields[i].meaning.obis, b.fields[i].meaning.obis);
    EXPECT_EQ(a.fields[i].meaning.output_unit, b.fields[i].meaning.output_unit);
    EXPECT_TRUE(a.fields[i].meaning.scaling.divisor.identical(b.fields[i].meaning.scaling.divisor));
  }
}

TEST(DriverJson, MbusDriverRoundTrip) {
  constexpr const char* text = R"({"kind":"mbus","id":"emu_mbus","description":"d","source":"s",
    "match":{"manufacturer":"EMU","medium":2,"version":16,"records":3},
    "fields":[{"record":0,"name":"Energy","unit":"Wh","output_unit":"kWh","obis":"1-0:1.8.0"},
              {"record":2,"name":"Power","unit":"W","obis":"1-0:1.7.0","factor":"0.1","storage":1}],
    "tests":[{"name":"frame","frame":"68 03 03 68 08 01 72 7B 16","expect":[]}]})";
  auto f = parse_driver_file(text);
  ASSERT_TRUE(f.ok()) << f.status();
  const auto& d = std::get<MbusDriver>(f->driver);
  EXPECT_EQ(d.match, (MbusMatch{"EMU", 2, 16, 3}));
  EXPECT_EQ(d.fields[1].record, 2u);
  EXPECT_EQ(d.fields[0].storage, 0u);
  EXPECT_EQ(d.fields[1].storage, 1u);
  ASSERT_EQ(f->mbus_tests.size(), 1u);
  EXPECT_EQ(f->mbus_tests[0].frame, (std::vector<std::uint8_t>{0x68, 0x03, 0x03, 0x68, 0x08, 0x01, 0x72, 0x7B, 0x16}));
  const std::string once = driver_to_json_text(f->driver);
  auto again = parse_driver_file(once);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(driver_to_json_text(again->driver), once);
  EXPECT_EQ(std::get<MbusDriver>(again->driver).fields[1].storage, 1u);
}

TEST(DriverJson, MbusErrorsNameThePath) {
  const std::string head = R"({"kind":"mbus","id":"x","match":{"manufacturer":"EMU","medium":2,"version":16,"records":3},)";
  struct Case {
    std::string json;
    std::string message;
  } cases[] = {
      {head + R"("fields":[{"record":0,"name":"a","storage":-1}]})",
       "d.json: $.fields[0].storage: -1 is out of range, expected 0-2199023255551"},
      {head + R"("fields":[{"record":0,"name":"a","address":1}]})",
       "d.json: $.fields[0]: unknown key \"address\" (expected one of name, obis, unit, output_unit, factor, divisor, tariff, phase, save, record, storage)"},
      {head + R"("fields":[],"tests":[{"frame":"68 0G","expect":[]}]})",
       "d.json: $.tests[0].frame: character 4 ('G') is not a hex digit"},
      {head + R"("fields":[],"tests":[{"frame":"68 0","expect":[]}]})",
       "d.json: $.tests[0].frame: odd number of hex digits"},
  };
  for (const auto& c : cases) {
    auto f = parse_driver_file(c.json, "d.json");
    ASSERT_FALSE(f.ok()) << c.json;
    EXPECT_EQ(std::string(f.status().message()), c.message) << c.json;
  }
}

TEST(DriverJson, MissingFile) {
  EXPECT_EQ(load_driver_file("/nonexistent/driver.json").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace emscore::mapping

#include "emscore/obis/registry.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace emscore::obis {
namespace {

using namespace emscore::obis::literals;

TEST(Registry, ElectricityBySystematicStructure) {
  auto d = describe("1-0:1.8.1"_obis);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->description, "Active energy import (+A), tariff 1");
  EXPECT_EQ(d->medium, Medium::kElectricity);
  EXPECT_EQ(d->unit, Unit::kKiloWattHour);
  EXPECT_EQ(d->kind, ValueKind::kRegister);

  EXPECT_EQ(describe("1-0:2.8.0"_obis)->description, "Active energy export (-A), total");
  EXPECT_EQ(describe("1-0:21.7.0"_obis)->description, "Active power import (+P), L1");
  EXPECT_EQ(describe("1-0:21.7.0"_obis)->unit, Unit::kKiloWatt);
  EXPECT_EQ(describe("1-0:32.7.0"_obis)->description, "Voltage, L1");
  EXPECT_EQ(describe("1-0:32.7.0"_obis)->unit, Unit::kVolt);
  EXPECT_EQ(describe("1-0:71.7.0"_obis)->description, "Current, L3");
  EXPECT_EQ(describe("1-0:14.7.0"_obis)->unit, Unit::kHertz);
  EXPECT_EQ(describe("1-0:13.7.0"_obis)->description, "Power factor");
  EXPECT_EQ(describe("1-0:32.32.0"_obis)->description, "Number of voltage sags, L1");
  EXPECT_EQ(describe("1-0:52.36.0"_obis)->kind, ValueKind::kCounter);
  EXPECT_EQ(describe("1-0:1.6.0"_obis)->kind, ValueKind::kDemand);
  EXPECT_EQ(describe("1-0:1.4.0"_obis)->description,
            "Current average demand, Active power import (+P), total");
  EXPECT_EQ(describe("1-0:91.7.0"_obis)->unit, Unit::kAmpere);
  EXPECT_EQ(describe("1-0:1.8.1*3"_obis)->description,
            "Active energy import (+A), tariff 1, billing period 3");
  EXPECT_FALSE(describe("1-0:1.200.0"_obis));
  EXPECT_FALSE(describe("1-0:85.7.0"_obis));
}

TEST(Registry, NamedCodesIgnoreChannel) {
  auto gas = describe("0-1:24.2.1"_obis);
  ASSERT_TRUE(gas);
  EXPECT_EQ(gas->unit, Unit::kCubicMetre);
  EXPECT_EQ(gas->kind, ValueKind::kRegister);
  EXPECT_EQ(describe("0-4:24.2.1"_obis)->description, gas->description);
  EXPECT_EQ(describe("0-0:96.14.0"_obis)->kind, ValueKind::kState);
  EXPECT_EQ(describe("1-3:0.2.8"_obis)->kind, ValueKind::kIdentifier);
  EXPECT_EQ(describe("1-0:99.97.0"_obis)->kind, ValueKind::kLog);
  EXPECT_EQ(describe("7-0:3.0.0"_obis)->medium, Medium::kGas);
  EXPECT_EQ(describe("8-0:1.0.0"_obis)->medium, Medium::kWaterCold);
  EXPECT_EQ(describe("4-0:1.0.0"_obis)->medium, Medium::kHeatCostAllocator);
  EXPECT_FALSE(describe("0-0:200.0.0"_obis));
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Every code of the data logger's Modbus table (seed 002) is known, with a unit when the
// table implies one. The list is kept in tests/vectors/obis/datalogger_modbus_table.tsv.
TEST(Registry, CoversTheDataLoggerModbusTable) {
  const std::string table = slurp(std::string(EMSCORE_VECTORS_DIR) + "/obis/datalogger_modbus_table.tsv");
  ASSERT_FALSE(table.empty());
  std::istringstream in(table);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::string code_text = line.substr(0, line.find('\t'));
    auto code = ObisCode::parse(code_text);
    ASSERT_TRUE(code.ok()) << code.status();
    EXPECT_TRUE(describe(*code)) << code_text;
    ++n;
  }
  EXPECT_EQ(n, 84);
}

// Every OBIS reference in the DSMR telegram vectors is known.
TEST(Registry, CoversEveryCodeInTheDsmrVectors) {
  const std::string list = slurp(std::string(EMSCORE_VECTORS_DIR) + "/obis/dsmr_codes.txt");
  ASSERT_FALSE(list.empty());
  std::istringstream in(list);
  std::string code_text;
  int n = 0;
  while (in >> code_text) {
    if (code_text[0] == '#') {
      std::getline(in, code_text);
      continue;
    }
    auto code = ObisCode::parse(code_text);
    ASSERT_TRUE(code.ok()) << code_text << ": " << code.status();
    EXPECT_TRUE(describe(*code)) << code_text;
    ++n;
  }
  EXPECT_GT(n, 40);
}

TEST(Registry, ValueKindNames) {
  EXPECT_EQ(value_kind_name(ValueKind::kRegister), "register");
  EXPECT_EQ(value_kind_name(ValueKind::kInstantaneous), "instantaneous");
}

}  // namespace
}  // namespace emscore::obis

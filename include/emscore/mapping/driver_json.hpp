// emscore/mapping/driver_json.hpp — drivers to and from JSON (schema in docs/mapping.md).
//
// Every error names the JSON path and what was expected:
//   driver.json: $.fields[3].type: "float33" is not a value type (expected uint16, int16, ...)
//   driver.json: line 7, column 12: syntax error (expected a value)
// Unknown keys are errors too (a typo such as "adress" must not silently read address 0).
// export then import gives the same driver back.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/json/value.hpp"
#include "emscore/mapping/apply.hpp"
#include "emscore/mapping/driver.hpp"

namespace emscore::mapping {

using Driver = std::variant<ModbusDriver, MbusDriver>;

// A golden test carried by a driver file: input and the readings it must give.
struct ExpectedReading {
  obis::ObisCode obis;
  Value value;  // compared numerically and by unit
};
struct ModbusGoldenTest {
  std::string name;
  std::vector<Table> tables;
  std::vector<std::uint16_t> starts;
  std::vector<std::vector<std::uint16_t>> values;
  std::vector<ExpectedReading> expect;
  std::vector<RegisterBlock> blocks() const;  // views into `values`
};
struct MbusGoldenTest {
  std::string name;
  std::string frame_hex;             // a whole long frame as written (hex, spaces allowed)
  std::vector<std::uint8_t> frame;   // its bytes
  std::vector<ExpectedReading> expect;
};

struct DriverFile {
  Driver driver;
  std::vector<ModbusGoldenTest> modbus_tests;
  std::vector<MbusGoldenTest> mbus_tests;
};

// Parses a driver file (the driver and its golden tests). `origin` (a file name) prefixes
// error messages. The driver is validated (driver.hpp validate()).
absl::StatusOr<DriverFile> parse_driver_file(std::string_view json_text,
                                             std::string_view origin = "driver");
absl::StatusOr<DriverFile> load_driver_file(const std::string& path);

// The driver as JSON (fields written out in full, addresses 0-based), without tests.
boost::json::value driver_to_json(const Driver& d);
std::string driver_to_json_text(const Driver& d);

}  // namespace emscore::mapping

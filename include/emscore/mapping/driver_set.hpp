// emscore/mapping/driver_set.hpp — the drivers a gateway knows, loaded from folders.
//
// A gateway ships drivers/ and lets the installer add a folder of their own. Every *.json of
// each folder is a driver file (driver_json.hpp); files are read in name order, folders in
// the order given. Nothing is overridden silently: two files giving the same id, or two M-Bus
// drivers matching the same device type (manufacturer, medium, version, number of records —
// the data logger allows one driver per device type), is an error naming both files.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "emscore/mapping/driver.hpp"
#include "emscore/mbus/telegram.hpp"

namespace emscore::mapping {

struct DriverSet {
  std::vector<ModbusDriver> modbus;
  std::vector<MbusDriver> mbus;
  std::vector<std::string> modbus_files;  // the file each of `modbus` came from ("" if added in code)
  std::vector<std::string> mbus_files;

  const ModbusDriver* modbus_by_id(std::string_view id) const;
  const MbusDriver* mbus_by_id(std::string_view id) const;
  // The driver for a telegram's device type; nullptr when none matches (or the telegram has
  // no long header or malformed records).
  const MbusDriver* mbus_match(const mbus::Telegram& telegram) const;
};

// The device type of a telegram as drivers match it: manufacturer, medium and version from
// the long header (CI 0x72/0x76), records counted as mbus::RecordReader yields them.
// Error for a telegram without a long header or with a malformed record.
absl::StatusOr<MbusMatch> mbus_match_key(const mbus::Telegram& telegram);

// Loads every *.json file of each folder. Errors name the file (and the JSON path, from
// parse_driver_file); a folder that does not exist is an error too.
absl::StatusOr<DriverSet> load_driver_dirs(std::span<const std::string> dirs);

}  // namespace emscore::mapping

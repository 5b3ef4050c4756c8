#include "emscore/mapping/driver_set.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "emscore/core/strings.hpp"
#include "emscore/mapping/driver_json.hpp"

namespace emscore::mapping {
namespace fs = std::filesystem;

const ModbusDriver* DriverSet::modbus_by_id(std::string_view id) const {
  for (const ModbusDriver& d : modbus) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

const MbusDriver* DriverSet::mbus_by_id(std::string_view id) const {
  for (const MbusDriver& d : mbus) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

absl::StatusOr<MbusMatch> mbus_match_key(const mbus::Telegram& t) {
  if (!t.header.has_address) {
    return absl::InvalidArgumentError(str_cat("mapping: telegram with CI ", hex(t.ci),
                                              " has no long header (manufacturer, medium, version)"));
  }
  MbusMatch key;
  key.manufacturer = mbus::manufacturer_string(t.header.manufacturer);
  key.medium = t.header.medium;
  key.version = t.header.version;
  mbus::RecordReader reader = t.reader();
  mbus::Record r;
  while (reader.next(r)) ++key.records;
  if (!reader.ok()) return reader.status();
  return key;
}

const MbusDriver* DriverSet::mbus_match(const mbus::Telegram& t) const {
  if (mbus.empty()) return nullptr;
  auto key = mbus_match_key(t);
  if (!key.ok()) return nullptr;
  for (const MbusDriver& d : mbus) {
    if (d.match == *key) return &d;
  }
  return nullptr;
}

absl::StatusOr<DriverSet> load_driver_dirs(std::span<const std::string> dirs) {
  DriverSet set;
  // Every id with the file it came from, for clash messages.
  std::vector<std::pair<std::string, std::string>> ids;
  for (const std::string& dir : dirs) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() == ".json" && it->is_regular_file()) files.push_back(it->path());
    }
    if (ec) {
      return absl::NotFoundError(str_cat("mapping: driver folder ", dir, ": ", ec.message()));
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& p : files) {
      const std::string path = p.string();
      auto file = load_driver_file(path);
      if (!file.ok()) return file.status();
      const std::string id = std::visit([](const auto& d) { return d.id; }, file->driver);
      for (const auto& [other_id, other_file] : ids) {
        if (other_id == id) {
          return absl::AlreadyExistsError(str_cat(path, ": driver id \"", id, "\" is already given by ",
                                                  other_file, " (ids must be unique across folders)"));
        }
      }
      ids.emplace_back(id, path);
      if (auto* m = std::get_if<ModbusDriver>(&file->driver)) {
        set.modbus.push_back(std::move(*m));
        set.modbus_files.push_back(path);
      } else {
        auto& b = std::get<MbusDriver>(file->driver);
        for (std::size_t i = 0; i < set.mbus.size(); ++i) {
          if (set.mbus[i].match == b.match) {
            return absl::AlreadyExistsError(str_cat(
                path, ": driver \"", b.id, "\" matches the same device type (", b.match.manufacturer,
                ", medium ", hex(b.match.medium), ", version ", b.match.version, ", ",
                b.match.records, " records) as \"", set.mbus[i].id, "\" of ", set.mbus_files[i],
                " (one driver per device type)"));
          }
        }
        set.mbus.push_back(std::move(b));
        set.mbus_files.push_back(path);
      }
    }
  }
  return set;
}

}  // namespace emscore::mapping

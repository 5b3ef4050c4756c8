// refgateway/device_table.hpp — what the gateway knows about each device right now.
//
// One entry per configured device: its configuration, readout status (last successful and
// last failed readout, counters, last error) and its newest readings, each with the driver
// field index it came from (the data logger's "register index", served at 12000 + 30·n and
// published under .../byregister/<n>).
//
// Used from the gateway's one io thread only (pollers write, HTTP/MQTT/Modbus read).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "config.hpp"
#include "emscore/obis/reading.hpp"

namespace emscore::refgw {

struct LatestValue {
  Reading reading;
  std::uint32_t index = 0;  // driver field index (register index)
  std::string name;         // the driver's name for the value ("Voltage L1")
  bool save = true;         // stored in the profile store (else served only)
};

struct DeviceStatus {
  absl::Time last_ok = absl::InfinitePast();
  absl::Time last_failure = absl::InfinitePast();
  std::string last_error;
  std::uint64_t readouts = 0;
  std::uint64_t failures = 0;
  absl::Time next_due = absl::InfinitePast();
  bool online() const noexcept { return last_ok != absl::InfinitePast() && last_ok >= last_failure; }
};

struct DeviceEntry {
  DeviceConfig config;
  std::string bus_type;  // bus_type_name of its bus
  DeviceStatus status;
  std::vector<LatestValue> latest;  // newest successful readout, driver order
};

class DeviceTable {
 public:
  explicit DeviceTable(const GatewayConfig& config);

  std::span<const DeviceEntry> devices() const noexcept { return entries_; }
  const DeviceEntry* by_serial(std::string_view serial) const noexcept;
  const DeviceEntry* by_ref(DeviceRef ref) const noexcept;
  const DeviceEntry* by_unit(std::uint8_t modbus_unit) const noexcept;

  void record_success(DeviceRef ref, absl::Time at, std::vector<LatestValue> values);
  void record_failure(DeviceRef ref, absl::Time at, std::string error);
  void set_next_due(DeviceRef ref, absl::Time at);

 private:
  DeviceEntry* find(DeviceRef ref) noexcept;
  std::vector<DeviceEntry> entries_;
  // Device id -> position in entries_: every readout looks its device up (1,000 devices per
  // raster round would otherwise scan the table 1,000 times).
  absl::flat_hash_map<std::uint32_t, std::size_t> by_ref_;
};

}  // namespace emscore::refgw

#include "device_table.hpp"

#include <utility>

namespace emscore::refgw {

DeviceTable::DeviceTable(const GatewayConfig& config) {
  entries_.reserve(config.devices.size());
  for (const DeviceConfig& d : config.devices) {
    DeviceEntry e;
    e.config = d;
    if (const BusConfig* b = config.bus(d.bus)) e.bus_type = std::string(bus_type_name(b->type));
    by_ref_.emplace(d.ref.id, entries_.size());
    entries_.push_back(std::move(e));
  }
}

const DeviceEntry* DeviceTable::by_serial(std::string_view serial) const noexcept {
  for (const DeviceEntry& e : entries_)
    if (e.config.serial == serial) return &e;
  return nullptr;
}

const DeviceEntry* DeviceTable::by_ref(DeviceRef ref) const noexcept {
  const auto it = by_ref_.find(ref.id);
  return it == by_ref_.end() ? nullptr : &entries_[it->second];
}

const DeviceEntry* DeviceTable::by_unit(std::uint8_t modbus_unit) const noexcept {
  for (const DeviceEntry& e : entries_)
    if (e.config.modbus_unit == modbus_unit) return &e;
  return nullptr;
}

DeviceEntry* DeviceTable::find(DeviceRef ref) noexcept {
  const auto it = by_ref_.find(ref.id);
  return it == by_ref_.end() ? nullptr : &entries_[it->second];
}

void DeviceTable::record_success(DeviceRef ref, absl::Time at, std::vector<LatestValue> values) {
  DeviceEntry* e = find(ref);
  if (e == nullptr) return;
  e->status.last_ok = at;
  ++e->status.readouts;
  e->latest = std::move(values);
}

void DeviceTable::record_failure(DeviceRef ref, absl::Time at, std::string error) {
  DeviceEntry* e = find(ref);
  if (e == nullptr) return;
  e->status.last_failure = at;
  ++e->status.failures;
  e->status.last_error = std::move(error);
}

void DeviceTable::set_next_due(DeviceRef ref, absl::Time at) {
  if (DeviceEntry* e = find(ref)) e->status.next_due = at;
}

}  // namespace emscore::refgw

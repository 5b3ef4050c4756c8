// refgateway/device_reader_impl.hpp — the readers behind make_device_reader() (one .cpp per
// bus family) and what they share. Internal to the gateway.
#pragma once

#include <span>

#include "device_reader.hpp"
#include "emscore/mapping/apply.hpp"

namespace emscore::refgw {

absl::StatusOr<std::unique_ptr<DeviceReader>> make_modbus_reader(
    boost::asio::any_io_executor ex, const BusConfig& bus,
    const std::vector<const DeviceConfig*>& devices, const mapping::DriverSet& drivers);
absl::StatusOr<std::unique_ptr<DeviceReader>> make_mbus_reader(
    boost::asio::any_io_executor ex, const BusConfig& bus,
    const std::vector<const DeviceConfig*>& devices, const mapping::DriverSet& drivers);
absl::StatusOr<std::unique_ptr<DeviceReader>> make_p1_reader(
    boost::asio::any_io_executor ex, const BusConfig& bus,
    const std::vector<const DeviceConfig*>& devices);
absl::StatusOr<std::unique_ptr<DeviceReader>> make_s0_reader(
    boost::asio::any_io_executor ex, const BusConfig& bus,
    const std::vector<const DeviceConfig*>& devices);

// Pairs the Readings that mapping::apply() emitted with the index of their field (which
// apply() reported), its name and save flag.
template <class Driver>
std::vector<LatestValue> latest_from_fields(const Driver& driver, std::span<const Reading> readings,
                                            std::span<const std::uint32_t> fields) {
  std::vector<LatestValue> out;
  out.reserve(readings.size());
  for (std::size_t i = 0; i < readings.size() && i < fields.size(); ++i) {
    const mapping::Meaning& m = driver.fields[fields[i]].meaning;
    out.push_back(LatestValue{readings[i], fields[i], m.name, m.save});
  }
  return out;
}

// Now, truncated to the millisecond (the profile store keeps whole milliseconds).
inline absl::Time now_ms() { return absl::FromUnixMillis(absl::ToUnixMillis(absl::Now())); }

// Readings without a driver (P1 objects, M-Bus default mapping): index = position.
std::vector<LatestValue> latest_in_order(std::span<const Reading> readings);

}  // namespace emscore::refgw

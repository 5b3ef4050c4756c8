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

// Pairs the Readings that mapping::apply() emitted (one per field with an OBIS code that
// decoded, in field order) with their field index, name and save flag.
template <class Driver>
std::vector<LatestValue> latest_from_fields(const Driver& driver, std::span<const Reading> readings,
                                            std::span<const mapping::FieldError> errors) {
  std::vector<LatestValue> out;
  out.reserve(readings.size());
  std::size_t next = 0;
  std::size_t e = 0;
  for (std::size_t i = 0; i < driver.fields.size() && next < readings.size(); ++i) {
    while (e < errors.size() && errors[e].field < i) ++e;
    if (e < errors.size() && errors[e].field == i) continue;
    const mapping::Meaning& m = driver.fields[i].meaning;
    if (!m.obis) continue;
    out.push_back(LatestValue{readings[next++], static_cast<std::uint32_t>(i), m.name, m.save});
  }
  return out;
}

// Now, truncated to the millisecond (the profile store keeps whole milliseconds).
inline absl::Time now_ms() { return absl::FromUnixMillis(absl::ToUnixMillis(absl::Now())); }

// Readings without a driver (P1 objects, M-Bus default mapping): index = position.
std::vector<LatestValue> latest_in_order(std::span<const Reading> readings);

}  // namespace emscore::refgw

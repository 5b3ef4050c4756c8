// refgateway/device_reader.hpp — one readout of one device, whatever its bus.
//
// A DeviceReader owns the connection of one bus (a Modbus TCP client, a serial line, an M-Bus
// master, a P1 port, S0 inputs) and reads one configured device when asked. It knows nothing
// of schedules: the Poller (poller.hpp) decides when. Every read is bounded by the bus's
// timeout and retries, so a dead device costs at most (1 + retries) * timeout of its own bus
// and never touches another bus.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/asio/any_io_executor.hpp"
#include "boost/asio/awaitable.hpp"
#include "config.hpp"
#include "device_table.hpp"
#include "emscore/mapping/driver_set.hpp"

namespace emscore::refgw {

struct Readout {
  absl::Time at;
  std::vector<LatestValue> values;    // driver order
  std::vector<std::string> warnings;  // fields that could not be decoded (the rest is kept)
};

class DeviceReader {
 public:
  virtual ~DeviceReader() = default;
  // Starts background work the bus needs (a P1 port is read continuously; S0 inputs are
  // sampled). Called once before the first read().
  virtual void start() {}
  virtual void stop() {}
  // Continues a counter the reader keeps itself (S0 inputs) from its last stored value.
  virtual void seed(const DeviceConfig& /*device*/, const Value& /*last*/) {}
  virtual boost::asio::awaitable<absl::StatusOr<Readout>> read(const DeviceConfig& device) = 0;
};

// The reader for a bus, with the drivers its devices name checked up front (an unknown driver
// is a configuration error, reported before anything starts).
absl::StatusOr<std::unique_ptr<DeviceReader>> make_device_reader(
    boost::asio::any_io_executor ex, const BusConfig& bus,
    const std::vector<const DeviceConfig*>& devices, const mapping::DriverSet& drivers);

}  // namespace emscore::refgw

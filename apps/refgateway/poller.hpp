// refgateway/poller.hpp — reads every device of one bus on its raster.
//
// A Poller runs one coroutine per bus. Each device is due on the multiples of its interval
// (the gateway raster, 15 min by default, or the device's own interval_s), counted from the
// Unix epoch so that every gateway reads at hh:00, hh:15, ... Devices of one bus are read one
// after the other (a serial line carries one request at a time); buses run side by side, so a
// dead device delays at most the devices behind it on its own bus, by (1 + retries) * timeout.
//
// At start every device that is not a battery meter is read at once (a gateway that has just
// booted, or the demo, shows values within seconds, not at the next raster); battery meters
// are read on the raster only, never extra. trigger() asks for an extra readout of the mains
// powered devices (the same rule).
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "boost/asio/any_io_executor.hpp"
#include "boost/asio/steady_timer.hpp"
#include "device_reader.hpp"

namespace emscore::refgw {

// Called on the io thread after each readout: values, or the error.
using ReadoutSink = std::function<void(const DeviceConfig&, absl::StatusOr<Readout>)>;

// The next multiple of `interval` after `now`, from the Unix epoch.
absl::Time next_raster_time(absl::Time now, absl::Duration interval);

class Poller {
 public:
  Poller(boost::asio::any_io_executor ex, const GatewayConfig& config, const BusConfig& bus,
         std::unique_ptr<DeviceReader> reader, ReadoutSink sink);
  ~Poller();

  void start(bool read_at_start = true);
  void stop();
  void trigger();

  const BusConfig& bus() const noexcept { return bus_; }
  DeviceReader& reader() noexcept;

 private:
  struct State;
  static boost::asio::awaitable<void> run(std::shared_ptr<State> s);

  boost::asio::any_io_executor ex_;
  BusConfig bus_;
  std::shared_ptr<State> state_;
};

}  // namespace emscore::refgw

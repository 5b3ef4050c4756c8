// refgateway/gateway.hpp — the composition: pollers in; store, Modbus, HTTP, MQTT out.
//
// One io_context (one thread) drives everything: the pollers, the Modbus TCP server, the HTTP
// API, the control timer. Work that blocks runs elsewhere: the profile store on its worker
// thread (store_worker.hpp), password hashing on the users' thread pool, MQTT on Paho's
// threads feeding a durable outbox.
//
// After each readout of a device (Poller -> on_readout):
//   device table (status + newest values) -> Modbus layout image of the device's unit id ->
//   profile store (values marked save) -> MQTT outbox -> control (load manager, alarms);
//   a device that fails, or recovers, is written to the event log once per transition.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/asio/io_context.hpp"
#include "config.hpp"
#include "device_table.hpp"
#include "event_log.hpp"
#include "station_link.hpp"

namespace emscore::refgw {

struct GatewayOptions {
  std::string config_path;  // where the running configuration is kept (users, restore)
  bool demo = false;
  // Called with each line meant for the operator (start-up summary, "ready ...").
  std::function<void(const std::string&)> print;
  // Called when a restored configuration needs a restart (the caller re-creates the gateway).
  std::function<void()> request_restart;
  // The link of a charging station named in control.load_manager.stations (its "link"
  // setting, e.g. "sim" in the demo); nullptr when there is none (the station counts as
  // failed).
  std::function<std::shared_ptr<StationLink>(std::string_view station, std::string_view link)>
      station_link;
  // MQTT: how often the connection is retried while the broker is away.
  absl::Duration mqtt_max_backoff = absl::Seconds(30);
};

class Gateway {
 public:
  static absl::StatusOr<std::unique_ptr<Gateway>> create(boost::asio::io_context& io,
                                                         GatewayConfig config,
                                                         GatewayOptions options);
  ~Gateway();

  // Opens the stores, loads the drivers, binds the servers, starts the pollers. Errors name
  // what failed (a port in use, an unknown driver, an unwritable data directory).
  absl::Status start();
  // Stops polling and serving; flushes the store and the MQTT outbox.
  void stop();

  std::uint16_t http_port() const;
  // "connected", "disconnected (N queued)" or "off".
  std::string mqtt_state() const;
  std::uint16_t modbus_port() const;
  const GatewayConfig& config() const;
  DeviceTable& devices();
  EventLog& events();
  // Reads every mains-powered device now (battery meters wait for their raster).
  void trigger_readout();
  // The one-time administrator password generated at this start ("" if none was needed).
  const std::string& one_time_password() const;

 private:
  struct Impl;
  explicit Gateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace emscore::refgw

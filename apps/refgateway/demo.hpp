// refgateway/demo.hpp — `refgateway --demo`: simulated meters on this machine and a config that
// reads them, so that the gateway shows live values without any hardware.
//
// DemoSimulators runs on the gateway's executor (one io_context runs everything; no threads of
// its own) and serves, on loopback with ports the OS picks (several demos run side by side):
//   * Modbus TCP meters, one TCP server each (unit 1), registers laid out by the shipped driver
//     (drivers/*.json): an Eastron SDM630 as the installation's total-consumption meter, an
//     SDM230 (single-phase), an SDM72D-M and an EMU Professional II. Values follow
//     demo_model.hpp: ~230 V with noise, ~50 Hz, currents on a daily load shape, P = U·I·PF,
//     energy the integral of power (never decreasing). The SDM630 sees the sub-meters' and the
//     charging stations' currents: load management has something to manage.
//   * M-Bus meters (water, heat, gas) on a simulated bus: mbus_io::Simulator behind a TCP
//     acceptor (each accepted connection is one bus), as a serial-to-TCP converter would be;
//     a relay renews the simulator between transactions so that records follow the clock.
//   * A DSMR 5 P1 meter on a pseudo-terminal it opens itself (no socat): a telegram every
//     second with increasing tariff registers and a gas M-Bus channel; the gateway opens the
//     slave side (endpoints().p1_device).
//   * EV charging stations (demo_stations.hpp) for the load manager.
//   S0 inputs need no simulator here: the config's S0 devices say "sim:<pulses per hour>" and
//   the gateway's S0 reader generates their pulses (s0_source.hpp).
// demo_config(endpoints()) is a complete GatewayConfig that reads all of it (docs/refgateway-demo.md).
//
//   DemoSimulators demo(io.get_executor());
//   EMSCORE_RETURN_IF_ERROR(demo.start());
//   GatewayConfig cfg = demo_config(demo.endpoints());   // then override ports from flags
//   options.station_link = [&](std::string_view station, std::string_view link) {
//     return link == "sim" ? demo.stations().link(station) : nullptr; };
//   ... io.run() ...; demo.stop();   // on the io thread, or after io.run() returned
//
// Time: every value comes from options.clock (default absl::Now) and options.seed, so a test
// that injects a clock gets the same numbers every run. update() applies the clock now; a timer
// calls it every options.tick.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/asio/any_io_executor.hpp"
#include "config.hpp"
#include "demo_stations.hpp"

namespace emscore::refgw {

struct DemoOptions {
  std::string address = "127.0.0.1";           // where the simulators listen
  DemoClock clock;                             // default absl::Now
  std::chrono::milliseconds tick{1000};        // model update and P1 telegram period
  std::uint64_t seed = 2026;
  std::string time_zone = "Europe/Berlin";     // of the daily load shape (UTC if unknown)
  std::string drivers_dir;                     // default: the built-in drivers/ directory
  bool p1 = true;                              // open the P1 pty (off where /dev/ptmx is missing)
  DemoStationOptions stations;
};

struct DemoModbusMeter {
  std::string name;     // device name in the config ("Main meter")
  std::string serial;   // "demo-sdm630"
  std::string driver;   // "eastron_sdm630"
  std::uint16_t port = 0;
  std::uint8_t unit = 1;
};

struct DemoMbusMeter {
  std::string name;
  std::string serial;
  std::uint8_t primary = 0;
  std::string secondary;  // 16 hex digits "IIIIIIIIMMMMVVDD"
  std::uint8_t medium = 0;
};

struct DemoS0Meter {
  std::string name;
  std::string serial;
  std::string input;  // "sim:<pulses per hour>"
  std::uint32_t pulses_per_unit = 1000;
  std::string unit;
  obis::ObisCode code;
};

struct DemoEndpoints {
  std::string address = "127.0.0.1";
  std::vector<DemoModbusMeter> modbus;  // modbus[0] is the total-consumption meter
  std::uint16_t mbus_port = 0;
  std::vector<DemoMbusMeter> mbus;
  std::string p1_device;                // the pty's slave side; empty when P1 is off
  std::string p1_name = "Grid connection (P1)";
  std::string p1_serial = "demo-p1";
  std::vector<DemoS0Meter> s0;
  std::vector<control::StationConfig> stations;
};

// A complete config reading every simulated device: one modbus_tcp bus per simulated server,
// the M-Bus TCP bus, the P1 pty, S0 inputs, a 10 s raster, the control section (load manager
// on the SDM630 with the stations; an alarm on L1 current driving output DO1), HTTP on
// 127.0.0.1:8080 and Modbus on 1502 (main() overrides them from its flags).
GatewayConfig demo_config(const DemoEndpoints& endpoints);

class DemoSimulators {
 public:
  explicit DemoSimulators(boost::asio::any_io_executor ex, DemoOptions options = {});
  ~DemoSimulators();  // stop()
  DemoSimulators(const DemoSimulators&) = delete;
  DemoSimulators& operator=(const DemoSimulators&) = delete;

  // Loads the drivers, binds every server, opens the pty, starts the timer. Errors name the
  // simulator that failed. Call once, before or while the executor runs.
  absl::Status start();
  // Closes servers, connections and the pty and cancels the timer. Idempotent. Call on the
  // executor's thread or while it does not run.
  void stop();

  // Valid after start().
  const DemoEndpoints& endpoints() const;
  GatewayConfig config() const { return demo_config(endpoints()); }
  DemoStations& stations();

  // Moves every simulated meter to clock(), rewrites the registers (mapping::encode through
  // the shipped drivers) and writes a P1 telegram. On the executor's thread. Error: a register
  // image that could not be written (names the meter).
  absl::Status update();
  // The newest P1 telegram (what was last written to the pty).
  std::string last_p1_telegram() const;
  // Readings the model holds for Modbus meter `i` (endpoints().modbus[i]) at the last update.
  std::vector<Reading> modbus_readings(std::size_t i) const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace emscore::refgw

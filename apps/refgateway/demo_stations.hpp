// refgateway/demo_stations.hpp — simulated EV charging stations for the demo's load management.
//
// Each station is a charge point with a life of its own: a vehicle arrives after a while,
// plugs in and asks to charge (StationState::kWaiting); once authorised (kStart) it draws up to
// the setpoint — no more than its on-board charger allows — and reports kCharging with the
// current it draws; a pause or stop makes it wait again (IEC 61851 state B); it leaves when its
// battery has what it came for, or when its owner drives off, and the next vehicle comes later.
// The draw of every charging station also flows through the installation's total meter
// (DemoSimulators adds phase_currents() to the simulated SDM630), so that the load manager sees
// its own decisions in the meter.
//
//   DemoStations st(config.control stations, clock);
//   runner.attach("Bay 1", st.link("Bay 1"));        // a StationLink (station_link.hpp)
//
// Time comes from the injected clock and randomness from the seed (demo_model.hpp): a test
// that moves the clock sees the same vehicles every run. Thread-safe (one mutex): the links
// are called on the gateway's io thread, a test may look from another one.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "emscore/control/command.hpp"
#include "emscore/control/load_manager.hpp"
#include "station_link.hpp"

namespace emscore::refgw {

using DemoClock = std::function<absl::Time()>;

struct DemoStationOptions {
  std::uint64_t seed = 2026;
  // The first vehicle of station i arrives first_arrival * (i + 1) after the first look, so
  // that the demo shows requests within seconds.
  absl::Duration first_arrival = absl::Seconds(5);
  absl::Duration mean_idle = absl::Minutes(4);     // between a departure and the next arrival
  absl::Duration min_stay = absl::Minutes(10);     // a vehicle stays this long at least...
  absl::Duration max_stay = absl::Minutes(45);     // ...and at most (unless it is full first)
  double min_need_kwh = 2.0;                        // what a vehicle comes for
  double max_need_kwh = 20.0;
  double voltage = 230.0;                           // for the energy a current delivers
};

class DemoStations {
 public:
  // The stations as the configuration lists them (control.stations): ids, names, rated
  // currents, phases. `clock` gives the simulated time of every call.
  DemoStations(std::vector<control::StationConfig> stations, DemoClock clock,
               DemoStationOptions options = {});
  ~DemoStations();

  // The StationLink of a station by its name; nullptr for an unknown name. The link keeps the
  // simulation alive (it may outlive this object).
  std::shared_ptr<StationLink> link(std::string_view name) const;

  // What the station reports now (StationLink::status of station `id`); kFailed for an
  // unknown id.
  control::StationStatus status(DeviceRef id);
  // StationLink::apply: kStart needs a vehicle that asks to charge (or is paused), kSetCurrent
  // a connected vehicle; setpoints must lie between the IEC 61851 minimum (6 A) and the
  // station's rated current. Errors name the station.
  absl::Status apply(const control::Command& command);

  // Amperes drawn on L1..L3 by every charging vehicle, now.
  std::array<double, 3> phase_currents();

  // Demo/test controls: a station fault (reports kFailed and draws nothing while set), a
  // vehicle arriving now or leaving now.
  absl::Status set_failed(std::string_view name, bool failed);
  absl::Status plug_in(std::string_view name);
  absl::Status unplug(std::string_view name);

  struct View {
    std::string name;
    DeviceRef id;
    control::StationStatus status;
    bool vehicle = false;
    control::MilliAmps setpoint = 0;       // 0: not authorised / paused
    control::MilliAmps vehicle_max = 0;    // what the vehicle's charger takes at most
    double delivered_kwh = 0;
    double need_kwh = 0;
    std::uint32_t sessions = 0;            // vehicles that came so far
  };
  std::vector<View> view();

  struct State;  // the simulation, shared with the links (demo_stations.cpp)

 private:
  std::shared_ptr<State> state_;
};

}  // namespace emscore::refgw

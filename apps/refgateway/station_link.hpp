// refgateway/station_link.hpp — the gateway's connection to one EV charging station.
//
// The load manager (emscore::control) decides; a StationLink carries its commands to a
// station and reports what the station says. A real deployment implements it over OCPP or
// Modbus TCP to a wallbox; the demo implements it with simulated stations
// (demo_stations.hpp). The ControlRunner (control_runner.hpp) owns no sockets: it calls
// status() on every station once per tick and apply() for each command of a decision.
//
// Contract (both calls run on the gateway's io thread, once per second per station):
//   * Neither call may block. A link to a real station keeps the newest state it received
//     (an OCPP StatusNotification / MeterValues, a Modbus poll done elsewhere) and returns it;
//     apply() queues the command or sends it asynchronously and returns at once.
//   * status() reports StationState::kFailed when the station reports a fault or cannot be
//     reached (no answer for longer than the link's own timeout).
//   * apply() returns OK when the command was accepted for delivery, an error when it
//     cannot be carried out (unknown connector, link down, setpoint refused); the error
//     message says what and which station. The runner logs the error and reports the station
//     as failed to the load manager for a while (docs/control.md, "In the reference gateway").
//   * Command semantics (control/command.hpp): kStart authorises a waiting or paused session
//     with `current` as the setpoint; kSetCurrent changes the setpoint of a running charge;
//     kPause suspends the charge and keeps the session (IEC 61851: PWM off / state B);
//     kStop withdraws the authorisation (the vehicle stays plugged in and asks again).
#pragma once

#include "absl/status/status.h"
#include "emscore/control/command.hpp"
#include "emscore/control/load_manager.hpp"

namespace emscore::refgw {

class StationLink {
 public:
  virtual ~StationLink() = default;

  // What the station reports now: available / waiting (vehicle asks to charge) / charging /
  // failed, and the current the vehicle draws (highest phase, mA) when the station measures it.
  virtual control::StationStatus status() = 0;

  // Carries out one command of the load manager (see the contract above).
  virtual absl::Status apply(const control::Command& command) = 0;
};

}  // namespace emscore::refgw

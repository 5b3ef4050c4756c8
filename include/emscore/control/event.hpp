// emscore/control/event.hpp — what the control logic tells the event log.
//
// The load manager and the alarm controller never write anywhere themselves (no I/O in a
// domain module): every change they make or observe is returned to the caller as an Event,
// and the application appends it to its event log. An Event is plain data with a stable
// kind name, the object it concerns ("station 7", "rule overvoltage-L1", "output DO1"),
// and a sentence that says what happened and why.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace emscore::control {

enum class EventKind : std::uint8_t {
  kZoneChanged,       // load manager: green/yellow/red zone of the installation changed
  kCommand,           // load manager: a command was issued to a station
  kRequestQueued,     // a vehicle asked to charge and joined the waiting queue
  kVehicleLeft,       // a session ended because the station became available again
  kStationFailed,     // a station reported a failure; its session was withdrawn
  kStationRecovered,  // a failed station reports a normal state again
  kStationAdopted,    // a station charging without a known session was taken over
  kFailSafeEntered,   // the total meter stopped answering
  kFailSafeLeft,      // the total meter answers again
  kAlarmRaised,       // a threshold rule became active (after its on-delay)
  kAlarmCleared,      // a threshold rule became inactive (after its off-delay)
  kOutputChanged,     // a digital output was activated or deactivated (logical state)
  kRemoteCommand,     // a manual command was applied to an output
};

constexpr std::string_view event_kind_name(EventKind k) noexcept {
  switch (k) {
    case EventKind::kZoneChanged: return "zone_changed";
    case EventKind::kCommand: return "command";
    case EventKind::kRequestQueued: return "request_queued";
    case EventKind::kVehicleLeft: return "vehicle_left";
    case EventKind::kStationFailed: return "station_failed";
    case EventKind::kStationRecovered: return "station_recovered";
    case EventKind::kStationAdopted: return "station_adopted";
    case EventKind::kFailSafeEntered: return "fail_safe_entered";
    case EventKind::kFailSafeLeft: return "fail_safe_left";
    case EventKind::kAlarmRaised: return "alarm_raised";
    case EventKind::kAlarmCleared: return "alarm_cleared";
    case EventKind::kOutputChanged: return "output_changed";
    case EventKind::kRemoteCommand: return "remote_command";
  }
  return "unknown";
}

struct Event {
  absl::Time at;
  EventKind kind = EventKind::kCommand;
  std::string source;   // "station 7", "meter", "rule overvoltage", "output DO1"
  std::string message;  // one sentence: what happened and why

  // "2024-04-11T13:00:25Z command station 7: ..." — one log line.
  std::string to_string() const;
};

}  // namespace emscore::control

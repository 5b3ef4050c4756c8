// emscore/control/command.hpp — a load-management decision as explicit commands.
//
// The load manager does not talk to charging stations: each decision is a list of
// Commands that the caller (a poll loop with a station driver) carries out and logs. A
// command says what to do with which station, the current it may draw, and why — so that
// every decision can be logged, shown in an API and asserted in a test.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "emscore/obis/reading.hpp"

namespace emscore::control {

// Currents are integer milliamperes: exact, cheap to compare, and fine enough for any
// station setpoint (IEC 61851 PWM resolution is far coarser).
using MilliAmps = std::int64_t;

enum class CommandKind : std::uint8_t {
  kStart,       // authorise a waiting or paused session to charge with `current`
  kSetCurrent,  // change the setpoint of a running charge to `current`
  kPause,       // suspend a running charge, keep the session (resumed later by kStart)
  kStop,        // withdraw the authorisation; the vehicle re-joins the waiting queue
};

enum class Reason : std::uint8_t {
  kNewRequest,       // a waiting request is authorised (longest waiting first)
  kMakeRoom,         // reduced one step so that a waiting request can start
  kRedReduction,     // red zone: reduced one reduction step
  kBelowIecMinimum,  // the reduction step would set less than the IEC 61851 minimum: paused
  kRedStop,          // red zone after the second step: stopped (stop order)
  kRestore,          // recovery: a reduced charge gets current back (first reduced first)
  kFailSafe,         // the total meter stopped answering: reduced to the safe minimum
  kStationFailed,    // the station reported a failure
};

constexpr std::string_view command_kind_name(CommandKind k) noexcept {
  switch (k) {
    case CommandKind::kStart: return "start";
    case CommandKind::kSetCurrent: return "set_current";
    case CommandKind::kPause: return "pause";
    case CommandKind::kStop: return "stop";
  }
  return "unknown";
}

constexpr std::string_view reason_name(Reason r) noexcept {
  switch (r) {
    case Reason::kNewRequest: return "new_request";
    case Reason::kMakeRoom: return "make_room";
    case Reason::kRedReduction: return "red_reduction";
    case Reason::kBelowIecMinimum: return "below_iec_minimum";
    case Reason::kRedStop: return "red_stop";
    case Reason::kRestore: return "restore";
    case Reason::kFailSafe: return "fail_safe";
    case Reason::kStationFailed: return "station_failed";
  }
  return "unknown";
}

struct Command {
  DeviceRef station;
  CommandKind kind = CommandKind::kSetCurrent;
  MilliAmps current = 0;  // the setpoint for kStart/kSetCurrent; 0 for kPause/kStop
  Reason reason = Reason::kNewRequest;
  std::string detail;     // the numbers behind the reason, for the log

  // "station 3: set_current 24.000 A (red_reduction: ...)"
  std::string to_string() const;
};

// "24.000 A" — milliamperes as an exact decimal in amperes.
std::string format_amps(MilliAmps ma);

}  // namespace emscore::control

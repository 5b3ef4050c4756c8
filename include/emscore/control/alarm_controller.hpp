// emscore/control/alarm_controller.hpp — threshold rules driving digital outputs, plus
// remote (manual) output commands; every change is an Event for the event log.
//
// An output with the alarm function follows its rules: it is activated when the first of
// its rules is raised and deactivated when the last one is released (edges, so that an
// impulsive output gives one pulse per alarm, not one per poll). An output with the remote
// function obeys remote commands only (seeds/000: the output function is either remote or
// alarm). Driving from a poll loop:
//   AlarmController ac;
//   ac.add_output({"DO1", OutputFunction::kAlarm, NormalState::kNormallyOpen,
//                  OutputMode::kImpulsive, absl::Seconds(2)});
//   ac.add_rule(rule, "DO1");
//   each cycle: for (auto& r : readings) ac.on_reading(r);
//               for (auto& e : ac.poll(now)) log.append(e);
//               relay.set(ac.contact_closed("DO1", now));
//   a user action: ac.remote_command("DO2", RemoteCommand::kOn, now, "admin");
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "emscore/control/digital_output.hpp"
#include "emscore/control/event.hpp"
#include "emscore/control/threshold_alarm.hpp"

namespace emscore::control {

enum class RemoteCommand : std::uint8_t { kOn, kOff };

struct OutputView {
  OutputConfig config;
  bool active = false;
  bool contact_closed = false;
};

class AlarmController {
 public:
  // Errors: invalid configuration, duplicate name.
  absl::Status add_output(const OutputConfig& config);
  // A rule, optionally driving an output with the alarm function. Errors: invalid rule,
  // duplicate name, unknown output, output with the remote function.
  absl::Status add_rule(const ThresholdRule& rule, std::optional<std::string_view> output = {});

  // Feeds every rule that watches this reading. Errors carry the rule name.
  absl::Status on_reading(const Reading& r);
  // A manual command on an output with the remote function; logged with `who`.
  absl::Status remote_command(std::string_view output, RemoteCommand command, absl::Time now,
                              std::string_view who);

  // Applies due alarm changes, drives the outputs, ends pulses; returns the events in time
  // order (including remote commands since the previous poll).
  std::vector<Event> poll(absl::Time now);

  std::optional<bool> alarm_active(std::string_view rule) const;
  std::optional<bool> contact_closed(std::string_view output, absl::Time now) const;
  std::vector<OutputView> outputs(absl::Time now) const;
  // The earliest time something changes by itself (pending delay, pulse end, blink edge).
  std::optional<absl::Time> next_wakeup(absl::Time now) const;

 private:
  struct RuleSlot {
    ThresholdAlarm alarm;
    std::optional<std::size_t> output;
  };
  struct OutputSlot {
    DigitalOutput out;
    bool driven = false;  // any linked rule active at the previous poll
  };
  std::optional<std::size_t> find_output(std::string_view name) const;
  void output_event(std::size_t i, absl::Time at, std::string why);

  std::vector<RuleSlot> rules_;
  std::vector<OutputSlot> outputs_;
  std::vector<Event> pending_;
};

}  // namespace emscore::control

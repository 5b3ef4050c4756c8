// refgateway/control_runner.hpp — the control library (emscore::control) inside the gateway.
//
// ControlRunner is the glue between the gateway's readouts, its charging stations, its
// digital outputs and its event log. It owns no sockets, no timers and reads no clock: the
// gateway calls
//   on_readings(device, readings, now)  after every readout: the total-consumption meter's
//                                       phase currents become the load manager's meter
//                                       sample; every reading feeds the threshold rules;
//   tick(now)                           every second: polls each StationLink, takes one
//                                       load-management decision, applies its commands
//                                       (decreases first), runs the alarm controller and
//                                       logs every change;
//   remote_output(name, on, user, now)  the HTTP API's manual output command;
//   view_json(now)                      the state served at GET /app/api/control.
// Everything it logs goes through the ControlLogSink as a LogEntry with category "control"
// and the station, output, rule or meter name as source; sink_to(EventLog&) appends them to
// the gateway's persisted log. docs/control.md ("In the reference gateway") lists the events
// and the view.
//
// Single-threaded: call everything from the gateway's io thread.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/json/value.hpp"
#include "config.hpp"
#include "device_table.hpp"
#include "emscore/control/alarm_controller.hpp"
#include "emscore/control/load_manager.hpp"
#include "event_log.hpp"
#include "station_link.hpp"

namespace emscore::refgw {

// Receives every control log entry (category "control"; id 0 — the log assigns it).
using ControlLogSink = std::function<void(const LogEntry& entry)>;
// Finds the DeviceRef of a configured device by its name; nullopt when there is none.
using DeviceResolver = std::function<std::optional<DeviceRef>(std::string_view device_name)>;
// Drives a physical output: called when the contact of `output` changes (and once per output
// at the first tick, with its rest state).
using OutputDriver = std::function<void(std::string_view output, bool contact_closed)>;

struct ControlRunnerOptions {
  ControlLogSink sink;          // required
  OutputDriver output_driver;   // optional (the demo has no relays; the view shows contacts)
  std::size_t decision_history = 20;  // decisions that changed something, kept for the view
  // After a command the station link refused, the station is reported to the load manager
  // as failed for this long (its session is withdrawn, then re-established from what the
  // station reports), so that a refused command cannot leave the manager believing a
  // setpoint the station never got.
  absl::Duration apply_failure_hold = absl::Seconds(30);
};

class ControlRunner {
 public:
  // Builds the load manager (when section.load_manager is set: the meter device must
  // resolve, every station must be valid) and the alarm controller (outputs, then rules).
  // Errors name the station, output or rule.
  static absl::StatusOr<ControlRunner> create(const ControlSection& section,
                                              const DeviceResolver& resolve,
                                              ControlRunnerOptions options);
  // Resolvers over the configuration's devices / the device table (the names are copied:
  // the source need not outlive the resolver).
  static DeviceResolver resolver_for(const GatewayConfig& config);
  static DeviceResolver resolver_for(const DeviceTable& table);
  // A sink that appends to `log` (an append error goes to stderr: the log is the last resort).
  static ControlLogSink sink_to(EventLog& log);

  // Connects a configured station (by its name) to its link; replaces an earlier link. A
  // station without a link is reported failed to the load manager. Errors: unknown station.
  absl::Status attach(std::string_view station, std::shared_ptr<StationLink> link);

  // Readings of one readout of `device` (see the file comment). A meter readout without
  // usable phase currents is logged once (warning) until a usable one arrives.
  void on_readings(DeviceRef device, std::span<const Reading> readings, absl::Time now);

  // One control cycle at `now` (see the file comment). Cheap when nothing changes: one
  // status() call per station, one decision, one alarm poll, no formatting.
  void tick(absl::Time now);

  // Switches an output with the remote function on or off, logged with `user`. Errors:
  // unknown output (the message lists the configured ones), output with the alarm function.
  absl::Status remote_output(std::string_view output, bool on, std::string_view user,
                             absl::Time now);

  // The state for GET /app/api/control (schema in docs/control.md).
  boost::json::value view_json(absl::Time now) const;

  // When the alarm controller changes something by itself next (pending delay, pulse end,
  // blink edge): a gateway that drives fast blinking relays can tick then as well.
  std::optional<absl::Time> next_wakeup(absl::Time now) const;

  bool load_management() const noexcept { return lm_.has_value(); }
  const control::LoadManager* load_manager() const noexcept { return lm_ ? &*lm_ : nullptr; }
  const control::AlarmController& alarm_controller() const noexcept { return ac_; }

 private:
  struct Station {
    StationBinding binding;
    std::shared_ptr<StationLink> link;
    control::StationStatus last;         // what was passed to the load manager last tick
    absl::Time held_failed_until = absl::InfinitePast();
    std::string error;                   // last refused command / status problem
    bool reported_no_link = false;
  };
  struct CommandRecord {
    std::string station;
    control::Command command;
    std::string error;  // empty: applied
  };
  struct DecisionRecord {
    absl::Time at;
    control::Zone zone = control::Zone::kGreen;
    bool fail_safe = false;
    std::vector<CommandRecord> commands;
    std::vector<std::string> events;  // "zone_changed meter: green -> yellow ..."
  };
  struct Output {
    std::string name;
    std::optional<bool> contact;  // last contact given to the driver
  };

  ControlRunner(ControlRunnerOptions options, control::AlarmController ac);

  void log(Severity severity, std::string source, std::string message, absl::Time at) const;
  void log_event(const control::Event& e);
  std::string source_name(const std::string& library_source) const;
  Station* station_by_id(DeviceRef id);
  void poll_alarms(absl::Time now);

  ControlRunnerOptions options_;
  std::optional<control::LoadManager> lm_;
  control::AlarmController ac_;
  DeviceRef meter_;
  std::string meter_name_;
  std::optional<control::MeterSample> last_sample_;
  std::string meter_error_;
  std::vector<Station> stations_;
  absl::flat_hash_map<std::uint32_t, std::size_t> station_index_;
  std::vector<Output> outputs_;
  std::vector<std::string> alarm_outputs_;  // output driven by rule i ("" = none)
  std::vector<control::ThresholdRule> rules_;
  std::string reading_error_;  // last rule error, logged once
  std::deque<DecisionRecord> decisions_;
  absl::Time last_tick_ = absl::InfinitePast();
};

}  // namespace emscore::refgw

// The control library inside the gateway: see control_runner.hpp and docs/control.md.
#include "control_runner.hpp"

#include <cstdio>
#include <utility>

#include "absl/strings/numbers.h"
#include "boost/json.hpp"
#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/core/time.hpp"

namespace emscore::refgw {
namespace json = boost::json;
namespace {

constexpr std::string_view kCategory = "control";

Severity severity_of(control::EventKind kind, control::Zone zone_after) {
  using control::EventKind;
  switch (kind) {
    case EventKind::kZoneChanged:
      return zone_after == control::Zone::kRed ? Severity::kWarning : Severity::kInfo;
    case EventKind::kStationFailed:
    case EventKind::kFailSafeEntered:
    case EventKind::kAlarmRaised:
      return Severity::kWarning;
    default:
      return Severity::kInfo;
  }
}

std::string_view phases_name(std::uint8_t phases) {
  switch (phases) {
    case control::kPhaseL1: return "L1";
    case control::kPhaseL2: return "L2";
    case control::kPhaseL3: return "L3";
    default: return "all";
  }
}

// "set_current 24.000 A (red_reduction: ...)" — Command::to_string() without "station N: ".
std::string command_text(const control::Command& c) {
  std::string out(control::command_kind_name(c.kind));
  if (c.kind == control::CommandKind::kStart || c.kind == control::CommandKind::kSetCurrent) {
    out += str_cat(" ", control::format_amps(c.current));
  }
  out += str_cat(" (", control::reason_name(c.reason));
  if (!c.detail.empty()) out += str_cat(": ", c.detail);
  out += ")";
  return out;
}

json::value time_json(absl::Time t) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) return nullptr;
  return json::value(format_iso8601_utc(t));
}

}  // namespace

ControlRunner::ControlRunner(ControlRunnerOptions options, control::AlarmController ac)
    : options_(std::move(options)), ac_(std::move(ac)) {}

absl::StatusOr<ControlRunner> ControlRunner::create(const ControlSection& section,
                                                    const DeviceResolver& resolve,
                                                    ControlRunnerOptions options) {
  if (!options.sink) {
    return absl::InvalidArgumentError("control runner: no log sink given");
  }
  control::AlarmController ac;
  for (const control::OutputConfig& o : section.outputs) {
    EMSCORE_RETURN_IF_ERROR(with_context(ac.add_output(o), str_cat("control.outputs ", o.name)));
  }
  for (std::size_t i = 0; i < section.alarms.size(); ++i) {
    const control::ThresholdRule& rule = section.alarms[i];
    std::optional<std::string_view> output;
    if (i < section.alarm_outputs.size() && !section.alarm_outputs[i].empty()) {
      output = section.alarm_outputs[i];
    }
    EMSCORE_RETURN_IF_ERROR(
        with_context(ac.add_rule(rule, output), str_cat("control.alarms ", rule.name)));
  }
  ControlRunner r(std::move(options), std::move(ac));
  for (const control::OutputConfig& o : section.outputs) r.outputs_.push_back({o.name, {}});
  r.rules_ = section.alarms;
  r.alarm_outputs_ = section.alarm_outputs;
  r.alarm_outputs_.resize(r.rules_.size());

  if (section.load_manager) {
    EMSCORE_ASSIGN_OR_RETURN(control::LoadManager lm,
                             control::LoadManager::create(*section.load_manager));
    std::optional<DeviceRef> meter = resolve ? resolve(section.meter_device) : std::nullopt;
    if (!meter) {
      return absl::NotFoundError(str_cat("control.load_manager.meter: no device named \"",
                                         section.meter_device, "\""));
    }
    r.meter_ = *meter;
    r.meter_name_ = section.meter_device;
    for (const StationBinding& b : section.stations) {
      if (r.station_index_.contains(b.station.id.id)) {
        return absl::AlreadyExistsError(str_cat("control.load_manager.stations ",
                                                b.station.name, ": id ", b.station.id.id,
                                                " is already used by another station"));
      }
      EMSCORE_RETURN_IF_ERROR(with_context(
          lm.add_station(b.station), str_cat("control.load_manager.stations ", b.station.name)));
      r.station_index_.emplace(b.station.id.id, r.stations_.size());
      Station s;
      s.binding = b;
      s.last.state = control::StationState::kFailed;
      r.stations_.push_back(std::move(s));
    }
    r.lm_ = std::move(lm);
  }
  return r;
}

DeviceResolver ControlRunner::resolver_for(const GatewayConfig& config) {
  absl::flat_hash_map<std::string, DeviceRef> names;
  for (const DeviceConfig& d : config.devices) names.emplace(d.name, d.ref);
  return [names = std::move(names)](std::string_view name) -> std::optional<DeviceRef> {
    auto it = names.find(absl::string_view(name.data(), name.size()));
    if (it == names.end()) return std::nullopt;
    return it->second;
  };
}

DeviceResolver ControlRunner::resolver_for(const DeviceTable& table) {
  absl::flat_hash_map<std::string, DeviceRef> names;
  for (const DeviceEntry& d : table.devices()) names.emplace(d.config.name, d.config.ref);
  return [names = std::move(names)](std::string_view name) -> std::optional<DeviceRef> {
    auto it = names.find(absl::string_view(name.data(), name.size()));
    if (it == names.end()) return std::nullopt;
    return it->second;
  };
}

ControlLogSink ControlRunner::sink_to(EventLog& log) {
  return [&log](const LogEntry& e) {
    auto id = log.append(e.severity, e.category, e.source, e.message, e.at);
    if (!id.ok()) {
      std::fprintf(stderr, "refgateway: event log append failed (%s); entry: %s %s: %s\n",
                   std::string(id.status().message()).c_str(), e.source.c_str(),
                   std::string(severity_name(e.severity)).c_str(), e.message.c_str());
    }
  };
}

absl::Status ControlRunner::attach(std::string_view station, std::shared_ptr<StationLink> link) {
  for (Station& s : stations_) {
    if (s.binding.station.name == station) {
      s.link = std::move(link);
      s.reported_no_link = false;
      return absl::OkStatus();
    }
  }
  std::string known;
  for (const Station& s : stations_) known += str_cat(known.empty() ? "" : ", ", s.binding.station.name);
  return absl::NotFoundError(str_cat("control: no station named \"", station, "\" (stations: ",
                                     known.empty() ? "none configured" : known, ")"));
}

void ControlRunner::log(Severity severity, std::string source, std::string message,
                        absl::Time at) const {
  LogEntry e;
  e.at = at;
  e.severity = severity;
  e.category = std::string(kCategory);
  e.source = std::move(source);
  e.message = std::move(message);
  options_.sink(e);
}

std::string ControlRunner::source_name(const std::string& s) const {
  // The library names its objects "station 7", "output DO1", "rule overcurrent", "meter".
  if (s == "meter") return meter_name_.empty() ? s : meter_name_;
  std::string_view v = s;
  if (v.starts_with("station ")) {
    std::uint32_t id = 0;
    if (absl::SimpleAtoi(absl::string_view(v.data() + 8, v.size() - 8), &id)) {
      auto it = station_index_.find(id);
      if (it != station_index_.end()) return stations_[it->second].binding.station.name;
    }
    return s;
  }
  if (v.starts_with("output ")) return std::string(v.substr(7));
  if (v.starts_with("rule ")) return std::string(v.substr(5));
  return s;
}

void ControlRunner::log_event(const control::Event& e) {
  log(severity_of(e.kind, lm_ ? lm_->zone() : control::Zone::kGreen), source_name(e.source),
      str_cat(control::event_kind_name(e.kind), ": ", e.message), e.at);
}

ControlRunner::Station* ControlRunner::station_by_id(DeviceRef id) {
  auto it = station_index_.find(id.id);
  return it == station_index_.end() ? nullptr : &stations_[it->second];
}

void ControlRunner::on_readings(DeviceRef device, std::span<const Reading> readings,
                                absl::Time now) {
  if (lm_ && device == meter_) {
    auto sample = control::MeterSample::from_readings(readings, lm_->config().installation_phases);
    if (sample.ok()) {
      lm_->on_meter_sample(*sample);
      if (!last_sample_ || sample->at >= last_sample_->at) last_sample_ = *sample;
      if (!meter_error_.empty()) {
        meter_error_.clear();
        log(Severity::kInfo, meter_name_, "meter_sample: usable phase currents again", now);
      }
    } else if (std::string msg(sample.status().message()); msg != meter_error_) {
      meter_error_ = msg;
      log(Severity::kWarning, meter_name_, str_cat("meter_sample: readout unusable: ", msg), now);
    }
  }
  if (rules_.empty()) return;
  for (const Reading& r : readings) {
    absl::Status st;
    if (r.device == device) {
      st = ac_.on_reading(r);
    } else {
      Reading copy = r;  // the readout's device is authoritative
      copy.device = device;
      st = ac_.on_reading(copy);
    }
    if (!st.ok()) {
      if (std::string msg(st.message()); msg != reading_error_) {
        reading_error_ = msg;
        log(Severity::kError, "alarms", str_cat("alarm_input: ", msg), now);
      }
    }
  }
}

void ControlRunner::poll_alarms(absl::Time now) {
  if (outputs_.empty() && rules_.empty()) return;
  for (const control::Event& e : ac_.poll(now)) log_event(e);
  if (!options_.output_driver) return;
  for (Output& o : outputs_) {
    const bool closed = ac_.contact_closed(o.name, now).value_or(false);
    if (o.contact != closed) {
      o.contact = closed;
      options_.output_driver(o.name, closed);
    }
  }
}

void ControlRunner::tick(absl::Time now) {
  last_tick_ = now;
  if (lm_) {
    for (Station& s : stations_) {
      control::StationStatus st;
      if (now < s.held_failed_until) {
        st.state = control::StationState::kFailed;
      } else if (!s.link) {
        st.state = control::StationState::kFailed;
        if (!s.reported_no_link) {
          s.reported_no_link = true;
          s.error = str_cat("no station link attached (link \"", s.binding.device, "\")");
          log(Severity::kError, s.binding.station.name, str_cat("station_link: ", s.error), now);
        }
      } else {
        st = s.link->status();
      }
      if (auto ok = lm_->on_station_status(s.binding.station.id, st); !ok.ok()) {
        // A nonsensical measurement (negative current): keep the state, drop the number.
        if (std::string msg(ok.message()); msg != s.error) {
          s.error = msg;
          log(Severity::kError, s.binding.station.name, str_cat("station_link: ", msg), now);
        }
        st.measured_current.reset();
        (void)lm_->on_station_status(s.binding.station.id, st);
      }
      s.last = st;
    }

    control::Decision d = lm_->decide(now);
    if (!d.events.empty() || !d.commands.empty()) {
      DecisionRecord rec;
      rec.at = d.at;
      rec.zone = d.zone;
      rec.fail_safe = d.fail_safe;
      for (const control::Event& e : d.events) {
        log_event(e);
        rec.events.push_back(str_cat(control::event_kind_name(e.kind), " ",
                                     source_name(e.source), ": ", e.message));
      }
      // Decreases come first in d.commands; they are applied (and logged) in that order.
      for (control::Command& c : d.commands) {
        Station* s = station_by_id(c.station);
        CommandRecord cr;
        cr.station = s ? s->binding.station.name : str_cat("station ", c.station.id);
        if (s == nullptr || !s->link) {
          cr.error = "no station link attached";
        } else if (absl::Status st = s->link->apply(c); !st.ok()) {
          cr.error = std::string(st.message());
        }
        // A station that reports a failure may well refuse the stop that withdraws its
        // session: expected, a warning, and no hold (the manager already counts it failed).
        const bool already_failed =
            s != nullptr && s->last.state == control::StationState::kFailed;
        if (cr.error.empty()) {
          log(Severity::kInfo, cr.station, str_cat("command: ", command_text(c)), now);
        } else {
          log(already_failed ? Severity::kWarning : Severity::kError, cr.station,
              str_cat("command: ", command_text(c), "; NOT applied: ", cr.error), now);
          if (s != nullptr) {
            s->error = cr.error;
            if (s->link && !already_failed) {
              s->held_failed_until = now + options_.apply_failure_hold;
            }
          }
        }
        cr.command = std::move(c);
        rec.commands.push_back(std::move(cr));
      }
      if (options_.decision_history > 0) {
        if (decisions_.size() >= options_.decision_history) decisions_.pop_front();
        decisions_.push_back(std::move(rec));
      }
    }
  }
  poll_alarms(now);
}

absl::Status ControlRunner::remote_output(std::string_view output, bool on,
                                          std::string_view user, absl::Time now) {
  bool known = false;
  std::string names;
  for (const Output& o : outputs_) {
    known = known || o.name == output;
    names += str_cat(names.empty() ? "" : ", ", o.name);
  }
  if (!known) {
    return absl::NotFoundError(str_cat("control: unknown output \"", output, "\" (outputs: ",
                                       names.empty() ? "none configured" : names, ")"));
  }
  EMSCORE_RETURN_IF_ERROR(ac_.remote_command(
      output, on ? control::RemoteCommand::kOn : control::RemoteCommand::kOff, now, user));
  poll_alarms(now);  // logs the command and the output change now, not at the next tick
  return absl::OkStatus();
}

std::optional<absl::Time> ControlRunner::next_wakeup(absl::Time now) const {
  return ac_.next_wakeup(now);
}

json::value ControlRunner::view_json(absl::Time now) const {
  json::object v;
  v["load_management"] = lm_.has_value();
  v["at"] = time_json(now);
  v["last_tick"] = time_json(last_tick_);
  if (lm_) {
    const control::LoadManagerConfig& c = lm_->config();
    v["zone"] = control::zone_name(lm_->zone());
    v["fail_safe"] = lm_->fail_safe();
    v["limits"] = json::object{{"installation_phases", c.installation_phases},
                               {"max_current_ma", c.max_current},
                               {"max_charging_current_ma", c.max_charging_current},
                               {"hysteresis_percent", c.hysteresis_percent},
                               {"fail_safe_current_ma", c.fail_safe_current},
                               {"meter_timeout_s", absl::ToInt64Seconds(c.meter_timeout)}};
    json::object meter{{"device", meter_name_}};
    if (last_sample_) {
      meter["last_sample"] = time_json(last_sample_->at);
      meter["sample_age_ms"] = absl::ToInt64Milliseconds(now - last_sample_->at);
      json::array phases;
      for (int p = 0; p < c.installation_phases; ++p) {
        phases.push_back(last_sample_->phase_current[static_cast<std::size_t>(p)]);
      }
      meter["phase_current_ma"] = std::move(phases);
    } else {
      meter["last_sample"] = nullptr;
      meter["sample_age_ms"] = nullptr;
      meter["phase_current_ma"] = nullptr;
    }
    meter["error"] = meter_error_.empty() ? json::value(nullptr) : json::value(meter_error_);
    v["meter"] = std::move(meter);
    json::array stations;
    for (const Station& s : stations_) {
      const auto view = lm_->station(s.binding.station.id);
      if (!view) continue;
      json::object o{{"name", s.binding.station.name},
                     {"id", s.binding.station.id.id},
                     {"link", s.binding.device},
                     {"attached", s.link != nullptr},
                     {"state", control::station_state_name(view->reported)},
                     {"session", control::session_state_name(view->session)},
                     {"level", control::level_name(view->level)},
                     {"setpoint_ma", view->setpoint},
                     {"rated_current_ma", view->config.rated_current},
                     {"phases", phases_name(view->config.phases)},
                     {"priority", view->config.priority},
                     {"delivered_mah", view->delivered_mah},
                     {"connected_at", view->session == control::SessionState::kIdle
                                          ? json::value(nullptr)
                                          : time_json(view->connected_at)},
                     {"error", s.error.empty() ? json::value(nullptr) : json::value(s.error)}};
      o["measured_ma"] = s.last.measured_current ? json::value(*s.last.measured_current)
                                                 : json::value(nullptr);
      stations.push_back(std::move(o));
    }
    v["stations"] = std::move(stations);
  } else {
    v["zone"] = nullptr;
    v["fail_safe"] = false;
    v["meter"] = nullptr;
    v["stations"] = json::array{};
  }
  json::array outputs;
  for (const control::OutputView& o : ac_.outputs(now)) {
    outputs.push_back(json::object{
        {"name", o.config.name},
        {"function", control::output_function_name(o.config.function)},
        // The configuration's words ("open"/"closed"), not the log's "NO"/"NC".
        {"normal", o.config.normal == control::NormalState::kNormallyOpen ? "open" : "closed"},
        {"mode", control::output_mode_name(o.config.mode)},
        {"on_time_ms", absl::ToInt64Milliseconds(o.config.on_time)},
        {"active", o.active},
        {"contact_closed", o.contact_closed}});
  }
  v["outputs"] = std::move(outputs);
  json::array alarms;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const control::ThresholdRule& r = rules_[i];
    alarms.push_back(json::object{
        {"name", r.name},
        {"obis", r.quantity.to_string()},
        {"device_id", r.device ? json::value(r.device->id) : json::value(nullptr)},
        {"comparison", control::comparison_name(r.comparison)},
        {"threshold", r.threshold.to_string_with_unit()},
        {"hysteresis", r.hysteresis.to_string_with_unit()},
        {"active", ac_.alarm_active(r.name).value_or(false)},
        {"output", alarm_outputs_[i].empty() ? json::value(nullptr)
                                             : json::value(alarm_outputs_[i])}});
  }
  v["alarms"] = std::move(alarms);
  json::array decisions;
  for (const DecisionRecord& d : decisions_) {
    json::array commands;
    for (const CommandRecord& c : d.commands) {
      commands.push_back(json::object{
          {"station", c.station},
          {"kind", control::command_kind_name(c.command.kind)},
          {"current_ma", c.command.current},
          {"reason", control::reason_name(c.command.reason)},
          {"detail", c.command.detail},
          {"applied", c.error.empty()},
          {"error", c.error.empty() ? json::value(nullptr) : json::value(c.error)}});
    }
    json::array events;
    for (const std::string& e : d.events) events.push_back(json::value(e));
    decisions.push_back(json::object{{"at", time_json(d.at)},
                                     {"zone", control::zone_name(d.zone)},
                                     {"fail_safe", d.fail_safe},
                                     {"commands", std::move(commands)},
                                     {"events", std::move(events)}});
  }
  v["decisions"] = std::move(decisions);
  return v;
}

}  // namespace emscore::refgw

// A poll loop for EV charging load management and an overcurrent alarm, with simulated
// stations and a simulated total meter: what a gateway does every cycle, without hardware.
//
//   meter -> Readings (1-0:31.7.0 ...) -> MeterSample -> LoadManager::decide -> commands
//                                     \-> AlarmController::poll -> events, relay contact
#include <cstdio>
#include <map>
#include <vector>

#include "emscore/control/alarm_controller.hpp"
#include "emscore/control/load_manager.hpp"
#include "emscore/obis/obis_code.hpp"

using namespace emscore;
using namespace emscore::control;
using namespace emscore::obis::literals;

int main() {
  LoadManagerConfig cfg;
  cfg.max_current = 63'000;           // a 63 A three-phase supply
  cfg.max_charging_current = 55'000;  // charging may use the supply up to 55 A
  cfg.hysteresis_percent = 5;
  auto lm = LoadManager::create(cfg);
  if (!lm.ok()) return 1;
  for (std::uint32_t id = 1; id <= 3; ++id) {
    const StationConfig sc{DeviceRef{id}, "bay", 32'000, kPhaseAll, id == 3};
    if (!lm->add_station(sc).ok()) return 1;
  }

  AlarmController alarms;
  if (!alarms.add_output({"DO1", OutputFunction::kAlarm, NormalState::kNormallyOpen,
                          OutputMode::kMaintained, absl::ZeroDuration()})
           .ok()) {
    return 1;
  }
  ThresholdRule over;
  over.name = "supply-overcurrent-L1";
  over.quantity = "1-0:31.7.0"_obis;
  over.threshold = Value(63, 0, Unit::kAmpere);
  over.hysteresis = Value(3, 0, Unit::kAmpere);
  over.on_delay = absl::Seconds(10);
  if (!alarms.add_rule(over, "DO1").ok()) return 1;

  // The simulated site: a house load that changes, and stations that obey the commands.
  std::map<std::uint32_t, MilliAmps> drawing;  // station -> current it draws
  std::map<std::uint32_t, StationState> state = {{1, StationState::kAvailable},
                                                 {2, StationState::kAvailable},
                                                 {3, StationState::kAvailable}};
  struct Step { int minute; std::int64_t house_ma; int plug; };
  const std::vector<Step> script = {{0, 10'000, 1}, {1, 10'000, 2}, {2, 12'000, 3},
                                    {3, 35'000, 0}, {4, 35'000, 0}, {5, 2'000, 0},
                                    {6, 2'000, 0}};
  const absl::Time t0 = absl::FromUnixSeconds(1'712'840'400);
  int commands = 0;
  for (const Step& step : script) {
    const absl::Time now = t0 + absl::Minutes(step.minute);
    if (step.plug != 0) state[static_cast<std::uint32_t>(step.plug)] = StationState::kWaiting;
    MilliAmps per_phase = step.house_ma;
    for (const auto& [id, ma] : drawing) per_phase += ma;
    // The meter, as the mapping module would deliver it: exact Readings.
    std::vector<Reading> readings;
    for (const obis::ObisCode code : {"1-0:31.7.0"_obis, "1-0:51.7.0"_obis, "1-0:71.7.0"_obis}) {
      readings.push_back(Reading{DeviceRef{100}, code, Value(per_phase, -3, Unit::kAmpere), now,
                                 Quality::kMeasured});
    }
    auto sample = MeterSample::from_readings(readings, 3);
    if (!sample.ok()) return 1;
    lm->on_meter_sample(*sample);
    for (const auto& [id, st] : state) {
      StationStatus status{st, std::nullopt};
      if (auto it = drawing.find(id); it != drawing.end()) status.measured_current = it->second;
      if (!lm->on_station_status(DeviceRef{id}, status).ok()) return 1;
    }
    const Decision d = lm->decide(now);
    for (const Command& c : d.commands) {
      ++commands;
      if (c.kind == CommandKind::kStart || c.kind == CommandKind::kSetCurrent) {
        drawing[c.station.id] = c.current;
        state[c.station.id] = StationState::kCharging;
      } else {
        drawing.erase(c.station.id);
        state[c.station.id] = StationState::kWaiting;
      }
    }
    for (const Event& e : d.log_events()) std::printf("%s\n", e.to_string().c_str());
    for (const Reading& r : readings) {
      if (!alarms.on_reading(r).ok()) return 1;
    }
    for (const Event& e : alarms.poll(now)) std::printf("%s\n", e.to_string().c_str());
    std::printf("  minute %d: supply %s per phase, zone %s, DO1 %s\n", step.minute,
                format_amps(per_phase).c_str(), std::string(zone_name(d.zone)).c_str(),
                alarms.contact_closed("DO1", now).value_or(false) ? "closed" : "open");
  }
  return commands > 0 ? 0 : 1;
}

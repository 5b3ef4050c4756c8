// Fuzzes the control logic with arbitrary input sequences: the bytes choose the configuration,
// the stations, and per tick the time step, the meter (or its absence), the station states
// and readings for a threshold rule driving an output. Whatever arrives, the load manager
// must never send a setpoint under the IEC 61851 minimum or above a station's rating, never
// give one station two commands in a decision, never stop a priority station or one short of
// its guaranteed charge, and the alarm controller must never crash.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <set>

#include "emscore/control/alarm_controller.hpp"
#include "emscore/control/load_manager.hpp"

namespace {

using namespace emscore;
using namespace emscore::control;

struct Bytes {
  const std::uint8_t* p;
  std::size_t n;
  std::uint8_t u8() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  int range(int lo, int hi) { return lo + u8() % (hi - lo + 1); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in{data, size};
  LoadManagerConfig cfg;
  cfg.installation_phases = in.u8() % 2 ? 3 : 1;
  cfg.max_current = in.range(1, 255) * 1000;
  cfg.max_charging_current = cfg.max_current - in.range(0, 255) * 1000;
  cfg.hysteresis_percent = in.range(0, 60);
  cfg.first_step_percent = in.range(0, 100);
  cfg.second_step_percent = in.range(0, 100);
  cfg.below_minimum = in.u8() % 2 ? BelowMinimum::kPause : BelowMinimum::kClamp;
  cfg.min_guaranteed_mah = in.range(0, 40) * 1000;
  cfg.settle_time = absl::Seconds(in.range(0, 10));
  auto made = LoadManager::create(cfg);
  if (!made.ok()) return 0;  // invalid configurations are refused, that is all
  LoadManager lm = *std::move(made);
  const int n = in.range(1, 12);
  std::map<std::uint32_t, StationConfig> stations;
  for (int i = 1; i <= n; ++i) {
    StationConfig sc{DeviceRef{static_cast<std::uint32_t>(i)}, "", in.range(0, 80) * 1000,
                     static_cast<std::uint8_t>(in.range(0, 7)), in.u8() % 4 == 0};
    if (lm.add_station(sc).ok()) stations[sc.id.id] = sc;
  }
  AlarmController ac;
  (void)ac.add_output({"DO1", OutputFunction::kAlarm,
                       in.u8() % 2 ? NormalState::kNormallyOpen : NormalState::kNormallyClosed,
                       static_cast<OutputMode>(in.range(0, 2)), absl::Seconds(in.range(0, 5))});
  ThresholdRule rule;
  rule.name = "r";
  rule.quantity = obis::ObisCode(1, 0, 31, 7, 0);
  rule.comparison = in.u8() % 2 ? Comparison::kAbove : Comparison::kBelow;
  rule.threshold = Value(in.range(0, 255), in.range(-3, 3), Unit::kAmpere);
  rule.hysteresis = Value(in.range(0, 20), in.range(-3, 1), Unit::kAmpere);
  rule.on_delay = absl::Seconds(in.range(0, 30));
  rule.off_delay = absl::Seconds(in.range(0, 30));
  (void)ac.add_rule(rule, "DO1");

  absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  while (in.n > 0) {
    now += absl::Seconds(in.range(0, 200));
    if (in.u8() % 8 != 0) {
      MeterSample s{now, {}};
      for (auto& c : s.phase_current) c = in.range(0, 255) * 1000;
      lm.on_meter_sample(s);
      const Reading r{DeviceRef{1}, rule.quantity,
                      Value(s.phase_current[0], -3, Unit::kAmpere), now, Quality::kMeasured};
      if (!ac.on_reading(r).ok()) std::abort();
    }
    for (const auto& [id, sc] : stations) {
      StationStatus st{static_cast<StationState>(in.range(0, 3)), std::nullopt};
      if (in.u8() % 2) st.measured_current = in.range(0, 80) * 1000;
      if (!lm.on_station_status(DeviceRef{id}, st).ok()) std::abort();
    }
    const Decision d = lm.decide(now);
    std::set<std::uint32_t> seen;
    for (const Command& c : d.commands) {
      if (!seen.insert(c.station.id).second) std::abort();
      const StationConfig& sc = stations.at(c.station.id);
      if (c.kind == CommandKind::kStart || c.kind == CommandKind::kSetCurrent) {
        if (c.current < cfg.iec_min_current || c.current > sc.rated_current) std::abort();
      } else if (c.current != 0) {
        std::abort();
      }
      if (c.reason == Reason::kRedStop) {
        if (sc.priority) std::abort();
        if (lm.station(c.station)->delivered_mah < cfg.min_guaranteed_mah) std::abort();
      }
    }
    (void)d.log_events();
    if (in.u8() % 16 == 0) (void)ac.remote_command("DO1", RemoteCommand::kOn, now, "fuzz");
    (void)ac.poll(now);
    (void)ac.next_wakeup(now);
    (void)ac.contact_closed("DO1", now);
  }
  return 0;
}

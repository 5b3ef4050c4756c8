// `emscore control simulate SCENARIO.json` — runs the EV charging load manager against a
// simulated site (other loads per phase + stations that obey the commands) and prints every
// decision: zone, predicted load, commands with reasons, events. `-` reads stdin.
//
// Scenario (currents in A, numbers or decimals; times in seconds from the start):
//   {"config": {"max_current_a": 100, "max_charging_current_a": 80, "hysteresis_percent": 0,
//               "first_step_percent": 75, "second_step_percent": 50, "min_guaranteed_ah": 32,
//               "installation_phases": 3, "meter_timeout_s": 30, "settle_s": 5, "hold_s": 0,
//               "below_minimum": "pause"|"clamp"},
//    "stations": [{"id": 1, "rated_a": 32, "phases": "L1L2L3", "priority": false}],
//    "steps": [{"at_s": 0, "other_a": 20 | [l1, l2, l3], "plug": [1], "unplug": [],
//               "fail": [], "meter": true, "repeat": 1, "every_s": 10}]}
// Inputs persist from step to step; "repeat" runs that many decisions "every_s" apart.
#include <cmath>
#include <map>
#include <string>

#include "boost/json/array.hpp"
#include "boost/json/object.hpp"
#include "boost/json/parse.hpp"
#include "cli.hpp"
#include "emscore/control/load_manager.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/core/status.hpp"
#include "emscore/core/time.hpp"
#include "fmt/core.h"

namespace {

namespace json = boost::json;
using emscore::str_cat;
using namespace emscore::control;

struct Bad {
  std::string message;
};

double number(const json::value& v, const std::string& path) {
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  if (v.is_double()) return v.as_double();
  throw Bad{str_cat(path, ": expected a number")};
}

MilliAmps amps(const json::value& v, const std::string& path) {
  const double a = number(v, path);
  if (!std::isfinite(a) || std::fabs(a) > 1e9) throw Bad{str_cat(path, ": out of range")};
  return static_cast<MilliAmps>(std::llround(a * 1000.0));
}

int integer(const json::value& v, const std::string& path) {
  const double d = number(v, path);
  if (d != std::floor(d) || std::fabs(d) > 1e9) throw Bad{str_cat(path, ": expected an integer")};
  return static_cast<int>(d);
}

const json::object& object(const json::value& v, const std::string& path) {
  if (!v.is_object()) throw Bad{str_cat(path, ": expected an object")};
  return v.as_object();
}

const json::array& array(const json::value& v, const std::string& path) {
  if (!v.is_array()) throw Bad{str_cat(path, ": expected an array")};
  return v.as_array();
}

LoadManagerConfig read_config(const json::object& o) {
  LoadManagerConfig c;
  for (const auto& [key, v] : o) {
    const std::string path = str_cat("config.", std::string_view(key.data(), key.size()));
    if (key == "max_current_a") c.max_current = amps(v, path);
    else if (key == "max_charging_current_a") c.max_charging_current = amps(v, path);
    else if (key == "hysteresis_percent") c.hysteresis_percent = integer(v, path);
    else if (key == "first_step_percent") c.first_step_percent = integer(v, path);
    else if (key == "second_step_percent") c.second_step_percent = integer(v, path);
    else if (key == "min_guaranteed_ah") c.min_guaranteed_mah = amps(v, path);
    else if (key == "installation_phases") c.installation_phases = integer(v, path);
    else if (key == "meter_timeout_s") c.meter_timeout = absl::Seconds(integer(v, path));
    else if (key == "settle_s") c.settle_time = absl::Seconds(integer(v, path));
    else if (key == "hold_s") c.hold_time = absl::Seconds(integer(v, path));
    else if (key == "fail_safe_a") c.fail_safe_current = amps(v, path);
    else if (key == "below_minimum") {
      if (v == "pause") c.below_minimum = BelowMinimum::kPause;
      else if (v == "clamp") c.below_minimum = BelowMinimum::kClamp;
      else throw Bad{str_cat(path, ": expected \"pause\" or \"clamp\"")};
    } else {
      throw Bad{str_cat(path, ": unknown setting")};
    }
  }
  return c;
}

std::uint8_t phases(const json::value& v, const std::string& path) {
  if (!v.is_string()) throw Bad{str_cat(path, ": expected \"L1L2L3\", \"L1\", \"L2\" or \"L3\"")};
  const std::string s(v.as_string().c_str());
  if (s == "L1L2L3") return kPhaseAll;
  if (s == "L1") return kPhaseL1;
  if (s == "L2") return kPhaseL2;
  if (s == "L3") return kPhaseL3;
  throw Bad{str_cat(path, ": expected \"L1L2L3\", \"L1\", \"L2\" or \"L3\", got \"", s, "\"")};
}

struct SimStation {
  std::uint8_t phases = kPhaseAll;
  StationState state = StationState::kAvailable;
  MilliAmps setpoint = 0;
};

json::array ma_array(const std::array<MilliAmps, 3>& a, int n) {
  json::array out;
  for (int p = 0; p < n; ++p) out.emplace_back(a[static_cast<std::size_t>(p)]);
  return out;
}

int run_simulate(std::span<const std::string> args, emscore::cli::Context& ctx) {
  if (args.size() != 1) {
    return emscore::cli::fail(ctx, "control simulate: give one scenario file (or - for stdin)");
  }
  std::string text;
  if (args[0] == "-") {
    text = emscore::cli::read_all(ctx.in);
  } else {
    std::FILE* f = std::fopen(args[0].c_str(), "rb");
    if (!f) return emscore::cli::fail(ctx, str_cat("control simulate: cannot open ", args[0]), 1);
    text = emscore::cli::read_all(f);
    std::fclose(f);
  }
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec) return emscore::cli::fail(ctx, str_cat("control simulate: not JSON: ", ec.message()));
  try {
    const json::object& root = object(doc, "scenario");
    LoadManagerConfig cfg;
    if (const auto* c = root.if_contains("config")) cfg = read_config(object(*c, "config"));
    auto lm = LoadManager::create(cfg);
    if (!lm.ok()) return emscore::cli::fail(ctx, lm.status());
    std::map<std::uint32_t, SimStation> sim;
    const json::value* stations = root.if_contains("stations");
    if (!stations) throw Bad{"stations: missing"};
    std::size_t k = 0;
    for (const json::value& sv : array(*stations, "stations")) {
      const std::string path = str_cat("stations[", k++, "]");
      const json::object& so = object(sv, path);
      StationConfig sc;
      const json::value* id = so.if_contains("id");
      if (!id) throw Bad{str_cat(path, ".id: missing")};
      const int idv = integer(*id, path + ".id");
      if (idv < 0) throw Bad{str_cat(path, ".id: negative")};
      sc.id = emscore::DeviceRef{static_cast<std::uint32_t>(idv)};
      if (const auto* v = so.if_contains("rated_a")) sc.rated_current = amps(*v, path + ".rated_a");
      if (const auto* v = so.if_contains("phases")) sc.phases = phases(*v, path + ".phases");
      if (const auto* v = so.if_contains("priority")) sc.priority = v->is_bool() && v->as_bool();
      if (const auto* v = so.if_contains("name"); v && v->is_string()) sc.name = v->as_string().c_str();
      if (auto st = lm->add_station(sc); !st.ok()) {
        return emscore::cli::fail(ctx, emscore::with_context(st, path));
      }
      sim[sc.id.id] = SimStation{sc.phases};
    }
    const json::value* steps = root.if_contains("steps");
    if (!steps) throw Bad{"steps: missing"};
    const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
    std::array<MilliAmps, 3> other{};
    bool meter = true;
    k = 0;
    for (const json::value& stv : array(*steps, "steps")) {
      const std::string path = str_cat("steps[", k++, "]");
      const json::object& so = object(stv, path);
      const json::value* at = so.if_contains("at_s");
      if (!at) throw Bad{str_cat(path, ".at_s: missing")};
      const int at_s = integer(*at, path + ".at_s");
      if (const auto* v = so.if_contains("other_a")) {
        if (v->is_array()) {
          const auto& a = v->as_array();
          if (a.size() != 3) throw Bad{str_cat(path, ".other_a: expected 3 phases")};
          for (std::size_t p = 0; p < 3; ++p) other[p] = amps(a[p], path + ".other_a");
        } else {
          const MilliAmps all = amps(*v, path + ".other_a");
          other = {all, all, all};
        }
      }
      if (const auto* v = so.if_contains("meter")) meter = !v->is_bool() || v->as_bool();
      auto each_id = [&](const char* key, auto fn) {
        if (const auto* v = so.if_contains(key)) {
          for (const json::value& idv : array(*v, str_cat(path, ".", key))) {
            const int id = integer(idv, str_cat(path, ".", key));
            auto it = sim.find(static_cast<std::uint32_t>(id));
            if (id < 0 || it == sim.end()) {
              throw Bad{str_cat(path, ".", key, ": unknown station ", id)};
            }
            fn(it->second);
          }
        }
      };
      each_id("plug", [](SimStation& s) { s.state = StationState::kWaiting; });
      each_id("unplug", [](SimStation& s) { s = SimStation{s.phases}; });
      each_id("fail", [](SimStation& s) { s = SimStation{s.phases, StationState::kFailed}; });
      int repeat = 1;
      if (const auto* v = so.if_contains("repeat")) repeat = integer(*v, path + ".repeat");
      int every = 10;
      if (const auto* v = so.if_contains("every_s")) every = integer(*v, path + ".every_s");
      if (repeat < 1 || repeat > 100000 || every < 1) {
        throw Bad{str_cat(path, ": repeat must be 1..100000 and every_s positive")};
      }
      for (int r = 0; r < repeat; ++r) {
        const absl::Time now = t0 + absl::Seconds(at_s + r * every);
        std::array<MilliAmps, 3> m = other;
        for (const auto& [id, s] : sim) {
          if (s.state != StationState::kCharging) continue;
          for (std::size_t p = 0; p < 3; ++p) {
            if (s.phases & (1 << p)) m[p] += s.setpoint;
          }
        }
        if (meter) lm->on_meter_sample(MeterSample{now, m});
        for (const auto& [id, s] : sim) {
          StationStatus st{s.state, std::nullopt};
          if (s.state == StationState::kCharging) st.measured_current = s.setpoint;
          (void)lm->on_station_status(emscore::DeviceRef{id}, st);
        }
        const Decision d = lm->decide(now);
        for (const Command& c : d.commands) {
          SimStation& s = sim[c.station.id];
          if (c.kind == CommandKind::kStart || c.kind == CommandKind::kSetCurrent) {
            s.state = StationState::kCharging;
            s.setpoint = c.current;
          } else {
            if (s.state != StationState::kFailed) s.state = StationState::kWaiting;
            s.setpoint = 0;
          }
        }
        const int n = cfg.installation_phases;
        if (ctx.format == emscore::cli::Format::kText) {
          for (const auto& e : d.log_events()) fmt::print(ctx.out, "{}\n", e.to_string());
          continue;
        }
        json::object o;
        o["t_s"] = absl::ToInt64Seconds(now - t0);
        o["at"] = emscore::format_iso8601_utc(now);
        o["zone"] = zone_name(d.zone);
        o["fail_safe"] = d.fail_safe;
        o["decided"] = d.decided;
        o["meter_ma"] = meter ? json::value(ma_array(m, n)) : json::value(nullptr);
        o["predicted_ma"] = ma_array(d.predicted, n);
        json::array cmds;
        for (const Command& c : d.commands) {
          json::object co;
          co["station"] = c.station.id;
          co["command"] = command_kind_name(c.kind);
          co["current_ma"] = c.current;
          co["reason"] = reason_name(c.reason);
          co["detail"] = c.detail;
          cmds.push_back(std::move(co));
        }
        o["commands"] = std::move(cmds);
        json::array evs;
        for (const Event& e : d.events) {
          evs.push_back(json::object{{"kind", event_kind_name(e.kind)},
                                     {"source", e.source},
                                     {"message", e.message}});
        }
        o["events"] = std::move(evs);
        emscore::cli::print_json(ctx, o);
      }
    }
  } catch (const Bad& b) {
    return emscore::cli::fail(ctx, str_cat("control simulate: ", b.message));
  }
  return 0;
}

}  // namespace

EMSCORE_CLI_COMMAND("control simulate",
                    "run the EV charging load manager on a simulated site, print each decision",
                    "SCENARIO.json|- (config, stations, steps; see docs/control.md)",
                    run_simulate);

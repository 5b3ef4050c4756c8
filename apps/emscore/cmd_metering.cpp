// `emscore metering led-weight` — the LED pulse weight for a CT ratio or a primary current.
// `emscore metering simulate` — a generated waveform through the metering math.
#include <charconv>
#include <cmath>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include "boost/json/array.hpp"
#include "boost/json/object.hpp"
#include "cli.hpp"
#include "emscore/metering/analyzer.hpp"
#include "emscore/metering/energy_registers.hpp"
#include "emscore/metering/pulse_output.hpp"
#include "fmt/core.h"

namespace {

using emscore::cli::Context;
using namespace emscore::metering;

// --key value pairs; returns false (and reports) on a stray word or a missing value.
bool parse_options(std::span<const std::string> args, std::map<std::string, std::string>& out,
                   Context& ctx) {
  for (std::size_t k = 0; k < args.size(); ++k) {
    if (args[k].rfind("--", 0) != 0 || k + 1 >= args.size()) {
      emscore::cli::fail(ctx, "metering: expected --option value, got '" + args[k] + "'");
      return false;
    }
    out[args[k].substr(2)] = args[k + 1];
    ++k;
  }
  return true;
}

bool number(const std::map<std::string, std::string>& o, const std::string& key, double& v,
            Context& ctx) {
  auto it = o.find(key);
  if (it == o.end()) return true;
  const std::string& s = it->second;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v)) {
    emscore::cli::fail(ctx, "metering: --" + key + ": not a number: '" + s + "'");
    return false;
  }
  return true;
}

int run_led_weight(std::span<const std::string> args, Context& ctx) {
  std::map<std::string, std::string> o;
  if (!parse_options(args, o, ctx)) return 2;
  Scaling s;
  double ct = 0, primary = 0, vt = 1;
  if (!number(o, "ct", ct, ctx) || !number(o, "primary", primary, ctx) ||
      !number(o, "vt", vt, ctx)) {
    return 2;
  }
  if ((ct > 0) == (primary > 0)) {
    return emscore::cli::fail(ctx, "metering led-weight: give exactly one of --ct or --primary");
  }
  s.vt_ratio = vt;
  if (ct > 0) {
    s.ct_ratio = ct;
  } else {
    s.current_input = CurrentInput::kSensor333mV;
    s.sensor_primary_a = primary;
  }
  auto w = led_pulse_weight(s);
  if (!w.ok()) return emscore::cli::fail(ctx, w.status());
  const double rate = max_pulse_rate_hz(s, *w);
  if (ctx.format == emscore::cli::Format::kText) {
    fmt::print(ctx.out, "{} per pulse, at most {:.2f} Hz\n", w->to_string_with_unit(), rate);
    return 0;
  }
  boost::json::object j;
  j["kwh_per_pulse"] = w->to_string();
  j["max_rate_hz"] = rate;
  j["input"] = ct > 0 ? "ct_5a" : "sensor_333mv";
  emscore::cli::print_json(ctx, j);
  return 0;
}

int run_simulate(std::span<const std::string> args, Context& ctx) {
  std::map<std::string, std::string> o;
  if (!parse_options(args, o, ctx)) return 2;
  double fs = 6400, f = 50, v = 230, i = 5, pf = 1, thd = 0, seconds = 2, ct = 1;
  for (auto [key, ref] : {std::pair<const char*, double*>{"fs", &fs}, {"f", &f}, {"v", &v},
                          {"i", &i}, {"pf", &pf}, {"thd-i", &thd}, {"seconds", &seconds},
                          {"ct", &ct}}) {
    if (!number(o, key, *ref, ctx)) return 2;
  }
  AnalyzerConfig cfg;
  cfg.sample_rate_hz = fs;
  cfg.nominal_frequency_hz = f >= 55 ? 60 : 50;
  cfg.scaling.ct_ratio = ct;
  if (auto it = o.find("wiring"); it != o.end()) {
    auto w = parse_wiring(it->second);
    if (!w) return emscore::cli::fail(ctx, "metering simulate: unknown --wiring " + it->second);
    cfg.wiring = *w;
  }
  if (!(pf >= -1 && pf <= 1) || !(seconds > 0 && seconds <= 3600) || !(f >= 45 && f <= 65)) {
    return emscore::cli::fail(ctx, "metering simulate: --pf in [-1,1], --seconds in (0,3600], "
                                   "--f in [45,65]");
  }
  auto a = Analyzer::create(cfg);
  if (!a.ok()) return emscore::cli::fail(ctx, a.status());
  // pf < 0 means capacitive (leading) with |pf|.
  const double phi = (pf >= 0 ? 1 : -1) * std::acos(std::abs(pf));
  const bool capacitive = o.count("cap") && o.at("cap") == "1";
  const double ang = capacitive ? -std::abs(phi) : phi;
  const WiringInfo& info = wiring_info(cfg.wiring);
  const double pi = std::numbers::pi;
  EnergyRegisters reg;
  std::vector<double> block;
  const auto total = static_cast<std::int64_t>(seconds * fs);
  for (std::int64_t n = 0; n < total;) {
    block.clear();
    const std::int64_t end = std::min(total, n + 4096);
    for (; n < end; ++n) {
      const double wt = 2 * pi * f * static_cast<double>(n) / fs;
      double vv[3], ii[3];
      for (int p = 0; p < 3; ++p) {
        const double sh = info.phases == 2 ? -pi * p : -2 * pi / 3 * p;
        vv[p] = v * std::sqrt(2.0) * std::sin(wt + sh);
        ii[p] = i * std::sqrt(2.0) * (std::sin(wt + sh - ang) + thd * std::sin(5 * (wt + sh)));
      }
      switch (cfg.wiring) {
        case Wiring::k1P2W: block.insert(block.end(), {vv[0], ii[0]}); break;
        case Wiring::k2P3W: block.insert(block.end(), {vv[0], vv[1], ii[0], ii[1]}); break;
        case Wiring::k3P3W:
          block.insert(block.end(), {vv[0] - vv[1], vv[1] - vv[2], ii[0], ii[1], ii[2]});
          break;
        case Wiring::k3P3WAron:
          block.insert(block.end(), {vv[0] - vv[1], vv[2] - vv[1], ii[0], ii[2]});
          break;
        default: block.insert(block.end(), {vv[0], vv[1], vv[2], ii[0], ii[1], ii[2]}); break;
      }
    }
    std::span<const double> rest(block);
    while (!rest.empty()) {
      auto r = a->feed(rest);
      rest = rest.subspan(r.consumed);
      if (r.window_complete) reg.add(a->measurements().energy);
    }
  }
  const Measurements& m = a->measurements();
  using K = EnergyKind;
  using D = Direction;
  if (ctx.format == emscore::cli::Format::kText) {
    for (int p = 0; p < m.phases; ++p) {
      const PhaseValues& ph = m.phase[static_cast<std::size_t>(p)];
      fmt::print(ctx.out, "L{} {:.2f} V {:.3f} A P {:.1f} W Q {:.1f} var S {:.1f} VA PF {:+.3f} "
                          "THD-I {:.2f} %\n",
                 p + 1, ph.voltage, ph.current, ph.active_power, ph.reactive_power,
                 ph.apparent_power, ph.power_factor, ph.thd_current);
    }
    fmt::print(ctx.out, "f {:.4f} Hz  P {:.1f} W  Q {:.1f} var  kWh+ {}  kvarh+ {}  kvarh- {}\n",
               m.system.frequency, m.system.active_power, m.system.reactive_power,
               reg.total(K::kActive, D::kImport).to_string(),
               reg.total(K::kReactive, D::kImport).to_string(),
               reg.total(K::kReactive, D::kExport).to_string());
    return 0;
  }
  boost::json::object j;
  j["wiring"] = std::string(info.name);
  j["frequency_hz"] = m.system.frequency;
  j["frequency_locked"] = m.system.frequency_locked;
  boost::json::array phases;
  for (int p = 0; p < m.phases; ++p) {
    const PhaseValues& ph = m.phase[static_cast<std::size_t>(p)];
    boost::json::object x;
    x["voltage_v"] = ph.voltage;
    x["current_a"] = ph.current;
    x["active_w"] = ph.active_power;
    x["reactive_var"] = ph.reactive_power;
    x["apparent_va"] = ph.apparent_power;
    x["pf"] = ph.power_factor;
    x["quadrant"] = std::string(quadrant_name(ph.quadrant));
    x["thd_v_percent"] = ph.thd_voltage;
    x["thd_i_percent"] = ph.thd_current;
    phases.push_back(x);
  }
  j["phases"] = phases;
  boost::json::object sys;
  sys["voltage_ln_v"] = m.system.voltage_ln;
  sys["voltage_ll_v"] = m.system.voltage_ll;
  sys["neutral_a"] = m.system.neutral_current;
  sys["active_w"] = m.system.active_power;
  sys["reactive_var"] = m.system.reactive_power;
  sys["apparent_va"] = m.system.apparent_power;
  sys["pf"] = m.system.power_factor;
  j["system"] = sys;
  boost::json::object e;
  e["kwh_import"] = reg.total(K::kActive, D::kImport).to_string();
  e["kwh_export"] = reg.total(K::kActive, D::kExport).to_string();
  e["kvarh_import"] = reg.total(K::kReactive, D::kImport).to_string();
  e["kvarh_export"] = reg.total(K::kReactive, D::kExport).to_string();
  e["kvah_import"] = reg.total(K::kApparent, D::kImport).to_string();
  j["energy"] = e;
  emscore::cli::print_json(ctx, j);
  return 0;
}

}  // namespace

EMSCORE_CLI_COMMAND("metering led-weight", "LED pulse weight (kWh/pulse) for a CT ratio or primary",
                    "--ct RATIO | --primary AMPS [--vt RATIO]", run_led_weight);
EMSCORE_CLI_COMMAND("metering simulate", "run a generated waveform through the metering math",
                    "[--wiring 3P4W|3P3W|ARON|2P3W|1P2W|WILDLEG] [--fs 6400] [--f 50] [--v 230] "
                    "[--i 5] [--pf 1] [--cap 1] [--thd-i 0.2] [--seconds 2] [--ct 1]",
                    run_simulate);

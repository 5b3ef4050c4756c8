// A three-phase meter in software: a generated, distorted 3P4W waveform (230 V, 1000:5 CTs,
// 600 A at PF 0.8 inductive, 49.93 Hz, 25 % current THD) goes through the Analyzer and the
// energy registers for 10 seconds; the program prints what a meter's display would show.
#include <cmath>
#include <cstdio>
#include <numbers>
#include <vector>

#include "emscore/metering/analyzer.hpp"
#include "emscore/metering/energy_registers.hpp"
#include "emscore/metering/pulse_output.hpp"

using namespace emscore;
using namespace emscore::metering;

int main() {
  AnalyzerConfig cfg;
  cfg.sample_rate_hz = 6400;
  cfg.wiring = Wiring::k3P4W;
  cfg.scaling.ct_ratio = 200;  // 1000 A : 5 A
  auto analyzer = Analyzer::create(cfg);
  if (!analyzer.ok()) {
    std::fprintf(stderr, "%s\n", std::string(analyzer.status().message()).c_str());
    return 1;
  }
  auto weight = led_pulse_weight(cfg.scaling);
  auto led = PulseOutput::for_weight(*weight);
  if (!weight.ok() || !led.ok()) return 1;
  EnergyRegisters registers;

  const double f = 49.93, fs = cfg.sample_rate_hz, pi = std::numbers::pi;
  const double phi = std::acos(0.8);  // current lags: inductive
  std::vector<float> block;
  std::int64_t n = 0, led_pulses = 0;
  for (int second = 0; second < 10; ++second) {
    block.clear();
    for (int k = 0; k < 6400; ++k, ++n) {
      const double wt = 2 * pi * f * static_cast<double>(n) / fs;
      for (int p = 0; p < 3; ++p) {
        const double a = wt - 2 * pi / 3 * p;
        block.push_back(static_cast<float>(230 * std::sqrt(2.0) *
                                           (std::sin(a) + 0.03 * std::sin(5 * a))));
      }
      for (int p = 0; p < 3; ++p) {  // secondary amperes: 3 A = 600 A primary
        const double a = wt - 2 * pi / 3 * p;
        block.push_back(static_cast<float>(
            3.0 * std::sqrt(2.0) *
            (std::sin(a - phi) + 0.2 * std::sin(5 * a - 1.0) + 0.15 * std::sin(7 * a + 0.4))));
      }
    }
    std::span<const float> rest(block);
    while (!rest.empty()) {
      auto r = analyzer->feed(rest);
      rest = rest.subspan(r.consumed);
      if (!r.window_complete) continue;
      const auto inc = registers.add(analyzer->measurements().energy);
      led->add(inc.system[0][0]);
      // Poll the LED every millisecond of the window (the firmware's timer tick).
      const std::int64_t t0 = analyzer->measurements().first_sample * 1'000'000'000LL / 6400;
      for (std::int64_t t = 0; t < inc.duration_ns; t += 1'000'000) {
        static bool was_on = false;
        const bool on = led->level(t0 + t);
        if (on && !was_on) ++led_pulses;
        was_on = on;
      }
    }
  }

  const Measurements& m = analyzer->measurements();
  std::printf("window %llu, %d samples, f = %.3f Hz (%s)\n",
              static_cast<unsigned long long>(m.window_index), m.window_samples,
              m.system.frequency, m.system.frequency_locked ? "locked" : "acquiring");
  for (int p = 0; p < 3; ++p) {
    const PhaseValues& ph = m.phase[static_cast<std::size_t>(p)];
    std::printf("L%d  %7.2f V  %7.2f A  P %9.1f W  Q %9.1f var  S %9.1f VA  PF %+.3f (%s)  "
                "THD V %.2f %%  THD I %.2f %%\n",
                p + 1, ph.voltage, ph.current, ph.active_power, ph.reactive_power,
                ph.apparent_power, ph.power_factor, std::string(quadrant_name(ph.quadrant)).c_str(),
                ph.thd_voltage, ph.thd_current);
  }
  for (int l = 0; l < 3; ++l) {
    std::printf("L%d-L%d %7.2f V  THD %.2f %%\n", l + 1, (l + 1) % 3 + 1,
                m.line[static_cast<std::size_t>(l)].voltage, m.line[static_cast<std::size_t>(l)].thd);
  }
  std::printf("system  P %.1f W  Q %.1f var  S %.1f VA  PF %+.3f  In %.2f A\n",
              m.system.active_power, m.system.reactive_power, m.system.apparent_power,
              m.system.power_factor, m.system.neutral_current);
  std::printf("I1 harmonics (A):");
  for (int h : {1, 3, 5, 7, 11, 13}) {
    std::printf(" h%d=%.2f", h, m.phase[0].current_harmonics[static_cast<std::size_t>(h)]);
  }
  std::printf("\n");
  using K = EnergyKind;
  using D = Direction;
  std::printf("kWh+ %s  kvarh+ %s  kVAh+ %s  (quadrant I: %s)\n",
              registers.total(K::kActive, D::kImport).to_string_with_unit().c_str(),
              registers.total(K::kReactive, D::kImport).to_string_with_unit().c_str(),
              registers.total(K::kApparent, D::kImport).to_string_with_unit().c_str(),
              registers.by_quadrant(K::kActive, Quadrant::kI).to_string_with_unit().c_str());
  std::printf("run hours kWh+ %s, ON %s\n",
              registers.run_hours(RunHours::kImport).to_string_with_unit().c_str(),
              registers.run_hours(RunHours::kOn).to_string_with_unit().c_str());
  std::printf("LED: %s per pulse, %lld pulses flashed, %lld pending\n",
              weight->to_string_with_unit().c_str(), static_cast<long long>(led_pulses),
              static_cast<long long>(led->pending()));
  // Sanity for the ctest run: 3 x 230 V x 600 A x 0.8 for ~10 s is ~0.92 kWh.
  const double kwh = registers.total(K::kActive, D::kImport).to_double();
  return (kwh > 0.85 && kwh < 0.95 && m.system.frequency_locked) ? 0 : 1;
}

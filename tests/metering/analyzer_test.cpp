// Accuracy of the Analyzer on synthetic waveforms against the analytic reference of
// waveform.hpp. Targets (issue 6, ten times inside the data sheet's classes): voltage and
// current 0.02 %, active power/energy 0.05 %, reactive 0.2 %, frequency 0.001 Hz, THD within
// 0.1 percentage point. The first windows are the frequency acquisition and are excluded from
// the per-window checks (energy is checked from the very first sample).
#include "emscore/metering/analyzer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "waveform.hpp"

namespace emscore::metering {
namespace {

using testing::Generator;
using testing::kPi;
using testing::make_signal;
using testing::Signal;
using testing::ThreePhase;

constexpr int kSettleWindows = 3;

const std::vector<std::pair<int, double>> kCurrent40 = {
    {3, 0.30}, {5, 0.20}, {7, 0.12}, {11, 0.06}, {13, 0.05}, {17, 0.03},
    {19, 0.025}, {23, 0.02}, {25, 0.015}, {29, 0.01}, {31, 0.01}};  // THD 39.1 %
const std::vector<std::pair<int, double>> kVoltage9 = {
    {2, 0.01}, {3, 0.05}, {5, 0.06}, {7, 0.04}, {11, 0.02}, {13, 0.015}, {31, 0.005}};
// Without triplen (zero-sequence) harmonics: what a 3-wire system can carry.
const std::vector<std::pair<int, double>> kCurrent3Wire = {
    {5, 0.25}, {7, 0.15}, {11, 0.08}, {13, 0.06}, {17, 0.04}, {19, 0.03}, {23, 0.02},
    {25, 0.02}, {29, 0.01}, {31, 0.01}};

struct Case {
  double fs;
  double f;
  double pf_angle_deg;  // V1 leads I1 by this angle (60: PF 0.5 inductive; -36.87: 0.8 cap)
  double load;          // I1 / I_n
  bool distorted;
  bool voltage40 = false;  // the 40 % THD profile on the voltage as well
};

std::string name_of(const Case& c) {
  auto n = [](double v) {
    std::string s = std::to_string(static_cast<long long>(std::llround(v * 1000)));
    return s;
  };
  return "fs" + n(c.fs) + "_f" + n(c.f) + "_ang" + (c.pf_angle_deg < 0 ? "m" : "") +
         n(std::abs(c.pf_angle_deg)) + "_load" + n(c.load) + (c.distorted ? "_thd" : "_clean") +
         (c.voltage40 ? "_v40" : "");
}

ThreePhase make_system(const Case& c, double vn, double in, int phases = 3, bool three_wire = false) {
  ThreePhase s;
  const double ang = c.pf_angle_deg * kPi / 180.0;
  for (int p = 0; p < phases; ++p) {
    const double shift = phases == 2 ? -kPi * p : -2.0 * kPi / 3.0 * p;
    const auto& ih = three_wire ? kCurrent3Wire : kCurrent40;
    const auto& vh = c.voltage40 ? ih : kVoltage9;
    s.v.push_back(c.distorted ? make_signal(vn, shift, vh, shift)
                              : make_signal(vn, shift, {}, shift));
    s.i.push_back(c.distorted ? make_signal(in * c.load, shift - ang, ih, shift)
                              : make_signal(in * c.load, shift - ang, {}, shift));
  }
  return s;
}

// Feeds `seconds` of the generator through the analyzer in blocks of `block` sample sets;
// calls on_window after every completed window.
template <class F>
void run(Analyzer& a, Generator& g, double seconds, F on_window, std::size_t block = 997) {
  const auto total = static_cast<std::int64_t>(seconds * a.config().sample_rate_hz);
  std::vector<double> buf;
  std::int64_t done = 0;
  while (done < total) {
    const auto n = static_cast<std::size_t>(std::min<std::int64_t>(block, total - done));
    buf.clear();
    g.generate(done, n, buf);
    std::span<const double> rest(buf);
    while (!rest.empty()) {
      auto r = a.feed(rest);
      rest = rest.subspan(r.consumed);
      if (r.window_complete) on_window(a.measurements());
      if (r.consumed == 0) break;
    }
    done += static_cast<std::int64_t>(n);
  }
}

double rel(double got, double want) { return std::abs(got - want) / std::abs(want); }

class Accuracy : public ::testing::TestWithParam<Case> {};

TEST_P(Accuracy, ThreePhaseFourWireMeetsTargets) {
  const Case c = GetParam();
  constexpr double kVn = 230.0, kIn = 5.0;  // secondary: direct voltage, 5 A CT input
  AnalyzerConfig cfg;
  cfg.sample_rate_hz = c.fs;
  cfg.wiring = Wiring::k3P4W;
  cfg.scaling.ct_ratio = 40;
  const double ct = 40;
  auto a = Analyzer::create(cfg);
  ASSERT_TRUE(a.ok()) << a.status();
  const ThreePhase sys = make_system(c, kVn, kIn);
  // Gaussian ADC noise: 1e-4 of the nominal voltage peak, 1e-5 of the I_n peak (-100 dBFS,
  // what a 24-bit metering ADC gives). At 1 % load the noise alone makes a single 200 ms
  // current reading scatter by about sigma / (I sqrt(N_eff)) = 5e-5 (1 sigma), a quarter of
  // the 2e-4 target.
  const double nv = 1e-4 * kVn * std::numbers::sqrt2, ni = 1e-5 * kIn * std::numbers::sqrt2;
  Generator g(sys, Wiring::k3P4W, c.fs, c.f, nv, ni, 42);

  double p_ref = 0, q_ref = 0;
  for (int p = 0; p < 3; ++p) {
    p_ref += testing::mean_product(sys.v[p], sys.i[p]) * ct;
    q_ref += testing::q1(sys.v[p], sys.i[p]) * ct;
  }
  double s_ref = 0;
  for (int p = 0; p < 3; ++p) s_ref += sys.v[p].rms(nv) * sys.i[p].rms(ni) * ct;
  int checked = 0;
  double e_active = 0, e_reactive = 0;
  run(*a, g, 3.0, [&](const Measurements& m) {
    e_active += m.energy.system_active_wh;
    e_reactive += m.energy.system_reactive_varh;
    if (m.window_index < kSettleWindows) return;
    ++checked;
    ASSERT_TRUE(m.system.frequency_locked);
    EXPECT_NEAR(m.system.frequency, c.f, 0.001);
    for (int p = 0; p < 3; ++p) {
      const PhaseValues& ph = m.phase[static_cast<std::size_t>(p)];
      EXPECT_LE(rel(ph.voltage, sys.v[p].rms(nv)), 2e-4) << "V" << p + 1;
      EXPECT_LE(rel(ph.current, sys.i[p].rms(ni) * ct), 2e-4) << "I" << p + 1;
      const double pp = testing::mean_product(sys.v[p], sys.i[p]) * ct;
      const double qp = testing::q1(sys.v[p], sys.i[p]) * ct;
      const double sp = sys.v[p].rms(nv) * sys.i[p].rms(ni) * ct;
      // Power errors relative to the reading, and for a reading near zero to S (class
      // meters specify at a PF; at PF 1 Q is checked against 0.2 % of S).
      EXPECT_LE(std::abs(ph.active_power - pp), 5e-4 * std::max(std::abs(pp), 0.5 * sp)) << p;
      EXPECT_LE(std::abs(ph.reactive_power - qp), 2e-3 * std::max(std::abs(qp), 0.5 * sp)) << p;
      EXPECT_NEAR(ph.thd_voltage, sys.v[p].thd_percent(), 0.1);
      EXPECT_NEAR(ph.thd_current, sys.i[p].thd_percent(), 0.1);
      for (int h : {1, 3, 5, 31}) {
        EXPECT_NEAR(ph.current_harmonics[static_cast<std::size_t>(h)],
                    sys.i[p].harmonic_rms(h) * ct, 1e-3 * sys.i[p].rms1 * ct)
            << "h" << h;
      }
    }
    for (int l = 0; l < 3; ++l) {
      const Signal ll = testing::difference(sys.v[l], sys.v[(l + 1) % 3]);
      EXPECT_LE(rel(m.line[static_cast<std::size_t>(l)].voltage, ll.rms(nv * std::numbers::sqrt2)),
                2e-4);
      EXPECT_NEAR(m.line[static_cast<std::size_t>(l)].thd, ll.thd_percent(), 0.1);
    }
    EXPECT_LE(std::abs(m.system.active_power - p_ref), 5e-4 * std::max(std::abs(p_ref), 0.5 * s_ref));
    EXPECT_LE(std::abs(m.system.reactive_power - q_ref), 2e-3 * std::max(std::abs(q_ref), 0.5 * s_ref));
    // At PF 1 the sign of Q is noise; the quadrant is defined where |Q| is not.
    if (std::abs(q_ref) > 0.01 * s_ref) {
      EXPECT_EQ(m.system.quadrant, quadrant_of(p_ref, q_ref));
    }
  });
  EXPECT_GE(checked, 8);
  // Energy from the very first sample to the end of the last window, against the exact
  // integral of v·i.
  const double T = static_cast<double>(a->samples_analyzed()) / c.fs;
  double e_ref = 0;
  for (int p = 0; p < 3; ++p) {
    e_ref += testing::integral_product(sys.v[p], sys.i[p], 2 * kPi * c.f, T) * ct / 3600.0;
  }
  const double s_wh = s_ref * T / 3600.0;
  EXPECT_LE(std::abs(e_active - e_ref), 5e-4 * std::max(std::abs(e_ref), 0.5 * s_wh))
      << e_active << " vs " << e_ref;
  const double eq_ref = q_ref * T / 3600.0;
  EXPECT_LE(std::abs(e_reactive - eq_ref), 2e-3 * std::max(std::abs(eq_ref), 0.5 * s_wh))
      << e_reactive << " vs " << eq_ref;
}

std::vector<Case> accuracy_cases() {
  std::vector<Case> v;
  for (double f : {45.0, 49.9731, 53.21, 60.0173, 65.0}) {
    for (double ang : {0.0, 60.0, -36.8699}) {
      for (double load : {0.01, 1.2}) v.push_back({6400, f, ang, load, true});
    }
  }
  for (double load : {0.05, 0.2, 1.0}) v.push_back({6400, 50.0, 60.0, load, false});
  for (double f : {45.3, 50.0, 59.93, 64.8}) {
    v.push_back({12800, f, 60.0, 0.1, true});
    v.push_back({12800, f, -36.8699, 1.2, true, true});
  }
  // A rate that has nothing to do with the mains: 7 777.7 Hz.
  v.push_back({7777.7, 51.234, 60.0, 0.5, true, true});
  v.push_back({7777.7, 47.5, -36.8699, 0.01, true});
  return v;
}

INSTANTIATE_TEST_SUITE_P(Metering, Accuracy, ::testing::ValuesIn(accuracy_cases()),
                         [](const auto& param_info) { return name_of(param_info.param); });

}  // namespace
}  // namespace emscore::metering

// Accuracy of the Analyzer on synthetic waveforms against the analytic reference of
// waveform.hpp. Targets (issue 6, ten times inside the data sheet's classes): voltage and
// current 0.02 %, active power/energy 0.05 %, reactive 0.2 %, frequency 0.001 Hz, THD within
// 0.1 percentage point. The first windows are the frequency acquisition and are excluded from
// the per-window checks (energy is checked from the very first sample).
#include "emscore/metering/analyzer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <limits>
#include <string>
#include <vector>

#include "emscore/core/strings.hpp"
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

namespace emscore::metering {
namespace {

using testing::Generator;
using testing::kPi;
using testing::make_signal;
using testing::ThreePhase;

// Runs a generated system through an analyzer and returns the measurements of the last
// window plus the total registered system energies.
struct Outcome {
  Measurements last;
  double e_active = 0, e_reactive = 0, e_apparent = 0;
  int windows = 0;
};

Outcome measure(const AnalyzerConfig& cfg, const ThreePhase& sys, double f, double seconds,
                double noise = 0.0) {
  auto a = Analyzer::create(cfg);
  EXPECT_TRUE(a.ok()) << a.status();
  Outcome o;
  if (!a.ok()) return o;
  Generator g(sys, cfg.wiring, cfg.sample_rate_hz, f, noise, noise * 0.01, 7);
  run(*a, g, seconds, [&](const Measurements& m) {
    o.last = m;
    o.e_active += m.energy.system_active_wh;
    o.e_reactive += m.energy.system_reactive_varh;
    o.e_apparent += m.energy.system_apparent_vah;
    ++o.windows;
  });
  return o;
}

ThreePhase balanced(double v, double i, double ang_deg, bool three_wire_harmonics) {
  ThreePhase s;
  const double ang = ang_deg * kPi / 180.0;
  for (int p = 0; p < 3; ++p) {
    const double shift = -2.0 * kPi / 3.0 * p;
    s.v.push_back(make_signal(v, shift, {{5, 0.04}, {7, 0.03}}, shift));
    s.i.push_back(three_wire_harmonics
                      ? make_signal(i, shift - ang, kCurrent3Wire, shift)
                      : make_signal(i, shift - ang, {}, shift));
  }
  return s;
}

// Property: on a balanced 3-wire system (no neutral current, no zero-sequence harmonics)
// the two-wattmeter (ARON) and the 3-CT 3-wire connections measure what a 4-wire meter does.
TEST(Wiring, AronAndThreeWireEqualFourWireOnBalancedSystem) {
  for (double ang : {0.0, 60.0, -36.87, 150.0, -120.0}) {
    const ThreePhase sys = balanced(230.0, 4.0, ang, true);
    AnalyzerConfig cfg;
    cfg.sample_rate_hz = 6400;
    cfg.wiring = Wiring::k3P4W;
    const Outcome four = measure(cfg, sys, 50.37, 2.0);
    cfg.wiring = Wiring::k3P3WAron;
    const Outcome aron = measure(cfg, sys, 50.37, 2.0);
    cfg.wiring = Wiring::k3P3W;
    const Outcome three = measure(cfg, sys, 50.37, 2.0);
    for (const Outcome* o : {&aron, &three}) {
      const SystemValues& a = o->last.system;
      const SystemValues& b = four.last.system;
      const double s = b.apparent_power;
      EXPECT_NEAR(a.active_power, b.active_power, 1e-6 * s) << ang;
      EXPECT_NEAR(a.reactive_power, b.reactive_power, 1e-6 * s) << ang;
      EXPECT_NEAR(a.apparent_power, b.apparent_power, 1e-5 * s) << ang;
      EXPECT_NEAR(a.power_factor, b.power_factor, 1e-5) << ang;
      EXPECT_EQ(a.quadrant, b.quadrant) << ang;
      EXPECT_NEAR(a.voltage_ll, b.voltage_ll, 1e-5 * b.voltage_ll);
      EXPECT_NEAR(a.voltage_ln, b.voltage_ln, 1e-5 * b.voltage_ln);
      EXPECT_NEAR(a.current, b.current, 1e-5 * b.current);
      EXPECT_NEAR(a.frequency, b.frequency, 1e-6);
      EXPECT_NEAR(o->e_active, four.e_active, 1e-6 * four.e_apparent) << ang;
      EXPECT_NEAR(o->e_reactive, four.e_reactive, 1e-6 * four.e_apparent) << ang;
      for (int l = 0; l < 3; ++l) {
        const auto lu = static_cast<std::size_t>(l);
        EXPECT_NEAR(o->last.line[lu].thd, four.last.line[lu].thd, 1e-4);
      }
      EXPECT_NEAR(o->last.phase[1].thd_current, four.last.phase[1].thd_current, 1e-4);
      EXPECT_DOUBLE_EQ(a.neutral_current, 0.0);  // a 3-wire system has no neutral
    }
    EXPECT_LT(four.last.system.neutral_current, 1e-3);  // balanced, no triplen harmonics
  }
}

TEST(Wiring, ThreeWirePowerIsTheTwoWattmeterSumEvenWhenUnbalanced) {
  // Unbalanced loads whose currents still sum to zero (3-wire): P = U12·I1 + U32·I3.
  ThreePhase sys;
  const double ang[3] = {0.3, 1.1, -0.2};
  for (int p = 0; p < 3; ++p) {
    const double shift = -2.0 * kPi / 3.0 * p;
    sys.v.push_back(make_signal(220.0 + 10 * p, shift, {}, shift));
  }
  sys.i.push_back(make_signal(5.0, -ang[0], {}, 0));
  sys.i.push_back(make_signal(3.0, -2.0 * kPi / 3.0 - ang[1], {}, 0));
  // i3 = -(i1 + i2) as a phasor sum.
  const std::complex<double> i1 = std::polar(5.0, -ang[0]),
                             i2 = std::polar(3.0, -2.0 * kPi / 3.0 - ang[1]);
  const std::complex<double> i3 = -(i1 + i2);
  sys.i.push_back(make_signal(std::abs(i3), std::arg(i3), {}, 0));
  double p_ref = 0;
  for (int p = 0; p < 3; ++p) p_ref += testing::mean_product(sys.v[p], sys.i[p]);
  AnalyzerConfig cfg;
  cfg.wiring = Wiring::k3P3WAron;
  const Outcome aron = measure(cfg, sys, 49.5, 1.5);
  EXPECT_NEAR(aron.last.system.active_power, p_ref, 5e-4 * std::abs(p_ref));
  cfg.wiring = Wiring::k3P3W;
  const Outcome three = measure(cfg, sys, 49.5, 1.5);
  EXPECT_NEAR(three.last.system.active_power, p_ref, 5e-4 * std::abs(p_ref));
}

TEST(Wiring, SinglePhaseAndSplitPhase) {
  ThreePhase one;
  one.v.push_back(make_signal(230.0, 0.2, {{3, 0.05}}));
  one.i.push_back(make_signal(10.0, 0.2 - kPi / 3, {{3, 0.3}}));
  AnalyzerConfig cfg;
  cfg.wiring = Wiring::k1P2W;
  Outcome o = measure(cfg, one, 60.0, 1.0);
  EXPECT_NEAR(o.last.phase[0].voltage, one.v[0].rms(), 2e-4 * 230);
  EXPECT_NEAR(o.last.phase[0].active_power, testing::mean_product(one.v[0], one.i[0]), 0.5);
  EXPECT_NEAR(o.last.phase[0].power_factor, testing::mean_product(one.v[0], one.i[0]) /
                                                (one.v[0].rms() * one.i[0].rms()), 1e-4);
  EXPECT_DOUBLE_EQ(o.last.system.neutral_current, o.last.phase[0].current);
  EXPECT_EQ(o.last.lines, 0);
  EXPECT_NEAR(o.last.system.frequency, 60.0, 1e-3);

  // 120/240 V split phase: the two legs in antiphase, one L-L voltage of twice the L-N.
  ThreePhase split;
  split.v.push_back(make_signal(120.0, 0.0, {}));
  split.v.push_back(make_signal(120.0, kPi, {}));
  split.i.push_back(make_signal(20.0, -0.1, {}));
  split.i.push_back(make_signal(12.0, kPi - 0.1, {}));
  cfg.wiring = Wiring::k2P3W;
  cfg.measured_neutral = true;
  auto a = Analyzer::create(cfg);
  ASSERT_TRUE(a.ok());
  // Feed with a measured neutral channel equal to i1 + i2 (8 A).
  std::vector<double> buf;
  const double fs = cfg.sample_rate_hz;
  for (int n = 0; n < 6400; ++n) {
    const double wt = 2 * kPi * 60.0 * n / fs;
    const double i1 = split.i[0].at(wt), i2 = split.i[1].at(wt);
    buf.insert(buf.end(), {split.v[0].at(wt), split.v[1].at(wt), i1, i2, i1 + i2});
  }
  std::span<const double> rest(buf);
  Measurements last;
  while (!rest.empty()) {
    auto r = a->feed(rest);
    rest = rest.subspan(r.consumed);
    if (r.window_complete) last = a->measurements();
  }
  EXPECT_EQ(last.lines, 1);
  EXPECT_NEAR(last.line[0].voltage, 240.0, 240 * 2e-4);
  EXPECT_NEAR(last.system.neutral_current, 8.0, 8 * 2e-4);
  EXPECT_NEAR(last.system.neutral_current_measured, 8.0, 8 * 2e-4);
  EXPECT_NEAR(last.system.active_power, 120 * 20 * std::cos(0.1) + 120 * 12 * std::cos(0.1), 1.0);
}

TEST(Wiring, WildLegLeavesTheHighLegOutOfTheSystemVoltage) {
  // 120/240 V delta with a centre-tapped winding between L1 and L3: L2 is the high leg.
  ThreePhase sys;
  sys.v.push_back(make_signal(120.0, 0.0, {}));
  sys.v.push_back(make_signal(120.0 * std::sqrt(3.0), -kPi / 2, {}));
  sys.v.push_back(make_signal(120.0, kPi, {}));
  for (int p = 0; p < 3; ++p) sys.i.push_back(make_signal(10.0, sys.v[p].fundamental().phase - 0.2, {}));
  AnalyzerConfig cfg;
  cfg.wiring = Wiring::kWildLegDelta;
  cfg.nominal_frequency_hz = 60;
  const Outcome o = measure(cfg, sys, 60.0, 1.0);
  EXPECT_NEAR(o.last.system.voltage_ln, 120.0, 120 * 2e-4);
  EXPECT_NEAR(o.last.phase[1].voltage, 207.85, 0.05);
  EXPECT_NEAR(o.last.line[0].voltage, 240.0, 240 * 2e-4);  // L1-L2: 120 and 207.8 at 90°
  EXPECT_NEAR(o.last.line[2].voltage, 240.0, 240 * 2e-4);  // L3-L1 across the winding
  double p_ref = 0;
  for (int p = 0; p < 3; ++p) p_ref += testing::mean_product(sys.v[p], sys.i[p]);
  EXPECT_NEAR(o.last.system.active_power, p_ref, 5e-4 * p_ref);
}

TEST(Quadrants, SignsFollowTheAngle) {
  struct Want { double ang; Quadrant q; bool export_p; };
  for (const Want& w : {Want{30, Quadrant::kI, false}, Want{150, Quadrant::kII, true},
                        Want{-150, Quadrant::kIII, true}, Want{-30, Quadrant::kIV, false}}) {
    const ThreePhase sys = balanced(230.0, 5.0, w.ang, false);
    AnalyzerConfig cfg;
    const Outcome o = measure(cfg, sys, 50.0, 1.0);
    EXPECT_EQ(o.last.system.quadrant, w.q) << w.ang;
    EXPECT_EQ(o.last.phase[2].quadrant, w.q) << w.ang;
    EXPECT_EQ(o.last.system.active_power < 0, w.export_p);
    EXPECT_EQ(o.last.system.power_factor < 0, w.export_p);
    // The voltage carries 4 % 5th and 3 % 7th, the current none: PF = cos(phi) / |V|/|V1|.
    EXPECT_NEAR(std::abs(o.last.system.power_factor),
                std::abs(std::cos(w.ang * kPi / 180)) / std::sqrt(1 + 0.04 * 0.04 + 0.03 * 0.03),
                1e-4);
    EXPECT_NEAR(o.last.phase[0].angle_deg, w.ang, 0.01);
    EXPECT_EQ(o.e_active < 0, w.export_p);
  }
}

TEST(Scaling, AdcCodesWithGainOffsetAndTransformers) {
  // 24-bit style codes: V channels 1 code = 50 µV at the terminals with a 1:100 divider
  // folded into the gain, offset 1200 codes; currents from a 333 mV sensor rated 2000 A.
  ThreePhase sys = balanced(230.0, 0.2, 25.0, false);  // currents in sensor volts
  AnalyzerConfig cfg;
  cfg.scaling.current_input = CurrentInput::kSensor333mV;
  cfg.scaling.sensor_primary_a = 2000;
  cfg.scaling.vt_ratio = 2.0;
  const double gv = 5e-5 * 100, gi = 1e-8, off = 1200;
  for (int k = 0; k < 3; ++k) cfg.calibration[static_cast<std::size_t>(k)] = {gv, off};
  for (int k = 3; k < 6; ++k) cfg.calibration[static_cast<std::size_t>(k)] = {gi, -off};
  auto a = Analyzer::create(cfg);
  ASSERT_TRUE(a.ok()) << a.status();
  Generator g(sys, Wiring::k3P4W, cfg.sample_rate_hz, 50.0, 0, 0);
  std::vector<double> d;
  g.generate(0, 6400, d);
  std::vector<std::int32_t> codes(d.size());
  for (std::size_t k = 0; k < d.size(); ++k) {
    const bool v = (k % 6) < 3;
    codes[k] = static_cast<std::int32_t>(std::lround(v ? d[k] / gv + off : d[k] / gi - off));
  }
  std::span<const std::int32_t> rest(codes);
  Measurements last;
  while (!rest.empty()) {
    auto r = a->feed(rest);
    rest = rest.subspan(r.consumed);
    if (r.window_complete) last = a->measurements();
  }
  const double i_primary = sys.i[0].rms() / 0.333 * 2000;  // 1201 A
  EXPECT_NEAR(last.phase[0].voltage, 2 * sys.v[0].rms(), 2 * 230 * 2e-4);
  EXPECT_NEAR(last.phase[1].current, i_primary, i_primary * 2e-4);
  EXPECT_NEAR(last.system.active_power, 3 * 460 * i_primary * std::cos(25 * kPi / 180),
              5e-4 * 3 * 460 * i_primary);
}

TEST(Config, RejectsOutOfRangeSettingsWithTheFieldName) {
  auto expect_bad = [](AnalyzerConfig c, std::string_view field) {
    auto a = Analyzer::create(c);
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(emscore::to_std(a.status().message()).find(field), std::string_view::npos) << a.status();
  };
  AnalyzerConfig c;
  c.scaling.ct_ratio = 2001;
  expect_bad(c, "ct_ratio");
  c = {};
  c.scaling.current_input = CurrentInput::kSensor333mV;
  c.scaling.sensor_primary_a = 10001;
  expect_bad(c, "sensor_primary_a");
  c.scaling.sensor_primary_a = 0;
  expect_bad(c, "sensor_primary_a");
  c = {};
  c.sample_rate_hz = 500;
  expect_bad(c, "sample_rate_hz");
  c = {};
  c.nominal_frequency_hz = 70;
  expect_bad(c, "nominal_frequency_hz");
  c = {};
  c.wiring = Wiring::k3P3WAron;
  c.measured_neutral = true;
  expect_bad(c, "measured_neutral");
  c = {};
  c.calibration[2].gain = 0;
  expect_bad(c, "calibration[2]");
  c = {};
  c.cycles_per_window = 0;
  expect_bad(c, "cycles_per_window");
  c = {};
  c.scaling.ct_ratio = 2000;
  c.scaling.vt_ratio = 100;
  EXPECT_TRUE(Analyzer::create(c).ok());
}

TEST(BadInput, NaNInfinityZeroAndPartialSetsNeverBreakIt) {
  AnalyzerConfig cfg;
  auto a = Analyzer::create(cfg);
  ASSERT_TRUE(a.ok());
  // A trailing partial sample set is left unconsumed.
  const float five[5] = {1, 2, 3, 4, 5};
  auto r = a->feed(std::span<const float>(five));
  EXPECT_EQ(r.consumed, 0u);
  EXPECT_EQ(a->samples_consumed(), 0);
  // Zeros: no signal, the frequency is not valid and no energy is registered.
  std::vector<float> zeros(6 * 3000, 0.0f);
  std::span<const float> rest(zeros);
  int windows = 0;
  while (!rest.empty()) {
    r = a->feed(rest);
    rest = rest.subspan(r.consumed);
    if (r.window_complete) {
      ++windows;
      EXPECT_FALSE(a->measurements().system.frequency_valid);
      EXPECT_EQ(a->measurements().energy.system_active_wh, 0.0);
    }
  }
  EXPECT_EQ(windows, 2);
  // NaN and infinities: measurements may be NaN but windows keep their length.
  std::vector<float> junk(6 * 5000);
  for (std::size_t k = 0; k < junk.size(); ++k) {
    junk[k] = k % 7 == 0   ? std::numeric_limits<float>::quiet_NaN()
              : k % 11 == 0 ? std::numeric_limits<float>::infinity()
                            : static_cast<float>(k % 13) * 1e30f;
  }
  rest = std::span<const float>(junk);
  while (!rest.empty()) {
    r = a->feed(rest);
    rest = rest.subspan(r.consumed);
    if (r.window_complete) {
      EXPECT_GE(a->frequency_estimate(), 40.0);
      EXPECT_LE(a->frequency_estimate(), 70.0);
    }
  }
  EXPECT_EQ(a->samples_consumed(), 3000 + 5000);
  EXPECT_GE(a->current_window_length(), 8);
}

TEST(Frequency, FollowsAStepAndReLocks) {
  AnalyzerConfig cfg;
  cfg.sample_rate_hz = 6400;
  auto a = Analyzer::create(cfg);
  ASSERT_TRUE(a.ok());
  // 2 s at 50.0 Hz, then a phase-continuous step to 57.3 Hz for 2 s.
  std::vector<double> buf;
  double phase = 0;
  const double fs = cfg.sample_rate_hz;
  for (int n = 0; n < 4 * 6400; ++n) {
    const double f = n < 2 * 6400 ? 50.0 : 57.3;
    phase += 2 * kPi * f / fs;
    for (int p = 0; p < 3; ++p) buf.push_back(325.0 * std::sin(phase - 2 * kPi / 3 * p));
    for (int p = 0; p < 3; ++p) buf.push_back(7.0 * std::sin(phase - 2 * kPi / 3 * p - 0.4));
  }
  std::span<const double> rest(buf);
  double last_f = 0;
  bool locked = false;
  while (!rest.empty()) {
    auto r = a->feed(rest);
    rest = rest.subspan(r.consumed);
    if (r.window_complete) {
      const Measurements& m = a->measurements();
      if (m.first_sample > 6400 && m.first_sample + m.window_samples < 2 * 6400) {
        EXPECT_NEAR(m.system.frequency, 50.0, 1e-3);
      }
      last_f = m.system.frequency;
      locked = m.system.frequency_locked;
    }
  }
  EXPECT_NEAR(last_f, 57.3, 1e-3);
  EXPECT_TRUE(locked);
}

}  // namespace
}  // namespace emscore::metering

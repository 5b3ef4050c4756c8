// Test helper: synthetic mains waveforms and their exact (analytic) reference quantities.
//
// The reference is computed from the generator's parameters, not from the samples, so it
// shares no code or method with the analyzer: RMS from Parseval, P from the in-phase
// products of equal-order harmonics, Q1 from the fundamentals, THD from the amplitudes, and
// energy as the closed-form integral of v(t)·i(t) over [0, T].
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

#include "emscore/metering/wiring.hpp"

namespace emscore::metering::testing {

constexpr double kPi = std::numbers::pi;

// amplitude relative to the fundamental, phase in radians (of the harmonic's own sine).
struct Component {
  int order = 1;
  double rel = 1.0;
  double phase = 0.0;
};

// x(t) = sqrt(2) * rms1 * sum_k rel_k * sin(order_k * w t + phase_k); the first component is
// the fundamental (order 1, rel 1).
struct Signal {
  double rms1 = 0;
  std::vector<Component> comp;

  double at(double wt) const {
    double s = 0;
    for (const Component& c : comp) s += c.rel * std::sin(c.order * wt + c.phase);
    return std::numbers::sqrt2 * rms1 * s;
  }
  double rms(double noise_sigma = 0) const {
    double s = 0;
    for (const Component& c : comp) s += c.rel * c.rel;
    return std::sqrt(rms1 * rms1 * s + noise_sigma * noise_sigma);
  }
  double thd_percent() const {
    double s = 0;
    for (const Component& c : comp) {
      if (c.order != 1) s += c.rel * c.rel;
    }
    return 100.0 * std::sqrt(s);
  }
  double harmonic_rms(int order) const {
    double s = 0;
    for (const Component& c : comp) {
      if (c.order == order) s += c.rel;
    }
    return rms1 * s;
  }
  const Component& fundamental() const { return comp.front(); }
};

// Harmonic profile: pairs of (order, relative amplitude); phases are spread deterministically.
inline Signal make_signal(double rms1, double phase, const std::vector<std::pair<int, double>>& h,
                          double shift = 0.0) {
  Signal s;
  s.rms1 = rms1;
  s.comp.push_back({1, 1.0, phase});
  for (auto [order, rel] : h) {
    // A harmonic of a phase shifted by `shift` is shifted by order * shift.
    s.comp.push_back({order, rel, order * shift + 0.37 * order + (phase - shift) * 0.5});
  }
  return s;
}

// Mean of x(t)·y(t).
inline double mean_product(const Signal& x, const Signal& y) {
  double p = 0;
  for (const Component& a : x.comp) {
    for (const Component& b : y.comp) {
      if (a.order == b.order) p += a.rel * b.rel * std::cos(a.phase - b.phase);
    }
  }
  return x.rms1 * y.rms1 * p;
}

// Fundamental reactive power, positive when the current lags.
inline double q1(const Signal& v, const Signal& i) {
  return v.rms1 * i.rms1 * std::sin(v.fundamental().phase - i.fundamental().phase);
}

// Exact integral of x(t)·y(t) over [0, T] for angular frequency w.
inline double integral_product(const Signal& x, const Signal& y, double w, double T) {
  double acc = 0;
  for (const Component& a : x.comp) {
    for (const Component& b : y.comp) {
      // sin A sin B = (cos(A-B) - cos(A+B)) / 2
      auto icos = [&](int m, double c) {
        if (m == 0) return T * std::cos(c);
        return (std::sin(m * w * T + c) - std::sin(c)) / (m * w);
      };
      acc += a.rel * b.rel * 0.5 *
             (icos(a.order - b.order, a.phase - b.phase) - icos(a.order + b.order, a.phase + b.phase));
    }
  }
  return 2.0 * x.rms1 * y.rms1 * acc;
}

// Difference of two signals of the same frequency (L-L voltages): merges the components.
inline Signal difference(const Signal& a, const Signal& b) {
  Signal d;
  d.rms1 = 1.0;
  for (const Component& c : a.comp) d.comp.push_back({c.order, c.rel * a.rms1, c.phase});
  for (const Component& c : b.comp) d.comp.push_back({c.order, c.rel * b.rms1, c.phase + kPi});
  // Combine equal orders into one component so that rms() and thd_percent() are right.
  Signal out;
  double re[64] = {}, im[64] = {};
  for (const Component& c : d.comp) {
    re[c.order] += c.rel * std::cos(c.phase);
    im[c.order] += c.rel * std::sin(c.phase);
  }
  const double f1 = std::hypot(re[1], im[1]);
  out.rms1 = f1;
  out.comp.push_back({1, 1.0, std::atan2(im[1], re[1])});
  for (int k = 2; k < 64; ++k) {
    const double m = std::hypot(re[k], im[k]);
    if (m > 0) out.comp.push_back({k, m / f1, std::atan2(im[k], re[k])});
  }
  return out;
}

struct ThreePhase {
  std::vector<Signal> v;  // L-N, per phase
  std::vector<Signal> i;
};

// Interleaved samples for a wiring system from L-N voltages and phase currents (3-wire
// systems take the L-L differences; ARON U12, U32 and I1, I3).
class Generator {
 public:
  Generator(ThreePhase sys, Wiring wiring, double fs, double f, double noise_v, double noise_i,
            std::uint64_t seed = 1)
      : s_(std::move(sys)), wiring_(wiring), fs_(fs), w_(2 * kPi * f), nv_(noise_v), ni_(noise_i),
        rng_(seed) {}

  int channels() const { return channel_count(wiring_, false); }

  // Appends n sample sets starting at sample index `start`.
  void generate(std::int64_t start, std::size_t n, std::vector<double>& out) {
    std::normal_distribution<double> gauss(0.0, 1.0);
    for (std::size_t k = 0; k < n; ++k) {
      const double wt = w_ * static_cast<double>(start + static_cast<std::int64_t>(k)) / fs_;
      double v[3] = {}, i[3] = {};
      for (std::size_t p = 0; p < s_.v.size(); ++p) {
        v[p] = s_.v[p].at(wt) + nv_ * gauss(rng_);
        i[p] = s_.i[p].at(wt) + ni_ * gauss(rng_);
      }
      switch (wiring_) {
        case Wiring::k1P2W: out.insert(out.end(), {v[0], i[0]}); break;
        case Wiring::k2P3W: out.insert(out.end(), {v[0], v[1], i[0], i[1]}); break;
        case Wiring::k3P4W:
        case Wiring::kWildLegDelta: out.insert(out.end(), {v[0], v[1], v[2], i[0], i[1], i[2]}); break;
        case Wiring::k3P3W: out.insert(out.end(), {v[0] - v[1], v[1] - v[2], i[0], i[1], i[2]}); break;
        case Wiring::k3P3WAron: out.insert(out.end(), {v[0] - v[1], v[2] - v[1], i[0], i[2]}); break;
      }
    }
  }

 private:
  ThreePhase s_;
  Wiring wiring_;
  double fs_, w_, nv_, ni_;
  std::mt19937_64 rng_;
};

}  // namespace emscore::metering::testing

// Analyzer: see analyzer.hpp for the contract and docs/metering.md for the method.
#include "emscore/metering/analyzer.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <complex>
#include <numbers>
#include <string>

#include "emscore/core/status.hpp"

namespace emscore::metering {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kTwoPi = 2.0 * std::numbers::pi;
constexpr int kLanes = 32;             // Goertzel lanes: harmonics 1..32, 1..31 reported
constexpr double kLowPassHz = 50.0;    // corner of each of the two reference low-pass poles
constexpr double kHysteresis = 0.3;    // of the filtered peak: re-arms the crossing detector
constexpr double kAcceptMinHz = 40.0;  // measured frequencies outside this are rejected
constexpr double kAcceptMaxHz = 70.0;
constexpr double kFineCaptureHz = 1.0; // coarse/fine disagreement that forces re-acquisition

std::string num(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

absl::Status bad(std::string_view field, double v, std::string_view range) {
  return absl::InvalidArgumentError(
      str_cat("metering: ", field, " = ", num(v), ", expected ", range));
}

// Hann-weighted DFT of one channel at one frequency, phase referenced to the window start.
std::complex<double> dft_at(const float* x, const double* w, int len, double omega) {
  const double coef = 2.0 * std::cos(omega);
  double s1 = 0, s2 = 0;
  for (int n = 0; n < len; ++n) {
    const double s0 = w[n] * static_cast<double>(x[n]) + coef * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const std::complex<double> y = std::complex<double>(s1, 0) - std::polar(1.0, -omega) * s2;
  return y * std::polar(1.0, -std::fmod(omega * (len - 1), kTwoPi));
}

}  // namespace

absl::StatusOr<Analyzer> Analyzer::create(const AnalyzerConfig& c) {
  if (!(c.sample_rate_hz >= 1000.0 && c.sample_rate_hz <= 100000.0)) {
    return bad("sample_rate_hz", c.sample_rate_hz, "1000..100000");
  }
  if (!(c.nominal_frequency_hz >= kMinFrequencyHz && c.nominal_frequency_hz <= kMaxFrequencyHz)) {
    return bad("nominal_frequency_hz", c.nominal_frequency_hz, "45..65");
  }
  if (c.cycles_per_window < 1 || c.cycles_per_window > 50) {
    return bad("cycles_per_window", c.cycles_per_window, "1..50");
  }
  if (static_cast<std::size_t>(c.wiring) >= std::size(kWiringTable)) {
    return absl::InvalidArgumentError("metering: wiring: unknown wiring system");
  }
  if (c.measured_neutral && !supports_measured_neutral(c.wiring)) {
    return absl::InvalidArgumentError(str_cat("metering: measured_neutral: wiring ",
                                              wiring_info(c.wiring).name, " has no neutral"));
  }
  if (c.high_leg < 0 || c.high_leg > 2) return bad("high_leg", c.high_leg, "0..2");
  if (!(c.min_voltage_v >= 0.0)) return bad("min_voltage_v", c.min_voltage_v, ">= 0");
  if (!(c.start_current_fraction >= 0.0 && c.start_current_fraction <= 0.1)) {
    return bad("start_current_fraction", c.start_current_fraction, "0..0.1");
  }
  EMSCORE_RETURN_IF_ERROR(c.scaling.validate());
  const int ch = channel_count(c.wiring, c.measured_neutral);
  for (int k = 0; k < ch; ++k) {
    const ChannelCalibration& cal = c.calibration[static_cast<std::size_t>(k)];
    if (!std::isfinite(cal.gain) || cal.gain == 0.0 || !std::isfinite(cal.offset)) {
      return absl::InvalidArgumentError(
          str_cat("metering: calibration[", k, "]: gain must be finite and non-zero, offset "
                  "finite"));
    }
  }
  return Analyzer(c);
}

Analyzer::Analyzer(const AnalyzerConfig& c)
    : cfg_(c), info_(wiring_info(c.wiring)), channels_(channel_count(c.wiring, c.measured_neutral)) {
  const double fs = cfg_.sample_rate_hz;
  max_len_ = static_cast<int>(std::ceil(cfg_.cycles_per_window * fs / kAcceptMinHz)) + 2;
  buf_.assign(static_cast<std::size_t>(kMaxChannels) * static_cast<std::size_t>(max_len_), 0.0f);
  w_.assign(static_cast<std::size_t>(max_len_), 0.0);
  scratch_.assign(static_cast<std::size_t>(max_len_), 0.0);
  for (int k = 0; k < channels_; ++k) {
    const auto ku = static_cast<std::size_t>(k);
    const bool is_voltage = k < info_.voltage_inputs;
    const double ratio =
        is_voltage ? cfg_.scaling.voltage_factor() : cfg_.scaling.current_factor();
    a_[ku] = cfg_.calibration[ku].gain * ratio;
    b_[ku] = -cfg_.calibration[ku].offset * a_[ku];
  }
  lp_alpha_ = 1.0 - std::exp(-kTwoPi * kLowPassHz / fs);
  f_est_ = cfg_.nominal_frequency_hz;
  len_ = window_length_for(f_est_);
  m_.phases = info_.phases;
  m_.lines = info_.line_voltages;
}

int Analyzer::window_length_for(double f) const noexcept {
  const double l = std::round(cfg_.cycles_per_window * cfg_.sample_rate_hz / f);
  return std::clamp(static_cast<int>(l), 8, max_len_);
}

Analyzer::FeedResult Analyzer::feed(std::span<const float> in) noexcept { return feed_impl(in); }
Analyzer::FeedResult Analyzer::feed(std::span<const double> in) noexcept { return feed_impl(in); }
Analyzer::FeedResult Analyzer::feed(std::span<const std::int32_t> in) noexcept {
  return feed_impl(in);
}

template <class T>
Analyzer::FeedResult Analyzer::feed_impl(std::span<const T> in) noexcept {
  const auto ch = static_cast<std::size_t>(channels_);
  const std::size_t sets = in.size() / ch;
  const auto stride = static_cast<std::size_t>(max_len_);
  float* const va = buf_.data();
  float* const vb = va + stride;
  float* const vc = vb + stride;
  float* const ia = vc + stride;
  float* const ib = ia + stride;
  float* const ic = ib + stride;
  float* const in_n = ic + stride;
  const T* s = in.data();
  for (std::size_t k = 0; k < sets; ++k, s += ch) {
    double x[kMaxChannels] = {};
    for (std::size_t c = 0; c < ch; ++c) x[c] = static_cast<double>(s[c]) * a_[c] + b_[c];
    const auto n = static_cast<std::size_t>(pos_);
    switch (cfg_.wiring) {
      case Wiring::k1P2W:
        va[n] = static_cast<float>(x[0]);
        ia[n] = static_cast<float>(x[1]);
        break;
      case Wiring::k2P3W:
        va[n] = static_cast<float>(x[0]);
        vb[n] = static_cast<float>(x[1]);
        ia[n] = static_cast<float>(x[2]);
        ib[n] = static_cast<float>(x[3]);
        if (ch > 4) in_n[n] = static_cast<float>(x[4]);
        break;
      case Wiring::k3P4W:
      case Wiring::kWildLegDelta:
        va[n] = static_cast<float>(x[0]);
        vb[n] = static_cast<float>(x[1]);
        vc[n] = static_cast<float>(x[2]);
        ia[n] = static_cast<float>(x[3]);
        ib[n] = static_cast<float>(x[4]);
        ic[n] = static_cast<float>(x[5]);
        if (ch > 6) in_n[n] = static_cast<float>(x[6]);
        break;
      case Wiring::k3P3W:
      case Wiring::k3P3WAron: {
        // Virtual star point: the L-N voltages that sum to zero and give the measured L-L.
        const double u12 = x[0];
        const double u23 = cfg_.wiring == Wiring::k3P3W ? x[1] : -x[1];  // ARON gives U32
        va[n] = static_cast<float>((2.0 * u12 + u23) / 3.0);
        vb[n] = static_cast<float>((u23 - u12) / 3.0);
        vc[n] = static_cast<float>(-(u12 + 2.0 * u23) / 3.0);
        if (cfg_.wiring == Wiring::k3P3W) {
          ia[n] = static_cast<float>(x[2]);
          ib[n] = static_cast<float>(x[3]);
          ic[n] = static_cast<float>(x[4]);
        } else {
          ia[n] = static_cast<float>(x[2]);
          ic[n] = static_cast<float>(x[3]);
          ib[n] = static_cast<float>(-(x[2] + x[3]));
        }
        break;
      }
    }
    if (++pos_ == len_) {
      analyze();
      return {(k + 1) * ch, true};
    }
  }
  return {sets * ch, false};
}

void Analyzer::hann(int len) noexcept {
  if (len == len_w_) return;
  // Symmetric Hann, w[n] = 0.5 - 0.5 cos(2 pi n / (len - 1)): symmetric about the centre,
  // which makes the phase of a DFT exact for any frequency offset (see analyze()).
  const double step = kTwoPi / (len - 1);
  const double c = std::cos(step), s = std::sin(step);
  double cr = 1.0, sr = 0.0, sum = 0.0;
  for (int n = 0; n < len; ++n) {
    const double w = 0.5 - 0.5 * cr;
    w_[static_cast<std::size_t>(n)] = w;
    sum += w;
    const double t = cr * c - sr * s;
    sr = sr * c + cr * s;
    cr = t;
  }
  sw_ = sum;
  len_w_ = len;
}

// Rising zero crossings of the low-pass-filtered reference, with hysteresis so that harmonics
// and noise near zero do not count twice. Returns the mean frequency over the crossings of
// this window (and the last one of the previous window), or 0 when there are too few.
double Analyzer::detect_crossings(const float* x, int len) noexcept {
  double peak = 0.0;
  for (int n = 0; n < len; ++n) {
    lp1_ += lp_alpha_ * (static_cast<double>(x[n]) - lp1_);
    lp2_ += lp_alpha_ * (lp1_ - lp2_);
    scratch_[static_cast<std::size_t>(n)] = lp2_;
    peak = std::max(peak, std::abs(lp2_));
  }
  const double h = kHysteresis * peak;
  double first = last_cross_, last = last_cross_;
  int count = last_cross_ >= 0 ? 1 : 0;
  double yp = y_prev_;
  const auto start = static_cast<double>(window_start_);
  for (int n = 0; n < len; ++n) {
    const double y = scratch_[static_cast<std::size_t>(n)];
    if (armed_ && yp < 0.0 && y >= 0.0) {
      const double t = start + (n - 1) + (-yp) / (y - yp);
      if (count == 0) first = t;
      last = t;
      ++count;
      armed_ = false;
    }
    if (y < -h) armed_ = true;
    yp = y;
  }
  y_prev_ = yp;
  const bool crossed_here = count > (last_cross_ >= 0 ? 1 : 0);
  last_cross_ = crossed_here ? last : -1.0;
  if (count < 3 || !(last > first)) return 0.0;
  const double f = (count - 1) * cfg_.sample_rate_hz / (last - first);
  return (f >= kAcceptMinHz && f <= kAcceptMaxHz) ? f : 0.0;
}

void Analyzer::analyze() noexcept {
  const int len = len_;
  const double fs = cfg_.sample_rate_hz;
  const int np = info_.phases;
  hann(len);
  const double* w = w_.data();
  const double sw = sw_;
  const auto stride = static_cast<std::size_t>(max_len_);
  const float* vch[3] = {buf_.data(), buf_.data() + stride, buf_.data() + 2 * stride};
  const float* ich[3] = {buf_.data() + 3 * stride, buf_.data() + 4 * stride,
                         buf_.data() + 5 * stride};
  const float* nch = buf_.data() + 6 * stride;

  // Weighted sums per phase; the plain sum of v·i is the window's active energy.
  double svv[3] = {}, sii[3] = {}, svi[3] = {}, rvi[3] = {};
  for (int p = 0; p < np; ++p) {
    const float* v = vch[p];
    const float* i = ich[p];
    double a = 0, b = 0, c = 0, d = 0;
    for (int n = 0; n < len; ++n) {
      const double vn = v[n], in = i[n], wn = w[n];
      const double wv = wn * vn;
      a += wv * vn;
      b += wn * in * in;
      c += wv * in;
      d += vn * in;
    }
    svv[p] = a;
    sii[p] = b;
    svi[p] = c;
    rvi[p] = d;
  }
  // Cross sums for the L-L voltages (L1-L2, L2-L3, L3-L1) and the computed neutral.
  double sx[3] = {}, snn = 0, smn = 0;
  const int nl = info_.line_voltages;
  for (int l = 0; l < nl; ++l) {
    const float* a = vch[l];
    const float* b = vch[(l + 1) % 3];
    double s = 0;
    for (int n = 0; n < len; ++n) s += w[n] * static_cast<double>(a[n]) * b[n];
    sx[l] = s;
  }
  if (info_.neutral && np >= 2) {
    for (int n = 0; n < len; ++n) {
      double sum = 0;
      for (int p = 0; p < np; ++p) sum += ich[p][n];
      snn += w[n] * sum * sum;
    }
  }
  if (channels_ > info_.voltage_inputs + info_.current_inputs) {
    for (int n = 0; n < len; ++n) smn += w[n] * static_cast<double>(nch[n]) * nch[n];
  }

  // Reference phase: L1 unless it is nearly dead while another phase is alive.
  double vrms[3] = {};
  int best = 0;
  for (int p = 0; p < np; ++p) {
    vrms[p] = std::sqrt(std::max(0.0, svv[p] / sw));
    if (vrms[p] > vrms[best]) best = p;
  }
  if (vrms[ref_] < 0.1 * vrms[best]) {
    ref_ = best;
    have_prev_phase_ = false;
    armed_ = false;
    last_cross_ = -1;
    lp1_ = lp2_ = y_prev_ = 0;
  }
  const bool signal = vrms[ref_] >= cfg_.min_voltage_v && vrms[ref_] > 0;

  // Frequency: coarse from crossings, fine from the phase advance of the fundamental.
  double f_new = f_est_;
  bool locked = false, valid = false;
  if (signal) {
    const double f_zc = detect_crossings(vch[ref_], len);
    const bool zc_ok = f_zc > 0;
    const bool fine = have_prev_phase_ && (!zc_ok || std::abs(f_zc - f_est_) < kFineCaptureHz);
    const double f_eval = (!fine && zc_ok) ? f_zc : f_est_;
    const std::complex<double> x = dft_at(vch[ref_], w, len, kTwoPi * f_eval / fs);
    // With a symmetric window the phase of x is phi + 2 pi f t0 + pi (f - f_eval)(len-1)/fs,
    // so psi below is the phase of the fundamental at the window centre, whatever f_eval.
    const double psi = std::arg(x) + kPi * f_eval * (len - 1) / fs;
    const double centre = static_cast<double>(window_start_) + 0.5 * (len - 1);
    if (fine) {
      const double dt = (centre - prev_centre_) / fs;
      const double d = std::remainder(psi - prev_psi_ - kTwoPi * f_eval * dt, kTwoPi);
      const double f_fine = f_eval + d / (kTwoPi * dt);
      if (std::abs(f_fine - f_eval) < kFineCaptureHz && f_fine >= kAcceptMinHz &&
          f_fine <= kAcceptMaxHz) {
        f_new = f_fine;
        locked = true;
        valid = true;
      } else if (zc_ok) {
        f_new = f_zc;
        valid = true;
      }
    } else if (zc_ok) {
      f_new = f_zc;
      valid = true;
    }
    have_prev_phase_ = true;
    prev_psi_ = psi;
    prev_centre_ = centre;
  } else {
    have_prev_phase_ = false;
    armed_ = false;
    last_cross_ = -1;
  }
  locked_ = locked;
  if (!std::isfinite(f_new)) f_new = cfg_.nominal_frequency_hz;  // never size windows by NaN

  // Harmonics 1..31 of each phase voltage and current at exactly h * f_new.
  const double f = f_new;
  int hmax = static_cast<int>(std::floor(0.5 * fs / f - 1e-9));
  hmax = std::clamp(hmax, 1, kMaxHarmonic);
  alignas(64) double coef[kLanes];
  for (int k = 0; k < kLanes; ++k) coef[k] = 2.0 * std::cos(kTwoPi * (k + 1) * f / fs);
  std::complex<double> rot_s2[kMaxHarmonic], rot_end[kMaxHarmonic];
  for (int k = 0; k < hmax; ++k) {
    const double omega = kTwoPi * (k + 1) * f / fs;
    rot_s2[k] = std::polar(1.0, -omega);
    rot_end[k] = std::polar(std::numbers::sqrt2 / sw, -std::fmod(omega * (len - 1), kTwoPi));
  }
  auto goertzel = [&](const float* x, std::complex<double>* out) {
    alignas(64) double s1[kLanes] = {};
    alignas(64) double s2[kLanes] = {};
    for (int n = 0; n < len; ++n) {
      const double xw = w[n] * static_cast<double>(x[n]);
      for (int k = 0; k < kLanes; ++k) {
        const double s0 = xw + coef[k] * s1[k] - s2[k];
        s2[k] = s1[k];
        s1[k] = s0;
      }
    }
    for (int k = 0; k < hmax; ++k) {
      out[k] = (std::complex<double>(s1[k], 0) - rot_s2[k] * s2[k]) * rot_end[k];
    }
  };
  std::complex<double> vh[3][kMaxHarmonic], ih[3][kMaxHarmonic];
  for (int p = 0; p < np; ++p) {
    goertzel(vch[p], vh[p]);
    goertzel(ich[p], ih[p]);
  }
  auto thd = [hmax](const double* mags) {
    double s = 0;
    for (int h = 2; h <= hmax; ++h) s += mags[h] * mags[h];
    return mags[1] > 0 ? 100.0 * std::sqrt(s) / mags[1] : 0.0;
  };

  const double in_primary = cfg_.scaling.rated_primary_current();
  const double i_start = cfg_.start_current_fraction * in_primary;
  const double dur = len / fs;
  Measurements& m = m_;
  m.window_index = windows_;
  m.first_sample = window_start_;
  m.window_samples = len;
  m.harmonics = hmax;
  SystemValues& sys = m.system;
  sys = SystemValues{};
  m.energy = WindowEnergy{};
  m.energy.duration_s = dur;
  double vsum = 0, isum = 0;
  int vcount = 0;
  for (int p = 0; p < np; ++p) {
    PhaseValues& ph = m.phase[static_cast<std::size_t>(p)];
    ph.voltage = vrms[p];
    ph.current = std::sqrt(std::max(0.0, sii[p] / sw));
    ph.active_power = svi[p] / sw;
    const std::complex<double> v1 = vh[p][0], i1 = ih[p][0];
    ph.reactive_power = std::imag(v1 * std::conj(i1));
    ph.apparent_power = ph.voltage * ph.current;
    ph.power_factor = signed_power_factor(ph.active_power, ph.apparent_power);
    ph.quadrant = quadrant_of(ph.active_power, ph.reactive_power);
    ph.angle_deg = (std::abs(v1) > 0 && std::abs(i1) > 0)
                       ? std::remainder(std::arg(v1) - std::arg(i1), kTwoPi) * 180.0 / kPi
                       : 0.0;
    ph.voltage_harmonics.fill(0);
    ph.current_harmonics.fill(0);
    for (int h = 1; h <= hmax; ++h) {
      ph.voltage_harmonics[static_cast<std::size_t>(h)] = std::abs(vh[p][h - 1]);
      ph.current_harmonics[static_cast<std::size_t>(h)] = std::abs(ih[p][h - 1]);
    }
    ph.thd_voltage = thd(ph.voltage_harmonics.data());
    ph.thd_current = thd(ph.current_harmonics.data());
    if (!(cfg_.wiring == Wiring::kWildLegDelta && p == cfg_.high_leg)) {
      vsum += ph.voltage;
      ++vcount;
    }
    isum += ph.current;
    sys.active_power += ph.active_power;
    sys.reactive_power += ph.reactive_power;
    sys.apparent_power += ph.apparent_power;
    if (ph.current >= i_start && ph.current > 0) {
      const auto pu = static_cast<std::size_t>(p);
      m.energy.active_wh[pu] = rvi[p] / fs / 3600.0;
      m.energy.reactive_varh[pu] = ph.reactive_power * dur / 3600.0;
      m.energy.apparent_vah[pu] = ph.apparent_power * dur / 3600.0;
      m.energy.system_active_wh += m.energy.active_wh[pu];
      m.energy.system_reactive_varh += m.energy.reactive_varh[pu];
      m.energy.system_apparent_vah += m.energy.apparent_vah[pu];
    }
  }
  for (int p = np; p < 3; ++p) m.phase[static_cast<std::size_t>(p)] = PhaseValues{};
  double llsum = 0;
  for (int l = 0; l < 3; ++l) {
    LineValues& lv = m.line[static_cast<std::size_t>(l)];
    lv = LineValues{};
    if (l >= nl) continue;
    const int a = l, b = (l + 1) % 3;
    lv.voltage = std::sqrt(std::max(0.0, (svv[a] + svv[b] - 2.0 * sx[l]) / sw));
    for (int h = 1; h <= hmax; ++h) {
      lv.harmonics[static_cast<std::size_t>(h)] = std::abs(vh[a][h - 1] - vh[b][h - 1]);
    }
    lv.thd = thd(lv.harmonics.data());
    llsum += lv.voltage;
  }
  sys.voltage_ln = vcount > 0 ? vsum / vcount : 0.0;
  sys.voltage_ll = nl > 0 ? llsum / nl : 0.0;
  sys.current = isum / np;
  if (info_.neutral) {
    sys.neutral_current = np >= 2 ? std::sqrt(std::max(0.0, snn / sw)) : m.phase[0].current;
  }
  if (channels_ > info_.voltage_inputs + info_.current_inputs) {
    sys.neutral_current_measured = std::sqrt(std::max(0.0, smn / sw));
  }
  sys.power_factor = signed_power_factor(sys.active_power, sys.apparent_power);
  sys.quadrant = quadrant_of(sys.active_power, sys.reactive_power);
  sys.frequency = f_new;
  sys.frequency_valid = valid;
  sys.frequency_locked = locked;

  f_est_ = std::clamp(f_new, kAcceptMinHz, kAcceptMaxHz);
  window_start_ += len;
  pos_ = 0;
  ++windows_;
  len_ = window_length_for(f_est_);
}

}  // namespace emscore::metering

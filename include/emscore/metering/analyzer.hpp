// emscore/metering/analyzer.hpp — from sampled waveforms to the quantities of a meter.
//
// The Analyzer is fed interleaved sample sets (one value per channel, in the order of the
// wiring system, see wiring.hpp) at a fixed sample rate and cuts them into measurement
// windows of about `cycles_per_window` cycles of the measured frequency (10 cycles = 200 ms at
// 50 Hz, the IEC 61000-4-30 aggregation interval). At the end of each window it computes:
//   - TRMS voltage L-N and L-L, current, neutral current (computed from the phase currents,
//     and measured when the wiring has a 4th current channel);
//   - per phase and system active power P (mean of v·i), fundamental reactive power Q1, and
//     apparent power S = Vrms·Irms; power factor P/S with sign and quadrant;
//   - frequency, tracked over 45-65 Hz without any relation to the sample rate;
//   - the RMS of each harmonic 1..31 and THD (relative to the fundamental) of the L-N and
//     L-L voltages and of the currents.
//
// Method (docs/metering.md has the reasoning):
//   * Every window is weighted with a symmetric Hann window. For a periodic signal the Hann-
//     weighted mean of v², i², v·i equals the true mean to ~1e-6 even when the window is not
//     an integer number of cycles, so no sample-rate locking or resampling is needed.
//   * Frequency: a zero-crossing count of the low-pass-filtered reference voltage acquires it
//     (coarse); then the phase advance of the reference fundamental phasor between
//     consecutive windows measures it (fine, ~1e-5 Hz on clean signals).
//   * Harmonics: Goertzel DFT of the Hann-weighted window at exactly h·f for h = 1..31 (those
//     below Nyquist), evaluated after f of the window is known, so there is no leakage from
//     a frequency that is off-bin.
//   * Energy of a window: active energy is the plain (unweighted) sum of v·i over the
//     window's samples, windows tile the sample stream, so no sample is lost or counted twice;
//     reactive and apparent energy are Q·T and S·T of the window.
//
// Contract: no allocation after create(); feed() never fails and never reads out of bounds:
// a trailing partial sample set is left unconsumed. Not thread-safe (one per meter).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "emscore/metering/quadrant.hpp"
#include "emscore/metering/scaling.hpp"
#include "emscore/metering/wiring.hpp"

namespace emscore::metering {

inline constexpr int kMaxHarmonic = 31;
inline constexpr int kMaxChannels = 7;
inline constexpr double kMinFrequencyHz = 45.0;  // the range the tracker is specified for
inline constexpr double kMaxFrequencyHz = 65.0;

struct AnalyzerConfig {
  double sample_rate_hz = 6400.0;       // 1 kHz .. 100 kHz
  Wiring wiring = Wiring::k3P4W;
  bool measured_neutral = false;        // a neutral-current channel follows the phase currents
  double nominal_frequency_hz = 50.0;   // where tracking starts (45..65)
  int cycles_per_window = 10;           // 1..50
  Scaling scaling;
  // Per input channel, in sample-set order (see wiring.hpp). Unused entries are ignored.
  std::array<ChannelCalibration, kMaxChannels> calibration{};
  // Wild-leg delta: the phase (0 = L1, 1 = L2, 2 = L3) whose L-N voltage is the high leg; it
  // is left out of the system L-N voltage. NEC 110.15 marks the B phase (L2).
  int high_leg = 1;
  // Below this primary L-N (or virtual-star) voltage the reference is "no signal": the
  // frequency is not measured and the tracker falls back to the last value.
  double min_voltage_v = 5.0;
  // Start-up current as a fraction of I_n: a phase with less current registers no energy
  // (anti-creep). The data sheet's start-up current is 0.001 I_n.
  double start_current_fraction = 0.001;
};

struct PhaseValues {
  double voltage = 0;         // V, TRMS L-N (virtual star in 3-wire systems)
  double current = 0;         // A, TRMS
  double active_power = 0;    // W
  double reactive_power = 0;  // var, fundamental (Q1), positive inductive
  double apparent_power = 0;  // VA, Vrms * Irms
  double power_factor = 1;    // P/S with the sign of P
  Quadrant quadrant = Quadrant::kI;
  double angle_deg = 0;       // phase of I1 behind V1 (positive: lagging)
  double thd_voltage = 0;     // % of the fundamental
  double thd_current = 0;
  // RMS of harmonic h at index h (1..31); index 0 unused; 0 above Nyquist.
  std::array<double, kMaxHarmonic + 1> voltage_harmonics{};
  std::array<double, kMaxHarmonic + 1> current_harmonics{};
};

// Line-to-line voltage n: L1-L2, L2-L3, L3-L1.
struct LineValues {
  double voltage = 0;  // V, TRMS
  double thd = 0;      // %
  std::array<double, kMaxHarmonic + 1> harmonics{};
};

struct SystemValues {
  double voltage_ln = 0;  // mean of the phase L-N voltages (wild leg: without the high leg)
  double voltage_ll = 0;  // mean of the L-L voltages
  double current = 0;     // mean of the phase currents
  double neutral_current = 0;           // computed: TRMS of the sum of the phase currents
  double neutral_current_measured = 0;  // when a neutral channel is wired, else 0
  double active_power = 0;              // sums over the phases
  double reactive_power = 0;
  double apparent_power = 0;  // arithmetic: sum of the phase S
  double power_factor = 1;
  Quadrant quadrant = Quadrant::kI;
  double frequency = 0;          // Hz
  bool frequency_valid = false;  // a reference voltage is present
  bool frequency_locked = false; // fine (phase) tracking, not just acquisition
};

// Energy of one window, before it is quantized into registers (energy_registers.hpp).
// A phase below the start-up current contributes zero.
struct WindowEnergy {
  double duration_s = 0;
  std::array<double, 3> active_wh{};      // signed: + import, - export
  std::array<double, 3> reactive_varh{};  // signed: + inductive (Q > 0)
  std::array<double, 3> apparent_vah{};   // >= 0
  double system_active_wh = 0;
  double system_reactive_varh = 0;
  double system_apparent_vah = 0;
};

struct Measurements {
  std::uint64_t window_index = 0;   // 0 for the first window
  std::int64_t first_sample = 0;    // index of the window's first sample set
  int window_samples = 0;
  int phases = 0;
  int lines = 0;
  int harmonics = 0;                // highest harmonic evaluated (<= 31, below Nyquist)
  std::array<PhaseValues, 3> phase{};
  std::array<LineValues, 3> line{};
  SystemValues system;
  WindowEnergy energy;
};

class Analyzer {
 public:
  // InvalidArgument when the configuration is out of range (message names the field).
  static absl::StatusOr<Analyzer> create(const AnalyzerConfig& config);

  struct FeedResult {
    std::size_t consumed = 0;     // values (not sample sets) taken from the input
    bool window_complete = false; // measurements() holds a new window
  };
  // Consumes whole sample sets until the current window completes or the input ends. Call
  // again with the rest of the input after a completed window.
  FeedResult feed(std::span<const float> interleaved) noexcept;
  FeedResult feed(std::span<const double> interleaved) noexcept;
  // Raw ADC codes; the calibration's gain/offset turn them into secondary units.
  FeedResult feed(std::span<const std::int32_t> interleaved) noexcept;

  const Measurements& measurements() const noexcept { return m_; }
  const AnalyzerConfig& config() const noexcept { return cfg_; }
  int channels() const noexcept { return channels_; }
  // Sample sets consumed in total, and up to the end of the last completed window.
  std::int64_t samples_consumed() const noexcept { return window_start_ + pos_; }
  std::int64_t samples_analyzed() const noexcept { return window_start_; }
  // The frequency the current window is sized for.
  double frequency_estimate() const noexcept { return f_est_; }
  int current_window_length() const noexcept { return len_; }

 private:
  explicit Analyzer(const AnalyzerConfig& config);
  template <class T>
  FeedResult feed_impl(std::span<const T> in) noexcept;
  void analyze() noexcept;
  void hann(int len) noexcept;
  double detect_crossings(const float* x, int len) noexcept;
  int window_length_for(double f) const noexcept;

  AnalyzerConfig cfg_;
  WiringInfo info_;
  int channels_ = 0;
  int max_len_ = 0;
  std::array<double, kMaxChannels> a_{};  // raw -> primary: x = raw * a + b
  std::array<double, kMaxChannels> b_{};
  // Planar window buffers: 0..2 phase voltages (L-N or virtual star), 3..5 phase currents,
  // 6 measured neutral current. Sized at create().
  std::vector<float> buf_;
  std::vector<double> w_;       // Hann weights for len_w_
  double sw_ = 0;               // their sum
  std::vector<double> scratch_; // filtered reference
  int len_w_ = 0;

  int len_ = 0;                  // length of the window being filled
  int pos_ = 0;                  // sample sets in it so far
  std::int64_t window_start_ = 0;
  std::uint64_t windows_ = 0;
  double f_est_ = 50.0;

  // Frequency tracking state.
  int ref_ = 0;                  // reference phase
  bool have_prev_phase_ = false;
  double prev_psi_ = 0;          // fundamental phase at the previous window's centre
  double prev_centre_ = 0;       // its centre, in samples
  bool locked_ = false;
  double lp1_ = 0, lp2_ = 0, y_prev_ = 0;  // reference low-pass filter and detector state
  bool armed_ = false;
  double last_cross_ = -1;       // absolute sample time of the last rising crossing
  double lp_alpha_ = 0;

  Measurements m_;
};

}  // namespace emscore::metering

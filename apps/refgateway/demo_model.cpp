#include "demo_model.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace emscore::refgw {

namespace {

// splitmix64: a well-mixed 64-bit hash, enough for noise that must merely look random.
std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

double gauss(double x, double mean, double width) noexcept {
  const double d = (x - mean) / width;
  return std::exp(-0.5 * d * d);
}

// Noise channels shared by every meter of one demo (the grid is the same for all of them).
constexpr std::uint32_t kGridVoltageChannel = 0x10000;  // + phase
constexpr std::uint32_t kGridFrequencyChannel = 0x10010;

obis::ObisCode code(std::uint8_t c, std::uint8_t d, std::uint8_t e = 0) noexcept {
  return obis::ObisCode(1, 0, c, d, e);
}

}  // namespace

double demo_noise(std::uint64_t seed, std::uint32_t channel, std::int64_t step) noexcept {
  const std::uint64_t h = mix(mix(seed ^ (static_cast<std::uint64_t>(channel) << 32)) ^
                              static_cast<std::uint64_t>(step));
  return static_cast<double>(h >> 11) * (2.0 / 9007199254740992.0) - 1.0;  // 53 bits -> [-1, 1)
}

double demo_smooth_noise(std::uint64_t seed, std::uint32_t channel, absl::Time t,
                         absl::Duration period) noexcept {
  const double x = absl::FDivDuration(t - absl::UnixEpoch(), period);
  const double k = std::floor(x);
  const double f = x - k;
  const auto step = static_cast<std::int64_t>(k);
  return (1 - f) * demo_noise(seed, channel, step) + f * demo_noise(seed, channel, step + 1);
}

double daily_load_shape(absl::Time t, const absl::TimeZone& zone) noexcept {
  const absl::CivilSecond cs = absl::ToCivilSecond(t, zone);
  const double h = static_cast<double>(cs.hour()) + cs.minute() / 60.0 + cs.second() / 3600.0;
  const absl::Weekday wd = absl::GetWeekday(absl::CivilDay(cs));
  const bool weekend = wd == absl::Weekday::saturday || wd == absl::Weekday::sunday;
  // Night base load, a morning peak, midday, and the evening peak (the highest).
  double shape = 0.25 + 0.35 * gauss(h, weekend ? 9.0 : 7.5, 1.2) +
                 (weekend ? 0.35 : 0.2) * gauss(h, 12.5, 1.8) + 0.6 * gauss(h, 19.0, 2.0);
  return std::min(shape, 1.1);
}

Phasor load_phasor(double current_a, double power_factor) noexcept {
  const double pf = std::clamp(power_factor, 0.0, 1.0);
  return {current_a * pf, -current_a * std::sqrt(1.0 - pf * pf)};
}

ElectricMeterSim::ElectricMeterSim(const ElectricMeterModel& model, const absl::TimeZone& zone)
    : model_(model),
      zone_(zone),
      import_kwh_(model.import_kwh),
      export_kwh_(model.export_kwh),
      import_kvarh_(model.import_kvarh),
      export_kvarh_(model.export_kvarh) {
  for (auto& p : phase_) p.voltage_v = model.nominal_voltage;
}

double ElectricMeterSim::active_power_w() const noexcept {
  double p = 0;
  for (const auto& ph : phase_) p += ph.active_w;
  return p;
}

double ElectricMeterSim::neutral_current_a() const noexcept {
  if (model_.phases == 1) return std::abs(phasor_[0]);
  // The phase voltages are 120° apart: rotate each phase's current by its voltage angle.
  constexpr double k = 2.0 * std::numbers::pi / 3.0;
  const Phasor sum = phasor_[0] + phasor_[1] * std::polar(1.0, -k) + phasor_[2] * std::polar(1.0, k);
  return std::abs(sum);
}

void ElectricMeterSim::step(absl::Time now, const std::array<Phasor, 3>& extra) {
  if (now < last_) return;
  const double shape = daily_load_shape(now, zone_);
  const std::int64_t second = absl::ToUnixSeconds(now);
  const std::uint32_t ch = model_.channel * 64;
  std::array<PhaseValues, 3> next{};
  std::array<Phasor, 3> phasor{};
  for (int p = 0; p < model_.phases; ++p) {
    const auto up = static_cast<std::uint32_t>(p);
    PhaseValues& v = next[p];
    v.voltage_v = model_.nominal_voltage +
                  3.0 * demo_smooth_noise(model_.seed, kGridVoltageChannel + up, now,
                                          absl::Seconds(90)) +
                  0.3 * demo_noise(model_.seed, ch + up, second);
    // Own load: the daily shape, a slow per-meter wander and a little per-second flicker.
    const double wander = 0.15 * demo_smooth_noise(model_.seed, ch + 8 + up, now, absl::Minutes(5));
    const double flicker = model_.current_noise * demo_noise(model_.seed, ch + 16 + up, second);
    const double own = std::max(0.0, model_.peak_current_a[p] * shape * (1.0 + wander + flicker));
    const double pf = std::clamp(
        model_.power_factor + 0.02 * demo_smooth_noise(model_.seed, ch + 24 + up, now, absl::Minutes(2)),
        0.5, 1.0);
    phasor[p] = load_phasor(own, pf) + extra[p];
    v.current_a = std::abs(phasor[p]);
    v.active_w = v.voltage_v * phasor[p].real();
    v.reactive_var = -v.voltage_v * phasor[p].imag();  // inductive load: positive var
    v.apparent_va = v.voltage_v * v.current_a;
    v.power_factor = v.apparent_va > 0 ? std::abs(v.active_w) / v.apparent_va : 1.0;
  }
  frequency_ = 50.0 + 0.03 * demo_smooth_noise(model_.seed, kGridFrequencyChannel, now,
                                                absl::Seconds(20));
  if (last_ != absl::InfinitePast()) {
    const double hours = absl::ToDoubleHours(now - last_);
    double p_old = 0, p_new = 0, q_old = 0, q_new = 0;
    for (int p = 0; p < model_.phases; ++p) {
      p_old += phase_[p].active_w;
      p_new += next[p].active_w;
      q_old += phase_[p].reactive_var;
      q_new += next[p].reactive_var;
    }
    const double e = 0.5 * (p_old + p_new) * hours / 1000.0;  // kWh
    const double q = 0.5 * (q_old + q_new) * hours / 1000.0;  // kvarh
    (e >= 0 ? import_kwh_ : export_kwh_) += std::abs(e);
    (q >= 0 ? import_kvarh_ : export_kvarh_) += std::abs(q);
  }
  phase_ = next;
  phasor_ = phasor;
  last_ = now;
}

Value demo_value(double v, int decimals, Unit unit) noexcept {
  const double scaled = std::floor(v * std::pow(10.0, decimals) + 1e-9);
  return Value(static_cast<std::int64_t>(scaled), -decimals, unit);
}

std::vector<Reading> ElectricMeterSim::readings(DeviceRef device) const {
  std::vector<Reading> out;
  out.reserve(40);
  auto add = [&](obis::ObisCode c, double v, int decimals, Unit u) {
    out.push_back(Reading{device, c, demo_value(v, decimals, u), last_, Quality::kMeasured});
  };
  double va = 0, var = 0;
  for (int p = 0; p < model_.phases; ++p) {
    const PhaseValues& v = phase_[p];
    const auto base = static_cast<std::uint8_t>(20 * p);  // L1 21.., L2 41.., L3 61..
    add(code(base + 32, 7), v.voltage_v, 2, Unit::kVolt);
    add(code(base + 31, 7), v.current_a, 3, Unit::kAmpere);
    add(code(base + 21, 7), v.active_w, 1, Unit::kWatt);
    add(code(base + 29, 7), v.apparent_va, 1, Unit::kVoltAmpere);
    add(code(base + 23, 7), v.reactive_var, 1, Unit::kVar);
    add(code(base + 33, 7), v.power_factor, 3, Unit::kNone);
    va += v.apparent_va;
    var += v.reactive_var;
  }
  const double w = active_power_w();
  add(code(16, 7), w, 1, Unit::kWatt);
  add(code(1, 7), std::max(w, 0.0), 1, Unit::kWatt);
  add(code(2, 7), std::max(-w, 0.0), 1, Unit::kWatt);
  add(code(9, 7), va, 1, Unit::kVoltAmpere);
  add(code(3, 7), var, 1, Unit::kVar);
  add(code(13, 7), va > 0 ? std::abs(w) / va : 1.0, 3, Unit::kNone);
  add(code(14, 7), frequency_, 2, Unit::kHertz);
  if (model_.phases == 3) add(code(91, 7), neutral_current_a(), 3, Unit::kAmpere);
  add(code(1, 8), import_kwh_, 3, Unit::kKiloWattHour);
  add(code(1, 8, 1), import_kwh_, 3, Unit::kKiloWattHour);
  add(code(2, 8), export_kwh_, 3, Unit::kKiloWattHour);
  add(code(3, 8), import_kvarh_, 3, Unit::kKiloVarHour);
  add(code(4, 8), export_kvarh_, 3, Unit::kKiloVarHour);
  add(code(15, 8), import_kwh_ + export_kwh_, 3, Unit::kKiloWattHour);
  return out;
}

}  // namespace emscore::refgw

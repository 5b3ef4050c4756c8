#include "emscore/metering/pulse_output.hpp"

#include <cmath>

#include "emscore/core/status.hpp"

namespace emscore::metering {

absl::StatusOr<Value> led_pulse_weight(const Scaling& s) {
  EMSCORE_RETURN_IF_ERROR(s.validate());
  int exp = -3;  // 10^exp kWh per pulse
  if (s.current_input == CurrentInput::kCt5A) {
    const double r = s.ct_ratio;
    exp = r <= 7 ? -3 : r <= 70 ? -2 : r <= 700 ? -1 : 0;
  } else {
    const double i = s.sensor_primary_a;
    exp = i <= 35 ? -3 : i <= 350 ? -2 : i <= 3500 ? -1 : 0;
  }
  Value w(1, exp, Unit::kKiloWattHour);
  while (max_pulse_rate_hz(s, w) > kMaxLedRateHz && w.exponent < 6) {
    w = Value(1, w.exponent + 1, Unit::kKiloWattHour);
  }
  return w;
}

double max_pulse_rate_hz(const Scaling& s, const Value& kwh_per_pulse) {
  const double p_max_w = 3.0 * kMaxPhaseVoltage * s.vt_ratio * kMaxCurrentFactor *
                         s.rated_primary_current();
  const double wh = kwh_per_pulse.to_double() * 1000.0;
  return wh > 0 ? p_max_w / 3600.0 / wh : 0.0;
}

absl::StatusOr<PulseOutput> PulseOutput::create(const Config& c) {
  if (c.micro_per_pulse <= 0) {
    return absl::InvalidArgumentError("metering: pulse output: micro_per_pulse must be > 0");
  }
  if (!(c.max_rate_hz > 0 && c.max_rate_hz <= 1000)) {
    return absl::InvalidArgumentError("metering: pulse output: max_rate_hz must be in (0, 1000]");
  }
  const auto period = static_cast<std::int64_t>(std::ceil(1e9 / c.max_rate_hz));
  if (c.on_ns <= 0 || c.on_ns >= period) {
    return absl::InvalidArgumentError(
        str_cat("metering: pulse output: on_ns ", c.on_ns, " must be in (0, ", period, ")"));
  }
  return PulseOutput(c);
}

absl::StatusOr<PulseOutput> PulseOutput::for_weight(const Value& kwh_per_pulse) {
  // µWh per pulse = kWh * 10^9, exactly.
  auto micro = kwh_per_pulse.converted(Unit::kKiloWattHour);
  if (!micro.ok()) return micro.status();
  auto r = micro->rescaled(-9);
  if (!r.ok()) return r.status();
  Config c;
  c.micro_per_pulse = r->mantissa;
  return create(c);
}

PulseOutput::PulseOutput(const Config& c)
    : cfg_(c), period_ns_(static_cast<std::int64_t>(std::ceil(1e9 / c.max_rate_hz))) {}

void PulseOutput::add(std::int64_t micro) noexcept {
  if (micro <= 0) return;
  energy_ += micro;
  pending_ += energy_ / cfg_.micro_per_pulse;
  energy_ %= cfg_.micro_per_pulse;
}

bool PulseOutput::level(std::int64_t now_ns) noexcept {
  if (on_ && now_ns - started_ >= cfg_.on_ns) on_ = false;
  if (!on_ && pending_ > 0 && (!any_ || now_ns - started_ >= period_ns_)) {
    on_ = true;
    any_ = true;
    started_ = now_ns;
    --pending_;
    ++emitted_;
  }
  return on_;
}

}  // namespace emscore::metering

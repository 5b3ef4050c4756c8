#include "emscore/metering/s0_input.hpp"

#include <limits>

#include "emscore/core/status.hpp"

namespace emscore::metering {

absl::StatusOr<S0Meter> S0Meter::create(const S0Config& c) {
  if (c.pulses_per_unit < 1 || c.pulses_per_unit > 1'000'000) {
    return absl::InvalidArgumentError(str_cat("metering: s0: pulses_per_unit ", c.pulses_per_unit,
                                              ", expected 1..1000000"));
  }
  if (c.decimals < 0 || c.decimals > 9) {
    return absl::InvalidArgumentError(
        str_cat("metering: s0: decimals ", c.decimals, ", expected 0..9"));
  }
  if (c.debounce_ns < 0 || c.debounce_ns > 1'000'000'000) {
    return absl::InvalidArgumentError(
        str_cat("metering: s0: debounce_ns ", c.debounce_ns, ", expected 0..1000000000"));
  }
  if (!same_dimension(c.start.unit, c.unit)) {
    return absl::InvalidArgumentError(str_cat("metering: s0: starting reading in ",
                                              unit_symbol(c.start.unit), ", expected a unit of ",
                                              unit_symbol(c.unit)));
  }
  if (obis::medium_of_group_a(c.code.a) != c.medium) {
    return absl::InvalidArgumentError(
        str_cat("metering: s0: OBIS code ", c.code.to_string(), " is for medium ",
                obis::medium_name(obis::medium_of_group_a(c.code.a)), ", expected ",
                obis::medium_name(c.medium)));
  }
  return S0Meter(c);
}

void S0Meter::update(bool closed, std::int64_t now_ns) noexcept {
  if (closed == stable_) {
    has_candidate_ = false;
    return;
  }
  if (!has_candidate_ || candidate_ != closed) {
    has_candidate_ = true;
    candidate_ = closed;
    since_ = now_ns;
  }
  if (now_ns - since_ >= cfg_.debounce_ns) {
    stable_ = closed;
    has_candidate_ = false;
    if (closed) ++pulses_;
  }
}

absl::StatusOr<Value> S0Meter::value() const {
  const int d = cfg_.decimals;
  const std::int64_t scale = pow10_i64(d);
  const std::uint64_t ppu = cfg_.pulses_per_unit;
  const std::uint64_t q = pulses_ / ppu, r = pulses_ % ppu;
  if (q > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / scale / 2)) {
    return absl::OutOfRangeError("metering: s0: reading overflows");
  }
  // r < ppu <= 10^6 and scale <= 10^9: r * scale fits easily.
  const auto m = static_cast<std::int64_t>(q) * scale +
                 static_cast<std::int64_t>(r * static_cast<std::uint64_t>(scale) / ppu);
  const Value counted(m, -d, cfg_.unit);
  EMSCORE_ASSIGN_OR_RETURN(Value start, cfg_.start.converted(cfg_.unit));
  EMSCORE_ASSIGN_OR_RETURN(Value sum, counted.plus(start));
  // Shown with exactly `decimals` decimals: extra digits of the starting reading are
  // truncated like the counted part.
  if (sum.exponent < -d) {
    const int drop = -d - sum.exponent;
    if (drop > 18) return Value(0, -d, cfg_.unit);
    return Value(sum.mantissa / pow10_i64(drop), -d, cfg_.unit);
  }
  return sum.rescaled(-d);
}

absl::StatusOr<Reading> S0Meter::reading(absl::Time at) const {
  EMSCORE_ASSIGN_OR_RETURN(Value v, value());
  return Reading{cfg_.device, cfg_.code, v, at, Quality::kMeasured};
}

absl::Status S0Meter::set_reading(const Value& v) {
  if (!same_dimension(v.unit, cfg_.unit)) {
    return absl::InvalidArgumentError(
        str_cat("metering: s0: reading in ", unit_symbol(v.unit), ", expected a unit of ",
                unit_symbol(cfg_.unit)));
  }
  cfg_.start = v;
  pulses_ = 0;
  return absl::OkStatus();
}

}  // namespace emscore::metering

#include "emscore/control/digital_output.hpp"

#include "emscore/core/strings.hpp"

namespace emscore::control {

std::string_view output_function_name(OutputFunction f) noexcept {
  return f == OutputFunction::kRemote ? "remote" : "alarm";
}
std::string_view normal_state_name(NormalState n) noexcept {
  return n == NormalState::kNormallyOpen ? "NO" : "NC";
}
std::string_view output_mode_name(OutputMode m) noexcept {
  switch (m) {
    case OutputMode::kMaintained: return "maintained";
    case OutputMode::kImpulsive: return "impulsive";
    case OutputMode::kBlinking: return "blinking";
  }
  return "unknown";
}

absl::Status OutputConfig::validate() const {
  if (name.empty()) return absl::InvalidArgumentError("control: output without a name");
  if (on_time < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(str_cat("control: output '", name, "': negative ON time"));
  }
  if (mode == OutputMode::kBlinking && on_time == absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        str_cat("control: output '", name, "': blinking needs an ON time (the cadence)"));
  }
  return absl::OkStatus();
}

DigitalOutput::DigitalOutput(const OutputConfig& config)
    : config_(config),
      mode_(config.mode == OutputMode::kImpulsive && config.on_time == absl::ZeroDuration()
                ? OutputMode::kMaintained
                : config.mode) {}

bool DigitalOutput::activate(absl::Time now) {
  if (active_) return false;
  active_ = true;
  since_ = now;
  return true;
}

bool DigitalOutput::deactivate(absl::Time now) {
  (void)now;
  if (!active_) return false;
  active_ = false;
  return true;
}

std::optional<absl::Time> DigitalOutput::expire(absl::Time now) {
  if (!active_ || mode_ != OutputMode::kImpulsive) return std::nullopt;
  const absl::Time end = since_ + config_.on_time;
  if (now < end) return std::nullopt;
  active_ = false;
  return end;
}

bool DigitalOutput::energized(absl::Time now) const {
  if (!active_ || now < since_) return false;
  switch (mode_) {
    case OutputMode::kMaintained: return true;
    case OutputMode::kImpulsive: return now < since_ + config_.on_time;
    case OutputMode::kBlinking: {
      absl::Duration rem;
      const std::int64_t k = absl::IDivDuration(now - since_, config_.on_time, &rem);
      return k % 2 == 0;
    }
  }
  return false;
}

bool DigitalOutput::contact_closed(absl::Time now) const {
  const bool e = energized(now);
  return config_.normal == NormalState::kNormallyOpen ? e : !e;
}

std::optional<absl::Time> DigitalOutput::next_change(absl::Time now) const {
  if (!active_) return std::nullopt;
  switch (mode_) {
    case OutputMode::kMaintained: return std::nullopt;
    case OutputMode::kImpulsive: {
      const absl::Time end = since_ + config_.on_time;
      if (end > now) return end;
      return std::nullopt;
    }
    case OutputMode::kBlinking: {
      if (now < since_) return since_;
      absl::Duration rem;
      const std::int64_t k = absl::IDivDuration(now - since_, config_.on_time, &rem);
      return since_ + config_.on_time * (k + 1);
    }
  }
  return std::nullopt;
}

}  // namespace emscore::control

#include "emscore/control/threshold_alarm.hpp"

#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::control {
namespace {

std::string delay_text(absl::Duration d) {
  return d > absl::ZeroDuration() ? str_cat(" for ", absl::FormatDuration(d)) : std::string();
}

}  // namespace

std::string_view comparison_name(Comparison c) noexcept {
  return c == Comparison::kAbove ? "above" : "below";
}

absl::Status ThresholdRule::validate() const {
  auto bad = [&](std::string_view what) {
    return absl::InvalidArgumentError(str_cat("control: rule '", name, "': ", what));
  };
  if (name.empty()) return absl::InvalidArgumentError("control: rule without a name");
  if (hysteresis.mantissa < 0) return bad("negative hysteresis");
  if (hysteresis.unit != Unit::kNone && !same_dimension(hysteresis.unit, threshold.unit)) {
    return bad(str_cat("hysteresis in ", unit_symbol(hysteresis.unit), ", threshold in ",
                       unit_symbol(threshold.unit), ": expected one dimension"));
  }
  if (on_delay < absl::ZeroDuration() || off_delay < absl::ZeroDuration()) {
    return bad("negative delay");
  }
  return absl::OkStatus();
}

absl::StatusOr<ThresholdAlarm> ThresholdAlarm::create(const ThresholdRule& rule) {
  EMSCORE_RETURN_IF_ERROR(rule.validate());
  ThresholdRule r = rule;
  if (r.hysteresis.unit == Unit::kNone) r.hysteresis.unit = r.threshold.unit;
  auto release = r.comparison == Comparison::kAbove ? r.threshold.minus(r.hysteresis)
                                                    : r.threshold.plus(r.hysteresis);
  if (!release.ok()) return with_context(release.status(), str_cat("control: rule '", r.name, "'"));
  return ThresholdAlarm(r, *release);
}

bool ThresholdAlarm::matches(const Reading& r) const noexcept {
  return r.quantity == rule_.quantity && (!rule_.device || *rule_.device == r.device);
}

absl::Status ThresholdAlarm::on_reading(const Reading& r) {
  if (!matches(r)) {
    return absl::InvalidArgumentError(str_cat("control: rule '", rule_.name, "': reading of ",
                                              r.quantity.to_string(), " does not match"));
  }
  if (!same_dimension(r.value.unit, rule_.threshold.unit)) {
    return absl::InvalidArgumentError(
        str_cat("control: rule '", rule_.name, "': reading in ", unit_symbol(r.value.unit),
                ", expected a unit like ", unit_symbol(rule_.threshold.unit)));
  }
  if (r.quality == Quality::kInvalid || r.at < newest_) return absl::OkStatus();
  const bool above = rule_.comparison == Comparison::kAbove;
  const bool triggered = above ? r.value > rule_.threshold : r.value < rule_.threshold;
  const bool released = above ? r.value <= release_ : r.value >= release_;
  const bool want = active_ ? !released : triggered;
  if (want != want_) {  // the delay counts from the first reading that asks for a change
    want_ = want;
    since_ = r.at;
  }
  newest_ = r.at;
  last_ = r.value;
  return absl::OkStatus();
}

std::optional<absl::Time> ThresholdAlarm::pending_until() const {
  if (want_ == active_) return std::nullopt;
  return since_ + (want_ ? rule_.on_delay : rule_.off_delay);
}

std::optional<Event> ThresholdAlarm::poll(absl::Time now) {
  const auto due = pending_until();
  if (!due || now < *due) return std::nullopt;
  active_ = want_;
  const bool above = rule_.comparison == Comparison::kAbove;
  const std::string value = last_ ? last_->to_string_with_unit() : std::string("?");
  std::string msg;
  if (active_) {
    msg = str_cat("raised: ", rule_.quantity.to_string(), " ", value, above ? " > " : " < ",
                  rule_.threshold.to_string_with_unit(), delay_text(rule_.on_delay));
  } else {
    msg = str_cat("released: ", rule_.quantity.to_string(), " ", value, above ? " <= " : " >= ",
                  release_.to_string_with_unit(), delay_text(rule_.off_delay));
  }
  return Event{*due, active_ ? EventKind::kAlarmRaised : EventKind::kAlarmCleared,
               str_cat("rule ", rule_.name), std::move(msg)};
}

}  // namespace emscore::control

#include "emscore/control/alarm_controller.hpp"

#include <algorithm>

#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::control {

std::optional<std::size_t> AlarmController::find_output(std::string_view name) const {
  for (std::size_t i = 0; i < outputs_.size(); ++i) {
    if (outputs_[i].out.config().name == name) return i;
  }
  return std::nullopt;
}

absl::Status AlarmController::add_output(const OutputConfig& config) {
  EMSCORE_RETURN_IF_ERROR(config.validate());
  if (find_output(config.name)) {
    return absl::AlreadyExistsError(str_cat("control: output '", config.name, "' already added"));
  }
  outputs_.push_back(OutputSlot{DigitalOutput(config), false});
  return absl::OkStatus();
}

absl::Status AlarmController::add_rule(const ThresholdRule& rule,
                                       std::optional<std::string_view> output) {
  EMSCORE_ASSIGN_OR_RETURN(ThresholdAlarm alarm, ThresholdAlarm::create(rule));
  for (const RuleSlot& r : rules_) {
    if (r.alarm.rule().name == rule.name) {
      return absl::AlreadyExistsError(str_cat("control: rule '", rule.name, "' already added"));
    }
  }
  std::optional<std::size_t> out;
  if (output) {
    out = find_output(*output);
    if (!out) {
      return absl::NotFoundError(str_cat("control: rule '", rule.name, "': unknown output '",
                                         *output, "'"));
    }
    if (outputs_[*out].out.config().function != OutputFunction::kAlarm) {
      return absl::FailedPreconditionError(
          str_cat("control: rule '", rule.name, "': output '", *output,
                  "' has the remote function, expected alarm"));
    }
  }
  rules_.push_back(RuleSlot{std::move(alarm), out});
  return absl::OkStatus();
}

absl::Status AlarmController::on_reading(const Reading& r) {
  // Every matching rule is fed even when one of them refuses the reading (a misconfigured
  // rule must not blind the others); the first error is returned.
  absl::Status first;
  for (RuleSlot& rule : rules_) {
    if (!rule.alarm.matches(r)) continue;
    absl::Status st = rule.alarm.on_reading(r);
    if (first.ok() && !st.ok()) first = std::move(st);
  }
  return first;
}

void AlarmController::output_event(std::size_t i, absl::Time at, std::string why) {
  const DigitalOutput& o = outputs_[i].out;
  const OutputConfig& c = o.config();
  std::string mode(output_mode_name(o.mode()));
  if (o.mode() != OutputMode::kMaintained) mode += str_cat(" ", absl::FormatDuration(c.on_time));
  pending_.push_back(Event{
      at, EventKind::kOutputChanged, str_cat("output ", c.name),
      str_cat(o.active() ? "on" : "off", " (", normal_state_name(c.normal), ", ", mode,
              ", contact ", o.contact_closed(at) ? "closed" : "open", "): ", why)});
}

absl::Status AlarmController::remote_command(std::string_view output, RemoteCommand command,
                                             absl::Time now, std::string_view who) {
  const auto i = find_output(output);
  if (!i) return absl::NotFoundError(str_cat("control: unknown output '", output, "'"));
  DigitalOutput& o = outputs_[*i].out;
  if (o.config().function != OutputFunction::kRemote) {
    return absl::FailedPreconditionError(
        str_cat("control: output '", output, "' has the alarm function; remote commands need "
                "the remote function"));
  }
  const bool on = command == RemoteCommand::kOn;
  const bool changed = on ? o.activate(now) : o.deactivate(now);
  pending_.push_back(Event{now, EventKind::kRemoteCommand, str_cat("output ", output),
                           str_cat(on ? "on" : "off", " by ", who.empty() ? "?" : who,
                                   changed ? "" : " (no change)")});
  if (changed) output_event(*i, now, str_cat("remote command by ", who));
  return absl::OkStatus();
}

std::vector<Event> AlarmController::poll(absl::Time now) {
  std::vector<std::optional<absl::Time>> edge_at(outputs_.size());
  std::vector<std::string> edge_why(outputs_.size());
  for (RuleSlot& rule : rules_) {
    auto e = rule.alarm.poll(now);
    if (!e) continue;
    if (rule.output) {
      edge_at[*rule.output] = std::max(edge_at[*rule.output].value_or(e->at), e->at);
      edge_why[*rule.output] = str_cat(rule.alarm.rule().name, " ",
                                       rule.alarm.active() ? "raised" : "released");
    }
    pending_.push_back(std::move(*e));
  }
  for (std::size_t i = 0; i < outputs_.size(); ++i) {
    OutputSlot& slot = outputs_[i];
    if (slot.out.config().function == OutputFunction::kAlarm) {
      bool desired = false;
      for (const RuleSlot& rule : rules_) {
        if (rule.output == i && rule.alarm.active()) desired = true;
      }
      if (desired != slot.driven) {
        slot.driven = desired;
        const absl::Time at = edge_at[i].value_or(now);
        const bool changed = desired ? slot.out.activate(at) : slot.out.deactivate(at);
        if (changed) output_event(i, at, str_cat("alarm ", edge_why[i]));
      }
    }
    if (auto end = slot.out.expire(now)) output_event(i, *end, "impulse ON time elapsed");
  }
  std::vector<Event> out = std::move(pending_);
  pending_.clear();
  std::stable_sort(out.begin(), out.end(),
                   [](const Event& a, const Event& b) { return a.at < b.at; });
  return out;
}

std::optional<bool> AlarmController::alarm_active(std::string_view rule) const {
  for (const RuleSlot& r : rules_) {
    if (r.alarm.rule().name == rule) return r.alarm.active();
  }
  return std::nullopt;
}

std::optional<bool> AlarmController::contact_closed(std::string_view output,
                                                    absl::Time now) const {
  const auto i = find_output(output);
  if (!i) return std::nullopt;
  return outputs_[*i].out.contact_closed(now);
}

std::vector<OutputView> AlarmController::outputs(absl::Time now) const {
  std::vector<OutputView> v;
  for (const OutputSlot& s : outputs_) {
    v.push_back(OutputView{s.out.config(), s.out.active(), s.out.contact_closed(now)});
  }
  return v;
}

std::optional<absl::Time> AlarmController::next_wakeup(absl::Time now) const {
  std::optional<absl::Time> next;
  auto take = [&](std::optional<absl::Time> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  for (const RuleSlot& r : rules_) take(r.alarm.pending_until());
  for (const OutputSlot& s : outputs_) take(s.out.next_change(now));
  return next;
}

}  // namespace emscore::control

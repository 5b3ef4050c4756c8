#include "emscore/tariff/switch_schedule.hpp"

#include <algorithm>

#include "emscore/core/status.hpp"
#include "emscore/tariff/cost_rule.hpp"
#include "emscore/tariff/timeline.hpp"

namespace emscore::tariff {
namespace {

constexpr int kMinutesPerWeek = 7 * 1440;

WeekdaySet days_of(const SwitchCommand& c) { return WeekdaySet::range(c.first_day, c.last_day); }

// Minutes since Monday 00:00 at which each command fires in a week.
std::vector<std::pair<int, std::size_t>> week_firings(const std::vector<SwitchCommand>& cmds) {
  std::vector<std::pair<int, std::size_t>> out;
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    const WeekdaySet days = days_of(cmds[i]);
    for (int d = 0; d < 7; ++d) {
      if (days.contains(static_cast<absl::Weekday>(d))) {
        out.emplace_back(d * 1440 + cmds[i].hour * 60 + cmds[i].minute, i);
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

absl::StatusOr<SwitchSchedule> SwitchSchedule::create(std::vector<SwitchCommand> commands) {
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const SwitchCommand& c = commands[i];
    if (c.tariff < 1 || c.tariff > 255) {
      return absl::InvalidArgumentError(
          str_cat("tariff: switch command ", i, ": tariff ", c.tariff, ", expected 1..255"));
    }
    if (c.hour < 0 || c.hour > 23 || c.minute < 0 || c.minute > 59) {
      return absl::InvalidArgumentError(str_cat("tariff: switch command ", i, ": time ", c.hour,
                                                ":", c.minute, ", expected 00:00..23:59"));
    }
  }
  const auto firings = week_firings(commands);
  for (std::size_t k = 1; k < firings.size(); ++k) {
    const auto& a = firings[k - 1];
    const auto& b = firings[k];
    if (a.first == b.first && commands[a.second].tariff != commands[b.second].tariff) {
      return absl::InvalidArgumentError(str_cat(
          "tariff: switch commands ", a.second, " and ", b.second, " fire at the same time (",
          commands[a.second].hour, ":", commands[a.second].minute,
          ") on the same weekday with "
          "different tariffs"));
    }
  }
  SwitchSchedule s;
  s.commands_ = std::move(commands);
  return s;
}

std::vector<SwitchEvent> SwitchSchedule::events(const absl::TimeZone& tz, absl::Time from,
                                                absl::Time to) const {
  std::vector<SwitchEvent> out;
  if (commands_.empty() || !(from < to)) return out;
  // One civil day of margin each side: an event's instant may lie on the neighbouring civil
  // day of `from`/`to` only through a DST gap, which moves it by less than a day.
  const absl::CivilDay first = absl::CivilDay(tz.At(from).cs) - 1;
  const absl::CivilDay last = absl::CivilDay(tz.At(to).cs) + 1;
  for (absl::CivilDay d = first; d <= last; ++d) {
    const absl::Weekday wd = absl::GetWeekday(d);
    for (std::size_t i = 0; i < commands_.size(); ++i) {
      const SwitchCommand& c = commands_[i];
      if (!days_of(c).contains(wd)) continue;
      const absl::CivilSecond local = absl::CivilSecond(d) + (c.hour * 3600 + c.minute * 60);
      const absl::Time at = civil_instant(tz, local);
      if (at >= from && at < to) out.push_back(SwitchEvent{at, local, c.tariff, i});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const SwitchEvent& a, const SwitchEvent& b) {
    return a.at < b.at || (a.at == b.at && a.local < b.local);
  });
  return out;
}

std::optional<int> SwitchSchedule::tariff_at(const absl::TimeZone& tz, absl::Time t) const {
  if (commands_.empty()) return std::nullopt;
  // Every command fires at least once a week: eight days back always find the last firing.
  const auto ev = events(tz, t - absl::Hours(24 * 8), t + absl::Nanoseconds(1));
  if (ev.empty()) return std::nullopt;
  return ev.back().tariff;
}

std::vector<std::string> SwitchSchedule::warnings() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < commands_.size(); ++i) {
    if (commands_[i].minute % 15 != 0) {
      out.push_back(str_cat("switch command ", i, " (", commands_[i].name,
                            ") is not on a quarter hour: PTB-A 50.7 meters may ignore it"));
    }
  }
  const auto firings = week_firings(commands_);
  for (std::size_t k = 0; k < firings.size(); ++k) {
    const auto& a = firings[k];
    const auto& b = firings[(k + 1) % firings.size()];
    int gap = b.first - a.first;
    if (k + 1 == firings.size()) gap += kMinutesPerWeek;
    if (firings.size() > 1 && gap < 15) {
      out.push_back(str_cat("switch commands ", a.second, " and ", b.second, " fire ", gap,
                            " minutes apart: PTB-A 50.7 meters switch at most every 15 minutes"));
    }
  }
  return out;
}

}  // namespace emscore::tariff

// emscore/tariff/switch_schedule.hpp — tariff-switch commands sent to meters on a schedule.
//
// Facts from seed 002 (the M-Bus/Modbus data logger, "Tariffs"): a command has a name, a
// tariff number, a first and a last weekday (inclusive) and a time of day (hour, minute);
// at that time on each of those days the logger sends the tariff change to the meters that
// support it. Example: "day" tariff 1 Monday..Friday at 07:00 and "night" tariff 2
// Monday..Friday at 20:00. The logger does not check commands for overlaps; meters certified
// to PTB-A 50.7 change tariff at most once every 15 minutes.
//
// We produce the exact instants at which the commands fire in any period, in the site's
// zone. A time that does not exist on a spring-forward day fires at the transition (the clock
// jumps past it); a time that exists twice on a fall-back day fires once, at its first
// occurrence — a command is sent once a day, never twice.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace emscore::tariff {

struct SwitchCommand {
  std::string name;
  int tariff = 1;  // tariff number the meters switch to (1..255)
  absl::Weekday first_day = absl::Weekday::monday;
  absl::Weekday last_day = absl::Weekday::sunday;  // inclusive; may wrap (sat..mon)
  int hour = 0;
  int minute = 0;
};

struct SwitchEvent {
  absl::Time at;
  absl::CivilSecond local;  // the scheduled civil time (which may not exist on the clock)
  int tariff = 0;
  std::size_t command = 0;  // index in the schedule
};

class SwitchSchedule {
 public:
  // Errors on a tariff outside 1..255, a time outside 00:00..23:59, and on two commands that
  // fire at the same weekday and time with different tariffs (which one wins would depend on
  // the order the meter receives them).
  static absl::StatusOr<SwitchSchedule> create(std::vector<SwitchCommand> commands);

  const std::vector<SwitchCommand>& commands() const noexcept { return commands_; }
  // Every firing in [from, to), in time order (ties in command order).
  std::vector<SwitchEvent> events(const absl::TimeZone& tz, absl::Time from, absl::Time to) const;
  // The tariff set by the last firing at or before t; nullopt when there are no commands.
  std::optional<int> tariff_at(const absl::TimeZone& tz, absl::Time t) const;
  // Advice, not errors: commands off a quarter hour (PTB-A 50.7 meters switch at most every
  // 15 minutes) and two firings less than 15 minutes apart in a week.
  std::vector<std::string> warnings() const;

 private:
  std::vector<SwitchCommand> commands_;
};

}  // namespace emscore::tariff

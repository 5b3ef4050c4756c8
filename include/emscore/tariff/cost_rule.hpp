// emscore/tariff/cost_rule.hpp — cost rules: which tariff applies at a civil time.
//
// Facts carried over from seed 003 (§7.16.3.1, "Procedure to create Cost Rules"): a rule
// names a tariff and may give a validity date or period, a daily time frame, the weekdays it
// holds on, and "repeat every year" for holidays such as Christmas or New Year's Day. Rules
// are true or false; they are evaluated top-down and the first true rule decides, so
// exceptions (a holiday, a special month) must come before the regular weekday rules.
//
// Our reading of the fields, all in the site's civil (wall-clock) time:
//  - the time frame is inclusive at minute resolution, as the seed writes it: "00:00–18:59"
//    holds from 00:00:00 up to, not including, 19:00:00. A frame whose end is before its start
//    ("22:00–05:59") wraps: it holds in both ends of the same civil day (weekday and date are
//    those of the civil day, not of the evening the night began);
//  - the validity period is inclusive of both days; either end may be open;
//  - with "repeat every year" only month and day count, and both ends are required; a period
//    may run over New Year (12-24 .. 01-06); 02-29 holds only in leap years;
//  - weekdays are a set (the device offers "every day" or any combination).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "emscore/tariff/tariff.hpp"

namespace emscore::tariff {

class WeekdaySet {
 public:
  constexpr WeekdaySet() = default;
  static constexpr WeekdaySet all() noexcept { return WeekdaySet(0x7F); }
  static constexpr WeekdaySet none() noexcept { return WeekdaySet(0); }
  // first..last inclusive in the order Monday..Sunday, wrapping (Saturday..Monday is three
  // days), as a weekday range of the data logger's tariff-switch commands (seed 002).
  static WeekdaySet range(absl::Weekday first, absl::Weekday last) noexcept;
  // "all", "mon-fri", "sat,sun", "mon-wed,fri" (three-letter English names, any case).
  static absl::StatusOr<WeekdaySet> parse(std::string_view text);

  WeekdaySet with(absl::Weekday d) const noexcept {
    return WeekdaySet(static_cast<std::uint8_t>(bits_ | bit(d)));
  }
  bool contains(absl::Weekday d) const noexcept { return (bits_ & bit(d)) != 0; }
  bool empty() const noexcept { return bits_ == 0; }
  std::uint8_t bits() const noexcept { return bits_; }  // bit 0 = Monday
  // "mon-fri", "all", "sat,sun".
  std::string to_string() const;
  friend bool operator==(const WeekdaySet&, const WeekdaySet&) = default;

 private:
  constexpr explicit WeekdaySet(std::uint8_t b) : bits_(b) {}
  static std::uint8_t bit(absl::Weekday d) noexcept {
    return static_cast<std::uint8_t>(1u << static_cast<int>(d));  // absl: Monday = 0
  }
  std::uint8_t bits_ = 0;
};

// A daily time frame: minutes of the civil day, both inclusive.
struct DayWindow {
  int first_minute = 0;    // 0..1439
  int last_minute = 1439;  // 0..1439; < first_minute wraps over midnight

  // "00:00-18:59" (also with an en dash or " - "); hours 00..23, minutes 00..59.
  static absl::StatusOr<DayWindow> parse(std::string_view text);
  bool whole_day() const noexcept { return first_minute == 0 && last_minute == 1439; }
  bool contains(int minute_of_day) const noexcept {
    return first_minute <= last_minute
               ? minute_of_day >= first_minute && minute_of_day <= last_minute
               : minute_of_day >= first_minute || minute_of_day <= last_minute;
  }
  std::string to_string() const;  // "00:00-18:59"
  friend bool operator==(const DayWindow&, const DayWindow&) = default;
};

struct CostRule {
  int tariff = 0;                      // index into the TariffPlan's tariffs
  std::optional<absl::CivilDay> from;  // validity, inclusive; open when absent
  std::optional<absl::CivilDay> to;
  bool every_year = false;  // only month/day of from/to count
  DayWindow window;
  WeekdaySet weekdays = WeekdaySet::all();

  absl::Status validate(std::size_t tariff_count) const;
  // Whether the rule can hold on `day` (validity and weekday; the window is not looked at).
  bool applies_on(absl::CivilDay day) const noexcept;
  // Whether the rule holds at civil minute `at`.
  bool holds(absl::CivilMinute at) const noexcept {
    return applies_on(absl::CivilDay(at)) && window.contains(at.hour() * 60 + at.minute());
  }
};

// A medium's tariffs and its ordered cost rules.
struct TariffPlan {
  std::vector<Tariff> tariffs;
  std::vector<CostRule> rules;  // top-down: the first rule that holds decides

  absl::Status validate() const;
  // Index of the first rule that holds at `at`, or -1 when none does. This is the rule scan
  // the seed describes; Timeline compiles it so that bills do not run it per interval.
  int first_match(absl::CivilMinute at) const noexcept;
  // The tariff in force at `at` (index into tariffs), or -1.
  int tariff_at(absl::CivilMinute at) const noexcept {
    const int r = first_match(at);
    return r < 0 ? -1 : rules[static_cast<std::size_t>(r)].tariff;
  }
};

}  // namespace emscore::tariff

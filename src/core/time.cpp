#include "emscore/core/time.hpp"

#include <string>

#include "emscore/core/strings.hpp"

namespace emscore {

absl::StatusOr<absl::CivilSecond> checked_civil_second(int year, int month, int day, int hour,
                                                       int minute, int second) {
  const absl::CivilSecond cs(year, month, day, hour, minute, second);
  if (cs.year() != year || cs.month() != month || cs.day() != day || cs.hour() != hour ||
      cs.minute() != minute || cs.second() != second) {
    return absl::InvalidArgumentError(str_cat(
        "time: ", year, "-", month, "-", day, " ", hour, ":", minute, ":", second,
        " is not a valid date and time"));
  }
  return cs;
}

std::string format_iso8601_utc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

std::string format_iso8601(absl::Time t, const absl::TimeZone& tz) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*S%Ez", t, tz);
}

absl::StatusOr<absl::Time> parse_iso8601(std::string_view text) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, std::string(text), &t, &err)) return t;
  return absl::InvalidArgumentError(
      str_cat("time: \"", text, "\" is not ISO 8601 (e.g. 2024-04-11T13:00:25Z): ", err));
}

absl::StatusOr<absl::TimeZone> load_time_zone(std::string_view name) {
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(std::string(name), &tz)) {
    return absl::NotFoundError(str_cat("time: unknown time zone \"", name, "\""));
  }
  return tz;
}

}  // namespace emscore

#include "emscore/dsmr/timestamp.hpp"

#include <string>

#include "absl/time/civil_time.h"

namespace emscore::dsmr {
namespace {

constexpr int kFallbackOffsetSeconds = 3600;

inline bool two_digits(std::string_view s, std::size_t at, int* out) noexcept {
  const char a = s[at];
  const char b = s[at + 1];
  if (a < '0' || a > '9' || b < '0' || b > '9') return false;
  *out = (a - '0') * 10 + (b - '0');
  return true;
}

}  // namespace

absl::TimeZone default_time_zone() {
  absl::TimeZone tz;
  if (absl::LoadTimeZone("Europe/Amsterdam", &tz)) return tz;
  return absl::FixedTimeZone(kFallbackOffsetSeconds);
}

bool is_fallback_zone(const absl::TimeZone& zone) {
  return zone == absl::FixedTimeZone(kFallbackOffsetSeconds);
}

bool parse_timestamp(std::string_view text, const absl::TimeZone& zone, absl::Time* out,
                     char* flag, bool summer_adds_hour) noexcept {
  if (text.size() != 12 && text.size() != 13) return false;
  char f = 0;
  if (text.size() == 13) {
    f = text[12];
    if (f != 'S' && f != 'W' && f != 's' && f != 'w') return false;
    f = (f == 's' || f == 'S') ? 'S' : 'W';
  }
  int yy, mo, dd, hh, mi, ss;
  if (!two_digits(text, 0, &yy) || !two_digits(text, 2, &mo) || !two_digits(text, 4, &dd) ||
      !two_digits(text, 6, &hh) || !two_digits(text, 8, &mi) || !two_digits(text, 10, &ss)) {
    return false;
  }
  // Seconds up to 60 would be a leap second; meters never send one: reject as out of range.
  if (mo < 1 || mo > 12 || dd < 1 || hh > 23 || mi > 59 || ss > 59) return false;
  const absl::CivilSecond cs(2000 + yy, mo, dd, hh, mi, ss);
  if (cs.month() != mo || cs.day() != dd) return false;  // 31 April, 29 Feb 2023
  const absl::TimeZone::TimeInfo ti = zone.At(cs);
  absl::Time t;
  switch (ti.kind) {
    case absl::TimeZone::TimeInfo::UNIQUE:
      t = ti.pre;
      break;
    case absl::TimeZone::TimeInfo::REPEATED:
      // The hour after DST ends occurs twice: summer (first) or winter (second) reading.
      t = f == 'W' ? ti.post : ti.pre;
      break;
    case absl::TimeZone::TimeInfo::SKIPPED:
      // A wall-clock time in the spring-forward gap: take the offset the flag names.
      t = f == 'S' ? ti.post : (f == 'W' ? ti.pre : ti.trans);
      break;
  }
  if (f == 'S' && summer_adds_hour) t -= absl::Hours(1);
  *out = t;
  if (flag != nullptr) *flag = f;
  return true;
}

std::string format_timestamp(absl::Time t, const absl::TimeZone& zone) {
  const absl::TimeZone::CivilInfo ci = zone.At(t);
  std::string out;
  out.reserve(13);
  const int year = static_cast<int>(ci.cs.year() % 100);
  auto put2 = [&out](int v) {
    out.push_back(static_cast<char>('0' + v / 10));
    out.push_back(static_cast<char>('0' + v % 10));
  };
  put2(year);
  put2(ci.cs.month());
  put2(ci.cs.day());
  put2(ci.cs.hour());
  put2(ci.cs.minute());
  put2(ci.cs.second());
  out.push_back(ci.is_dst ? 'S' : 'W');
  return out;
}

}  // namespace emscore::dsmr

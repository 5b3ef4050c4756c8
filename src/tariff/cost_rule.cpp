#include "emscore/tariff/cost_rule.hpp"

#include <array>
#include <cctype>

#include "emscore/core/status.hpp"

namespace emscore::tariff {
namespace {

constexpr std::array<std::string_view, 7> kDayNames = {"mon", "tue", "wed", "thu",
                                                       "fri", "sat", "sun"};

std::optional<int> day_index(std::string_view s) {
  if (s.size() != 3) return std::nullopt;
  std::string lower;
  for (char c : s) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (std::size_t i = 0; i < kDayNames.size(); ++i) {
    if (kDayNames[i] == lower) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::optional<int> parse_hhmm(std::string_view s) {
  s = trim(s);
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  for (int i : {0, 1, 3, 4}) {
    if (s[static_cast<std::size_t>(i)] < '0' || s[static_cast<std::size_t>(i)] > '9') {
      return std::nullopt;
    }
  }
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

std::string hhmm(int minute) {
  std::string s = "00:00";
  s[0] = static_cast<char>('0' + minute / 600);
  s[1] = static_cast<char>('0' + minute / 60 % 10);
  s[3] = static_cast<char>('0' + minute % 60 / 10);
  s[4] = static_cast<char>('0' + minute % 10);
  return s;
}

int month_day(absl::CivilDay d) { return d.month() * 100 + d.day(); }

}  // namespace

WeekdaySet WeekdaySet::range(absl::Weekday first, absl::Weekday last) noexcept {
  WeekdaySet s;
  int d = static_cast<int>(first);
  for (int n = 0; n < 7; ++n) {
    s = s.with(static_cast<absl::Weekday>(d));
    if (d == static_cast<int>(last)) break;
    d = (d + 1) % 7;
  }
  return s;
}

absl::StatusOr<WeekdaySet> WeekdaySet::parse(std::string_view text) {
  const std::string_view all_text = trim(text);
  if (all_text == "all" || all_text == "ALL" || all_text == "All") return all();
  WeekdaySet s;
  std::string_view rest = all_text;
  while (true) {
    const auto comma = rest.find(',');
    const std::string_view item = trim(rest.substr(0, comma));
    const auto dash = item.find('-');
    const auto a = day_index(trim(item.substr(0, dash)));
    const auto b = dash == std::string_view::npos ? a : day_index(trim(item.substr(dash + 1)));
    if (!a || !b) {
      return absl::InvalidArgumentError(
          str_cat("tariff: weekdays \"", text, "\": \"", item,
                  "\" is not a day or range (expected e.g. mon-fri, sat,sun or all)"));
    }
    const WeekdaySet r = range(static_cast<absl::Weekday>(*a), static_cast<absl::Weekday>(*b));
    s = WeekdaySet(static_cast<std::uint8_t>(s.bits_ | r.bits_));
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return s;
}

std::string WeekdaySet::to_string() const {
  if (bits_ == 0x7F) return "all";
  std::string out;
  int i = 0;
  while (i < 7) {
    if ((bits_ & (1u << i)) == 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j + 1 < 7 && (bits_ & (1u << (j + 1))) != 0) ++j;
    if (!out.empty()) out += ",";
    out += kDayNames[static_cast<std::size_t>(i)];
    if (j > i) out += str_cat("-", kDayNames[static_cast<std::size_t>(j)]);
    i = j + 1;
  }
  return out;
}

absl::StatusOr<DayWindow> DayWindow::parse(std::string_view text) {
  // Accept "-", an en dash (UTF-8 E2 80 93) or "–" surrounded by spaces.
  std::string t(text);
  const std::string en_dash = "\xE2\x80\x93";
  if (auto p = t.find(en_dash); p != std::string::npos) t.replace(p, en_dash.size(), "-");
  const auto dash = t.find('-');
  std::optional<int> a, b;
  if (dash != std::string::npos) {
    a = parse_hhmm(std::string_view(t).substr(0, dash));
    b = parse_hhmm(std::string_view(t).substr(dash + 1));
  }
  if (!a || !b) {
    return absl::InvalidArgumentError(str_cat(
        "tariff: time frame \"", text, "\" is not HH:MM-HH:MM (e.g. 00:00-18:59, inclusive)"));
  }
  return DayWindow{*a, *b};
}

std::string DayWindow::to_string() const {
  return str_cat(hhmm(first_minute), "-", hhmm(last_minute));
}

absl::Status CostRule::validate(std::size_t tariff_count) const {
  if (tariff < 0 || static_cast<std::size_t>(tariff) >= tariff_count) {
    return absl::InvalidArgumentError(
        str_cat("tariff: rule names tariff ", tariff, ", the plan has ", tariff_count));
  }
  if (window.first_minute < 0 || window.first_minute > 1439 || window.last_minute < 0 ||
      window.last_minute > 1439) {
    return absl::InvalidArgumentError("tariff: rule time frame outside 00:00-23:59");
  }
  if (weekdays.empty()) return absl::InvalidArgumentError("tariff: rule holds on no weekday");
  if (every_year && (!from || !to)) {
    return absl::InvalidArgumentError(
        "tariff: a rule that repeats every year needs both a first and a last day");
  }
  if (!every_year && from && to && *to < *from) {
    return absl::InvalidArgumentError(str_cat("tariff: rule validity ends (",
                                              absl::FormatCivilTime(*to), ") before it starts (",
                                              absl::FormatCivilTime(*from), ")"));
  }
  return absl::OkStatus();
}

bool CostRule::applies_on(absl::CivilDay day) const noexcept {
  if (!weekdays.contains(absl::GetWeekday(day))) return false;
  if (every_year) {
    const int md = month_day(day);
    const int a = month_day(*from);
    const int b = month_day(*to);
    return a <= b ? (md >= a && md <= b) : (md >= a || md <= b);
  }
  if (from && day < *from) return false;
  if (to && day > *to) return false;
  return true;
}

absl::Status TariffPlan::validate() const {
  for (std::size_t i = 0; i < tariffs.size(); ++i) {
    EMSCORE_RETURN_IF_ERROR(with_context(tariffs[i].validate(), str_cat("tariff ", i)));
  }
  for (std::size_t i = 0; i < rules.size(); ++i) {
    EMSCORE_RETURN_IF_ERROR(with_context(rules[i].validate(tariffs.size()), str_cat("rule ", i)));
  }
  return absl::OkStatus();
}

int TariffPlan::first_match(absl::CivilMinute at) const noexcept {
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].holds(at)) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace emscore::tariff

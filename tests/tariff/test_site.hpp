// Shared fixtures of the tariff tests: the seed's four cost rules and interval generators.
#pragma once

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "emscore/tariff/bill.hpp"
#include "emscore/tariff/cost_rule.hpp"
#include "emscore/tariff/interval.hpp"
#include "emscore/tariff/site.hpp"
#include "emscore/tariff/timeline.hpp"

namespace emscore::tariff::testing {

inline absl::TimeZone zone(const char* name) {
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(name, &tz)) std::abort();
  return tz;
}

inline Tariff make_tariff(std::string name, Value price) {
  return Tariff{std::move(name), "", {PricePoint{std::nullopt, price}}};
}

inline CostRule rule(int tariff, DayWindow window, WeekdaySet days = WeekdaySet::all()) {
  CostRule r;
  r.tariff = tariff;
  r.window = window;
  r.weekdays = days;
  return r;
}

inline CostRule period_rule(int tariff, absl::CivilDay from, absl::CivilDay to, bool every_year) {
  CostRule r;
  r.tariff = tariff;
  r.from = from;
  r.to = to;
  r.every_year = every_year;
  return r;
}

// Seed 003 §7.16.3.1 examples 1-4: T1 00:00-18:59 Mon-Fri, T2 19:00-23:59 Mon-Fri,
// Christmas every year on T2, March 2020 on T3. Tariff indices: 0 = T1, 1 = T2, 2 = T3.
inline CostRule seed_rule_weekday_day() {
  return rule(0, DayWindow{0, 18 * 60 + 59},
              WeekdaySet::range(absl::Weekday::monday, absl::Weekday::friday));
}
inline CostRule seed_rule_weekday_evening() {
  return rule(1, DayWindow{19 * 60, 23 * 60 + 59},
              WeekdaySet::range(absl::Weekday::monday, absl::Weekday::friday));
}
inline CostRule seed_rule_christmas() {
  return period_rule(1, absl::CivilDay(2000, 12, 25), absl::CivilDay(2000, 12, 25), true);
}
inline CostRule seed_rule_march_2020() {
  return period_rule(2, absl::CivilDay(2020, 3, 1), absl::CivilDay(2020, 3, 31), false);
}

inline TariffPlan seed_plan(bool right_order) {
  TariffPlan p;
  p.tariffs = {make_tariff("T1", Value(2000, -4)), make_tariff("T2", Value(1500, -4)),
               make_tariff("T3", Value(1000, -4))};
  if (right_order) {
    p.rules = {seed_rule_march_2020(), seed_rule_christmas(), seed_rule_weekday_day(),
               seed_rule_weekday_evening()};
  } else {
    p.rules = {seed_rule_weekday_day(), seed_rule_weekday_evening(), seed_rule_christmas(),
               seed_rule_march_2020()};
  }
  return p;
}

inline Site site_with(TariffPlan electricity, const char* tz_name = "Europe/Zurich") {
  Site s;
  s.currency = *Currency::parse("EUR");
  s.time_zone = zone(tz_name);
  s.plan(Medium::kElectricity) = std::move(electricity);
  s.devices.push_back(Device{"main", Medium::kElectricity, "General", "Building", false});
  return s;
}

// Back-to-back intervals of `step` from `from` to `to`, each consuming `each`.
inline std::vector<ConsumptionInterval> constant(std::uint32_t device, absl::Time from,
                                                 absl::Time to, absl::Duration step, Value each) {
  std::vector<ConsumptionInterval> v;
  for (absl::Time t = from; t < to; t += step) v.push_back({device, t, t + step, each});
  return v;
}

inline absl::Time local(const absl::TimeZone& tz, int y, int mo, int d, int h = 0, int mi = 0) {
  return civil_instant(tz, absl::CivilSecond(y, mo, d, h, mi, 0));
}

}  // namespace emscore::tariff::testing

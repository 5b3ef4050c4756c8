// The cost rules of the energy web server's manual (seed 003): tariff 1 on weekdays until
// 18:59, tariff 2 on weekday evenings, Christmas every year on tariff 2 and March 2020 on
// tariff 3 — priced for March 2020 in Zurich, with the exceptions first (right) and last
// (wrong), plus the data logger's day/night tariff-switch schedule (seed 002).
#include <algorithm>
#include <cstdio>
#include <vector>

#include "emscore/tariff/bill.hpp"
#include "emscore/tariff/site_json.hpp"
#include "emscore/tariff/switch_schedule.hpp"

namespace tf = emscore::tariff;

namespace {

constexpr const char* kSiteJson = R"({
  "currency": "EUR",
  "time_zone": "Europe/Zurich",
  "electricity": {
    "tariffs": [
      {"name": "T1", "colour": "#FF8800", "prices": [{"price": "0.2000"}]},
      {"name": "T2", "colour": "#0088FF", "prices": [{"price": "0.1500"}]},
      {"name": "T3", "colour": "#00AA00", "prices": [{"price": "0.1000"}]}
    ],
    "rules": [
      {"tariff": "T3", "from": "2020-03-01", "to": "2020-03-31"},
      {"tariff": "T2", "date": "2020-12-25", "every_year": true},
      {"tariff": "T1", "time": "00:00-18:59", "weekdays": "mon-fri"},
      {"tariff": "T2", "time": "19:00-23:59", "weekdays": "mon-fri"}
    ]
  },
  "devices": [{"id": "main", "medium": "electricity", "load": "General"}]
})";

int print_bill(const char* title, const tf::Site& site,
               const std::vector<tf::ConsumptionInterval>& intervals) {
  auto bill = tf::compute_bill(site, tf::BillPeriod::month(absl::CivilMonth(2020, 3)), intervals);
  if (!bill.ok()) {
    std::fprintf(stderr, "%s\n", std::string(bill.status().message()).c_str());
    return 1;
  }
  std::printf("%s\n", title);
  const tf::MediumBill& e = bill->medium(tf::Medium::kElectricity);
  for (std::size_t t = 0; t < e.total.by_tariff.size(); ++t) {
    std::printf("  %-3s %10s  %s\n", site.plan(tf::Medium::kElectricity).tariffs[t].name.c_str(),
                e.total.by_tariff[t].quantity.to_string_with_unit().c_str(),
                e.total.by_tariff[t].cost.to_string().c_str());
  }
  std::printf("  total %s\n", bill->total_cost.to_string().c_str());
  return 0;
}

}  // namespace

int main() {
  auto site = tf::site_from_json(kSiteJson);
  if (!site.ok()) {
    std::fprintf(stderr, "%s\n", std::string(site.status().message()).c_str());
    return 1;
  }
  // 1 kWh every quarter hour of March 2020 (743 hours: the 29th has 23).
  std::vector<tf::ConsumptionInterval> intervals;
  const absl::Time from =
      tf::civil_instant(site->time_zone, absl::CivilSecond(2020, 3, 1, 0, 0, 0));
  const absl::Time to = tf::civil_instant(site->time_zone, absl::CivilSecond(2020, 4, 1, 0, 0, 0));
  for (absl::Time t = from; t < to; t += absl::Minutes(15)) {
    intervals.push_back(
        {0, t, t + absl::Minutes(15), emscore::Value(1, 0, emscore::Unit::kKiloWattHour)});
  }
  if (print_bill("exceptions first (right):", *site, intervals) != 0) return 1;
  tf::Site wrong = *site;
  auto& rules = wrong.plan(tf::Medium::kElectricity).rules;
  std::rotate(rules.begin(), rules.begin() + 2, rules.end());  // exceptions last
  if (print_bill("exceptions last (wrong):", wrong, intervals) != 0) return 1;

  auto schedule = tf::SwitchSchedule::create(
      {tf::SwitchCommand{"day", 1, absl::Weekday::monday, absl::Weekday::friday, 7, 0},
       tf::SwitchCommand{"night", 2, absl::Weekday::monday, absl::Weekday::friday, 20, 0}});
  if (!schedule.ok()) return 1;
  std::printf("tariff switches, 27-31 March 2020:\n");
  for (const auto& e : schedule->events(
           site->time_zone,
           tf::civil_instant(site->time_zone, absl::CivilSecond(2020, 3, 27, 0, 0, 0)), to)) {
    std::printf("  %s  T%d\n",
                absl::FormatTime("%Y-%m-%d %H:%M %Ez", e.at, site->time_zone).c_str(), e.tariff);
  }
  return 0;
}

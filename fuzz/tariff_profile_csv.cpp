// Fuzzes the CSV profile reader, then bills what it accepted (the day of the first interval)
// against the seed's four rules in Europe/Zurich.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "emscore/tariff/bill.hpp"
#include "emscore/tariff/site_json.hpp"

namespace {

const emscore::tariff::Site& site() {
  static const emscore::tariff::Site s = *emscore::tariff::site_from_json(R"({
    "currency": "EUR", "time_zone": "Europe/Zurich", "gas_kwh_per_m3": "10.55",
    "electricity": {
      "tariffs": [{"name": "T1", "prices": [{"price": "0.2"}, {"from": "2020-03-16", "price": "0.22"}]},
                  {"name": "T2", "prices": [{"price": "0.15"}]},
                  {"name": "T3", "prices": [{"price": "0.1"}]}],
      "rules": [{"tariff": "T3", "from": "2020-03-01", "to": "2020-03-31"},
                {"tariff": "T2", "date": "2020-12-25", "every_year": true},
                {"tariff": "T1", "time": "00:00-18:59", "weekdays": "mon-fri"},
                {"tariff": "T2", "time": "19:00-23:59", "weekdays": "mon-fri"}]},
    "gas": {"tariffs": [{"name": "G", "prices": [{"price": "0.8"}]}], "rules": [{"tariff": "G"}]},
    "devices": [{"id": "a", "medium": "electricity"}, {"id": "g", "medium": "gas"}]
  })");
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace tf = emscore::tariff;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto intervals = tf::parse_profile_csv(text, site());
  if (!intervals.ok() || intervals->empty()) return 0;
  const absl::CivilDay day(site().time_zone.At(intervals->front().start).cs);
  if (day.year() < 1900 || day.year() > 2200) return 0;
  for (auto period : {tf::BillPeriod::day(day), tf::BillPeriod::month(absl::CivilMonth(day))}) {
    (void)tf::compute_bill(site(), period, *intervals);
  }
  return 0;
}

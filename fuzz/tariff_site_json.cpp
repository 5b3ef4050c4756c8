// Fuzzes the rules-file loader, then compiles what it accepted into timelines and a bill over
// the 2020 autumn DST change: nothing may crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "emscore/tariff/bill.hpp"
#include "emscore/tariff/site_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace tf = emscore::tariff;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto site = tf::site_from_json(text);
  if (!site.ok() || site->devices.size() > 64) return 0;
  auto builder = tf::BillBuilder::create(*site, tf::BillPeriod::day(absl::CivilDay(2020, 10, 25)));
  if (!builder.ok()) return 0;
  const absl::Time t0 =
      tf::civil_instant(site->time_zone, absl::CivilSecond(2020, 10, 25, 0, 0, 0));
  for (std::uint32_t d = 0; d < site->devices.size(); ++d) {
    const emscore::Unit u = tf::billing_unit(site->devices[d].medium);
    for (int k = 0; k < 30; ++k) {
      const tf::ConsumptionInterval iv{d, t0 + absl::Minutes(55 * k),
                                       t0 + absl::Minutes(55 * k + 55),
                                       emscore::Value(1234 + k, -3, u)};
      (void)builder->add({&iv, 1});
    }
  }
  (void)builder->finish();
  return 0;
}

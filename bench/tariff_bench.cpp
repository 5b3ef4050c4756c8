// Pricing a year of 15-minute intervals (35,040 per device) for up to 1,000 devices, i.e.
// 35 M intervals, into a yearly bill by month.
//   BM_Baseline_NaiveRuleScan: per interval, the seed's procedure done literally: convert the
//     start to civil time (absl::TimeZone::At), scan the cost rules top-down, look the price up
//     by date, find the month; the same exact int128 accumulation as the SDK.
//   BM_BillBuilder: emscore::tariff::BillBuilder — the rules compiled once into a Timeline of
//     switch instants; per interval a segment lookup (cursor) and the exact accumulation.
// Both see the same site: Europe/Zurich, the seed's four rules plus a weekend rule, a price
// change on 1 July.
//   BM_BillBuilderRaster: the same intervals given as a raster (start, step, values) through
//     BillBuilder::add_raster, which sums runs of values inside one segment before pricing. The
//     shared interval buffer is re-labelled with each device id outside the timed region.
#include <benchmark/benchmark.h>

#include <vector>

#include "absl/time/civil_time.h"
#include "emscore/tariff/bill.hpp"

namespace {

using namespace emscore;
using namespace emscore::tariff;

Site make_site(int devices) {
  Site s;
  s.currency = *Currency::parse("EUR");
  absl::LoadTimeZone("Europe/Zurich", &s.time_zone);
  TariffPlan& p = s.plan(Medium::kElectricity);
  p.tariffs = {Tariff{"T1",
                      "#FF8800",
                      {PricePoint{std::nullopt, Value(2000, -4)},
                       PricePoint{absl::CivilDay(2021, 7, 1), Value(2150, -4)}}},
               Tariff{"T2", "#0088FF", {PricePoint{std::nullopt, Value(1500, -4)}}},
               Tariff{"T3", "#00AA00", {PricePoint{std::nullopt, Value(1000, -4)}}}};
  auto rule = [](int tariff, DayWindow w, WeekdaySet days) {
    CostRule r;
    r.tariff = tariff;
    r.window = w;
    r.weekdays = days;
    return r;
  };
  CostRule march;
  march.tariff = 2;
  march.from = absl::CivilDay(2021, 3, 1);
  march.to = absl::CivilDay(2021, 3, 31);
  CostRule xmas;
  xmas.tariff = 1;
  xmas.from = absl::CivilDay(2000, 12, 25);
  xmas.to = absl::CivilDay(2000, 12, 25);
  xmas.every_year = true;
  const WeekdaySet week = WeekdaySet::range(absl::Weekday::monday, absl::Weekday::friday);
  p.rules = {
      march, xmas, rule(0, DayWindow{0, 1139}, week), rule(1, DayWindow{1140, 1439}, week),
      rule(2, DayWindow{}, WeekdaySet::range(absl::Weekday::saturday, absl::Weekday::sunday))};
  for (int i = 0; i < devices; ++i) {
    s.devices.push_back(Device{"d" + std::to_string(i), Medium::kElectricity, "Load", "", false});
  }
  return s;
}

std::vector<ConsumptionInterval> year_of_quarter_hours(const Site& s) {
  std::vector<ConsumptionInterval> v;
  const absl::Time a = absl::FromCivil(absl::CivilSecond(2021, 1, 1, 0, 0, 0), s.time_zone);
  const absl::Time z = absl::FromCivil(absl::CivilSecond(2022, 1, 1, 0, 0, 0), s.time_zone);
  std::int64_t k = 0;
  for (absl::Time t = a; t < z; t += absl::Minutes(15), ++k) {
    v.push_back({0, t, t + absl::Minutes(15), Value(100 + k % 37, -3, Unit::kKiloWattHour)});
  }
  return v;
}

struct Cell {
  absl::int128 quantity = 0;
  absl::int128 cost = 0;
};

void BM_Baseline_NaiveRuleScan(benchmark::State& state) {
  const int devices = static_cast<int>(state.range(0));
  const Site site = make_site(devices);
  std::vector<ConsumptionInterval> v = year_of_quarter_hours(site);
  const TariffPlan& plan = site.plan(Medium::kElectricity);
  const std::size_t slots = plan.tariffs.size() + 1;
  for (auto _ : state) {
    std::vector<Cell> cells(static_cast<std::size_t>(devices) * 12 * slots);
    for (int d = 0; d < devices; ++d) {
      state.PauseTiming();  // re-labelling the shared buffer is not pricing
      for (auto& iv : v) iv.device = static_cast<std::uint32_t>(d);
      state.ResumeTiming();
      for (const auto& iv : v) {
        const absl::CivilSecond cs = site.time_zone.At(iv.start).cs;
        const int tariff = plan.tariff_at(absl::CivilMinute(cs));
        const std::size_t month = static_cast<std::size_t>(cs.month() - 1);
        Cell& c = cells[(iv.device * 12 + month) * slots + static_cast<std::size_t>(tariff + 1)];
        const Value& q = iv.consumption;  // kWh already
        c.quantity += absl::int128(q.mantissa) * pow10_i128(q.exponent - kExactQuantityExponent);
        if (tariff >= 0) {
          const Value* price =
              plan.tariffs[static_cast<std::size_t>(tariff)].price_on(absl::CivilDay(cs));
          if (price != nullptr) {
            c.cost += absl::int128(q.mantissa) * price->mantissa *
                      pow10_i128(q.exponent + price->exponent - kExactMoneyExponent);
          }
        }
      }
    }
    benchmark::DoNotOptimize(cells.data());
  }
  state.SetItemsProcessed(state.iterations() * devices * static_cast<std::int64_t>(v.size()));
}

void BM_BillBuilder(benchmark::State& state) {
  const int devices = static_cast<int>(state.range(0));
  const Site site = make_site(devices);
  std::vector<ConsumptionInterval> v = year_of_quarter_hours(site);
  for (auto _ : state) {
    auto builder = BillBuilder::create(site, BillPeriod::year(absl::CivilYear(2021)));
    if (!builder.ok()) state.SkipWithError("create failed");
    for (int d = 0; d < devices; ++d) {
      state.PauseTiming();  // re-labelling the shared buffer is not pricing
      for (auto& iv : v) iv.device = static_cast<std::uint32_t>(d);
      state.ResumeTiming();
      if (!builder->add(v).ok()) state.SkipWithError("add failed");
    }
    auto bill = builder->finish();
    benchmark::DoNotOptimize(bill);
  }
  state.SetItemsProcessed(state.iterations() * devices * static_cast<std::int64_t>(v.size()));
}

// The same year priced through add_raster(): a load profile's values on a 15-minute raster.
void BM_BillBuilderRaster(benchmark::State& state) {
  const int devices = static_cast<int>(state.range(0));
  const Site site = make_site(devices);
  const std::vector<ConsumptionInterval> iv = year_of_quarter_hours(site);
  std::vector<Value> values;
  for (const auto& i : iv) values.push_back(i.consumption);
  for (auto _ : state) {
    auto builder = BillBuilder::create(site, BillPeriod::year(absl::CivilYear(2021)));
    if (!builder.ok()) state.SkipWithError("create failed");
    for (int d = 0; d < devices; ++d) {
      if (!builder
               ->add_raster(static_cast<std::uint32_t>(d), iv.front().start, absl::Minutes(15),
                            values)
               .ok()) {
        state.SkipWithError("add failed");
      }
    }
    auto bill = builder->finish();
    benchmark::DoNotOptimize(bill);
  }
  state.SetItemsProcessed(state.iterations() * devices * static_cast<std::int64_t>(values.size()));
}

// Timeline compilation alone: the once-per-period cost the fast path pays.
void BM_TimelineCompileYear(benchmark::State& state) {
  const Site site = make_site(1);
  const auto bounds = period_boundaries(BillPeriod::year(absl::CivilYear(2021)), site.time_zone);
  for (auto _ : state) {
    auto t = Timeline::compile(site.plan(Medium::kElectricity), site.time_zone, bounds);
    benchmark::DoNotOptimize(t);
  }
}

}  // namespace

BENCHMARK(BM_Baseline_NaiveRuleScan)
    ->Arg(10)
    ->Arg(1000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BillBuilder)->Arg(10)->Arg(1000)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BillBuilderRaster)->Arg(10)->Arg(1000)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TimelineCompileYear)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();

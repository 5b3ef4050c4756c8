#include "emscore/tariff/bill.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "emscore/core/strings.hpp"
#include "emscore/core/time.hpp"
#include "test_site.hpp"

namespace emscore::tariff {
namespace {

using testing::constant;
using testing::local;
using testing::rule;
using testing::site_with;
using testing::zone;

const Value kOneKwh(1000, -3, Unit::kKiloWattHour);

std::string cost(const Amount& a) { return a.cost.to_string(); }
std::string qty(const Amount& a) { return a.quantity.to_string_with_unit(); }

Bill bill_for(const Site& site, BillPeriod period, const std::vector<ConsumptionInterval>& v) {
  auto b = compute_bill(site, period, v);
  EXPECT_TRUE(b.ok()) << b.status();
  return b.ok() ? *std::move(b) : Bill{};
}

// March 2020 in Zurich has 31 days, one of them (Sunday 29th) of 23 hours: 743 hours,
// 2972 quarter hours of 1 kWh each.
std::vector<ConsumptionInterval> march_2020(const absl::TimeZone& tz) {
  return constant(0, local(tz, 2020, 3, 1), local(tz, 2020, 4, 1), absl::Minutes(15), kOneKwh);
}

TEST(Bill, SeedRulesInTheRightOrderPriceAllOfMarch2020OnTariff3) {
  const Site site = site_with(testing::seed_plan(true));
  const Bill b =
      bill_for(site, BillPeriod::month(absl::CivilMonth(2020, 3)), march_2020(site.time_zone));
  const MediumBill& e = b.medium(Medium::kElectricity);
  ASSERT_EQ(e.total.by_tariff.size(), 3u);
  EXPECT_EQ(qty(e.total.by_tariff[0]), "0 kWh");
  EXPECT_EQ(qty(e.total.by_tariff[1]), "0 kWh");
  EXPECT_EQ(qty(e.total.by_tariff[2]), "2972 kWh");
  EXPECT_EQ(cost(e.total.by_tariff[2]), "297.20 EUR");
  EXPECT_EQ(e.total.unpriced.to_string(), "0");
  EXPECT_EQ(b.total_cost.to_string(), "297.20 EUR");
  ASSERT_EQ(b.buckets.size(), 31u);                 // month by day
  EXPECT_EQ(qty(e.by_bucket[28].total), "92 kWh");  // the 23-hour day
  EXPECT_EQ(qty(e.by_bucket[27].total), "96 kWh");
  EXPECT_EQ(b.intervals, 2972u);
}

TEST(Bill, SeedRulesInTheWrongOrderOverchargeMarchWeekdays) {
  const Site site = site_with(testing::seed_plan(false));
  const Bill b =
      bill_for(site, BillPeriod::month(absl::CivilMonth(2020, 3)), march_2020(site.time_zone));
  const MediumBill& e = b.medium(Medium::kElectricity);
  // 22 weekdays: 19 h on T1, 5 h on T2; 9 weekend days (one of 23 h) on T3.
  EXPECT_EQ(qty(e.total.by_tariff[0]), "1672 kWh");
  EXPECT_EQ(cost(e.total.by_tariff[0]), "334.40 EUR");
  EXPECT_EQ(qty(e.total.by_tariff[1]), "440 kWh");
  EXPECT_EQ(cost(e.total.by_tariff[1]), "66.00 EUR");
  EXPECT_EQ(qty(e.total.by_tariff[2]), "860 kWh");
  EXPECT_EQ(cost(e.total.by_tariff[2]), "86.00 EUR");
  EXPECT_EQ(b.total_cost.to_string(), "486.40 EUR");  // vs 297.20 in the right order
}

TEST(Bill, ChristmasExceptionOnlyWorksBeforeTheWeekdayRules) {
  const Site right = site_with(testing::seed_plan(true));
  const Site wrong = site_with(testing::seed_plan(false));
  const absl::TimeZone& tz = right.time_zone;
  const auto xmas = constant(0, local(tz, 2020, 12, 25), local(tz, 2020, 12, 26), absl::Hours(1),
                             kOneKwh);  // a Friday
  const auto period = BillPeriod::day(absl::CivilDay(2020, 12, 25));
  const Bill r = bill_for(right, period, xmas);
  const Bill w = bill_for(wrong, period, xmas);
  EXPECT_EQ(qty(r.medium(Medium::kElectricity).total.by_tariff[1]), "24 kWh");
  EXPECT_EQ(r.total_cost.to_string(), "3.60 EUR");
  EXPECT_EQ(qty(w.medium(Medium::kElectricity).total.by_tariff[0]), "19 kWh");
  EXPECT_EQ(qty(w.medium(Medium::kElectricity).total.by_tariff[1]), "5 kWh");
  EXPECT_EQ(w.total_cost.to_string(), "4.55 EUR");
}

TEST(Bill, WeekendsWithoutARuleAreReportedUnpriced) {
  const Site site = site_with(testing::seed_plan(true));
  const absl::TimeZone& tz = site.time_zone;
  const auto sat =
      constant(0, local(tz, 2020, 12, 26), local(tz, 2020, 12, 27), absl::Hours(1), kOneKwh);
  const Bill b = bill_for(site, BillPeriod::day(absl::CivilDay(2020, 12, 26)), sat);
  EXPECT_EQ(b.medium(Medium::kElectricity).total.unpriced.to_string_with_unit(), "24 kWh");
  EXPECT_EQ(qty(b.medium(Medium::kElectricity).total.total), "24 kWh");
  EXPECT_EQ(b.total_cost.to_string(), "0.00 EUR");
}

TEST(Bill, PriceChangeInTheMiddleOfTheMonth) {
  TariffPlan p;
  p.tariffs = {Tariff{"T1",
                      "#FF8800",
                      {PricePoint{absl::CivilDay(2020, 1, 1), Value(2000, -4)},
                       PricePoint{absl::CivilDay(2020, 3, 16), Value(2200, -4)}}}};
  p.rules = {rule(0, DayWindow{})};
  const Site site = site_with(p);
  const Bill b =
      bill_for(site, BillPeriod::month(absl::CivilMonth(2020, 3)), march_2020(site.time_zone));
  const MediumBill& e = b.medium(Medium::kElectricity);
  // 1..15: 1440 kWh at 0.20 = 288.00; 16..31 (the 29th has 23 h): 1532 kWh at 0.22 = 337.04.
  EXPECT_EQ(cost(e.total.by_tariff[0]), "625.04 EUR");
  EXPECT_EQ(cost(e.by_bucket[14].total), "19.20 EUR");  // 15 March
  EXPECT_EQ(cost(e.by_bucket[15].total), "21.12 EUR");  // 16 March
  EXPECT_EQ(cost(e.by_bucket[28].total), "20.24 EUR");  // 29 March, 23 h
}

struct DstCase {
  const char* zone;
  absl::CivilDay day;
  const char* window;  // of tariff 1; tariff 0 the rest of the day
  std::size_t hours;
  const char* t1_kwh;
};

class DstDay : public ::testing::TestWithParam<DstCase> {};

TEST_P(DstDay, BilledByTheHourOfTheClock) {
  const DstCase c = GetParam();
  TariffPlan p;
  p.tariffs = {testing::make_tariff("Base", Value(1, -1)), testing::make_tariff("X", Value(5, -1))};
  p.rules = {rule(1, *DayWindow::parse(c.window)), rule(0, DayWindow{})};
  const Site site = site_with(p, c.zone);
  const absl::TimeZone& tz = site.time_zone;
  const auto day =
      constant(0, civil_instant(tz, absl::CivilSecond(c.day)),
               civil_instant(tz, absl::CivilSecond(c.day + 1)), absl::Minutes(15), kOneKwh);
  ASSERT_EQ(day.size(), c.hours * 4);
  const Bill b = bill_for(site, BillPeriod::day(c.day), day);
  ASSERT_EQ(b.buckets.size(), c.hours);
  const MediumBill& e = b.medium(Medium::kElectricity);
  EXPECT_EQ(qty(e.total.total), emscore::str_cat(c.hours * 4, " kWh"));
  EXPECT_EQ(e.total.by_tariff[1].quantity.to_string(), c.t1_kwh);
  for (std::size_t h = 0; h < c.hours; ++h) EXPECT_EQ(qty(e.by_bucket[h].total), "4 kWh") << h;
  for (std::size_t h = 1; h < c.hours; ++h) {
    EXPECT_EQ(b.buckets[h].start - b.buckets[h - 1].start, absl::Hours(1));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Zones, DstDay,
    ::testing::Values(
        // Spring forward: 02:00-02:59 does not exist, a rule for it never holds.
        DstCase{"Europe/Zurich", absl::CivilDay(2020, 3, 29), "02:00-02:59", 23, "0"},
        // Fall back: 02:00-02:59 happens twice, a rule for it holds twice.
        DstCase{"Europe/Zurich", absl::CivilDay(2020, 10, 25), "02:00-02:59", 25, "8"},
        DstCase{"America/New_York", absl::CivilDay(2020, 3, 8), "02:00-02:59", 23, "0"},
        DstCase{"America/New_York", absl::CivilDay(2020, 11, 1), "01:00-01:59", 25, "8"},
        DstCase{"America/New_York", absl::CivilDay(2020, 11, 1), "00:00-02:59", 25, "16"}));

TEST(Bill, TwentyFiveHourDayLabelsTheRepeatedHourByItsOffset) {
  TariffPlan p;
  p.tariffs = {testing::make_tariff("T", Value(1, 0))};
  p.rules = {rule(0, DayWindow{})};
  const Site site = site_with(p);
  const Bill b = bill_for(site, BillPeriod::day(absl::CivilDay(2020, 10, 25)), {});
  ASSERT_EQ(b.buckets.size(), 25u);
  EXPECT_EQ(b.buckets[2].local_start, absl::CivilSecond(2020, 10, 25, 2, 0, 0));
  EXPECT_EQ(b.buckets[2].utc_offset_seconds, 7200);
  EXPECT_EQ(b.buckets[3].local_start, absl::CivilSecond(2020, 10, 25, 2, 0, 0));
  EXPECT_EQ(b.buckets[3].utc_offset_seconds, 3600);
}

TEST(Bill, LeapDayHolidayEveryYear) {
  TariffPlan p;
  p.tariffs = {testing::make_tariff("T1", Value(2, -1)),
               testing::make_tariff("Leap", Value(1, -1))};
  p.rules = {
      testing::period_rule(1, absl::CivilDay(2020, 2, 29), absl::CivilDay(2020, 2, 29), true),
      rule(0, DayWindow{})};
  const Site site = site_with(p);
  const absl::TimeZone& tz = site.time_zone;
  const Bill y2020 =
      bill_for(site, BillPeriod::year(absl::CivilYear(2020)),
               constant(0, local(tz, 2020, 1, 1), local(tz, 2021, 1, 1), absl::Hours(1), kOneKwh));
  const MediumBill& e = y2020.medium(Medium::kElectricity);
  ASSERT_EQ(y2020.buckets.size(), 12u);             // year by month
  EXPECT_EQ(qty(e.total.total), "8784 kWh");        // 366 days x 24 h
  EXPECT_EQ(qty(e.total.by_tariff[1]), "24 kWh");   // 29 Feb
  EXPECT_EQ(qty(e.by_bucket[1].total), "696 kWh");  // February: 29 days
  EXPECT_EQ(qty(e.by_bucket[2].total), "743 kWh");  // March: DST
  const Bill feb2021 =
      bill_for(site, BillPeriod::month(absl::CivilMonth(2021, 2)),
               constant(0, local(tz, 2021, 2, 1), local(tz, 2021, 3, 1), absl::Hours(1), kOneKwh));
  EXPECT_EQ(feb2021.buckets.size(), 28u);
  EXPECT_EQ(qty(feb2021.medium(Medium::kElectricity).total.by_tariff[1]), "0 kWh");
  const Bill feb2020 = bill_for(site, BillPeriod::month(absl::CivilMonth(2020, 2)), {});
  EXPECT_EQ(feb2020.buckets.size(), 29u);
}

TEST(Bill, GasInKwhEquivalentAndLitres) {
  Site site = site_with(TariffPlan{});
  site.gas_kwh_per_m3 = Value(1055, -2);  // 10.55 kWh/m³ from the gas supplier
  site.plan(Medium::kGas).tariffs = {testing::make_tariff("Gas", Value(80, -2))};  // 0.80 /m³
  site.plan(Medium::kGas).rules = {rule(0, DayWindow{})};
  site.devices.push_back(Device{"boiler", Medium::kGas, "Heating", "Building", false});
  const absl::TimeZone& tz = site.time_zone;
  auto v = constant(1, local(tz, 2020, 6, 1), local(tz, 2020, 6, 1, 12), absl::Hours(1),
                    Value(1234, -3, Unit::kCubicMetre));
  const auto litres = constant(1, local(tz, 2020, 6, 1, 12), local(tz, 2020, 6, 2), absl::Hours(1),
                               Value(1234, 0, Unit::kLitre));
  v.insert(v.end(), litres.begin(), litres.end());
  const Bill b = bill_for(site, BillPeriod::day(absl::CivilDay(2020, 6, 1)), v);
  const MediumBill& g = b.medium(Medium::kGas);
  EXPECT_EQ(qty(g.total.total), "29.616 m^3");
  ASSERT_TRUE(g.total.kwh_equivalent.has_value());
  EXPECT_EQ(g.total.kwh_equivalent->to_string_with_unit(), "312.4488 kWh");
  EXPECT_EQ(cost(g.total.total), "23.69 EUR");  // 23.6928
  EXPECT_FALSE(b.medium(Medium::kElectricity).total.kwh_equivalent.has_value());
  ASSERT_EQ(b.loads.size(), 2u);  // "General" (the electricity meter, idle) and "Heating"
  EXPECT_EQ(b.loads[1].name, "Heating");
  EXPECT_EQ(b.loads[1].medium, Medium::kGas);
  EXPECT_EQ(b.loads[1].amounts.kwh_equivalent->to_string(), "312.4488");
}

TEST(Bill, RoundsEachFigureOnceToTheCent) {
  TariffPlan p;
  p.tariffs = {testing::make_tariff("T", Value(2, -1))};
  p.rules = {rule(0, DayWindow{})};
  const Site site = site_with(p);
  const absl::TimeZone& tz = site.time_zone;
  // Three quarter hours of 0.125 kWh at 0.20: 0.025 each. Rounded per interval that would be
  // 3 x 0.03 = 0.09; the exact sum 0.075 rounds to 0.08.
  const auto v = constant(0, local(tz, 2020, 6, 1), local(tz, 2020, 6, 1, 0, 45), absl::Minutes(15),
                          Value(125, -3, Unit::kKiloWattHour));
  const Bill b = bill_for(site, BillPeriod::day(absl::CivilDay(2020, 6, 1)), v);
  EXPECT_EQ(b.total_cost.to_string(), "0.08 EUR");
  EXPECT_EQ(cost(b.medium(Medium::kElectricity).by_bucket[0].total), "0.08 EUR");
  // 1.5 kWh at 0.3333 = 0.49995 -> 0.50
  TariffPlan q = p;
  q.tariffs[0].prices[0].price = Value(3333, -4);
  const Site s2 = site_with(q);
  const auto one = constant(0, local(tz, 2020, 6, 1), local(tz, 2020, 6, 1, 1), absl::Hours(1),
                            Value(15, -1, Unit::kKiloWattHour));
  EXPECT_EQ(bill_for(s2, BillPeriod::day(absl::CivilDay(2020, 6, 1)), one).total_cost.to_string(),
            "0.50 EUR");
}

TEST(Bill, ExcludedDevicesOnlyInTheirOwnDetails) {
  TariffPlan p;
  p.tariffs = {testing::make_tariff("T", Value(1, -1))};
  p.rules = {rule(0, DayWindow{})};
  Site site = site_with(p);  // device 0: main, load General, group Building
  site.devices.push_back(Device{"lighting", Medium::kElectricity, "Lighting", "Building", true});
  site.devices.push_back(Device{"pump", Medium::kElectricity, "Pumps", "Cellar", false});
  site.plan(Medium::kWater).tariffs = {testing::make_tariff("W", Value(3, 0))};
  site.plan(Medium::kWater).rules = {rule(0, DayWindow{})};
  site.devices.push_back(Device{"water", Medium::kWater, "Water", "Building", false});
  const absl::TimeZone& tz = site.time_zone;
  const absl::Time a = local(tz, 2020, 6, 1), z = local(tz, 2020, 6, 2);
  std::vector<ConsumptionInterval> v =
      constant(0, a, z, absl::Hours(1), Value(2, 0, Unit::kKiloWattHour));
  for (auto more : {constant(1, a, z, absl::Hours(1), Value(1, 0, Unit::kKiloWattHour)),
                    constant(2, a, z, absl::Hours(1), Value(500, 0, Unit::kWattHour)),
                    constant(3, a, z, absl::Hours(1), Value(10, 0, Unit::kLitre))}) {
    v.insert(v.end(), more.begin(), more.end());
  }
  const Bill b = bill_for(site, BillPeriod::day(absl::CivilDay(2020, 6, 1)), v);
  ASSERT_EQ(b.devices.size(), 4u);
  EXPECT_EQ(qty(b.devices[1].amounts.total), "24 kWh");  // its own details
  EXPECT_TRUE(b.devices[1].excluded_from_totals);
  EXPECT_EQ(qty(b.medium(Medium::kElectricity).total.total), "60 kWh");  // 48 + 12, not 84
  EXPECT_EQ(cost(b.medium(Medium::kElectricity).total.total), "6.00 EUR");
  EXPECT_EQ(qty(b.medium(Medium::kWater).total.total), "0.24 m^3");
  EXPECT_EQ(cost(b.medium(Medium::kWater).total.total), "0.72 EUR");
  EXPECT_EQ(b.total_cost.to_string(), "6.72 EUR");
  // Loads and groups without the excluded device, per medium, sorted.
  ASSERT_EQ(b.loads.size(), 3u);
  EXPECT_EQ(b.loads[0].name, "General");
  EXPECT_EQ(b.loads[1].name, "Pumps");
  EXPECT_EQ(b.loads[2].name, "Water");
  ASSERT_EQ(b.groups.size(), 3u);
  EXPECT_EQ(b.groups[0].name, "Building");
  EXPECT_EQ(b.groups[0].medium, Medium::kElectricity);
  EXPECT_EQ(qty(b.groups[0].amounts.total), "48 kWh");
  EXPECT_EQ(b.groups[1].name, "Building");
  EXPECT_EQ(b.groups[1].medium, Medium::kWater);
  EXPECT_EQ(b.groups[2].name, "Cellar");
}

TEST(Bill, IntervalsAcrossASwitchAreSplitInProportionAndAddUpExactly) {
  TariffPlan p;
  p.tariffs = {testing::make_tariff("Night", Value(1, -1)),
               testing::make_tariff("Day", Value(3, -1))};
  p.rules = {rule(1, *DayWindow::parse("07:00-23:59")), rule(0, DayWindow{})};
  const Site site = site_with(p);
  const absl::TimeZone& tz = site.time_zone;
  const std::vector<ConsumptionInterval> v = {
      {0, local(tz, 2020, 6, 1, 6, 30), local(tz, 2020, 6, 1, 7, 30),
       Value(1, 0, Unit::kKiloWattHour)},
      {0, local(tz, 2020, 6, 1, 6, 50), local(tz, 2020, 6, 1, 7, 20),
       Value(1, -3, Unit::kKiloWattHour)},
  };
  const Bill b = bill_for(site, BillPeriod::day(absl::CivilDay(2020, 6, 1)), v);
  const MediumBill& e = b.medium(Medium::kElectricity);
  EXPECT_EQ(qty(e.total.by_tariff[0]), "0.500333333 kWh");  // 0.5 + 1/3 of 0.001
  EXPECT_EQ(qty(e.total.by_tariff[1]), "0.500666667 kWh");  // 0.5 + 2/3 of 0.001
  EXPECT_EQ(qty(e.total.total), "1.001 kWh");               // nothing lost or made up
  EXPECT_EQ(qty(e.by_bucket[6].total), "0.500333333 kWh");  // 06:00-07:00
}

TEST(Bill, PartsOutsideThePeriodAreDropped) {
  TariffPlan p;
  p.tariffs = {testing::make_tariff("T", Value(1, 0))};
  p.rules = {rule(0, DayWindow{})};
  const Site site = site_with(p);
  const absl::TimeZone& tz = site.time_zone;
  const std::vector<ConsumptionInterval> v = {
      {0, local(tz, 2020, 5, 31, 23), local(tz, 2020, 6, 1, 1), Value(2, 0, Unit::kKiloWattHour)},
      {0, local(tz, 2020, 5, 30), local(tz, 2020, 5, 31), Value(7, 0, Unit::kKiloWattHour)},
  };
  const Bill b = bill_for(site, BillPeriod::day(absl::CivilDay(2020, 6, 1)), v);
  EXPECT_EQ(qty(b.medium(Medium::kElectricity).total.total), "1 kWh");
}

TEST(Bill, RejectsBadIntervals) {
  Site site = site_with(testing::seed_plan(true));
  const absl::TimeZone& tz = site.time_zone;
  auto builder = BillBuilder::create(site, BillPeriod::month(absl::CivilMonth(2020, 3)));
  ASSERT_TRUE(builder.ok());
  const absl::Time a = local(tz, 2020, 3, 2);
  const ConsumptionInterval wrong_unit{0, a, a + absl::Hours(1), Value(1, 0, Unit::kCubicMetre)};
  auto s = builder->add({&wrong_unit, 1});
  EXPECT_NE(s.message().find("expected a unit of kWh"), absl::string_view::npos) << s;
  EXPECT_NE(s.message().find("interval 0"), absl::string_view::npos) << s;
  const ConsumptionInterval backwards{0, a, a, kOneKwh};
  EXPECT_FALSE(builder->add({&backwards, 1}).ok());
  const ConsumptionInterval unknown{7, a, a + absl::Hours(1), kOneKwh};
  EXPECT_FALSE(builder->add({&unknown, 1}).ok());
  const ConsumptionInterval forever{0, a, a + absl::Hours(24 * 366 * 101), kOneKwh};
  EXPECT_FALSE(builder->add({&forever, 1}).ok());
  const ConsumptionInterval huge{
      0, a, a + absl::Hours(1),
      Value(std::numeric_limits<std::int64_t>::max(), 20, Unit::kKiloWattHour)};
  EXPECT_EQ(builder->add({&huge, 1}).code(), absl::StatusCode::kOutOfRange);
  site.devices.push_back(site.devices[0]);  // duplicate id
  EXPECT_FALSE(BillBuilder::create(site, BillPeriod::day(absl::CivilDay(2020, 3, 2))).ok());
}

TEST(Bill, ResultDoesNotDependOnIntervalOrderOrBatching) {
  const Site site = site_with(testing::seed_plan(false));
  auto v = march_2020(site.time_zone);
  const Bill in_order = bill_for(site, BillPeriod::month(absl::CivilMonth(2020, 3)), v);
  std::reverse(v.begin(), v.end());
  auto builder = *BillBuilder::create(site, BillPeriod::month(absl::CivilMonth(2020, 3)));
  ASSERT_TRUE(builder.add(std::span(v).first(1000)).ok());
  ASSERT_TRUE(builder.add(std::span(v).subspan(1000)).ok());
  const Bill reversed = *builder.finish();
  EXPECT_EQ(reversed.total_cost, in_order.total_cost);
  for (int t = 0; t < 3; ++t) {
    EXPECT_EQ(reversed.medium(Medium::kElectricity).total.by_tariff[t].cost,
              in_order.medium(Medium::kElectricity).total.by_tariff[t].cost);
  }
}

TEST(Bill, RasterGivesTheSameBillAsIntervals) {
  TariffPlan p = testing::seed_plan(false);
  p.tariffs[0].prices.push_back(PricePoint{absl::CivilDay(2020, 3, 16), Value(2200, -4)});
  const Site site = site_with(p);
  const absl::TimeZone& tz = site.time_zone;
  // Odd values, a unit change (Wh) in the middle and an interval that spans a switch.
  std::vector<Value> values;
  for (int i = 0; i < 2972; ++i) values.push_back(Value(100 + i % 37, -3, Unit::kKiloWattHour));
  for (int i = 1000; i < 1010; ++i)
    values[static_cast<std::size_t>(i)] = Value(250, 0, Unit::kWattHour);
  const absl::Time start = local(tz, 2020, 3, 1) + absl::Minutes(7);  // off the quarter hours
  std::vector<ConsumptionInterval> v;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const absl::Time t = start + absl::Minutes(15) * static_cast<std::int64_t>(i);
    v.push_back({0, t, t + absl::Minutes(15), values[i]});
  }
  const auto period = BillPeriod::month(absl::CivilMonth(2020, 3));
  const Bill a = bill_for(site, period, v);
  auto builder = *BillBuilder::create(site, period);
  ASSERT_TRUE(builder.add_raster(0, start, absl::Minutes(15), values).ok());
  const Bill b = *builder.finish();
  EXPECT_EQ(b.intervals, a.intervals);
  EXPECT_EQ(b.total_cost, a.total_cost);
  const auto& ea = a.medium(Medium::kElectricity);
  const auto& eb = b.medium(Medium::kElectricity);
  for (std::size_t t = 0; t < 3; ++t) {
    EXPECT_TRUE(eb.total.by_tariff[t].quantity.identical(ea.total.by_tariff[t].quantity)) << t;
    EXPECT_EQ(eb.total.by_tariff[t].cost, ea.total.by_tariff[t].cost) << t;
  }
  for (std::size_t d = 0; d < 31; ++d) {
    EXPECT_EQ(eb.by_bucket[d].total.cost, ea.by_bucket[d].total.cost) << d;
  }
  EXPECT_FALSE(builder.add_raster(0, start, absl::ZeroDuration(), values).ok());
  const Value bad_unit(1, 0, Unit::kLitre);
  EXPECT_FALSE(builder.add_raster(0, start, absl::Minutes(15), {&bad_unit, 1}).ok());
}

TEST(Bill, BuilderCanBeCopiedAndMovedBetweenAdds) {
  const Site site = site_with(testing::seed_plan(false));
  const auto v = march_2020(site.time_zone);
  const auto period = BillPeriod::month(absl::CivilMonth(2020, 3));
  const Bill expect = bill_for(site, period, v);
  auto first = *BillBuilder::create(site, period);
  ASSERT_TRUE(first.add(std::span(v).first(1500)).ok());
  BillBuilder copy = first;              // a snapshot continues on its own
  BillBuilder moved = std::move(first);  // the hot-path state must follow the object
  ASSERT_TRUE(moved.add(std::span(v).subspan(1500)).ok());
  ASSERT_TRUE(copy.add(std::span(v).subspan(1500)).ok());
  EXPECT_EQ(moved.finish()->total_cost, expect.total_cost);
  EXPECT_EQ(copy.finish()->total_cost, expect.total_cost);
}

TEST(BillPeriod, ParseAndFormat) {
  EXPECT_EQ(BillPeriod::parse("2020")->granularity, Granularity::kYear);
  EXPECT_EQ(BillPeriod::parse("2020-03")->granularity, Granularity::kMonth);
  EXPECT_EQ(BillPeriod::parse("2020-03-29")->first_day, absl::CivilDay(2020, 3, 29));
  EXPECT_EQ(BillPeriod::parse("2020-03")->to_string(), "2020-03");
  EXPECT_EQ(BillPeriod::parse("2020-02-29")->end_day(), absl::CivilDay(2020, 3, 1));
  for (const char* bad : {"", "20", "2020-13", "2021-02-29", "2020/03", "2020-3", "abcd"}) {
    EXPECT_FALSE(BillPeriod::parse(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace emscore::tariff

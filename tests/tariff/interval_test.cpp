#include "emscore/tariff/interval.hpp"

#include <gtest/gtest.h>

#include "emscore/core/time.hpp"
#include "test_site.hpp"

namespace emscore::tariff {
namespace {

Site two_devices() {
  Site s = testing::site_with(TariffPlan{});
  s.devices.push_back(Device{"gas", Medium::kGas, "", "", false});
  return s;
}

TEST(ProfileCsv, ParsesExactValuesUnitsAndOffsets) {
  const Site site = two_devices();
  const auto v = parse_profile_csv(
      "# comment\r\n"
      "device,start,end,consumption,unit\r\n"
      "main,2020-03-29T01:45:00+01:00,2020-03-29T03:00:00+02:00,1.25,kWh\r\n"
      "\n"
      "gas,2020-03-29T00:00:00Z,2020-03-29T01:00:00Z,1234,l\n",
      site);
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_EQ(v->size(), 2u);
  EXPECT_EQ((*v)[0].device, 0u);
  EXPECT_EQ((*v)[0].end - (*v)[0].start, absl::Minutes(15));  // across the DST jump
  EXPECT_TRUE((*v)[0].consumption.identical(Value(125, -2, Unit::kKiloWattHour)));
  EXPECT_EQ((*v)[1].device, 1u);
  EXPECT_EQ((*v)[1].consumption.unit, Unit::kLitre);
}

TEST(ProfileCsv, RoundTrips) {
  const Site site = two_devices();
  const std::vector<ConsumptionInterval> v = {
      {0, *parse_iso8601("2020-01-01T00:00:00Z"), *parse_iso8601("2020-01-01T00:15:00Z"),
       Value(1500, -3, Unit::kKiloWattHour)},
      {1, *parse_iso8601("2020-01-01T00:00:00Z"), *parse_iso8601("2020-01-01T01:00:00Z"),
       Value(2, -3, Unit::kCubicMetre)}};
  const std::string csv = format_profile_csv(v, site);
  EXPECT_EQ(csv,
            "device,start,end,consumption,unit\n"
            "main,2020-01-01T00:00:00Z,2020-01-01T00:15:00Z,1.500,kWh\n"
            "gas,2020-01-01T00:00:00Z,2020-01-01T01:00:00Z,0.002,m^3\n");
  const auto back = parse_profile_csv(csv, site);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), 2u);
  EXPECT_TRUE((*back)[1].consumption.identical(v[1].consumption));
  EXPECT_EQ((*back)[0].start, v[0].start);
}

TEST(ProfileCsv, ErrorsNameLineAndColumn) {
  const Site site = two_devices();
  const std::string h = "device,start,end,consumption,unit\n";
  struct Case {
    std::string text;
    const char* expect;
  } cases[] = {
      {"", "no header"},
      {"dev,start\n", "line 1: header"},
      {h + "nobody,2020-01-01T00:00:00Z,2020-01-01T01:00:00Z,1,kWh\n", "line 2, column device"},
      {h + "main,yesterday,2020-01-01T01:00:00Z,1,kWh\n", "line 2, column start"},
      {h + "main,2020-01-01T00:00:00Z,2020-01-01T00:00:00Z,1,kWh\n", "end is not after start"},
      {h + "main,2020-01-01T00:00:00Z,2020-01-01T01:00:00Z,1.2.3,kWh\n", "column consumption"},
      {h + "main,2020-01-01T00:00:00Z,2020-01-01T01:00:00Z,-1,kWh\n", "negative"},
      {h + "main,2020-01-01T00:00:00Z,2020-01-01T01:00:00Z,1,furlongs\n", "column unit"},
      {h + "main,2020-01-01T00:00:00Z,2020-01-01T01:00:00Z,1\n", "4 columns"},
      {h + "main,2020-01-01T00:00:00Z,2020-01-01T01:00:00Z,1,kWh,x\n", "more than 5"},
  };
  for (const auto& c : cases) {
    const auto r = parse_profile_csv(c.text, site);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_NE(r.status().message().find(c.expect), absl::string_view::npos)
        << r.status() << " / expected " << c.expect;
  }
}

}  // namespace
}  // namespace emscore::tariff

#include "emscore/tariff/site_json.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace emscore::tariff {
namespace {

std::string fixture() {
  std::ifstream f(EMSCORE_SOURCE_DIR "/tests/tariff/data/site.json");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(SiteJson, LoadsTheSeedFixture) {
  const auto site = site_from_json(fixture());
  ASSERT_TRUE(site.ok()) << site.status();
  EXPECT_EQ(site->currency.code_view(), "EUR");
  EXPECT_EQ(site->time_zone.name(), "Europe/Zurich");
  EXPECT_EQ(site->gas_kwh_per_m3.to_string(), "10.55");
  const TariffPlan& e = site->plan(Medium::kElectricity);
  ASSERT_EQ(e.tariffs.size(), 3u);
  EXPECT_EQ(e.tariffs[0].colour, "#FF8800");
  EXPECT_EQ(e.tariffs[0].price_on(absl::CivilDay(2020, 12, 16))->to_string(), "0.2200");
  ASSERT_EQ(e.rules.size(), 4u);
  EXPECT_EQ(e.rules[0].tariff, 2);
  EXPECT_EQ(e.rules[0].from, absl::CivilDay(2020, 3, 1));
  EXPECT_TRUE(e.rules[1].every_year);
  EXPECT_EQ(e.rules[1].from, e.rules[1].to);
  EXPECT_EQ(e.rules[2].window.to_string(), "00:00-18:59");
  EXPECT_EQ(e.rules[2].weekdays.to_string(), "mon-fri");
  EXPECT_TRUE(e.rules[3].window.contains(23 * 60 + 59));
  EXPECT_EQ(site->plan(Medium::kGas).rules[0].window, DayWindow{});
  EXPECT_TRUE(site->plan(Medium::kWater).tariffs.empty());
  ASSERT_EQ(site->devices.size(), 3u);
  EXPECT_TRUE(site->devices[1].exclude_from_totals);
  EXPECT_EQ(site->devices[2].medium, Medium::kGas);
  EXPECT_EQ(site->devices[2].load, "Heating");
}

TEST(SiteJson, ErrorsNameTheJsonPath) {
  struct Case {
    const char* json;
    const char* expect;
  } cases[] = {
      {"[", "not JSON"},
      {"[]", "$: expected an object"},
      {R"({"time_zone":"UTC"})", "$.currency: missing"},
      {R"({"currency":"EURO","time_zone":"UTC"})", "$.currency"},
      {R"({"currency":"EUR","time_zone":"Mars/Olympus"})", "$.time_zone"},
      {R"({"currency":"EUR","time_zone":"UTC","colour":"red"})", "unknown key \"colour\""},
      {R"({"currency":"EUR","time_zone":"UTC","gas_kwh_per_m3":10.55})", "write it as a string"},
      {R"({"currency":"EUR","time_zone":"UTC","electricity":{"tariffs":[{"name":"T","prices":[{"price":0.2}]}]}})",
       "$.electricity.tariffs[0].prices[0].price: a number"},
      {R"({"currency":"EUR","time_zone":"UTC","electricity":{"tariffs":[{"name":"T","prices":[{"from":"2020-02-30","price":"1"}]}]}})",
       "$.electricity.tariffs[0].prices[0].from"},
      {R"({"currency":"EUR","time_zone":"UTC","electricity":{"tariffs":[{"name":"T","prices":[{"price":"1"}]}],"rules":[{"tariff":"X"}]}})",
       "$.electricity.rules[0].tariff: no tariff named \"X\""},
      {R"({"currency":"EUR","time_zone":"UTC","electricity":{"tariffs":[{"name":"T","prices":[{"price":"1"}]}],"rules":[{"tariff":"T","time":"7-8"}]}})",
       "$.electricity.rules[0].time"},
      {R"({"currency":"EUR","time_zone":"UTC","electricity":{"tariffs":[{"name":"T","prices":[{"price":"1"}]}],"rules":[{"tariff":"T","weekdays":"weekdays"}]}})",
       "$.electricity.rules[0].weekdays"},
      {R"({"currency":"EUR","time_zone":"UTC","electricity":{"tariffs":[{"name":"T","prices":[{"price":"1"}]}],"rules":[{"tariff":"T","date":"2020-01-01","from":"2020-01-01"}]}})",
       "either"},
      {R"({"currency":"EUR","time_zone":"UTC","electricity":{"tariffs":[{"name":"T","prices":[{"price":"1"}]}],"rules":[{"tariff":"T","from":"2020-01-01","every_year":true}]}})",
       "both a first and a last day"},
      {R"({"currency":"EUR","time_zone":"UTC","devices":[{"id":"a","medium":"heat"}]})",
       "$.devices[0].medium"},
      {R"({"currency":"EUR","time_zone":"UTC","devices":[{"id":"a","medium":"gas"},{"id":"a","medium":"gas"}]})",
       "used twice"},
  };
  for (const auto& c : cases) {
    const auto r = site_from_json(c.json);
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_NE(r.status().message().find(c.expect), absl::string_view::npos)
        << r.status() << " / expected " << c.expect;
  }
}

}  // namespace
}  // namespace emscore::tariff

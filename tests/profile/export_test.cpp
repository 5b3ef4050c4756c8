#include "emscore/profile/export.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "emscore/core/time.hpp"

namespace emscore::profile {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1704067200);  // 2024-01-01T00:00:00Z

std::vector<ExportSeries> two_series() {
  ExportSeries energy{obis::ObisCode(1, 0, 1, 8, 0), Unit::kKiloWattHour,
                      {{kT0, Value(1234567, -3, Unit::kKiloWattHour)},
                       {kT0 + absl::Minutes(15), Value(1234800, -3, Unit::kKiloWattHour),
                        Quality::kEstimated}}};
  ExportSeries power{obis::ObisCode(1, 0, 1, 7, 0), Unit::kWatt,
                     {{kT0 + absl::Minutes(15), Value(-25, -1, Unit::kWatt)},
                      {kT0 + absl::Minutes(30), Value(12, 2, Unit::kWatt)}}};
  return {energy, power};
}

TEST(Export, CsvSeedDefaultsDecimalCommaAndSemicolon) {
  auto csv = to_csv(two_series());
  ASSERT_TRUE(csv.ok()) << csv.status();
  EXPECT_EQ(*csv,
            "time;1-0:1.8.0 [kWh];quality 1-0:1.8.0;1-0:1.7.0 [W];quality 1-0:1.7.0\r\n"
            "2024-01-01T00:00:00+00:00;1234,567;measured;;\r\n"
            "2024-01-01T00:15:00+00:00;1234,800;estimated;-2,5;measured\r\n"
            "2024-01-01T00:30:00+00:00;;;1200;measured\r\n");
}

TEST(Export, CsvDecimalPointCommaSeparatorInLocalTime) {
  CsvOptions o;
  o.decimal = '.';
  o.separator = ',';
  o.quality = false;
  o.tz = *load_time_zone("Europe/Zurich");
  auto csv = to_csv(two_series(), o);
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(*csv,
            "time,1-0:1.8.0 [kWh],1-0:1.7.0 [W]\r\n"
            "2024-01-01T01:00:00+01:00,1234.567,\r\n"
            "2024-01-01T01:15:00+01:00,1234.800,-2.5\r\n"
            "2024-01-01T01:30:00+01:00,,1200\r\n");
}

TEST(Export, CsvRejectsAmbiguousSeparators) {
  CsvOptions o;
  o.separator = ',';  // decimal comma stays: ambiguous
  EXPECT_EQ(to_csv(two_series(), o).status().message(),
            "profile: CSV decimal comma needs the semicolon as field separator");
  o.separator = '\t';
  EXPECT_FALSE(to_csv(two_series(), o).ok());
  auto bad = two_series();
  std::swap(bad[0].samples[0], bad[0].samples[1]);
  EXPECT_FALSE(to_csv(bad).ok());
}

TEST(Export, JsonKeepsTheExactDigitsAndParses) {
  JsonExportInfo info;
  info.device_id = 4;
  info.serial = "12345678";
  info.name = "Main \"meter\"";
  info.from = kT0;
  info.to = kT0 + absl::Hours(1);
  auto json = to_json(two_series(), info);
  ASSERT_TRUE(json.ok());
  EXPECT_NE(json->find("\"value\":1234.800"), std::string::npos);  // trailing zero kept
  EXPECT_NE(json->find("\"value\":-2.5"), std::string::npos);
  boost::json::error_code ec;
  const boost::json::value v = boost::json::parse(*json, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(v.at("device").at("name").as_string(), "Main \"meter\"");
  EXPECT_EQ(v.at("series").as_array().size(), 2u);
  EXPECT_EQ(v.at("series").at(0).at("unit").as_string(), "kWh");
  EXPECT_EQ(v.at("series").at(0).at("values").at(1).at("quality").as_string(), "estimated");
  EXPECT_EQ(v.at("from").as_string(), "2024-01-01T00:00:00+00:00");
}

TEST(Export, FileNamesFollowTheSeeds) {
  EXPECT_EQ(logger_export_file_name("12345678", "Heat meter 1/2", 7, kT0 + absl::Seconds(3723),
                                    "csv", absl::UTCTimeZone()),
            "DataExport-12345678-Heat_meter_1_2-7-12345678-20240101_010203.csv");
  EXPECT_EQ(history_file_name(4, "energy", absl::FromCivil(absl::CivilDay(2013, 6, 15), absl::UTCTimeZone()),
                              absl::UTCTimeZone()),
            "4_energy_2013-06.csv");
}

}  // namespace
}  // namespace emscore::profile

// emscore/profile/export.hpp — CSV and JSON exports of load profiles.
//
// CSV follows the energy web server of seeds 003/004: a decimal separator "point" or
// "comma" and a field separator "comma" or "semicolon" (both default to the seed's
// defaults: comma and semicolon), a header with the unit of each column; values are
// written exactly as stored (Value::to_string, no thousands separators, no rounding).
// JSON writes values as JSON numbers with the stored digits (never through a double).
// File names follow the seeds:
//   seed 002 data logger:  DataExport-<serial>-<name>-<device id>-<serial>-<YYYYMMDD_HHMMSS>.csv|.json
//   seed 003 web server:   <device id>_<type>_<YYYY-MM>.csv   (e.g. 4_energy_2013-06.csv)
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "emscore/obis/obis_code.hpp"
#include "emscore/profile/series.hpp"

namespace emscore::profile {

struct ExportSeries {
  obis::ObisCode quantity;
  Unit unit = Unit::kNone;
  std::vector<Sample> samples;  // check_series() must hold
};

struct CsvOptions {
  char decimal = ',';    // '.' or ','
  char separator = ';';  // ',' or ';'
  absl::TimeZone tz = absl::UTCTimeZone();
  bool quality = true;   // a quality column after each value column
};

// One row per distinct timestamp (union over the series, ascending); a series without a
// sample at that time leaves its cells empty. Header: "time;1-0:1.8.0 [kWh];quality ...".
// Errors: decimal == separator, an unsupported separator, or a series failing check_series.
absl::StatusOr<std::string> to_csv(std::span<const ExportSeries> series, const CsvOptions& o = {});

struct JsonExportInfo {
  std::uint32_t device_id = 0;
  std::string serial;
  std::string name;
  absl::Time from = absl::InfinitePast();
  absl::Time to = absl::InfiniteFuture();
  absl::TimeZone tz = absl::UTCTimeZone();
};
// {"device":{"id":4,"serial":"...","name":"..."},"from":"...","to":"...",
//  "series":[{"obis":"1-0:1.8.0","unit":"kWh","values":[{"time":"...","value":1234.567,
//  "quality":"measured"},...]}]}
absl::StatusOr<std::string> to_json(std::span<const ExportSeries> series, const JsonExportInfo& info);

std::string logger_export_file_name(std::string_view serial, std::string_view device_name,
                                    std::uint32_t device_id, absl::Time exported_at,
                                    std::string_view extension, const absl::TimeZone& tz);
std::string history_file_name(std::uint32_t device_id, std::string_view type, absl::Time month,
                              const absl::TimeZone& tz);

}  // namespace emscore::profile

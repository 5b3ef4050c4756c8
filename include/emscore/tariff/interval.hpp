// emscore/tariff/interval.hpp — consumption over an interval of absolute time, and its CSV.
//
// The input of a bill: how much a device consumed between two instants (what a load profile
// yields after taking differences of counter readings). Intervals are in absolute time; the
// site's zone only matters to the rules. This module does not depend on emscore::profile:
// the type is deliberately small so that any source can fill it.
//
// CSV profile format (UTF-8, one interval a line, "," separated, no quoting):
//   device,start,end,consumption,unit
//   main,2020-03-02T00:00:00+01:00,2020-03-02T00:15:00+01:00,1.25,kWh
// - the first non-comment line is this header, exactly (column order is fixed);
// - device: a device id of the site; start/end: RFC 3339 with 'Z' or an offset, end > start;
// - consumption: an exact decimal ("1.25", never rounded through double), not negative;
// - unit: kWh, Wh, MWh for electricity; m3 (or m^3, m³) or l for gas and water;
// - blank lines and lines starting with '#' are ignored; "\r\n" line ends are accepted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "emscore/core/value.hpp"
#include "emscore/tariff/site.hpp"

namespace emscore::tariff {

struct ConsumptionInterval {
  std::uint32_t device = 0;  // index into Site::devices
  absl::Time start;
  absl::Time end;     // exclusive
  Value consumption;  // with its unit
};

// Parses the CSV profile above against the site's device ids. Errors name the line and the
// column: "tariff: profile line 7, column end: ...".
absl::StatusOr<std::vector<ConsumptionInterval>> parse_profile_csv(std::string_view text,
                                                                   const Site& site);
// The CSV form of intervals (header included), times in UTC.
std::string format_profile_csv(const std::vector<ConsumptionInterval>& intervals, const Site& site);

}  // namespace emscore::tariff

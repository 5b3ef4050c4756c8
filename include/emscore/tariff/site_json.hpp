// emscore/tariff/site_json.hpp — a site's tariffs, cost rules and devices from JSON.
//
// The schema (docs/tariff.md has the full description and an example):
//   {
//     "currency": "EUR",                      ISO 4217, required
//     "time_zone": "Europe/Zurich",           IANA name, required: rules are in its civil time
//     "gas_kwh_per_m3": "10.55",              optional, a decimal string
//     "electricity": { "tariffs": [...], "rules": [...] },   each medium optional
//     "gas": {...}, "water": {...},
//     "devices": [ {"id": "main", "medium": "electricity", "load": "Lighting",
//                   "group": "Floor 1", "exclude_from_totals": false} ]
//   }
//   tariff: {"name": "T1", "colour": "#FF8800",
//            "prices": [{"from": "2020-01-01", "price": "0.2150"}]}   from optional
//   rule:   {"tariff": "T1", "date": "2020-12-25" | "from": "2020-03-01", "to": "2020-03-31",
//            "every_year": false, "time": "00:00-18:59", "weekdays": "mon-fri"}
//            time defaults to the whole day, weekdays to "all"; rules are kept in order.
// Prices and factors are strings so that they stay exact decimals; a JSON number is rejected
// with a message saying so. Unknown keys are errors (a typo must not silently change a bill).
// Errors name the JSON path: "tariff: $.electricity.rules[2].time: ...".
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "emscore/tariff/site.hpp"

namespace emscore::tariff {

absl::StatusOr<Site> site_from_json(std::string_view json_text);

}  // namespace emscore::tariff

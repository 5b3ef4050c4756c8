// Test helper: the derived vectors in tests/vectors/profile as sample series.
#pragma once

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "emscore/core/time.hpp"
#include "emscore/profile/series.hpp"

namespace emscore::profile::testing {

inline std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out(1);
  for (char c : line) {
    if (c == ',') out.emplace_back();
    else if (c != '\r') out.back().push_back(c);
  }
  return out;
}

inline std::string vector_path(const char* name) {
  return std::string(EMSCORE_VECTORS_DIR) + "/profile/" + name;
}

// OPSD residential4 grid import: hourly cumulative kWh.
inline std::vector<Sample> opsd_grid_import() {
  std::vector<Sample> s;
  std::ifstream f(vector_path("opsd_residential4_grid_import_1h.csv"));
  std::string line;
  std::getline(f, line);
  while (std::getline(f, line)) {
    const auto c = cells(line);
    s.push_back({*parse_iso8601(c[0]), *Value::parse(c[1], Unit::kKiloWattHour)});
  }
  return s;
}

// UCI household: 1-min global active power (column 2, kW) or voltage (column 3, V).
inline std::vector<Sample> uci(std::size_t column) {
  std::vector<Sample> s;
  std::ifstream f(vector_path("uci_household_1min_2days.csv"));
  std::string line;
  std::getline(f, line);
  while (std::getline(f, line)) {
    const auto c = cells(line);
    int d, m, y, hh, mm, ss;
    if (std::sscanf(c[0].c_str(), "%d/%d/%d", &d, &m, &y) != 3) continue;
    if (std::sscanf(c[1].c_str(), "%d:%d:%d", &hh, &mm, &ss) != 3) continue;
    auto v = Value::parse(c[column], column == 2 ? Unit::kKiloWatt : Unit::kVolt);
    if (!v.ok()) continue;  // '?' rows are gaps
    s.push_back({absl::FromCivil(absl::CivilSecond(2000 + y, m, d, hh, mm, ss), absl::UTCTimeZone()), *v});
  }
  return s;
}

// Tetouan zone 1: 10-min power (W).
inline std::vector<Sample> tetouan() {
  std::vector<Sample> s;
  std::ifstream f(vector_path("tetouan_zone1_10min_week1.csv"));
  std::string line;
  std::getline(f, line);
  while (std::getline(f, line)) {
    const auto c = cells(line);
    int mo, d, y, hh, mm;
    if (std::sscanf(c[0].c_str(), "%d/%d/%d %d:%d", &mo, &d, &y, &hh, &mm) != 5) continue;
    s.push_back({absl::FromCivil(absl::CivilMinute(2000 + y, mo, d, hh, mm), absl::UTCTimeZone()),
                 *Value::parse(c[1], Unit::kWatt)});
  }
  return s;
}

}  // namespace emscore::profile::testing

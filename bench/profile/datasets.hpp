// Load-profile data for the benchmarks: the real files in ../shared/vectors/profiles (read
// at run time when they exist beside the checkout) and simulated meter counters.
#pragma once

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "emscore/core/time.hpp"
#include "emscore/profile/series.hpp"

namespace emscore::profile::bench {

struct Dataset {
  std::string name;
  std::vector<Sample> samples;
};

inline std::string shared_profiles_dir() {
  return std::string(EMSCORE_SOURCE_DIR) + "/../shared/vectors/profiles";
}

inline std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur.push_back(c);
    }
  }
  out.push_back(cur);
  return out;
}

// A household meter: a base load, appliances switching on for a while, quiet nights.
// Counter in kWh with three decimals (Wh resolution) as most electricity meters show it.
inline Dataset simulated_counter(std::string name, std::size_t n, int step_minutes,
                                 std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Dataset d{std::move(name), {}};
  const absl::Time t0 = absl::FromUnixSeconds(1704067200);
  std::int64_t wh = 4'711'123;
  double carry = 0;
  int appliance_left = 0;
  double appliance_w = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const absl::Time t = t0 + absl::Minutes(static_cast<std::int64_t>(i) * step_minutes);
    d.samples.push_back({t, Value(wh, -3, Unit::kKiloWattHour)});
    const int hour = absl::ToCivilHour(t, absl::UTCTimeZone()).hour();
    const bool night = hour < 6;
    double w = night ? 60 + static_cast<double>(rng() % 40) : 150 + static_cast<double>(rng() % 250);
    if (appliance_left > 0) {
      w += appliance_w;
      appliance_left -= step_minutes;
    } else if (!night && rng() % 1000 < static_cast<std::uint64_t>(8 * step_minutes)) {
      appliance_w = 500 + static_cast<double>(rng() % 2500);
      appliance_left = 15 + static_cast<int>(rng() % 90);
    }
    carry += w * step_minutes / 60.0;
    const auto whole = static_cast<std::int64_t>(carry);
    carry -= static_cast<double>(whole);
    wh += whole;
  }
  return d;
}

// OPSD household data (hourly cumulative kWh registers): one register column.
inline Dataset opsd(const std::string& column) {
  Dataset d{"opsd_" + column.substr(column.rfind('_') + 1) + "_1h_counter", {}};
  std::ifstream f(shared_profiles_dir() + "/opsd_household_data_60min_singleindex_2017.csv");
  std::string line;
  if (!std::getline(f, line)) return d;
  const auto header = split(line, ',');
  std::size_t col = 0;
  while (col < header.size() && header[col] != column) ++col;
  while (std::getline(f, line)) {
    const auto cells = split(line, ',');
    if (col >= cells.size() || cells[col].empty()) continue;
    auto t = parse_iso8601(cells[0]);
    auto v = Value::parse(cells[col], Unit::kKiloWattHour);
    if (t.ok() && v.ok()) d.samples.push_back({*t, *v});
  }
  return d;
}

// Tetouan city, 10-min power of one distribution zone ("1/1/17 0:10", M/D/YY).
inline Dataset tetouan(int zone) {
  Dataset d{"tetouan_zone" + std::to_string(zone) + "_10min_power", {}};
  std::ifstream f(shared_profiles_dir() + "/tetuan_city_power_consumption_10min.csv");
  std::string line;
  if (!std::getline(f, line)) return d;
  while (std::getline(f, line)) {
    const auto cells = split(line, ',');
    if (cells.size() < 9) continue;
    int mo, dd, yy, hh, mi;
    if (std::sscanf(cells[0].c_str(), "%d/%d/%d %d:%d", &mo, &dd, &yy, &hh, &mi) != 5) continue;
    const absl::Time t = absl::FromCivil(absl::CivilMinute(2000 + yy, mo, dd, hh, mi),
                                         absl::UTCTimeZone());
    auto v = Value::parse(cells[static_cast<std::size_t>(5 + zone)], Unit::kWatt);
    if (v.ok() && (d.samples.empty() || d.samples.back().at < t)) d.samples.push_back({t, *v});
  }
  return d;
}

// UCI household, 1-min global active power in kW (D/M/YY or D/M/YYYY; '?' rows skipped).
inline Dataset uci(std::size_t column = 3) {
  Dataset d{column == 3 ? "uci_active_power_1min" : "uci_voltage_1min", {}};
  const std::string cmd =
      "unzip -p " + shared_profiles_dir() + "/uci_household_power_consumption_2007H1_1min.zip 2>/dev/null";
  std::FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return d;
  char buf[512];
  bool header = true;
  while (std::fgets(buf, sizeof buf, p) != nullptr) {
    if (header) {
      header = false;
      continue;
    }
    const auto cells = split(std::string(buf, std::strlen(buf) - (std::strlen(buf) > 0 && buf[std::strlen(buf) - 1] == '\n' ? 1 : 0)), ',');
    if (cells.size() < 7) continue;
    int dd, mo, yy, hh, mi, ss;
    if (std::sscanf(cells[1].c_str(), "%d/%d/%d", &dd, &mo, &yy) != 3) continue;
    if (std::sscanf(cells[2].c_str(), "%d:%d:%d", &hh, &mi, &ss) != 3) continue;
    if (yy < 100) yy += 2000;
    const absl::Time t = absl::FromCivil(absl::CivilSecond(yy, mo, dd, hh, mi, ss),
                                         absl::UTCTimeZone());
    auto v = Value::parse(cells[column], column == 3 ? Unit::kKiloWatt : Unit::kVolt);
    if (v.ok() && (d.samples.empty() || d.samples.back().at < t)) d.samples.push_back({t, *v});
  }
  pclose(p);
  return d;
}

inline std::vector<Dataset> all_datasets() {
  std::vector<Dataset> out;
  out.push_back(simulated_counter("sim_counter_15min_1y", 35040, 15, 1));
  out.push_back(simulated_counter("sim_counter_1min_30d", 43200, 1, 2));
  for (Dataset d : {opsd("DE_KN_residential4_grid_import"), opsd("DE_KN_residential4_pv"),
                    tetouan(1), uci(3), uci(5)}) {
    if (!d.samples.empty()) out.push_back(std::move(d));
  }
  return out;
}

}  // namespace emscore::profile::bench

// emscore/tariff/site.hpp — what a bill is computed for: devices, plans, zone, currency.
//
// Facts from seed 003: a site counts electricity, gas and water with devices (physical or
// virtual meters); each device belongs to a load (e.g. "Lighting", "Ventilation") and may be
// placed in a measure group; a device whose measurement is already contained in another
// one's (a sub-meter behind a general meter) is marked "exclude from totals": it still has its
// own detail figures but does not count in totals, loads, groups or the per-tariff totals,
// so that nothing is counted twice. The site has one currency (ISO 4217) and, for gas, a
// conversion factor in kWh/m³ that gives gas consumption also in "equivalent kWh".
#pragma once

#include <array>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "emscore/core/value.hpp"
#include "emscore/tariff/cost_rule.hpp"
#include "emscore/tariff/money.hpp"
#include "emscore/tariff/tariff.hpp"

namespace emscore::tariff {

struct Device {
  std::string id;  // unique on the site
  Medium medium = Medium::kElectricity;
  std::string load;   // may be empty
  std::string group;  // measure group; may be empty
  bool exclude_from_totals = false;
};

struct Site {
  Currency currency;
  absl::TimeZone time_zone = absl::UTCTimeZone();  // the civil time the rules are written in
  Value gas_kwh_per_m3{0, 0, Unit::kNone};         // 0: no kWh-equivalent for gas
  std::array<TariffPlan, kMediumCount> plans;      // indexed by Medium
  std::vector<Device> devices;

  const TariffPlan& plan(Medium m) const noexcept { return plans[static_cast<std::size_t>(m)]; }
  TariffPlan& plan(Medium m) noexcept { return plans[static_cast<std::size_t>(m)]; }
  // Plans valid, device ids unique and non-empty, gas factor not negative.
  absl::Status validate() const;
  // Index of the device with this id, or -1.
  int device_index(std::string_view id) const noexcept;
};

}  // namespace emscore::tariff

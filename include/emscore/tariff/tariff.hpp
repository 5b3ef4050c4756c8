// emscore/tariff/tariff.hpp — media and tariffs with a price history.
//
// Facts carried over from the energy web server's bill of consumptions (seed 003, §7.16.3):
// a site prices three media — electricity per kWh, gas per m³ (shown also in kWh-equivalent
// through a conversion factor in kWh/m³ given by the gas supplier) and water per m³. Each
// medium has its own tariffs; a tariff has a name, a display colour and one or more prices,
// each valid from a date; when a tariff has a single price it needs no date. The device
// allows 5 tariffs per medium and 5 prices per tariff; the SDK does not limit either.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "emscore/core/value.hpp"

namespace emscore::tariff {

enum class Medium : std::uint8_t { kElectricity = 0, kGas = 1, kWater = 2 };
inline constexpr int kMediumCount = 3;
inline constexpr Medium kMedia[kMediumCount] = {Medium::kElectricity, Medium::kGas, Medium::kWater};

// "electricity", "gas", "water".
std::string_view medium_name(Medium m) noexcept;
std::optional<Medium> parse_medium(std::string_view name) noexcept;
// The unit prices are quoted in and quantities are billed in: kWh for electricity, m³ for gas
// and water (seed: "price per kWh of Electricity or per m3 of Gas/Water").
Unit billing_unit(Medium m) noexcept;

struct PricePoint {
  // The first civil day (site time) on which this price applies; none = since always.
  std::optional<absl::CivilDay> valid_from;
  // Price per billing unit of the medium in the site's currency, exact (0.2155 = {2155, -4}).
  // The Value's unit is not used.
  Value price;
};

struct Tariff {
  std::string name;
  std::string colour;  // display colour, "#RRGGBB"; may be empty
  std::vector<PricePoint> prices;

  // Error unless: a name; at least one price; at most one price without a date; no two
  // prices on the same date; a colour, if given, is "#RRGGBB".
  absl::Status validate() const;
  // The price that applies on `day`: the one with the latest valid_from <= day, else the
  // undated one; nullptr when every price starts after `day`. Order of `prices` is free.
  const Value* price_on(absl::CivilDay day) const noexcept;
  // The days on which the price may change (every valid_from), sorted.
  std::vector<absl::CivilDay> change_days() const;
};

}  // namespace emscore::tariff

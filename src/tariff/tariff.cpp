#include "emscore/tariff/tariff.hpp"

#include <algorithm>

#include "emscore/core/status.hpp"

namespace emscore::tariff {

std::string_view medium_name(Medium m) noexcept {
  switch (m) {
    case Medium::kElectricity:
      return "electricity";
    case Medium::kGas:
      return "gas";
    case Medium::kWater:
      return "water";
  }
  return "?";
}

std::optional<Medium> parse_medium(std::string_view name) noexcept {
  for (Medium m : kMedia) {
    if (medium_name(m) == name) return m;
  }
  return std::nullopt;
}

Unit billing_unit(Medium m) noexcept {
  return m == Medium::kElectricity ? Unit::kKiloWattHour : Unit::kCubicMetre;
}

namespace {
bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
std::string day_text(absl::CivilDay d) { return absl::FormatCivilTime(d); }
}  // namespace

absl::Status Tariff::validate() const {
  if (name.empty()) return absl::InvalidArgumentError("tariff: a tariff needs a name");
  if (!colour.empty() && (colour.size() != 7 || colour[0] != '#' ||
                          !std::all_of(colour.begin() + 1, colour.end(), is_hex))) {
    return absl::InvalidArgumentError(
        str_cat("tariff \"", name, "\": colour \"", colour, "\" is not #RRGGBB"));
  }
  if (prices.empty()) {
    return absl::InvalidArgumentError(str_cat("tariff \"", name, "\": no price"));
  }
  int undated = 0;
  for (std::size_t i = 0; i < prices.size(); ++i) {
    if (!prices[i].valid_from) {
      if (++undated > 1) {
        return absl::InvalidArgumentError(str_cat("tariff \"", name, "\": price ", i,
                                                  " has no date; only one price may have none"));
      }
      continue;
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (prices[j].valid_from == prices[i].valid_from) {
        return absl::InvalidArgumentError(str_cat("tariff \"", name, "\": prices ", j, " and ", i,
                                                  " both start on ",
                                                  day_text(*prices[i].valid_from)));
      }
    }
  }
  return absl::OkStatus();
}

const Value* Tariff::price_on(absl::CivilDay day) const noexcept {
  const Value* best = nullptr;
  std::optional<absl::CivilDay> best_from;
  const Value* undated = nullptr;
  for (const auto& p : prices) {
    if (!p.valid_from) {
      undated = &p.price;
    } else if (*p.valid_from <= day && (!best_from || *p.valid_from > *best_from)) {
      best = &p.price;
      best_from = p.valid_from;
    }
  }
  return best != nullptr ? best : undated;
}

std::vector<absl::CivilDay> Tariff::change_days() const {
  std::vector<absl::CivilDay> out;
  for (const auto& p : prices) {
    if (p.valid_from) out.push_back(*p.valid_from);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace emscore::tariff

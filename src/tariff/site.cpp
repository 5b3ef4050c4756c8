#include "emscore/tariff/site.hpp"

#include "absl/container/flat_hash_set.h"
#include "emscore/core/status.hpp"

namespace emscore::tariff {

absl::Status Site::validate() const {
  for (Medium m : kMedia) {
    EMSCORE_RETURN_IF_ERROR(with_context(plan(m).validate(), medium_name(m)));
  }
  if (gas_kwh_per_m3.mantissa < 0) {
    return absl::InvalidArgumentError("tariff: the gas conversion factor is negative");
  }
  absl::flat_hash_set<std::string> seen;
  for (std::size_t i = 0; i < devices.size(); ++i) {
    if (devices[i].id.empty()) {
      return absl::InvalidArgumentError(str_cat("tariff: device ", i, " has no id"));
    }
    if (!seen.insert(devices[i].id).second) {
      return absl::InvalidArgumentError(
          str_cat("tariff: device id \"", devices[i].id, "\" is used twice"));
    }
  }
  return absl::OkStatus();
}

int Site::device_index(std::string_view id) const noexcept {
  for (std::size_t i = 0; i < devices.size(); ++i) {
    if (devices[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace emscore::tariff

#include "emscore/metering/scaling.hpp"

#include <charconv>
#include <string>
#include <string_view>

#include "emscore/core/strings.hpp"

namespace emscore::metering {
namespace {

absl::Status bad(std::string_view field, double v, std::string_view range) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return absl::InvalidArgumentError(str_cat("metering: scaling.", field, " = ",
                                            std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)),
                                            ", expected ", range));
}

}  // namespace

absl::Status Scaling::validate() const {
  if (!(vt_ratio >= 1.0 && vt_ratio <= kMaxVtRatio)) return bad("vt_ratio", vt_ratio, "1..10000");
  if (current_input == CurrentInput::kCt5A) {
    if (!(ct_ratio >= 1.0 && ct_ratio <= kMaxCtRatio)) return bad("ct_ratio", ct_ratio, "1..2000");
  } else if (!(sensor_primary_a > 0.0 && sensor_primary_a <= kMaxPrimaryA)) {
    return bad("sensor_primary_a", sensor_primary_a, "(0, 10000] A");
  }
  return absl::OkStatus();
}

}  // namespace emscore::metering

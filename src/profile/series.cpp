#include "emscore/profile/series.hpp"

#include "emscore/core/status.hpp"
#include "emscore/core/time.hpp"

namespace emscore::profile {

SeriesKind kind_of(const obis::ObisCode& code) noexcept {
  // Value group D: 8 = time integral 1 (from the start of measurement: a meter reading),
  // 9 = time integral 2 (over a period: consumption), 29 = time integral 5 (load profile
  // delta). Abstract objects (C >= 96, A = 0 with C in 96..99) are never counters.
  if (code.c >= 96) return SeriesKind::kInstantaneous;
  if (code.d == 8) return SeriesKind::kCounter;
  if (code.d == 9 || code.d == 29) return SeriesKind::kInterval;
  // M-Bus channels in DSMR: 0-n:24.2.1 is the last hourly meter reading (a counter).
  if (code.c == 24 && code.d == 2) return SeriesKind::kCounter;
  return SeriesKind::kInstantaneous;
}

absl::Status check_series(std::span<const Sample> samples) {
  for (std::size_t i = 1; i < samples.size(); ++i) {
    const Sample& p = samples[i - 1];
    const Sample& s = samples[i];
    if (s.value.unit != p.value.unit) {
      return absl::InvalidArgumentError(str_cat(
          "profile: sample ", i, " at ", format_iso8601_utc(s.at), ": unit changed from \"",
          unit_symbol(p.value.unit), "\" to \"", unit_symbol(s.value.unit),
          "\" within one series (store a new series, or convert before storing)"));
    }
    if (s.at <= p.at) {
      return absl::InvalidArgumentError(
          str_cat("profile: sample ", i, " at ", format_iso8601_utc(s.at),
                  " is not after sample ", i - 1, " at ", format_iso8601_utc(p.at), ": ",
                  s.at == p.at ? "duplicate timestamp" : "time goes backwards"));
    }
  }
  return absl::OkStatus();
}

std::vector<Sample> samples_of(std::span<const Reading> readings) {
  std::vector<Sample> out;
  out.reserve(readings.size());
  for (const Reading& r : readings) out.push_back(Sample{r.at, r.value, r.quality});
  return out;
}

}  // namespace emscore::profile

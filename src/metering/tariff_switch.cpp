#include "emscore/metering/tariff_switch.hpp"

#include "emscore/core/strings.hpp"

namespace emscore::metering {
namespace {

// Monday = bit 0 .. Sunday = bit 6.
int weekday_bit(absl::Weekday d) {
  switch (d) {
    case absl::Weekday::monday: return 0;
    case absl::Weekday::tuesday: return 1;
    case absl::Weekday::wednesday: return 2;
    case absl::Weekday::thursday: return 3;
    case absl::Weekday::friday: return 4;
    case absl::Weekday::saturday: return 5;
    case absl::Weekday::sunday: return 6;
  }
  return 0;
}

}  // namespace

absl::Status TariffSchedule::add_t2_window(const TariffWindow& w) {
  if (w.start_minute < 0 || w.start_minute > 1439 || w.end_minute < 0 || w.end_minute > 1439) {
    return absl::InvalidArgumentError(str_cat("metering: tariff window ", w.start_minute, "-",
                                              w.end_minute, ": minutes must be 0..1439"));
  }
  if (w.start_minute == w.end_minute) {
    return absl::InvalidArgumentError("metering: tariff window: start equals end");
  }
  if ((w.weekdays & 0x7F) == 0) {
    return absl::InvalidArgumentError("metering: tariff window: no weekday selected");
  }
  if (n_ >= kMaxWindows) {
    return absl::ResourceExhaustedError(
        str_cat("metering: tariff schedule: at most ", kMaxWindows, " windows"));
  }
  w_[static_cast<std::size_t>(n_++)] = w;
  return absl::OkStatus();
}

Tariff TariffSchedule::at(absl::CivilMinute local) const noexcept {
  const int day = weekday_bit(absl::GetWeekday(local));
  const int prev = (day + 6) % 7;
  const int minute = local.hour() * 60 + local.minute();
  for (int k = 0; k < n_; ++k) {
    const TariffWindow& w = w_[static_cast<std::size_t>(k)];
    const bool today = (w.weekdays >> day) & 1;
    const bool yesterday = (w.weekdays >> prev) & 1;
    if (w.start_minute < w.end_minute) {
      if (today && minute >= w.start_minute && minute < w.end_minute) return Tariff::kT2;
    } else {
      if ((today && minute >= w.start_minute) || (yesterday && minute < w.end_minute)) {
        return Tariff::kT2;
      }
    }
  }
  return Tariff::kT1;
}

}  // namespace emscore::metering

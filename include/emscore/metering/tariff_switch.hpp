// emscore/metering/tariff_switch.hpp — choosing tariff t1/t2 for the energy registers.
//
// The analyser switches between two tariffs by its digital input ("tariff management") or
// by a schedule. The input rule is a function of the contact; the schedule is a small fixed
// table of t2 windows by weekday and minute of the local day (the caller converts its clock
// to local civil time with absl::TimeZone; no allocation, no time-zone code here). Outside
// every window the tariff is t1.
#pragma once

#include <array>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "emscore/metering/energy_registers.hpp"

namespace emscore::metering {

// Contact closed selects t2 (or t1 when closed_is_t2 is false).
constexpr Tariff tariff_from_input(bool closed, bool closed_is_t2 = true) noexcept {
  return (closed == closed_is_t2) ? Tariff::kT2 : Tariff::kT1;
}

struct TariffWindow {
  std::uint8_t weekdays = 0x7F;  // bit 0 Monday .. bit 6 Sunday: days the window starts on
  int start_minute = 0;          // 0..1439, minute of the local day
  int end_minute = 0;            // 0..1439; end < start runs past midnight into the next day
};

class TariffSchedule {
 public:
  static constexpr int kMaxWindows = 16;
  // InvalidArgument for minutes out of range, no weekday, start == end, or a full table.
  absl::Status add_t2_window(const TariffWindow& w);
  Tariff at(absl::CivilMinute local) const noexcept;
  int size() const noexcept { return n_; }

 private:
  std::array<TariffWindow, kMaxWindows> w_{};
  int n_ = 0;
};

}  // namespace emscore::metering

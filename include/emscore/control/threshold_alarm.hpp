// emscore/control/threshold_alarm.hpp — a threshold rule on a reading, with hysteresis and
// on/off delays.
//
// The analyser of seeds/000 drives its digital output on an alarm, and the energy web server
// of seeds/003 keeps a list of alarms; neither says how an alarm is computed. This is the
// usual rule of protection relays and PLC comparators:
//   above: raised when value > threshold, released when value <= threshold - hysteresis
//   below: raised when value < threshold, released when value >= threshold + hysteresis
// and a change only counts when it has held continuously for the on-delay (raise) or the
// off-delay (release), so that a spike shorter than the delay raises nothing.
// Values are compared exactly (emscore::Value, across units of one dimension: 1 kW == 1000 W).
// Time is the readings' own time plus the `now` given to poll(): nothing here reads a clock.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "emscore/control/event.hpp"
#include "emscore/obis/reading.hpp"

namespace emscore::control {

enum class Comparison : std::uint8_t { kAbove, kBelow };
std::string_view comparison_name(Comparison c) noexcept;

struct ThresholdRule {
  std::string name;                  // unique, e.g. "overcurrent-L1"
  obis::ObisCode quantity;           // what it watches, e.g. 1-0:31.7.0
  std::optional<DeviceRef> device;   // only this device; any device when empty
  Comparison comparison = Comparison::kAbove;
  Value threshold;
  Value hysteresis;  // >= 0; kNone unit means "the unit of the threshold"
  absl::Duration on_delay = absl::ZeroDuration();
  absl::Duration off_delay = absl::ZeroDuration();

  absl::Status validate() const;
};

class ThresholdAlarm {
 public:
  static absl::StatusOr<ThresholdAlarm> create(const ThresholdRule& rule);

  const ThresholdRule& rule() const noexcept { return rule_; }
  bool matches(const Reading& r) const noexcept;

  // Takes a matching reading. Readings older than the newest one seen and readings of
  // invalid quality are ignored (they say nothing about the present). Error: a unit of
  // another dimension than the threshold's.
  absl::Status on_reading(const Reading& r);

  // Applies a pending change whose delay has run out by `now`. The event is dated when the
  // delay ran out (not when poll() noticed it).
  std::optional<Event> poll(absl::Time now);

  bool active() const noexcept { return active_; }
  // The time the alarm would change state if the value stays as it is (for the caller's
  // scheduler); nullopt when nothing is pending.
  std::optional<absl::Time> pending_until() const;

 private:
  explicit ThresholdAlarm(const ThresholdRule& rule, Value release)
      : rule_(rule), release_(release) {}

  ThresholdRule rule_;
  Value release_;  // threshold -/+ hysteresis
  bool active_ = false;
  bool want_ = false;            // what the newest reading asks for
  absl::Time since_ = absl::InfinitePast();  // when want_ last changed
  absl::Time newest_ = absl::InfinitePast();
  std::optional<Value> last_;
};

}  // namespace emscore::control

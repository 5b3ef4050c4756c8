// emscore/control/digital_output.hpp — a digital (relay / opto-MOSFET) output.
//
// Facts from the seeds, in our words:
//   * seeds/000: the analyser has one output whose function is "remote output" or "alarm",
//     and whose normal (rest) state is normally open or normally closed.
//   * seeds/003 (configuration of digital outputs): the command mode is impulsive or
//     blinking with an "ON time" in seconds; an impulsive command with ON time 0 is a
//     maintained command; blinking switches repeatedly with the ON time as cadence.
// We make "maintained" a mode of its own (impulsive with ON time 0 is accepted and means the
// same), and keep two states apart: the logical state (commanded on/off, what the event log
// records) and the contact (what the terminals do at a given time: pulse and blink pattern,
// inverted for normally closed).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace emscore::control {

enum class OutputFunction : std::uint8_t { kRemote, kAlarm };
enum class NormalState : std::uint8_t { kNormallyOpen, kNormallyClosed };
enum class OutputMode : std::uint8_t { kMaintained, kImpulsive, kBlinking };

std::string_view output_function_name(OutputFunction f) noexcept;
std::string_view normal_state_name(NormalState n) noexcept;
std::string_view output_mode_name(OutputMode m) noexcept;

struct OutputConfig {
  std::string name;  // unique, e.g. "DO1"
  OutputFunction function = OutputFunction::kAlarm;
  NormalState normal = NormalState::kNormallyOpen;
  OutputMode mode = OutputMode::kMaintained;
  absl::Duration on_time = absl::ZeroDuration();  // pulse length / blink half-period

  // Errors: no name, negative ON time, blinking without an ON time.
  absl::Status validate() const;
};

class DigitalOutput {
 public:
  explicit DigitalOutput(const OutputConfig& config);

  const OutputConfig& config() const noexcept { return config_; }
  // The effective mode (impulsive with ON time 0 is maintained).
  OutputMode mode() const noexcept { return mode_; }

  // Commands. activate() while active does nothing (an impulse is not restarted);
  // deactivate() ends a pulse or a blink at once. Both return true when the logical state
  // changed.
  bool activate(absl::Time now);
  bool deactivate(absl::Time now);
  // Ends an impulse whose ON time has run out by `now`; returns the time it ended.
  std::optional<absl::Time> expire(absl::Time now);

  bool active() const noexcept { return active_; }
  // Whether the driver is energised at `now` (the pulse or the ON half of a blink).
  bool energized(absl::Time now) const;
  // Whether the contact is closed at `now`: NO closes when energised, NC opens.
  bool contact_closed(absl::Time now) const;
  // The next time after `now` at which the contact changes by itself (end of a pulse, next
  // blink edge); nullopt when it holds.
  std::optional<absl::Time> next_change(absl::Time now) const;

 private:
  OutputConfig config_;
  OutputMode mode_;
  bool active_ = false;
  absl::Time since_ = absl::InfinitePast();
};

}  // namespace emscore::control

// emscore/metering/scaling.hpp — from ADC codes to primary volts and amperes.
//
// Each channel is first calibrated, secondary = (raw - offset) * gain, which turns an ADC
// code (or an already scaled float) into the volts/amperes at the meter's terminals. The
// transformer ratios then give primary quantities:
//   voltage: primary V = secondary V * vt_ratio (1 for direct connection)
//   5 A CT input ("AV5"): primary A = secondary A * ct_ratio, ct_ratio in [1, 2000]
//   333 mV sensor input ("MV5"): primary A = sensor V / 0.333 * sensor_primary_a, the rated
//   primary current of the sensor in (0, 10000] A.
// The limits are the analyser data sheet's: CT ratio up to 2000 and primary current up to
// 10 kA for both input kinds. Rated current I_n (primary) is 5 A * ct_ratio for CT inputs and
// sensor_primary_a for 333 mV inputs; the start-up current is 0.001 I_n.
#pragma once

#include <cstdint>

#include "absl/status/status.h"

namespace emscore::metering {

enum class CurrentInput : std::uint8_t { kCt5A, kSensor333mV };

inline constexpr double kCtSecondaryRatedA = 5.0;
inline constexpr double kSensorRatedV = 0.333;
inline constexpr double kMaxCtRatio = 2000.0;
inline constexpr double kMaxPrimaryA = 10000.0;
inline constexpr double kMaxVtRatio = 10000.0;

// secondary = (raw - offset) * gain.
struct ChannelCalibration {
  double gain = 1.0;
  double offset = 0.0;
};

struct Scaling {
  double vt_ratio = 1.0;
  CurrentInput current_input = CurrentInput::kCt5A;
  double ct_ratio = 1.0;          // kCt5A
  double sensor_primary_a = 0.0;  // kSensor333mV: primary A at 333 mV

  // Primary amperes per secondary unit (A for a CT input, V for a 333 mV sensor).
  double current_factor() const noexcept {
    return current_input == CurrentInput::kCt5A ? ct_ratio : sensor_primary_a / kSensorRatedV;
  }
  double voltage_factor() const noexcept { return vt_ratio; }
  // I_n on the primary side.
  double rated_primary_current() const noexcept {
    return current_input == CurrentInput::kCt5A ? kCtSecondaryRatedA * ct_ratio
                                                : sensor_primary_a;
  }
  // InvalidArgument naming the field and the allowed range when out of the limits above.
  absl::Status validate() const;
};

}  // namespace emscore::metering

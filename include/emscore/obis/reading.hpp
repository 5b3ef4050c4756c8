// emscore/obis/reading.hpp — the one currency of the SDK.
//
// Every path through the system ends in a Reading: a device, an OBIS code saying what was
// measured, an exact Value, when, and how trustworthy it is. Codecs produce protocol
// records; the mapping module turns them into Readings; the profile store keeps them; the
// tariff module prices consumption between them; the gateway publishes them.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/time/time.h"
#include "emscore/core/value.hpp"
#include "emscore/obis/obis_code.hpp"

namespace emscore {

// A device as the application knows it: a small handle the application assigns (index into
// its device table). Serial numbers and addresses live in that table, not in every reading.
struct DeviceRef {
  std::uint32_t id = 0;
  friend constexpr auto operator<=>(const DeviceRef&, const DeviceRef&) = default;
};

enum class Quality : std::uint8_t {
  kMeasured,     // read from the device as it is
  kEstimated,    // computed (interpolated, derived) and flagged as such
  kSubstituted,  // replaced by hand or by a rule
  kQuestionable, // the device flagged the value (error status, error digits)
  kInvalid,      // not usable; kept so that the gap is visible
};

constexpr std::string_view quality_name(Quality q) noexcept {
  switch (q) {
    case Quality::kMeasured: return "measured";
    case Quality::kEstimated: return "estimated";
    case Quality::kSubstituted: return "substituted";
    case Quality::kQuestionable: return "questionable";
    case Quality::kInvalid: return "invalid";
  }
  return "invalid";
}

struct Reading {
  DeviceRef device;
  obis::ObisCode quantity;
  Value value;
  absl::Time at;
  Quality quality = Quality::kMeasured;
};

}  // namespace emscore

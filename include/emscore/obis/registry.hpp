// emscore/obis/registry.hpp — what an OBIS code means.
//
// describe() answers for a code: a description in plain words, the medium, the default
// unit a meter usually gives it and the kind of value (a cumulative register, a demand, an
// instantaneous value, ...). Two sources, in this order:
//   1. a table of named codes: the abstract objects of DSMR/ESMR P1 and its national
//      variants, and the gas, water and thermal codes used by data loggers;
//   2. the systematic structure of electricity codes (IEC 62056-6-1 §7.5): group C names the
//      quantity and phase (1 = +A, 2 = -A, ... 21..40 = L1, 41..60 = L2, 61..80 = L3), group
//      D the processing (7 instantaneous, 8 register, 6 maximum demand, ...) and group E the
//      tariff. This gives every electricity code a description without listing each one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "emscore/core/unit.hpp"
#include "emscore/obis/medium.hpp"
#include "emscore/obis/obis_code.hpp"

namespace emscore::obis {

enum class ValueKind : std::uint8_t {
  kRegister,       // cumulative meter reading (energy, volume)
  kDemand,         // average or maximum demand over a period
  kInstantaneous,  // current value (power, voltage, current, temperature, flow)
  kCounter,        // number of events (power failures, sags)
  kIdentifier,     // equipment id, version, text
  kTimestamp,      // a clock value
  kState,          // tariff indicator, breaker or valve state
  kLog,            // a profile or event log (several entries)
  kOther,
};

std::string_view value_kind_name(ValueKind k) noexcept;

struct ObisDescription {
  ObisCode code;
  std::string description;  // "Active energy import (+A), tariff 1"
  Medium medium = Medium::kAbstract;
  Unit unit = Unit::kNone;  // the usual unit; kNone for dimensionless or text values
  ValueKind kind = ValueKind::kOther;
};

// The meaning of a code, or nullopt when neither source knows it. B (channel) and F
// (billing period) do not change the meaning: 0-2:24.2.1 is described like 0-1:24.2.1;
// F != 255 adds ", billing period F" to the description.
std::optional<ObisDescription> describe(const ObisCode& code);

}  // namespace emscore::obis

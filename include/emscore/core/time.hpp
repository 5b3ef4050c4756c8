// emscore/core/time.hpp — time helpers on Abseil's absolute and civil time.
//
// Meters speak civil time (local wall clock, sometimes with a DST flag); storage and
// protocols between our own components use absolute time (absl::Time). Conversions go
// through absl::TimeZone so that DST gaps and overlaps are handled by the library that
// knows them, not by offset arithmetic.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace emscore {

// A civil second from fields, rejecting out-of-range fields instead of normalising them
// (absl::CivilSecond turns month 13 into January of the next year; a meter never means that).
absl::StatusOr<absl::CivilSecond> checked_civil_second(int year, int month, int day, int hour,
                                                       int minute, int second);

// "2024-04-11T13:00:25Z" (UTC, no fraction unless non-zero: "...25.5Z").
std::string format_iso8601_utc(absl::Time t);
// "2024-04-11T15:00:25+02:00" in the given zone.
std::string format_iso8601(absl::Time t, const absl::TimeZone& tz);
// Parses RFC 3339 / ISO 8601 with offset or 'Z' ("2024-04-11T13:00:25Z").
absl::StatusOr<absl::Time> parse_iso8601(std::string_view text);

// A time zone by IANA name ("Europe/Zurich"); an error (not silently UTC) when unknown.
absl::StatusOr<absl::TimeZone> load_time_zone(std::string_view name);

}  // namespace emscore

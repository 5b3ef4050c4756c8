// emscore/dsmr/timestamp.hpp — P1 timestamps "YYMMDDhhmmssX" to absolute time.
//
// DSMR 4/5 (P1 CS 5.0.2 §6.4, "TST") write local wall-clock time with a season flag X:
// 'S' summer time (DST active), 'W' winter time. DSMR 2.2/3.0 gas readings (0-n:24.3.0) use
// the same digits without the flag. The year is 2000 + YY.
//
// The wall clock is read in a time zone (default Europe/Amsterdam, the DSMR reference; it is
// also right for Belgium, Luxembourg, Austria, Hungary, Sweden and the other CET countries;
// set Europe/Dublin, Asia/Jerusalem... for other meters). The zone decides the UTC offset; the
// flag only resolves the hour that occurs twice when DST ends ('S' = the first, summer
// occurrence, 'W' = the second) and the hour skipped when it begins. Without a flag the
// earlier reading of an ambiguous hour is taken.
#pragma once

#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace emscore::dsmr {

// The zone a parser uses when the caller gives none: Europe/Amsterdam loaded from the
// system's zoneinfo, or, when that is missing, a fixed UTC+01:00 zone whose summer hours the
// 'S' flag corrects (+1 h) so that flagged timestamps stay right.
absl::TimeZone default_time_zone();

// True when `zone` is the fixed fallback of default_time_zone() (no DST rules known).
bool is_fallback_zone(const absl::TimeZone& zone);

// Parses 12 digits plus an optional 'S'/'W' (13 or 12 characters). Returns false on any
// syntax or range error (month 13, 31 April, hour 24...). Allocation-free.
// `summer_adds_hour`: the zone has no DST rules (the fallback zone), so 'S' moves the time
// one hour earlier in UTC.
bool parse_timestamp(std::string_view text, const absl::TimeZone& zone, absl::Time* out,
                     char* flag = nullptr, bool summer_adds_hour = false) noexcept;

// "230724150730S" for t in zone (the flag from the zone's DST state at t).
// Used by the emitter; allocation only for the returned string.
std::string format_timestamp(absl::Time t, const absl::TimeZone& zone);

}  // namespace emscore::dsmr

// emscore/mbus/data.hpp — what a data record means: quantity, unit and exact value.
//
// describe_record() combines the VIF (primary, FB or FD table, plain text) with the
// combinable VIFEs: multiplicative corrections shift the decade (0x70-0x77, 0x7D), per-time
// VIFEs turn m^3 into m^3/h and the like where a unit exists, error VIFEs mark the record,
// date VIFEs (0x39 "start date of", limit-exceed dates) turn the data into a time point.
// decode_value() turns the data field into an exact emscore::Value scaled to that unit
// (durations normalised to seconds), a date/time (types F, G, I, J; EN 13757-3 Annex A),
// text (LVAR strings, sent last character first) or raw bytes. Neither allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "emscore/core/value.hpp"
#include "emscore/mbus/record.hpp"
#include "emscore/mbus/vif.hpp"

namespace emscore::mbus {

struct RecordMeaning {
  std::string_view quantity;     // "" for plain-text VIFs (see Record::plain_text)
  Unit unit = Unit::kNone;
  std::int8_t exponent = 0;      // decade applied to the raw number
  std::int32_t seconds = 1;      // duration multiplier to seconds
  VifKind kind = VifKind::kNumber;
  Unit per_time = Unit::kNone;   // a per-time VIFE that could not be folded into `unit`
  bool has_error = false;        // a record-error VIFE (0x00-0x1F, except 0x00 "none")
  std::uint8_t error_code = 0;
  bool manufacturer_vife = false;  // VIFE 0x7F or VIF 0x7F/0xFF: manufacturer specific
  bool additive = false;           // an additive correction VIFE (0x78-0x7B) is present
  bool accumulation_positive = false;  // 0x3B
  bool accumulation_negative = false;  // 0x3C
  bool future_value = false;           // 0x7E
  bool limit_value = false;            // 0x40/0x48 and other limit annotations
};
RecordMeaning describe_record(const Record& r) noexcept;

// A calendar date/time as the meter sent it (local civil time; no time zone on the wire).
struct DateTime {
  std::int16_t year = 0;
  std::uint8_t month = 0, day = 0, hour = 0, minute = 0, second = 0;
  bool has_date = true;
  bool has_time = false;
  bool has_seconds = false;
  bool invalid = false;       // IV bit (type F/I) set: the meter says the time is not valid
  bool summer_time = false;   // SU bit
};
// "2014-03-13T11:11:00" / "2014-03-13" / "11:11:05". Zero fields (a meter's "no date")
// are printed as they are ("2000-00-00").
std::string format_datetime(const DateTime& t);
// Type F (4 bytes), G (2 bytes), I (6 bytes), J (3 bytes) from little-endian bytes.
DateTime decode_type_f(std::span<const std::uint8_t, 4> b) noexcept;
DateTime decode_type_g(std::span<const std::uint8_t, 2> b) noexcept;
DateTime decode_type_i(std::span<const std::uint8_t, 6> b) noexcept;
DateTime decode_type_j(std::span<const std::uint8_t, 3> b) noexcept;
// Encoders for requests (set date/time): type F and G.
void encode_type_f(const DateTime& t, std::span<std::uint8_t, 4> out) noexcept;
void encode_type_g(const DateTime& t, std::span<std::uint8_t, 2> out) noexcept;

enum class ValueType : std::uint8_t {
  kNone,      // no data (coding 0 / selection for readout) or manufacturer data
  kNumber,    // `number`
  kDateTime,  // `time` (date, date & time, or time of day)
  kText,      // `bytes` is ASCII sent last character first
  kBytes,     // `bytes`: binary data with no numeric reading (long LVAR binary, manufacturer)
  kInvalid,   // the meter flagged the value invalid: BCD digits A-F; `bytes` is the raw field
};

struct RecordValue {
  ValueType type = ValueType::kNone;
  Value number;
  DateTime time;
  std::span<const std::uint8_t> bytes;
};

// Decodes the data field of `r` with the meaning `m` (from describe_record(r)). Errors only
// on arithmetic that does not fit (a 64-bit count times 86400 s) or a non-finite real.
absl::StatusOr<RecordValue> decode_value(const Record& r, const RecordMeaning& m);
// The same into a caller's RecordValue (no copy of the result: the fastest form).
absl::Status decode_value_into(const Record& r, const RecordMeaning& m, RecordValue& out);
inline absl::StatusOr<RecordValue> decode_value(const Record& r) {
  return decode_value(r, describe_record(r));
}

// Text of a kText value (reversed into reading order) or a plain-text unit; non-printable
// bytes become '?'. Writes into `out`, returns the characters written (at most out.size()).
std::size_t copy_text(std::span<const std::uint8_t> reversed, std::span<char> out) noexcept;
std::string text_of(std::span<const std::uint8_t> reversed);

// Display helpers (these allocate; the decode path above does not).
// Value as text: exact decimal for numbers, ISO 8601 for time points, the text for strings,
// the digits as sent for invalid BCD ("EEEE"), space-separated hex for raw bytes.
std::string value_string(const RecordValue& v, const Record& r);
// Unit symbol, with a per-time suffix that has no unit of its own ("m^3/wk").
std::string unit_string(const RecordMeaning& m);
// The quantity name; for a plain-text VIF the meter's own text.
std::string quantity_string(const Record& r, const RecordMeaning& m);

}  // namespace emscore::mbus

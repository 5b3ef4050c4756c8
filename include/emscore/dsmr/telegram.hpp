// emscore/dsmr/telegram.hpp — the contents of one P1 telegram, parsed without allocation.
//
// A telegram (P1 Companion Standard 5.0.2 §6.4, IEC 62056-21 mode D data set syntax):
//   /XXXZ<identification>            header: 3-letter manufacturer, baud-rate character, id
//   <empty line>
//   A-B:C.D.E(value)(value)...       COSEM objects, one per line, value groups in parentheses
//   !CRC
// A value group holds a number with an optional unit ("000004.426*kWh"), a timestamp
// ("170102192002W"), an OBIS reference ("0-0:96.7.19"), hex-encoded text or nothing ("()").
// Structured objects are just longer lists of groups, e.g. the power-failure log
//   1-0:99.97.0(2)(0-0:96.7.19)(180417201458S)(0000000236*s)(220525094346S)(0000002936*s)
// the M-Bus reading 0-1:24.2.1(170102161005W)(00000.107*m3), the e-MUCS peak history
// 0-0:98.1.0(3)(1-0:1.6.0)(1-0:1.6.0)(200501000000S)(200423192538S)(03.695*kW)...
//
// The parser is generic: it needs no table of known codes. Any line of the form OBIS + groups
// is returned with its groups classified by their syntax; the meaning is left to the caller
// (or to emscore::obis::describe()). A line that starts with '(' continues the object before
// it (DSMR 2.2/3.0 gas: "0-1:24.3.0(...)(m3)" CR LF "(00001.001)"), and a group broken over a
// line end (a long text message) is joined. Malformed lines do not fail the telegram: they are
// recorded as issues with their offset and the parse goes on.
//
// TelegramParser keeps its object and group arrays between calls, so parsing a telegram
// allocates nothing once the arrays have grown to the telegram's size. The returned Telegram
// borrows from both the input bytes and the parser: it is valid until the next parse() and as
// long as the input lives.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "emscore/core/value.hpp"
#include "emscore/dsmr/framer.hpp"
#include "emscore/obis/obis_code.hpp"

namespace emscore::dsmr {

enum class GroupKind : std::uint8_t {
  kEmpty,      // "()"
  kNumber,     // a decimal, with or without "*unit"
  kTimestamp,  // YYMMDDhhmmss plus S/W flag (or without flag where DSMR 2.2/3.0 put one)
  kObis,       // an OBIS reference, e.g. the unit of a log "(0-0:96.7.19)"
  kText,       // anything else: hex-encoded ids and messages, free text, a lone unit "(m3)"
};
std::string_view group_kind_name(GroupKind k) noexcept;

struct ValueGroup {
  std::string_view raw;        // between '(' and ')' exactly as sent (may contain CR LF when a
                               // meter broke the line inside the group)
  GroupKind kind = GroupKind::kEmpty;
  char dst_flag = 0;           // kTimestamp: 'S', 'W' or 0 (no flag)
  std::string_view unit_text;  // kNumber: the unit as written after '*' ("kWh", "m3"), or ""
  Value value;                 // kNumber: exact decimal; unit kNone if none or unknown
  absl::Time time;             // kTimestamp: absolute time
  obis::ObisCode obis;         // kObis

  // The number as written, without "*unit" and surrounding spaces ("000004.426").
  std::string_view number_text() const noexcept {
    const auto star = raw.find('*');
    return trim_spaces(star == std::string_view::npos ? raw : raw.substr(0, star));
  }
  static constexpr std::string_view trim_spaces(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  }
};

struct DataObject {
  obis::ObisCode obis;
  std::string_view text;       // from the OBIS code to the last ')' (continuations included)
  std::uint32_t offset = 0;    // of the OBIS code in the telegram
  std::uint32_t first_group = 0;
  std::uint32_t group_count = 0;
};

enum class IssueKind : std::uint8_t {
  kBadObis,          // a line that does not start with an OBIS code or '('
  kNoValue,          // an OBIS code without any "(...)" group
  kUnclosedGroup,    // '(' without ')' on the line
  kNestedParen,      // '(' inside a group
  kTrailing,         // characters after the last ')'
  kOrphanGroup,      // a continuation "(...)" line before any object
  kBadHeader,        // the identification line is not "/XXXZ..."
  kBadTimestamp,     // 13 characters ending in S/W that are not a valid date and time
};
struct Issue {
  std::uint32_t offset = 0;  // in the telegram
  IssueKind kind = IssueKind::kBadObis;
};
// "line at offset 57: '(' without ')' on the line"
std::string describe(const Issue& issue);

// What produced a telegram, from its header and version lines.
enum class Variant : std::uint8_t {
  kUnknown,
  kDsmrLegacy,  // DSMR 2.2 / 3.0: no version line, no CRC
  kDsmr4,       // 1-3:0.2.8(40..42)
  kDsmr5,       // 1-3:0.2.8(50): DSMR 5.0 / ESMR 5
  kBelgium,     // Fluvius e-MUCS (0-0:96.1.4 version, 1-0:1.6.0 / 0-0:98.1.0 peak demand)
  kLuxembourg,  // Smarty: decrypted from an AES-128-GCM frame (set by the caller, see smarty.hpp)
  kOther,       // CRC'd telegrams without a DSMR version line (E.ON HU, Iskra IE, Nordic...)
};
std::string_view variant_name(Variant v) noexcept;

struct Dialect {
  std::string_view manufacturer;    // "ISk", "KFM", "FLU" (the 3 letters after '/')
  char baud = 0;                    // the 5th header character ('5' = 9600 in IEC 62056-21 terms)
  std::string_view identification;  // the rest of the header line ("\2MT382-1000")
  std::string_view version;         // 1-3:0.2.8 or 0-0:96.1.4 value ("50", "50217"), or ""
  Variant variant = Variant::kUnknown;
};

struct ParserOptions {
  // Wall-clock zone of the timestamps (see timestamp.hpp). nullopt: default_time_zone().
  std::optional<absl::TimeZone> time_zone;
};

// One parsed telegram. Borrowed view: see the header comment.
struct Telegram {
  std::string_view header;  // the identification line without '/' and CR LF
  Dialect dialect;
  CrcStatus crc = CrcStatus::kAbsent;
  std::span<const DataObject> objects;
  std::span<const ValueGroup> all_groups;
  std::span<const Issue> issues;

  std::span<const ValueGroup> groups(const DataObject& o) const noexcept {
    return all_groups.subspan(o.first_group, o.group_count);
  }
  // The first object with this code, or nullptr.
  const DataObject* find(const obis::ObisCode& code) const noexcept;
  // The object's first number (e.g. 1-0:1.8.1 -> 4.426 kWh; 0-1:24.2.1 -> 0.107 m^3).
  std::optional<Value> number(const obis::ObisCode& code) const noexcept;
  // The object's first timestamp (0-0:1.0.0; the capture time of 0-1:24.2.1).
  std::optional<absl::Time> timestamp(const obis::ObisCode& code) const noexcept;
};

class TelegramParser {
 public:
  explicit TelegramParser(ParserOptions options = {});

  // Parses '/'..'!' plus the CRC digits; bytes before '/' and after the CRC are ignored.
  // `crc`: the framer's verdict; nullopt to check the four hex digits after '!' here.
  // Fails only when there is no '/' header or no '!' end.
  absl::StatusOr<Telegram> parse(std::span<const std::uint8_t> telegram,
                                 std::optional<CrcStatus> crc = std::nullopt);
  absl::StatusOr<Telegram> parse(std::string_view telegram,
                                 std::optional<CrcStatus> crc = std::nullopt) {
    return parse(std::span<const std::uint8_t>(
                     reinterpret_cast<const std::uint8_t*>(telegram.data()), telegram.size()),
                 crc);
  }

  const absl::TimeZone& time_zone() const noexcept { return zone_; }

 private:
  void parse_line(std::string_view body, std::size_t& pos);
  void classify(ValueGroup& g, const obis::ObisCode& obis, std::uint32_t index,
                std::uint32_t offset);

  absl::TimeZone zone_;
  bool fallback_zone_ = false;
  std::vector<DataObject> objects_;
  std::vector<ValueGroup> groups_;
  std::vector<Issue> issues_;
};

// Parses a decimal "000004.426", "-1.5", "12" into an exact Value without allocating.
// False on anything else (or more than 18 significant digits).
bool parse_decimal(std::string_view text, Value* out) noexcept;

// Fast reader for the full OBIS form "A-B:C.D.E" with optional "*F" (the form DSMR uses);
// agrees with obis::ObisCode::parse on it. Returns the characters consumed, 0 if no match.
std::size_t read_obis(std::string_view text, obis::ObisCode* out) noexcept;

// Hex-encoded text (DSMR text messages 0-0:96.13.0, equipment ids 0-n:96.1.x) decoded into
// `out`. False when the text is not an even number of hex digits (out is then unspecified).
bool decode_hex_text(std::string_view hex, std::string* out);

}  // namespace emscore::dsmr

// Runtime OBIS parsing with Boost.Spirit X3. The grammar is run group by group so that an
// error can name the exact position and what was expected there.
#include <boost/spirit/home/x3.hpp>

#include "emscore/core/strings.hpp"
#include "absl/strings/str_format.h"
#include "emscore/core/status.hpp"
#include "emscore/obis/obis_code.hpp"

namespace emscore::obis {
namespace {

namespace x3 = boost::spirit::x3;

const x3::uint_parser<unsigned, 10, 1, 3> kNumber{};
const x3::uint_parser<std::uint8_t, 16, 2, 2> kHexByte{};

struct LetterGroups : x3::symbols<std::uint8_t> {
  LetterGroups() { add("C", 96)("F", 97)("L", 98)("P", 99); }
};
const LetterGroups& letters() {
  static const LetterGroups kLetters;
  return kLetters;
}

using It = std::string_view::const_iterator;

absl::Status syntax_error(std::string_view text, It at, std::string_view expected) {
  const auto pos = static_cast<std::size_t>(at - text.begin());
  std::string found = at == text.end() ? std::string("end of text")
                                       : str_cat("'", std::string_view(&*at, 1), "'");
  return absl::InvalidArgumentError(str_cat("obis: \"", text, "\" at position ", pos,
                                                 ": expected ", expected, ", found ", found));
}

// One value group: 1-3 decimal digits (or a letter where allowed), at most 255.
absl::Status group(std::string_view text, It& it, It end, bool letters_ok, std::string_view name,
                   std::uint8_t& out) {
  const It start = it;
  if (letters_ok && x3::parse(it, end, letters(), out)) return absl::OkStatus();
  unsigned v = 0;
  if (!x3::parse(it, end, kNumber, v)) {
    return syntax_error(text, it, str_cat("value group ", name, letters_ok ? " (0-255 or C, F, L, P)" : " (0-255)"));
  }
  if (v > 255) {
    return absl::InvalidArgumentError(str_cat("obis: \"", text, "\" at position ", start - text.begin(),
                                              ": value group ", name, " is ", v, ", expected 0-255"));
  }
  out = static_cast<std::uint8_t>(v);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ObisCode> ObisCode::parse(std::string_view text) {
  It it = text.begin();
  const It end = text.end();
  if (text.empty()) return absl::InvalidArgumentError("obis: empty code");

  // The six bytes in hex: 12 hex digits and nothing else.
  if (text.size() == 12) {
    std::uint8_t g[6];
    It h = it;
    bool ok = true;
    for (auto& b : g) ok = ok && x3::parse(h, end, kHexByte, b);
    if (ok && h == end) return ObisCode(g[0], g[1], g[2], g[3], g[4], g[5]);
  }

  ObisCode o(1, 0, 0, 0, 0, 255);  // short forms imply A-B = 1-0
  // Optional "A-B:" prefix. It is there when the text has '-' or ':' before the first '.'.
  const auto first_dot = text.find('.');
  const auto first_sep = text.find_first_of("-:");
  const bool full = first_sep != std::string_view::npos &&
                    (first_dot == std::string_view::npos || first_sep < first_dot);
  if (full) {
    EMSCORE_RETURN_IF_ERROR(group(text, it, end, false, "A", o.a));
    if (!x3::parse(it, end, x3::lit('-'))) return syntax_error(text, it, "'-' after group A");
    EMSCORE_RETURN_IF_ERROR(group(text, it, end, false, "B", o.b));
    if (!x3::parse(it, end, x3::lit(':'))) return syntax_error(text, it, "':' after group B");
  }
  EMSCORE_RETURN_IF_ERROR(group(text, it, end, true, "C", o.c));
  if (!x3::parse(it, end, x3::lit('.'))) return syntax_error(text, it, "'.' after group C");
  EMSCORE_RETURN_IF_ERROR(group(text, it, end, true, "D", o.d));
  if (x3::parse(it, end, x3::lit('.'))) {
    EMSCORE_RETURN_IF_ERROR(group(text, it, end, false, "E", o.e));
  } else if (full) {
    return syntax_error(text, it, "'.' and value group E");
  }
  if (it != end) {
    if (!x3::parse(it, end, x3::char_("*.&"))) {
      return syntax_error(text, it, "'*' and value group F, or the end");
    }
    EMSCORE_RETURN_IF_ERROR(group(text, it, end, false, "F", o.f));
    if (it != end) return syntax_error(text, it, "the end of the code");
  }
  return o;
}

std::string ObisCode::to_string() const {
  if (f == 255) return absl::StrFormat("%u-%u:%u.%u.%u", a, b, c, d, e);
  return absl::StrFormat("%u-%u:%u.%u.%u*%u", a, b, c, d, e, f);
}

std::string ObisCode::to_hex() const {
  return absl::StrFormat("%02X%02X%02X%02X%02X%02X", a, b, c, d, e, f);
}

}  // namespace emscore::obis

// emscore/obis/obis_code.hpp — OBIS codes (IEC 62056-6-1), A-B:C.D.E*F.
//
// Six value groups of one byte: A medium, B channel, C quantity, D processing, E tariff or
// further classification, F billing period (255 = "not used"). The canonical text form is
// "A-B:C.D.E" when F is 255 and "A-B:C.D.E*F" otherwise.
//
// ObisCode::parse() reads every form met in the field:
//   1-0:1.8.1   1-0:1.8.1*255   1-0:1.8.1.255   0-1:24.2.1   1-0:1.8.1&01 (F after '&')
//   1.8.1 and 1.8 (display short forms: A-B implied as 1-0, E as 0, F as 255)
//   C.1.0  F.F  L.1.0  P.1.0 (letters C=96, F=97, L=98, P=99 in groups C and D)
//   0100010801FF (the six bytes in hex, as DLMS logical names are often printed)
// The literal "1-0:1.8.1"_obis is checked at compile time: a bad code does not compile.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

namespace emscore::obis {

struct ObisCode {
  std::uint8_t a = 0, b = 0, c = 0, d = 0, e = 0, f = 255;

  constexpr ObisCode() = default;
  constexpr ObisCode(std::uint8_t a_, std::uint8_t b_, std::uint8_t c_, std::uint8_t d_,
                     std::uint8_t e_, std::uint8_t f_ = 255) noexcept
      : a(a_), b(b_), c(c_), d(d_), e(e_), f(f_) {}

  // Parses any form listed above; the error names the position and what was expected.
  static absl::StatusOr<ObisCode> parse(std::string_view text);

  // "A-B:C.D.E" or "A-B:C.D.E*F".
  std::string to_string() const;
  // "0100010801FF".
  std::string to_hex() const;

  // The six groups as one integer, A in the most significant byte (a stable sort/hash key).
  constexpr std::uint64_t packed() const noexcept {
    return (std::uint64_t{a} << 40) | (std::uint64_t{b} << 32) | (std::uint64_t{c} << 24) |
           (std::uint64_t{d} << 16) | (std::uint64_t{e} << 8) | f;
  }
  static constexpr ObisCode from_packed(std::uint64_t p) noexcept {
    return ObisCode(static_cast<std::uint8_t>(p >> 40), static_cast<std::uint8_t>(p >> 32),
                    static_cast<std::uint8_t>(p >> 24), static_cast<std::uint8_t>(p >> 16),
                    static_cast<std::uint8_t>(p >> 8), static_cast<std::uint8_t>(p));
  }
  // The same code with the channel (B) replaced, e.g. 0-1:24.2.1 -> 0-2:24.2.1.
  constexpr ObisCode with_channel(std::uint8_t channel) const noexcept {
    return ObisCode(a, channel, c, d, e, f);
  }

  friend constexpr auto operator<=>(const ObisCode&, const ObisCode&) = default;

  template <typename H>
  friend H AbslHashValue(H h, const ObisCode& o) {
    return H::combine(std::move(h), o.packed());
  }
};

namespace detail {

// Constexpr reader shared by the literal and checked against the runtime (Spirit X3) parser
// in the tests. Returns false on any syntax or range error.
struct ConstexprObisParser {
  std::string_view s;
  std::size_t i = 0;

  constexpr bool at_end() const { return i >= s.size(); }
  constexpr char peek() const { return at_end() ? '\0' : s[i]; }
  constexpr bool number(std::uint8_t& out, bool letters) {
    if (letters) {
      switch (peek()) {
        case 'C': out = 96; ++i; return true;
        case 'F': out = 97; ++i; return true;
        case 'L': out = 98; ++i; return true;
        case 'P': out = 99; ++i; return true;
        default: break;
      }
    }
    unsigned v = 0;
    std::size_t n = 0;
    while (!at_end() && peek() >= '0' && peek() <= '9') {
      v = v * 10 + static_cast<unsigned>(peek() - '0');
      ++i;
      if (++n > 3 || v > 255) return false;
    }
    if (n == 0) return false;
    out = static_cast<std::uint8_t>(v);
    return true;
  }
  constexpr bool eat(char ch) {
    if (peek() != ch) return false;
    ++i;
    return true;
  }
  static constexpr int hexval(char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
  }
  constexpr bool parse(ObisCode& out) {
    if (s.size() == 12) {
      bool all_hex = true;
      for (char ch : s) all_hex = all_hex && hexval(ch) >= 0;
      if (all_hex) {
        std::uint8_t g[6]{};
        for (int k = 0; k < 6; ++k) {
          g[k] = static_cast<std::uint8_t>(hexval(s[2 * k]) * 16 + hexval(s[2 * k + 1]));
        }
        out = ObisCode(g[0], g[1], g[2], g[3], g[4], g[5]);
        return true;
      }
    }
    ObisCode o(1, 0, 0, 0, 0, 255);
    // Full form when a '-' or ':' appears before the first '.'.
    bool full = false;
    for (char ch : s) {
      if (ch == '.') break;
      if (ch == '-' || ch == ':') full = true;
    }
    if (full) {
      if (!number(o.a, false) || !eat('-') || !number(o.b, false) || !eat(':')) return false;
    }
    if (!number(o.c, true) || !eat('.') || !number(o.d, true)) return false;
    if (eat('.')) {
      if (!number(o.e, false)) return false;
    } else if (full) {
      return false;  // the full form always has E
    }
    if (!at_end()) {
      if (peek() == '*' || peek() == '.' || peek() == '&') {
        ++i;
        if (!number(o.f, false)) return false;
      }
    }
    if (!at_end()) return false;
    out = o;
    return true;
  }
};

void obis_literal_is_invalid();  // not constexpr: calling it stops constant evaluation

}  // namespace detail

inline namespace literals {
// "1-0:1.8.1"_obis — a compile-time checked OBIS code.
consteval ObisCode operator""_obis(const char* text, std::size_t n) {
  detail::ConstexprObisParser p{std::string_view(text, n)};
  ObisCode o;
  if (!p.parse(o)) detail::obis_literal_is_invalid();
  return o;
}
}  // namespace literals

}  // namespace emscore::obis

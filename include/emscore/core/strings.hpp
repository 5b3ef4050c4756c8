// emscore/core/strings.hpp — building messages from pieces.
//
// str_cat() concatenates strings (std::string_view, absl::string_view, C strings) and
// integers. It exists because Debian's Abseil is built with its own absl::string_view (not
// std::string_view), so absl::StrCat does not take std::string_view; emscore code uses
// std::string_view throughout and converts at the Abseil boundary with to_std().
#pragma once

#include <charconv>
#include <concepts>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/string_view.h"

namespace emscore {

inline std::string_view to_std(absl::string_view s) noexcept { return {s.data(), s.size()}; }

namespace detail {
inline void append_piece(std::string& out, std::string_view s) { out.append(s); }
inline void append_piece(std::string& out, const char* s) { out.append(s); }
inline void append_piece(std::string& out, const std::string& s) { out.append(s); }
inline void append_piece(std::string& out, char c) { out.push_back(c); }
#if !defined(ABSL_USES_STD_STRING_VIEW)
inline void append_piece(std::string& out, absl::string_view s) { out.append(s.data(), s.size()); }
#endif
template <class T>
  requires(std::integral<T> && !std::same_as<T, char> && !std::same_as<T, bool>)
void append_piece(std::string& out, T v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}
inline void append_piece(std::string& out, bool b) { out.append(b ? "true" : "false"); }
}  // namespace detail

template <class... Pieces>
std::string str_cat(const Pieces&... pieces) {
  std::string out;
  (detail::append_piece(out, pieces), ...);
  return out;
}

// "0x3A" style: upper-case hex with at least `width` digits.
inline std::string hex(std::uint64_t v, int width = 2) {
  char buf[20];
  auto r = std::to_chars(buf, buf + sizeof buf, v, 16);
  std::string digits(buf, r.ptr);
  for (char& c : digits) c = static_cast<char>(c >= 'a' && c <= 'f' ? c - 'a' + 'A' : c);
  std::string out = "0x";
  if (static_cast<int>(digits.size()) < width) out.append(static_cast<std::size_t>(width) - digits.size(), '0');
  return out + digits;
}

}  // namespace emscore

// Helpers shared by the modbus tests.
#pragma once

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "boost/json.hpp"

namespace emscore::modbus::testing {

inline std::vector<std::uint8_t> from_hex(std::string_view h) {
  std::vector<std::uint8_t> out;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  int hi = -1;
  for (char c : h) {
    const int n = nib(c);
    if (n < 0) continue;
    if (hi < 0) {
      hi = n;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi * 16 + n));
      hi = -1;
    }
  }
  return out;
}

inline std::string to_hex(const std::vector<std::uint8_t>& b) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string s;
  for (auto x : b) {
    s.push_back(kDigits[x >> 4]);
    s.push_back(kDigits[x & 15]);
  }
  return s;
}

inline boost::json::value load_json(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return boost::json::parse(ss.str());
}

}  // namespace emscore::modbus::testing

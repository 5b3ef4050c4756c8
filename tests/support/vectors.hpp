// Test support: the bytes of a file under tests/vectors (EMSCORE_VECTORS_DIR, set for every
// test by emscore_add_test). An unreadable file gives "" and the test's own checks fail on it.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace emscore::testing {

inline std::string read_vector(std::string_view relative) {
  std::ifstream f(std::string(EMSCORE_VECTORS_DIR) + "/" + std::string(relative), std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace emscore::testing

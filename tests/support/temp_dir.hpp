// Test support: a fresh directory per test under the system temp dir, named
// emscore-<prefix>-<pid>-<name>, emptied if it exists, and removed when the test process exits
// normally (a crashed run leaves it for inspection).
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace emscore::testing {

inline std::string temp_dir(std::string_view prefix, std::string_view name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("emscore-" + std::string(prefix) + "-" + std::to_string(::getpid()) + "-" +
              std::string(name));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  static std::vector<std::filesystem::path> created;
  static const int registered = std::atexit([] {
    std::error_code ec;
    for (const auto& d : created) std::filesystem::remove_all(d, ec);
  });
  (void)registered;
  created.push_back(dir);
  return dir.string();
}

}  // namespace emscore::testing

# Every dependency comes from the system (Debian 12 packages, see scripts/install-deps.sh);
# nothing is vendored or downloaded.
find_package(Boost 1.81 REQUIRED COMPONENTS json)
find_package(absl REQUIRED)
find_package(fmt REQUIRED)
find_package(Threads REQUIRED)
find_package(SQLite3)
find_package(OpenSSL)
if(EMSCORE_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(EMSCORE_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
find_package(PkgConfig REQUIRED)
# Peers and optional libraries found through pkg-config (Debian ships no CMake config).
pkg_check_modules(LIBMODBUS IMPORTED_TARGET libmodbus)   # interop tests and bench baseline
pkg_check_modules(ZSTD IMPORTED_TARGET libzstd)          # profile codec baseline
find_package(PahoMqttCpp QUIET)                          # reference gateway MQTT

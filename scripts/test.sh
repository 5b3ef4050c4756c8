#!/usr/bin/env bash
# Sets up, builds and runs every test: the dev preset (GCC, -Werror) with its whole ctest
# suite (unit, conformance, interop against real peers, CLI, examples, packaging), then the
# asan preset (clang, ASan + UBSan) on the unit and conformance tests of the codec and
# domain modules.
# Usage: scripts/test.sh [dev|asan|all]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
scripts/install-deps.sh
jobs=$(nproc)
# Let ccache share results between checkouts in different folders.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

if [ "$which" = dev ] || [ "$which" = all ]; then
  cmake --preset dev >/dev/null
  cmake --build --preset dev -j "$jobs"
  ctest --preset dev
fi
if [ "$which" = asan ] || [ "$which" = all ]; then
  # The I/O modules and apps are exercised against real peers in the dev run; under the
  # sanitizers we run the codecs, the math and the domain logic.
  cmake --preset asan -DEMSCORE_BUILD_APPS=OFF \
    -DEMSCORE_MODULES="core;obis;modbus;mbus;dsmr;metering;mapping;tariff;profile;control" >/dev/null
  cmake --build --preset asan -j "$jobs"
  ctest --preset asan -LE 'interop|build|slow'
fi

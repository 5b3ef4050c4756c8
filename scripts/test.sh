#!/usr/bin/env bash
# Sets up, builds and runs every test: the dev preset (GCC, -Werror) with its whole ctest
# suite, then the asan preset (clang, ASan + UBSan) on the unit and conformance tests.
# Usage: scripts/test.sh [dev|asan|all]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
scripts/install-deps.sh
jobs=$(nproc)

if [ "$which" = dev ] || [ "$which" = all ]; then
  cmake --preset dev >/dev/null
  cmake --build --preset dev -j "$jobs"
  ctest --preset dev
fi
if [ "$which" = asan ] || [ "$which" = all ]; then
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j "$jobs"
  # Interop tests that time real peers and benchmarks are left to the dev run.
  ctest --preset asan -LE 'interop|build|slow'
fi

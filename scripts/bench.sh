#!/usr/bin/env bash
# Builds the release preset and runs every benchmark (each compares with a named baseline in
# the same run). Usage: scripts/bench.sh [benchmark filter regex]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
for b in $(find build/release/bench -maxdepth 2 -type f -executable -name 'bench_*' | sort); do
  echo "=== $b"
  "$b" --benchmark_filter="${1:-.}"
done

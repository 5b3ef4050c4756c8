#!/usr/bin/env bash
# Sets up, builds and runs the main job. Until the reference gateway lands this is the SDK
# doing real work on its own: exact meter values, OBIS codes and the emscore tool.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target emscore_cli example_core_meter_values
if [ -x build/release/apps/refgateway/refgateway ]; then
  exec build/release/apps/refgateway/refgateway --demo "$@"
fi
build/release/examples/example_core_meter_values
build/release/apps/emscore/emscore --format text obis 1.8.1 1-0:32.7.0 0-1:24.2.1 0-0:96.14.0

#!/usr/bin/env bash
# Sets up, builds and runs the main job: the reference gateway in demo mode
# (`refgateway --demo`: simulated meters and EV stations on this machine, HTTP on
# 127.0.0.1:8080, Modbus TCP on 1502, data in ./refgateway-data; see docs/refgateway.md).
# Extra arguments go to refgateway (e.g. --http-port 0 --mqtt-uri tcp://127.0.0.1:1883).
# Without apps/refgateway (a trimmed checkout) it falls back to the SDK tour: every module's
# example program and the emscore tool on real frames.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
if [ -f apps/refgateway/CMakeLists.txt ]; then
  cmake --build --preset release -j "$(nproc)" --target refgateway
  exec build/release/apps/refgateway/refgateway --demo "$@"
fi
examples=(core_meter_values modbus_poll_meter mbus_decode_frame dsmr_read_telegram
          metering_waveform profile_load_profile tariff_seed_rules control_ev_charging)
targets=(emscore_cli)
for e in "${examples[@]}"; do targets+=("example_$e"); done
cmake --build --preset release -j "$(nproc)" --target "${targets[@]}"
for e in "${examples[@]}"; do
  echo
  echo "=== examples/$e.cpp"
  "build/release/examples/example_$e"
done
echo
echo "=== emscore obis"
build/release/apps/emscore/emscore --format text obis 1.8.1 1-0:32.7.0 0-1:24.2.1 0-0:96.14.0

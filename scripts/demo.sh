#!/usr/bin/env bash
# Sets up, builds and runs the main job. Until the reference gateway lands, the main job is
# the SDK doing real work without hardware: every module's example program (a Modbus meter
# polled over TCP on loopback, M-Bus and P1 telegrams decoded, a 3-phase meter computed from
# generated waveforms, a load profile stored and exported, a bill priced, EV charging
# managed) and the emscore tool on real frames.
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

#!/usr/bin/env bash
# Installs every build, test and interop dependency of emscore from Debian 12's archive.
# Idempotent and quiet when everything is there. Run as root (or with sudo available).
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache clang lld libclang-rt-14-dev pkg-config git
  # libraries (find_package)
  libboost1.81-dev libboost-json1.81-dev libabsl-dev libfmt-dev libsqlite3-dev libssl-dev
  libzstd-dev libpaho-mqtt-dev libpaho-mqttpp-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # real peers for interop tests
  libmodbus-dev mbpoll socat python3 python3-pymodbus python3-serial mosquitto mosquitto-clients
  curl sqlite3 tzdata
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

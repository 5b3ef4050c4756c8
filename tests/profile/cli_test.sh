#!/usr/bin/env bash
# `emscore profile import|export|stats` as a user runs them, on a store in a temp dir.
set -euo pipefail
exe="$1"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
db="$dir/p.db"
fail() { echo "FAIL: $*" >&2; exit 1; }

out="$(printf '2024-01-01T00:00:00Z,1234.567\n2024-01-01T00:15:00Z,1234.800,estimated\n2024-01-01T00:30:00Z,1235.1\n' |
  "$exe" profile import "$db" --device 4 --obis 1.8.0 --unit kWh)"
[[ "$out" == '{"accepted":3,"duplicates":0,"rejected":[]}' ]] || fail "import: $out"

# Importing the same lines again: duplicates, nothing doubled; a conflicting value: exit 2.
out="$(printf '2024-01-01T00:15:00Z,1234.800,estimated\n' | "$exe" profile import "$db" --device 4 --obis 1.8.0 --unit kWh)"
[[ "$out" == *'"duplicates":1'* ]] || fail "duplicate: $out"
set +e
out="$(printf '2024-01-01T00:15:00Z,1234.9\n' | "$exe" profile import "$db" --device 4 --obis 1.8.0 --unit kWh)"
rc=$?
set -e
[[ $rc == 2 && "$out" == *"conflicts with the stored value 1234.800 (estimated), got 1234.9"* ]] || fail "conflict: $rc $out"

csv="$("$exe" profile export "$db" --device 4)"
expected=$'time;1-0:1.8.0 [kWh];quality 1-0:1.8.0\r\n2024-01-01T00:00:00+00:00;1234,567;measured\r\n2024-01-01T00:15:00+00:00;1234,800;estimated\r\n2024-01-01T00:30:00+00:00;1235,1;measured\r'
[[ "$csv" == "$expected" ]] || fail "csv: $csv"

csv="$("$exe" profile export "$db" --device 4 --decimal point --separator comma --tz Europe/Zurich --from 2024-01-01T00:10:00Z)"
[[ "$csv" == *$'2024-01-01T01:15:00+01:00,1234.800,estimated\r\n2024-01-01T01:30:00+01:00,1235.1,measured'* ]] || fail "csv point: $csv"
[[ "$csv" != *"1234.567"* ]] || fail "--from ignored"

json="$("$exe" profile export "$db" --device 4 --as json --serial 12345678)"
[[ "$json" == *'"values":[{"time":"2024-01-01T00:00:00+00:00","value":1234.567,"quality":"measured"}'* ]] || fail "json: $json"

stats="$("$exe" profile stats "$db")"
[[ "$stats" == '{"device":4,"obis":"1-0:1.8.0","tier":0,"field":0,"unit":"kWh","samples":3,"blocks":1,'* ]] || fail "stats: $stats"

set +e
err="$("$exe" profile export "$db" --device 4 --separator comma 2>&1 >/dev/null)"; rc=$?
set -e
[[ $rc == 2 && "$err" == *"decimal comma needs the semicolon"* ]] || fail "separator: $rc $err"
set +e
err="$("$exe" profile export "$db" 2>&1 >/dev/null)"; rc=$?
set -e
[[ $rc == 2 && "$err" == *"--device N is required"* ]] || fail "no device: $rc $err"
echo "ok"

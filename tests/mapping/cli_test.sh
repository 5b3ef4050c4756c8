#!/usr/bin/env bash
# `emscore driver check` as a user runs it: stdout, stderr and exit status on good and broken files.
set -euo pipefail
exe="$1"
src="$2"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
run() {  # run ARGS...: sets out, err, rc
  set +e
  out="$("$exe" "$@" 2>"$dir/err")"
  rc=$?
  set -e
  err="$(cat "$dir/err")"
}

# A good Modbus driver: JSON with the planned read, nothing on stderr, exit 0.
run driver check "$src/drivers/emu_professional_2.json"
[[ $rc == 0 ]] || fail "good: rc $rc $err"
[[ -z "$err" ]] || fail "good: stderr $err"
[[ "$out" == *'"kind":"modbus","id":"emu_professional_2","fields":1,"reads":[{"fc":3,"table":"holding","start":6004,"count":4,"fields":[{"index":0,"name":"Active energy import, tariff 1","address":6004}]}],"tests":{"run":1,"passed":1}}' ]] || fail "good: $out"

# Text form: one line per read with FC, start (and the manual's number), count and fields.
run --format text driver check "$src/drivers/eastron_sdm72d_m.json" --max-registers 60
[[ $rc == 0 ]] || fail "text: rc $rc $err"
[[ "$out" == *'modbus driver "eastron_sdm72d_m"'* ]] || fail "text: $out"
[[ "$out" == *'FC 04 input          start    52 (30053)   count    2  fields 0'* ]] || fail "text read: $out"
[[ "$out" == *'golden tests: 1 of 1 passed'* ]] || fail "text tests: $out"

# An M-Bus driver: its match and records.
run driver check "$src/drivers/emu_professional_m_bus.json"
[[ $rc == 0 && "$out" == *'"match":{"manufacturer":"EMU","medium":2,"version":16,"records":32}'* ]] || fail "mbus: $rc $out $err"

# A broken file: the JSON path and what was expected, on stderr; exit 2; nothing on stdout.
cat > "$dir/broken.json" <<'JSON'
{"kind": "modbus", "id": "broken",
 "fields": [{"name": "Voltage", "address": 0, "type": "float33", "unit": "V"}]}
JSON
run driver check "$dir/broken.json"
[[ $rc == 2 ]] || fail "broken: rc $rc"
[[ -z "$out" ]] || fail "broken: stdout $out"
[[ "$err" == "emscore: $dir/broken.json: \$.fields[0].type: \"float33\" is not a value type (expected uint16, int16, uint32, int32, uint64, int64, float32, float64)" ]] || fail "broken: $err"

# Not JSON: line and column.
printf '{"kind": "modbus",\n "id": }\n' > "$dir/syntax.json"
run driver check "$dir/syntax.json"
[[ $rc == 2 && "$err" == *"syntax.json: line 2, column 8: not valid JSON"* ]] || fail "syntax: $rc $err"

# Valid, but its golden test disagrees: reported per test, exit 2.
cat > "$dir/golden.json" <<'JSON'
{"kind": "modbus", "id": "golden",
 "fields": [{"name": "Voltage", "address": 0, "unit": "V", "factor": "0.1", "obis": "1-0:32.7.0"}],
 "tests": [{"name": "wrong", "blocks": [{"table": "holding", "start": 0, "values": [2301]}],
            "expect": [{"obis": "1-0:32.7.0", "value": "230.2", "unit": "V"}]}]}
JSON
run driver check "$dir/golden.json"
[[ $rc == 2 ]] || fail "golden: rc $rc"
[[ "$out" == *'"tests":{"run":1,"passed":0}'* ]] || fail "golden out: $out"
[[ "$err" == *'golden.json: test "wrong": reading 0: 1-0:32.7.0 = 230.1 V, expected 1-0:32.7.0 = 230.2 V'* ]] || fail "golden err: $err"

# Usage errors.
run driver check
[[ $rc == 2 && "$err" == *"give one or more driver files"* ]] || fail "no file: $rc $err"
run driver check --max-gap x "$dir/golden.json"
[[ $rc == 2 && "$err" == *"--max-gap takes a number 0-125"* ]] || fail "option: $rc $err"
run driver check "$dir/missing.json"
[[ $rc == 2 && "$err" == *"cannot open $dir/missing.json"* ]] || fail "missing: $rc $err"
echo ok

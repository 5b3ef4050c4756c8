#!/usr/bin/env bash
# The fastest time of each benchmark over several interleaved runs: on a shared machine a
# median still carries the neighbours' load; the minimum is what the code itself costs.
# Usage: R=5 scripts/bench-min.sh FILTER BINARY [BINARY...]
#   e.g. R=5 scripts/bench-min.sh '.*(ours/decode|gorilla/decode)' build/release/bench/profile/bench_profile_codec
# Prints "binary benchmark ns" per line, the minimum over R rounds of 3 repetitions each.
set -euo pipefail
filter=$1
shift
rounds=${R:-4}
for _ in $(seq "$rounds"); do
  for b in "$@"; do
    "$b" --benchmark_filter="$filter" --benchmark_repetitions=3 --benchmark_min_time=0.15 2>/dev/null |
      grep -E "^[A-Za-z_0-9]+/.* ns " | grep -vE "_(mean|median|stddev|cv) " |
      awk -v b="$(basename "$b")" '{print b, $1, $2}'
  done
done | awk '{k = $1 " " $2; if (!(k in m) || $3 < m[k]) m[k] = $3} END {for (k in m) print k, m[k]}' |
  sort -k2,2 -k1,1

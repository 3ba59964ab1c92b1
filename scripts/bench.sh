#!/usr/bin/env bash
# Runs the benchmark suites and keeps their JSON in out/bench/, then applies the latency gate
# (ratios measured in this same run, never absolute times: CI machines are shared and noisy).
#   scripts/bench.sh           full run (numbers for docs/PERFORMANCE.md)
#   scripts/bench.sh --short   CI mode: a few seconds in all
set -euo pipefail
cd "$(dirname "$0")/.."
min_time=0.5
reps=3
if [[ "${1:-}" == "--short" ]]; then min_time=0.05; reps=1; export TORGHUT_BENCH_SHORT=1; fi
out=out/bench
mkdir -p "$out"
# bench_persistence needs the local Postgres cluster (idempotent: already running is fine).
scripts/pg.sh start
for exe in build/release/bench/bench_*; do
  [[ -x $exe && -f $exe ]] || continue
  b=$(basename "$exe")
  echo "bench: $b"
  "$exe" --benchmark_min_time="$min_time" --benchmark_repetitions="$reps" \
    --benchmark_report_aggregates_only="$([[ $reps -gt 1 ]] && echo true || echo false)" \
    --benchmark_out="$out/$b.json" --benchmark_out_format=json
done
# Wire-to-wire (issue 4): the real engine against both simulators over loopback, a short run.
# The gate reports its times against the targets (informational: absolute times on a shared
# machine) and fails only on timeouts (a broken pipeline); a harness that fails fails the script.
rm -f "$out/wire_to_wire.json"
w2w_rc=0
if [[ -x build/release/bench/wire_to_wire ]]; then
  echo "bench: wire_to_wire"
  scripts/wire_to_wire.sh --short --orders 3000 --out "$out/wire_to_wire.json" || w2w_rc=$?
fi
gate_rc=0
python3 scripts/latency_gate.py "$out" || gate_rc=$?
if ((w2w_rc != 0)); then
  echo "bench: wire_to_wire failed (exit $w2w_rc)" >&2
  exit 1
fi
exit "$gate_rc"

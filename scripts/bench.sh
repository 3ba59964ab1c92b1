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
rm -f "$out/bench_persistence_t2o.json"
# bench_persistence needs the local Postgres cluster (idempotent: already running is fine).
scripts/pg.sh start
# The deployment's layout: the hot thread alone on the last core (bench_persistence pins it
# there and its write-behind thread on the others), Postgres on the others too.
ncpu=$(nproc)
if ((ncpu >= 2)); then
  scripts/pg.sh pin "0-$((ncpu - 2))"
  trap 'scripts/pg.sh pin "0-$((ncpu - 1))" || true' EXIT
fi
# run_bench NAME REPS [FILTER OUT]: one suite, its JSON in out/bench/NAME.json (medians when
# REPS > 1); a filtered run writes out/bench/OUT.json instead.
run_bench() {
  local b=$1 r=$2 filter=${3:-} name=${4:-$1}
  echo "bench: $b${filter:+ ($filter)}"
  "build/release/bench/$b" --benchmark_min_time="$min_time" --benchmark_repetitions="$r" \
    --benchmark_report_aggregates_only="$([[ $r -gt 1 ]] && echo true || echo false)" \
    ${filter:+--benchmark_filter="$filter"} \
    --benchmark_out="$out/$name.json" --benchmark_out_format=json
}
# The suites whose numbers the same-run ratio gates compare (a CAF hop against the hot path):
# three repetitions even in short mode, so each side of a ratio is a median, not one sample.
gate_suites=(bench_mailbox bench_hot_path)
for exe in build/release/bench/bench_*; do
  [[ -x $exe && -f $exe ]] || continue
  b=$(basename "$exe")
  r=$reps
  [[ " ${gate_suites[*]} " == *" $b "* ]] && ((r < 3)) && r=3
  run_bench "$b" "$r"
done
# Wire-to-wire (issue 4): the real engine against both simulators over loopback, a short run.
# The gate reports its times against the targets (informational: absolute times on a shared
# machine) and fails only on timeouts (a broken pipeline); a harness that fails fails the script.
# Issue 13: in the same run, the same harness measures a tick_probe bot written on the official
# Alpaca JS SDK (tests/alpaca_clients/sdk_bot.js, 2,000 orders: ~10 s more) and the gate requires
# the engine to be at least 10x faster at p50 and p99. CI mode (--short) requires it: without the
# SDK's node_modules the gate fails (TORGHUT_SDK_GATE=1 and no sdk_bot section in the JSON); a
# full run without them skips the comparison with a note.
rm -f "$out/wire_to_wire.json"
w2w_rc=0
sdk_args=()
unset TORGHUT_SDK_GATE
if [[ -d tests/alpaca_clients/node_modules/@alpacahq/alpaca-trade-api ]] && command -v node >/dev/null; then
  sdk_args=(--sdk-bot tests/alpaca_clients/sdk_bot.js)
  export TORGHUT_SDK_GATE=1
elif [[ -n ${TORGHUT_BENCH_SHORT:-} ]]; then
  echo "bench: ERROR: tests/alpaca_clients/node_modules (the official Alpaca JS SDK) or node is missing:" \
    "the engine-vs-SDK gate cannot run and will fail (run scripts/sdk-conformance.sh or npm ci there)" >&2
  export TORGHUT_SDK_GATE=1
else
  echo "bench: note: no tests/alpaca_clients/node_modules or no node: the engine-vs-SDK comparison is skipped"
fi
if [[ -x build/release/bench/wire_to_wire ]]; then
  echo "bench: wire_to_wire${sdk_args:+ (and the official SDK bot)}"
  scripts/wire_to_wire.sh --short --orders 3000 "${sdk_args[@]}" --out "$out/wire_to_wire.json" || w2w_rc=$?
fi
gate_rc=0
python3 scripts/latency_gate.py "$out" || gate_rc=$?
# A broken ratio is measured once more, both sides again in the same minute, before it fails the
# run: on two shared cores one CAF-hop sample can come out 1.5x faster than the next (442 vs
# 673 ns in two CI runs of the same benchmark code), enough to tip a ratio that sits near its bound. A
# real regression breaks the ratio both times; the first result is printed either way.
if ((gate_rc != 0)); then
  echo "bench: a ratio broke; measuring the gate's suites once more"
  for b in "${gate_suites[@]}"; do run_bench "$b" 3; done
  # The persistence ratios too (its tick-to-order rows only; the rows/s rows stay as measured).
  # The file sorts after bench_persistence.json, so the gate reads these rows instead.
  run_bench bench_persistence 1 tick_to_order_persistence bench_persistence_t2o
  # And wire-to-wire with the SDK bot: the bot's median moves with the machine's load more than
  # the engine's (0.4 ms quiet, 1-2 ms beside a compiler), so the ratio is measured again too.
  if ((w2w_rc == 0)) && [[ -x build/release/bench/wire_to_wire ]]; then
    scripts/wire_to_wire.sh --short --orders 3000 "${sdk_args[@]}" --out "$out/wire_to_wire.json" || w2w_rc=$?
  fi
  gate_rc=0
  python3 scripts/latency_gate.py "$out" || gate_rc=$?
fi
if ((w2w_rc != 0)); then
  echo "bench: wire_to_wire failed (exit $w2w_rc)" >&2
  exit 1
fi
exit "$gate_rc"

#!/usr/bin/env bash
# Everything that must pass, from a fresh machine: install dependencies, check the layering
# (scripts/check-layers.py), build, run the unit and
# integration tests, the official Alpaca SDKs against the simulator, the benchmarks in short mode with the same-run latency gate, the fuzzers for
# a few seconds, and the ASan/UBSan and TSan test runs.
#   TORGHUT_QUICK=1 scripts/test.sh   # release tests only (for a quick local loop)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

step() { printf '\n==== %s ====\n' "$*"; }
# install-deps.sh installs Chromium: the live page test (integration.live_page) must run, not skip.
export TORGHUT_REQUIRE_BROWSER=1
JOBS=${JOBS:-2}

# The throwaway Postgres cluster (var/pg) for the persistence tests and benchmarks of every
# stage; stopped when this script ends, however it ends.
scripts/pg.sh start
trap 'scripts/pg.sh stop' EXIT

step "layering check"
cmake --preset release >/dev/null
python3 scripts/check-layers.py build/release/torghut_layers.tsv

step "release build + tests"
cmake --build --preset release -j "$JOBS"
ctest --preset release -j "$JOBS"

step "out-of-tree strategy: install the SDK, build examples/strategy-template against it, replay"
scripts/sdk-package.sh
build/release/engine/app/torghut check-strategy out/strategy-template-build/libmy_strategy.so \
  --recording data/sample.rec --json out/check-strategy-example.json

step "official Alpaca SDKs (npm) against torghut sim"
scripts/sdk-conformance.sh

if [[ "${TORGHUT_QUICK:-0}" == 1 ]]; then exit 0; fi

step "benchmarks (short mode) + latency gate"
scripts/bench.sh --short

step "fuzz the frame decoder"
cmake --preset fuzz >/dev/null
# Only the fuzzers: the rest of the tree is built and tested by the other stages (building it again
# with clang here cost CI ~7 minutes for nothing).
cmake --build --preset fuzz -j "$JOBS" --target fuzzers
scripts/fuzz.sh "${FUZZ_SECONDS:-20}"

step "ASan + UBSan"
cmake --preset debug >/dev/null
cmake --build --preset debug -j "$JOBS"
# libpqxx 6.4 leaks a PGresult when it runs a query on a connection the server has closed (the
# lease watch and the write-behind meet one when Postgres restarts): third-party, suppressed by
# library name only (scripts/lsan.supp); every other leak still fails the stage.
LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0" ctest --preset debug -j "$JOBS"

step "TSan"
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j "$JOBS"
TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/scripts/tsan.supp" ctest --preset tsan -j "$JOBS"

step "all test stages passed"

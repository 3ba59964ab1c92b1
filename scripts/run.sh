#!/usr/bin/env bash
# The main job, from a fresh machine: install dependencies, build, and run the engine.
# For now it replays the bundled recording through the hot path in paper mode and prints
# decisions, orders, fills, P&L and latency percentiles. Extra arguments go to `torghut replay`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release -DTORGHUT_BUILD_TESTS=OFF -DTORGHUT_BUILD_BENCH=OFF >/dev/null
cmake --build --preset release --target torghut
# The local Postgres cluster (var/pg) with the migrations applied; the audit trail goes there.
scripts/pg.sh start
trap 'scripts/pg.sh stop' EXIT
eval "export $(scripts/pg.sh env)"
./build/release/engine/app/torghut migrate up
./build/release/engine/app/torghut replay data/sample.rec "$@"

#!/usr/bin/env bash
# The main job, from a fresh machine: install dependencies, build, and run the engine.
# For now it replays the bundled recording through the hot path in paper mode and prints
# decisions, orders, fills, P&L and latency percentiles. Extra arguments go to `torghut replay`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release -DTORGHUT_BUILD_TESTS=OFF -DTORGHUT_BUILD_BENCH=OFF >/dev/null
cmake --build --preset release --target torghut
exec ./build/release/engine/app/torghut replay data/sample.rec "$@"

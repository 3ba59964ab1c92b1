#!/usr/bin/env bash
# Wire-to-wire latency of the engine (issue 4): the real `torghut run --broker alpaca` as a child
# process against the market-data and trading simulators, over loopback TCP; p50/p99/p99.9 of
# "trigger frame handed to the writer -> POST /v2/orders read" over 11,000 measured orders.
# Builds nothing: run after the release build (cmake --build build/release).
#   scripts/wire_to_wire.sh                  full run (numbers for docs/PERFORMANCE.md)
#   scripts/wire_to_wire.sh --short          a shorter run (3,000 orders)
#   scripts/wire_to_wire.sh --io thread      any other harness option (wire_to_wire --help)
#   scripts/wire_to_wire.sh --short --sdk-bot tests/alpaca_clients/sdk_bot.js
#                                            then the same measurement of a bot on the official
#                                            Alpaca JS SDK (npm ci in tests/alpaca_clients first)
# BUILD_DIR=build/other picks another build tree. JSON: out/bench/wire_to_wire.json (--out FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build/release}
exe=$build/bench/wire_to_wire
engine=$build/engine/app/torghut
for f in "$exe" "$engine"; do
  if [[ ! -x $f ]]; then
    echo "wire_to_wire.sh: $f is missing: build it first (cmake --build $build --target wire_to_wire torghut)" >&2
    exit 2
  fi
done
mkdir -p out/bench
exec "$exe" --engine "$engine" --out out/bench/wire_to_wire.json "$@"

#!/usr/bin/env bash
# The main job, from a fresh machine: install dependencies, build, start a local Postgres (with
# the migrations applied) and the Alpaca simulator, and run the engine against them in paper mode:
# market data arrives over a real WebSocket, decisions pass through risk, orders go to the
# simulator's trading API over REST (keep-alive HTTP), fills come back over its trade_updates
# stream, and the audit trail goes to Postgres through the write-behind (and out/decisions.jsonl).
#   RUN_SECONDS=120 scripts/run.sh         # run longer (default 60 s; the strategies warm up on
#                                          # 35 one-second bars before their first decision)
#   scripts/run.sh --cpu 1 --idle busy-spin  # extra arguments go to `torghut run`
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release -DTORGHUT_BUILD_TESTS=OFF -DTORGHUT_BUILD_BENCH=OFF >/dev/null
cmake --build --preset release --target torghut
bin=./build/release/engine/app/torghut
mkdir -p out

# The local Postgres cluster (var/pg) with the migrations applied.
scripts/pg.sh start
sim_pid=""
cleanup() {
  [[ -n $sim_pid ]] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  scripts/pg.sh stop
}
trap cleanup EXIT
eval "export $(scripts/pg.sh env)"
"$bin" migrate up

# The simulator: the bundled recording (eight symbols), looped, at 3,000 messages a second.
# Credentials: the caller's APCA_* if set, else the simulator's test key (never a real one needed).
export APCA_API_KEY_ID=${APCA_API_KEY_ID:-torghut-test-key}
export APCA_API_SECRET_KEY=${APCA_API_SECRET_KEY:-torghut-test-secret}
"$bin" sim --listen 127.0.0.1:0 --source sample --pace rate --rate 3000 --loop \
  --stats-interval 0 >out/sim.log 2>&1 &
sim_pid=$!
url=""
rest=""
for _ in $(seq 100); do
  url=$(grep -oE 'ws://127\.0\.0\.1:[0-9]+' out/sim.log | head -1 || true)
  rest=$(grep -oE 'trading API on http://127\.0\.0\.1:[0-9]+' out/sim.log | grep -oE 'http://.*' || true)
  [[ -n $url && -n $rest ]] && break
  sleep 0.1
done
[[ -n $url && -n $rest ]] || { echo "run.sh: the simulator did not start:" >&2; cat out/sim.log >&2; exit 1; }
echo "run.sh: simulator market data at $url/v2/iex, trading API at $rest (log: out/sim.log)"

"$bin" run --config config/paper.toml --feed "$url/v2/iex" \
  --broker alpaca --rest-url "$rest" --stream-url "${rest/http:/ws:}/stream" \
  --symbols ALFA,BRVO,CHRL,DLTA,ECHO,FXTR,GOLF,HOTL --duration "${RUN_SECONDS:-60}" "$@"

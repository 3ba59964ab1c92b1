#!/usr/bin/env bash
# Official Alpaca SDK conformance: independently written Alpaca market-data clients from npm (the official
# @alpacahq/alpaca-trade-api 4.x and 3.x, and @master-chief/alpaca), unchanged except for their URL, against
# `torghut sim`. See tests/alpaca_clients/README.md.
#
# usage: scripts/sdk-conformance.sh [--self-test] [--no-tls] [-- extra md_conformance.js arguments]
#   --self-test   run against tests/alpaca_clients/mock_server.js instead of the simulator (tests this harness only)
#   --no-tls      skip the 3.x SDK, which can only dial wss:// (needs the simulator's TLS listener)
# env: TORGHUT_BIN (default build/release/engine/app/torghut), SIM_ARGS (data source options for the sim,
#      default "--source sample --pace rate --rate 2000 --loop --stats-interval 0": the bundled 8-symbol market
#      with minute bars, replayed at 2000 messages/s so a bar arrives about every second),
#      SDK_CLIENTS (v4,mc,v3,raw), SDK_TIMEOUT (whole run, s, default 600), SDK_TRADING (1: also run
#      tests/alpaca_clients/trading_conformance.js against the sim's trading API; 0: skip it)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SDK_DIR="$ROOT/tests/alpaca_clients"
TORGHUT=${TORGHUT_BIN:-$ROOT/build/release/engine/app/torghut}
SIM_ARGS=${SIM_ARGS:---source sample --pace rate --rate 2000 --loop --stats-interval 0}
SELF_TEST=0
TLS=1
EXTRA=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --self-test) SELF_TEST=1 ;;
    --no-tls) TLS=0 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "sdk-conformance: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

fail() { echo "sdk-conformance: $*" >&2; exit 1; }

command -v node >/dev/null || fail "node not found: Node.js >= 20 and npm are needed (Debian: apt-get install nodejs npm)"
command -v npm >/dev/null || fail "npm not found (Debian: apt-get install npm)"
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
[[ $NODE_MAJOR -ge 20 ]] || fail "Node.js >= 20 is needed (the 4.x SDK requires it); found $(node --version)"

# Dependencies, pinned by package-lock.json. Skip the install when node_modules already matches the lock file,
# so a machine without registry access still runs.
if [[ -f "$SDK_DIR/node_modules/.package-lock.json" && ! "$SDK_DIR/package-lock.json" -nt "$SDK_DIR/node_modules/.package-lock.json" ]]; then
  echo "sdk-conformance: tests/alpaca_clients/node_modules is up to date"
else
  echo "sdk-conformance: npm ci in tests/alpaca_clients"
  (cd "$SDK_DIR" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error) || fail "npm ci failed in tests/alpaca_clients"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/torghut-sdk.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# Test credentials for this run only. They go to the server and the clients through the environment, never the
# command line; at the end the server's output is checked for the secret.
export APCA_API_KEY_ID="PKSDKTEST$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n' | tr a-f A-F)"
export APCA_API_SECRET_KEY="sdk-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"

if [[ $TLS -eq 1 ]]; then
  if ! command -v openssl >/dev/null; then
    echo "sdk-conformance: openssl not found: skipping the 3.x SDK (TLS only)" >&2
    TLS=0
  elif [[ $SELF_TEST -eq 0 ]] && ! "$TORGHUT" sim --help 2>&1 | grep -q -- '--tls-cert'; then
    echo "sdk-conformance: '$TORGHUT sim' has no --tls-cert: skipping the 3.x SDK (TLS only)" >&2
    TLS=0
  else
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
      -addext subjectAltName=IP:127.0.0.1 -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1 ||
      fail "openssl could not make a test certificate"
  fi
fi

# start_server NAME [TLS args...]: starts one server, waits for the URL it prints, sets SERVER_URL.
start_server() {
  local name=$1; shift
  local log="$WORK/$name.log"
  if [[ $SELF_TEST -eq 1 ]]; then
    node "$SDK_DIR/mock_server.js" --key "$APCA_API_KEY_ID" --secret "$APCA_API_SECRET_KEY" "$@" >"$log" 2>&1 &
  else
    # shellcheck disable=SC2086  # SIM_ARGS is a list of options
    "$TORGHUT" sim --listen 127.0.0.1:0 $SIM_ARGS "$@" >"$log" 2>&1 &
  fi
  PIDS+=($!)
  local pid=$! url=""
  for _ in $(seq 1 300); do
    url=$(grep -oE 'wss?://127\.0\.0\.1:[0-9]+' "$log" | head -n1 || true)
    [[ -n $url ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if [[ -z $url ]]; then
    echo "--- $name output:" >&2; cat "$log" >&2
    fail "$name did not print the URL it listens on"
  fi
  SERVER_URL=$url
}

if [[ $SELF_TEST -eq 0 ]]; then
  [[ -x $TORGHUT ]] || fail "$TORGHUT not found: build it first (cmake --preset release && cmake --build --preset release --target torghut)"
  if "$TORGHUT" sim --help 2>&1 | grep -q 'not built yet'; then fail "'torghut sim' is still a placeholder"; fi
fi

start_server plain
URL=$SERVER_URL
ARGS=(--url "$URL")
TLS_URL=""
if [[ $TLS -eq 1 ]]; then
  start_server tls --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"
  TLS_URL=$SERVER_URL
  ARGS+=(--tls-url "$TLS_URL")
  export NODE_EXTRA_CA_CERTS="$WORK/cert.pem"
fi
echo "sdk-conformance: server $URL${TLS_URL:+ and $TLS_URL}"

RC=0
(cd "$SDK_DIR" && timeout "${SDK_TIMEOUT:-600}" node md_conformance.js "${ARGS[@]}" "${EXTRA[@]}") || RC=$?

# The trading API (`torghut sim` serves it on a second port, as Alpaca does on another host): the official SDK's
# trading side (REST v2 + trade_updates), unchanged except for its base URL.
if [[ $SELF_TEST -eq 0 && ${SDK_TRADING:-1} -eq 1 ]]; then
  TRADING_URL=$(grep -oE 'trading API on https?://127\.0\.0\.1:[0-9]+' "$WORK/plain.log" | head -n1 | sed 's/^trading API on //' || true)
  if [[ -n $TRADING_URL ]]; then
    echo "sdk-conformance: trading API $TRADING_URL"
    (cd "$SDK_DIR" && timeout "${SDK_TIMEOUT:-600}" node trading_conformance.js --url "$TRADING_URL") || RC=1
  else
    echo "not ok - torghut sim printed no trading API URL"
    RC=1
  fi
fi

# The secret must never reach a log line.
for log in "$WORK"/*.log; do
  if grep -qF "$APCA_API_SECRET_KEY" "$log"; then
    echo "not ok - the API secret appears in the server output ($(basename "$log"))"
    RC=1
  fi
done
if [[ $RC -ne 0 ]]; then
  for log in "$WORK"/*.log; do echo "--- last lines of $(basename "$log"):"; tail -n 20 "$log"; done
  echo "sdk-conformance: FAILED" >&2
else
  echo "sdk-conformance: passed"
fi
exit $RC

#!/usr/bin/env bash
# A throwaway local PostgreSQL 15 cluster for the engine and its tests, with no set-up by hand.
#
#   scripts/pg.sh start     initdb on first use, start (idempotent), create the database
#   scripts/pg.sh stop      fast clean shutdown (idempotent)
#   scripts/pg.sh status    exit 0 when running
#   scripts/pg.sh env       prints DB_DSN=... (eval-able; use `eval "$(scripts/pg.sh env)"`)
#   scripts/pg.sh crash     pg_ctl stop -m immediate (a crash, for the zero-loss tests)
#   scripts/pg.sh destroy   stop and delete the cluster folder
#   scripts/pg.sh pin CPUS  restrict the running server (postmaster and every process it has
#                           forked; later backends inherit it) to CPUS, a taskset list like 0 or
#                           0-2: the benchmarks keep Postgres off the hot thread's core
#
# The cluster lives in $TORGHUT_PG_DIR (default var/pg, gitignored), listens only on a unix
# socket inside that folder, on its own port ($TORGHUT_PG_PORT, default 55432), with
# scram-sha-256 password authentication. The password is random, generated at initdb and kept
# in $TORGHUT_PG_DIR/password (mode 600). Postgres refuses to run as root: when run as root the
# server runs as the `postgres` user, which owns the folder.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PGDIR=${TORGHUT_PG_DIR:-$ROOT/var/pg}
mkdir -p "$(dirname "$PGDIR")"
PGDIR=$(cd "$(dirname "$PGDIR")" && pwd)/$(basename "$PGDIR")
PORT=${TORGHUT_PG_PORT:-55432}
DB=${TORGHUT_PG_DB:-torghut}
APP_USER=torghut
BIN=${TORGHUT_PG_BIN:-/usr/lib/postgresql/15/bin}
DATA=$PGDIR/data
SOCK=$PGDIR/run
LOG=$PGDIR/server.log

log() { printf 'pg.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[[ -x $BIN/pg_ctl ]] || die "PostgreSQL binaries not found in $BIN (scripts/install-deps.sh installs postgresql)"

if [[ $(id -u) -eq 0 ]]; then
  RUN_AS=postgres
  id "$RUN_AS" >/dev/null 2>&1 || die "user 'postgres' does not exist (install the postgresql package)"
  as_pg() { runuser -u "$RUN_AS" -- "$@"; }
else
  RUN_AS=$(id -un)
  as_pg() { "$@"; }
fi

pg_ctl_() { as_pg "$BIN/pg_ctl" -D "$DATA" "$@"; }
password() { cat "$PGDIR/password"; }
# The superuser (postgres) connects through the socket with the same password.
psql_admin() {
  PGPASSWORD=$(password) "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U postgres "$@"
}

is_running() {
  [[ -f $DATA/postmaster.pid ]] || return 1
  pg_ctl_ status >/dev/null 2>&1
}

do_init() {
  [[ -f $DATA/PG_VERSION ]] && return 0
  log "initdb into $DATA"
  mkdir -p "$PGDIR" "$SOCK"
  # The path to the folder must be traversable by the server user.
  head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$PGDIR/password"
  chmod 600 "$PGDIR/password"
  chown -R "$RUN_AS" "$PGDIR"
  local pwfile
  pwfile=$(mktemp)
  password >"$pwfile"
  chown "$RUN_AS" "$pwfile"
  as_pg "$BIN/initdb" -D "$DATA" -U postgres --pwfile="$pwfile" --auth=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$PGDIR/initdb.log" 2>&1 || {
    rm -f "$pwfile"; cat "$PGDIR/initdb.log" >&2; rm -rf "$DATA"; die "initdb failed"; }
  rm -f "$pwfile"
  cat >>"$DATA/postgresql.conf" <<EOF
# torghut throwaway cluster (scripts/pg.sh)
listen_addresses = ''
unix_socket_directories = '$SOCK'
port = $PORT
max_connections = 100
shared_buffers = 128MB
wal_level = minimal
max_wal_senders = 0
max_wal_size = 1GB
log_min_messages = warning
EOF
}

do_start() {
  do_init
  mkdir -p "$SOCK"
  chown "$RUN_AS" "$PGDIR" "$SOCK"
  if is_running; then
    log "already running (port $PORT)"
  else
    # A stale pid file (killed server, rebooted machine) would stop pg_ctl: remove it when
    # the process it names is not a postgres of this cluster.
    if [[ -f $DATA/postmaster.pid ]]; then
      local pid
      pid=$(head -1 "$DATA/postmaster.pid" || true)
      if [[ -z $pid ]] || ! kill -0 "$pid" 2>/dev/null || ! grep -q postgres "/proc/$pid/comm" 2>/dev/null; then
        log "removing stale postmaster.pid (pid '$pid')"
        rm -f "$DATA/postmaster.pid"
      fi
    fi
    rm -f "$SOCK/.s.PGSQL.$PORT" "$SOCK/.s.PGSQL.$PORT.lock" 2>/dev/null || true
    pg_ctl_ start -w -t 60 -l "$LOG" -o "-p $PORT -k $SOCK" >/dev/null || {
      tail -n 30 "$LOG" >&2 || true; die "server did not start (log: $LOG)"; }
    log "started (socket $SOCK, port $PORT)"
  fi
  # The application role and database, idempotently. CREATEDB: the tests make a throwaway
  # database per test.
  local pw
  pw=$(password)
  psql_admin -d postgres <<EOF >/dev/null
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', '$APP_USER', '$pw')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$APP_USER') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', '$DB', '$APP_USER')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DB') \gexec
EOF
}

do_stop() {
  if [[ -f $DATA/PG_VERSION ]] && is_running; then
    pg_ctl_ stop -w -t 60 -m fast >/dev/null
    log "stopped"
  else
    log "not running"
  fi
}

do_env() {
  [[ -f $PGDIR/password ]] || die "no cluster yet: run scripts/pg.sh start"
  echo "DB_DSN='postgresql://$APP_USER:$(password)@/$DB?host=$SOCK&port=$PORT'"
}

do_pin() {
  local cpus=$1 pid kids
  is_running || die "not running"
  pid=$(head -1 "$DATA/postmaster.pid")
  kids=$(cat /proc/"$pid"/task/*/children 2>/dev/null || true)
  for p in $pid $kids; do taskset -a -p -c "$cpus" "$p" >/dev/null || die "taskset $p failed"; done
  log "server (pid $pid and $(wc -w <<<"$kids") children) pinned to cpus $cpus"
}

case "${1:-}" in
  start) do_start ;;
  stop) do_stop ;;
  status)
    if [[ -f $DATA/PG_VERSION ]] && is_running; then echo "running (port $PORT, socket $SOCK)"; else echo "stopped"; exit 3; fi ;;
  env) do_env ;;
  crash)
    if [[ -f $DATA/PG_VERSION ]] && is_running; then pg_ctl_ stop -w -t 60 -m immediate >/dev/null; log "crashed (immediate stop)"; fi ;;
  destroy) do_stop; rm -rf "$PGDIR"; log "removed $PGDIR" ;;
  pin) [[ -n ${2:-} ]] || die "usage: $0 pin CPUS"; do_pin "$2" ;;
  *) echo "usage: $0 start|stop|status|env|crash|destroy|pin CPUS" >&2; exit 2 ;;
esac

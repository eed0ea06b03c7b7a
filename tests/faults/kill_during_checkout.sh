#!/usr/bin/env bash
# A process killed with SIGKILL in the middle of checkouts leaves no half-written record, and
# the restarted app serves the orders it had confirmed.
#
#   tests/faults/kill_during_checkout.sh BIN LOCUST [POSTGRES_URL]
#
# BIN: the ocop-village binary; LOCUST: the locust command; POSTGRES_URL: a PostgreSQL server
# (postgres://user@host:port/db) on which a scratch database is made and dropped (without it:
# SQLite in a temporary DATA_DIR). Locust's Buyer users place
# cash-on-delivery checkouts through the pages while the app is killed with SIGKILL; then
# `ocop-village check` must find every checkout with its orders, items, history and totals, no
# negative stock, and every order whose page answered 303 must exist after the restart.
set -euo pipefail
BIN=$1 LOCUST=$2 DB=${3:-}
DIR=$(mktemp -d)
PORT=18097
export DATA_DIR="$DIR"
if [ -n "$DB" ]; then
  NAME="ocop_fault_$$"
  psql "$DB" -qc "CREATE DATABASE $NAME"
  trap 'psql "$DB" -qc "DROP DATABASE IF EXISTS $NAME WITH (FORCE)"' EXIT
  export DATABASE_URL="${DB%/*}/$NAME"
fi
HERE="$(cd "$(dirname "$0")/.." && pwd)"
start() {
  PORT=$PORT "$BIN" serve "$@" >> "$DIR/serve.log" 2>&1 &
  APP=$!
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/readyz" > /dev/null && return; sleep 0.5; done
  echo "the app did not start"; cat "$DIR/serve.log"; exit 1
}
start --demo
"$BIN" check
export OCOP_PLACED_LOG="$DIR/placed.txt"
"$LOCUST" -f "$HERE/load/locustfile.py" Buyer --headless -u 12 -r 12 -t 60s \
  --host "http://127.0.0.1:$PORT" --csv "$DIR/load" > "$DIR/locust.log" 2>&1 &
LOAD=$!
sleep 8
kill -KILL "$APP"
echo "killed the app with SIGKILL during checkouts"
sleep 2
kill "$LOAD" 2>/dev/null || true
wait "$LOAD" 2>/dev/null || true
"$BIN" check
start
"$BIN" check
PLACED=$(wc -l < "$DIR/placed.txt" || echo 0)
[ "$PLACED" -gt 0 ] || { echo "no checkout was placed before the kill"; cat "$DIR/locust.log"; exit 1; }
LOST=0
while read -r page; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$page")
  [ "$code" = 200 ] || { echo "lost: $page ($code)"; LOST=$((LOST + 1)); }
done < "$DIR/placed.txt"
[ "$LOST" = 0 ] || { echo "$LOST confirmed orders were lost"; exit 1; }
echo "all $PLACED orders confirmed before the kill are there after the restart"
kill -TERM "$APP"; wait "$APP" || true
rm -rf "$DIR"
echo "== no half-written record after SIGKILL ($([ -n "$DB" ] && echo PostgreSQL || echo SQLite))"

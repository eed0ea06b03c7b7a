#!/usr/bin/env bash
# The load figures of the README: the Locust shopper mix against the demo catalog on SQLite
# with the embedded index, on PostgreSQL with Meilisearch, and on two app instances sharing one
# PostgreSQL database and one Meilisearch (the production path; two instances cannot share an
# embedded index).
#
#   MEILI_URL=… [MEILI_MASTER_KEY=…] tests/load/run.sh BIN LOCUST POSTGRES_URL [USERS] [SECONDS]
#
# BIN: a release build of ocop-village; LOCUST: the locust command; POSTGRES_URL: a server on
# which scratch databases are made and dropped. Prints requests per second, the p50 and p99
# latency and the failures of each run.
set -euo pipefail
BIN=$1 LOCUST=$2 PG=$3 USERS=${4:-32} SECONDS_=${5:-60}
: "${MEILI_URL:?the PostgreSQL runs use Meilisearch: set MEILI_URL}"
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
KEY=$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')
serve() { # name port database_url meili_prefix ("": the embedded index) [--demo]
  local dir="$WORK/$1"; mkdir -p "$dir"
  local search=(env -u MEILI_URL -u MEILI_MASTER_KEY)
  [ -z "$4" ] || search=(env MEILI_INDEX_PREFIX="$4")
  DATA_DIR="$dir" PORT=$2 DATABASE_URL="$3" SESSION_KEY="$KEY" API_RATE_PER_MINUTE=0 RUST_LOG=warn \
    "${search[@]}" "$BIN" serve ${5:-} > "$dir/serve.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$2/readyz" > /dev/null && return; sleep 0.5; done
  echo "$1 did not start"; cat "$dir/serve.log"; exit 1
}
load() { # name host [hosts for OCOP_HOSTS]
  OCOP_HOSTS="${3:-}" "$LOCUST" -f "$HERE/locustfile.py" Shopper --headless -u "$USERS" -r "$USERS" \
    -t "${SECONDS_}s" --host "$2" --csv "$WORK/$1" --only-summary > "$WORK/$1.log" 2>&1 || true
  python3 - "$WORK/${1}_stats.csv" "$1" <<'PY'
import csv, sys
rows = {r["Name"]: r for r in csv.DictReader(open(sys.argv[1]))}
a = rows["Aggregated"]
print(f'{sys.argv[2]:<28} {float(a["Requests/s"]):>8.0f} req/s   p50 {a["50%"]:>4} ms   p99 {a["99%"]:>5} ms   '
      f'failures {a["Failure Count"]} of {a["Request Count"]}   checkouts {rows.get("/checkout (place)", {}).get("Request Count", 0)}')
PY
}
stop() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; PIDS=(); }
db() { psql "$PG" -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"; echo "${PG%/*}/$1"; }

echo "$USERS simulated shoppers for $SECONDS_ s each, Locust on the same machine"
serve sqlite 18101 "sqlite://$WORK/sqlite/ocop-village.db?mode=rwc" "" --demo
load "SQLite, 1 instance" http://127.0.0.1:18101
stop
URL=$(db ocop_load_one)
serve pg 18102 "$URL" "load1_$$_" --demo
load "PostgreSQL+Meili, 1 instance" http://127.0.0.1:18102
stop
URL=$(db ocop_load_two)
serve pg-a 18103 "$URL" "load2_$$_" --demo
serve pg-b 18104 "$URL" "load2_$$_"
load "PostgreSQL+Meili, 2 instances" http://127.0.0.1:18103 "http://127.0.0.1:18103 http://127.0.0.1:18104"
stop
psql "$PG" -qc "DROP DATABASE ocop_load_one WITH (FORCE)" -c "DROP DATABASE ocop_load_two WITH (FORCE)"
rm -rf "$WORK"

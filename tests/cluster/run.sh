#!/usr/bin/env bash
# The cluster test: several app instances (a release build) on one PostgreSQL database, one
# Meilisearch, one S3-compatible bucket and one SMTP server, under a mixed load with a registry
# import, a search rebuild and one instance killed with SIGKILL (see cluster.py).
#
#   tests/cluster/run.sh BIN PYTHON POSTGRES_URL [SECONDS] [INSTANCES]
#
# BIN: a release build of ocop-village; PYTHON: a Python with `requests` (the Locust
# environment: with Locust beside it, the throughput on one instance and on two is measured
# too); POSTGRES_URL: a server on which a scratch database is made and dropped.
# The environment names the other services: MEILI_URL and MEILI_MASTER_KEY (Meilisearch),
# MEDIA_S3_BUCKET, MEDIA_S3_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (the bucket),
# MAILDEV_BIN (maildev, started here on its own ports).
set -euo pipefail
BIN=$1 PYTHON=$2 PG=$3 SECONDS_=${4:-60} INSTANCES=${5:-3}
HERE="$(cd "$(dirname "$0")" && pwd)"
: "${MEILI_URL:?the cluster test needs Meilisearch (MEILI_URL)}"
: "${MEDIA_S3_BUCKET:?the cluster test needs an S3-compatible bucket (MEDIA_S3_BUCKET)}"
: "${MAILDEV_BIN:?the cluster test needs maildev (MAILDEV_BIN)}"
WORK=$(mktemp -d)
NAME="ocop_cluster_$$"
psql "$PG" -qc "CREATE DATABASE $NAME"
"$MAILDEV_BIN" --ip 127.0.0.1 --web-ip 127.0.0.1 -s 18325 -w 18380 --silent > "$WORK/maildev.log" 2>&1 &
MAILDEV=$!
cleanup() {
  kill "$MAILDEV" 2>/dev/null || true
  psql "$PG" -qc "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 1 50); do curl -sf -o /dev/null http://127.0.0.1:18380/email && break; sleep 0.2; done
LOCUST="$(dirname "$PYTHON")/locust"
[ -x "$LOCUST" ] || LOCUST=""
export DATABASE_URL="${PG%/*}/$NAME" \
  MEILI_INDEX_PREFIX="cluster${$}_" \
  SMTP_URL="smtp://127.0.0.1:18325" \
  SESSION_KEY="$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  PUBLIC_URL="http://127.0.0.1:18201" \
  API_RATE_PER_MINUTE=0 \
  OUTBOX_LEASE_SECONDS=20 \
  OCOP_CLUSTER_BIN="$BIN" OCOP_CLUSTER_WORK="$WORK" OCOP_CLUSTER_SECONDS="$SECONDS_" \
  OCOP_CLUSTER_INSTANCES="$INSTANCES" OCOP_CLUSTER_MAILDEV_API="http://127.0.0.1:18380" \
  OCOP_CLUSTER_LOCUST="$LOCUST" OCOP_CLUSTER_REGISTRY="$HERE/../../seed/ocop-registry-sample.csv"
"$PYTHON" "$HERE/cluster.py"

#!/usr/bin/env bash
# Banlist benchmark: DELETE /api/v1/sources/{id} of a long-lived source. See bench/README.md.
#
#   bench/source-delete.sh                      1,000,000 historical decisions of the source, 3 runs
#   HIST=100000 OTHER=100000 RUNS=1 bench/source-delete.sh   smoke run
#
# Each run, on a freshly created database and a freshly started service: creates a source through the API, then
# loads with SQL HIST ended decisions of that source (its history: ON DELETE SET NULL rewrites every one of
# them), OPEN open ones (ended by the deletion itself) and OTHER ended decisions of no source (so that finding
# the source's rows without an index means scanning more than them), VACUUM ANALYZE, CHECKPOINT; then times the
# DELETE (it must answer 200 within the apply timeout) and checks with SQL that no decision points at the source.
# Before the timed DELETE, EXPLAIN ANALYZE of the same statements in a transaction that is rolled back gives the
# time of each part (ending the open decisions, the foreign key's SET NULL, the change-log trigger).
#
# Needs root (bench/setup-db.sh), java, curl, psql, python3. Writes to bench/out/source-delete/ (or $OUT).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)

HIST=${HIST:-1000000}                # ended decisions of the deleted source
OPEN=${OPEN:-10000}                  # open decisions of the deleted source
OTHER=${OTHER:-1000000}              # ended decisions of no source
RUNS=${RUNS:-3}
XMX=${XMX:-384m}
PORT=${PORT:-18280}
JAR=${JAR:-$REPO/target/quarkus-app/quarkus-run.jar}
READY_TIMEOUT=${READY_TIMEOUT:-120}
OUT=${OUT:-$BENCH_DIR/out/source-delete}
PG_VERSION=${PG_VERSION:-15}
PG_CLUSTER=${PG_CLUSTER:-main}
export BENCH_DB_NAME=${BENCH_DB_NAME:-banlist_bench_delete}
export BENCH_DB_USER=${BENCH_DB_USER:-banlist_bench}
export BENCH_DB_PASSWORD=${BENCH_DB_PASSWORD:-banlist_bench}
ADMIN_KEY=${BENCH_ADMIN_KEY:-bench-admin-key-$(date +%s)-$$}

log() { printf '%s source-delete.sh: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "$*"; exit 1; }

[ -f "$JAR" ] || die "no jar at $JAR (./mvnw -B -q package -DskipTests)"
mkdir -p "$OUT"
rm -rf "$OUT/app"
cp -a "$(dirname "$JAR")" "$OUT/app"
RUN_JAR=$OUT/app/$(basename "$JAR")

DB_PORT=$(pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c { print $3 }')
DB_PORT=${DB_PORT:-5432}
sql() { PGPASSWORD="$BENCH_DB_PASSWORD" psql --no-psqlrc -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$DB_PORT" \
  -U "$BENCH_DB_USER" -d "$BENCH_DB_NAME" "$@"; }

# CHECKPOINT needs a superuser: over the local socket as postgres, as bench/setup-db.sh does.
checkpoint() { (cd /tmp && su postgres -c "psql --no-psqlrc -X -q -p $DB_PORT -d postgres -c CHECKPOINT"); }

SERVICE_PID=""
stop_service() {
  if [ -n "$SERVICE_PID" ]; then
    kill -TERM "$SERVICE_PID" 2>/dev/null || true
    wait "$SERVICE_PID" 2>/dev/null || true
    SERVICE_PID=""
  fi
}
trap stop_service EXIT

BASE=http://127.0.0.1:$PORT
start_service() {
  DB_URL="postgresql://127.0.0.1:$DB_PORT/$BENCH_DB_NAME" DB_USER="$BENCH_DB_USER" DB_PASSWORD="$BENCH_DB_PASSWORD" \
    BANLIST_ADMIN_KEY="$ADMIN_KEY" QUARKUS_HTTP_PORT="$PORT" QUARKUS_HTTP_HOST=127.0.0.1 \
    BANLIST_SOURCES_ALLOW_PRIVATE_ADDRESSES=true \
    java -Xmx"$XMX" -jar "$RUN_JAR" >"$OUT/service-$1.log" 2>&1 &
  SERVICE_PID=$!
  local deadline=$((SECONDS + READY_TIMEOUT))
  until curl -fsS -o /dev/null "$BASE/q/health/ready" 2>/dev/null; do
    kill -0 "$SERVICE_PID" 2>/dev/null || { tail -n 20 "$OUT/service-$1.log" >&2; die "the service exited"; }
    [ "$SECONDS" -lt "$deadline" ] || die "not ready after $READY_TIMEOUT s"
    sleep 0.5
  done
}

: >"$OUT/times.tsv"
for run in $(seq 1 "$RUNS"); do
  "$BENCH_DIR/setup-db.sh" --clean
  start_service "$run"
  id=$(curl -fsS -H "X-Api-Key: $ADMIN_KEY" -H 'Content-Type: application/json' \
    --data '{"name":"long-lived","url":"http://127.0.0.1:9/list.txt","enabled":false}' "$BASE/api/v1/sources" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
  log "run $run: loading $HIST historical, $OPEN open and $OTHER unrelated decisions"
  sql <<SQL
INSERT INTO decisions (value, type, origin, source_id, created_at, updated_at, ended_at, end_reason)
SELECT ('11.0.0.0'::inet + g)::cidr, 'ban', 'list:long-lived', $id, now() - interval '300 days',
       now() - interval '200 days', now() - interval '200 days' + g * interval '1 second', 'removed_from_list'
FROM generate_series(1, $HIST) g;
INSERT INTO decisions (value, type, origin, source_id)
SELECT ('12.0.0.0'::inet + g)::cidr, 'ban', 'list:long-lived', $id FROM generate_series(1, $OPEN) g;
INSERT INTO decisions (value, type, origin, created_at, updated_at, ended_at, end_reason)
SELECT ('13.0.0.0'::inet + g)::cidr, 'ban', 'agent', now() - interval '100 days', now() - interval '99 days',
       now() - interval '99 days', 'unbanned'
FROM generate_series(1, $OTHER) g;
UPDATE sources SET entries = $OPEN, status = 'ok' WHERE id = $id;
VACUUM ANALYZE decisions;
SQL
  checkpoint
  # The parts, measured on the same data and rolled back: ending the open decisions, then the DELETE (its
  # foreign key's SET NULL and, nested in it, the change-log trigger); the same DELETE without the change-log
  # trigger, and without the index on decisions(source_id).
  sql >"$OUT/explain-$run.txt" <<SQL
\\timing on
BEGIN;
EXPLAIN (ANALYZE, COSTS OFF)
UPDATE decisions SET ended_at = now(), end_reason = 'source_deleted', updated_at = now()
WHERE source_id = $id AND ended_at IS NULL;
EXPLAIN (ANALYZE, COSTS OFF) DELETE FROM sources WHERE id = $id;
ROLLBACK;
BEGIN;
ALTER TABLE decisions DISABLE TRIGGER decisions_changes_update;
EXPLAIN (ANALYZE, COSTS OFF) DELETE FROM sources WHERE id = $id;
ROLLBACK;
BEGIN;
DROP INDEX decisions_source;
EXPLAIN (ANALYZE, COSTS OFF) DELETE FROM sources WHERE id = $id;
ROLLBACK;
SQL
  checkpoint
  start=$(date +%s.%N)
  code=$(curl -sS -o "$OUT/delete-$run.json" -w '%{http_code}' -X DELETE -H "X-Api-Key: $ADMIN_KEY" \
    "$BASE/api/v1/sources/$id")
  end=$(date +%s.%N)
  [ "$code" = 200 ] || die "DELETE answered $code after $(python3 -c "print(round($end - $start, 1))") s:"\
" $(head -c 300 "$OUT/delete-$run.json")"
  left=$(sql -tAc "SELECT count(*) FROM decisions WHERE source_id = $id")
  [ "$left" = 0 ] || die "$left decisions still point at the source"
  seconds=$(python3 -c "print(round($end - $start, 3))")
  log "run $run: DELETE answered 200 in $seconds s ($(cat "$OUT/delete-$run.json"))"
  printf '%s\t%s\n' "$run" "$seconds" >>"$OUT/times.tsv"
  stop_service
done
python3 - "$OUT/times.tsv" <<'PY'
import statistics, sys
times = [float(line.split('\t')[1]) for line in open(sys.argv[1]) if line.strip()]
print(f"DELETE /api/v1/sources/{{id}}: runs {times}, median {statistics.median(times)} s")
PY
log "EXPLAIN ANALYZE of the parts: $OUT/explain-*.txt"

#!/usr/bin/env bash
# Bulk readers against the check path and the memory budget, on the packaged service with a small heap:
#   A. GET /api/v1/check p99 at 64 connections, idle, then while full-set exports run in a loop (every export of
#      the loop has a shape of its own, so each one is rendered: the cache does not hide the work);
#   B. the memory budget: ten parallel unfiltered GET /v1/decisions (CrowdSec), ten parallel /api/v1/stream
#      snapshots, ten parallel aggregated exports (ten shapes) and the import of a 64 MiB IPv6 list, all at once;
#      peak heap (sampled from /q/metrics) and peak RSS (VmHWM), OutOfMemoryError in the log, every HTTP status.
#
# Full run:     bench/bulk-readers.sh          (1,000,000 decisions, -Xmx384m)
# Quick smoke:  N=50000 DURATION=3s WARMUP=1s RUNS=1 bench/bulk-readers.sh
#
# Needs root (PostgreSQL setup), java, curl, psql, python3, wrk. Writes to bench/out-bulk-readers/ (or $OUT).
# The conventions (data, database, service start, loading) are those of bench/distribution.sh.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)

N=${N:-1000000}
BATCH=${BATCH:-5000}
LOAD=${LOAD:-sql}                    # sql: INSERT into the table (the index catches up); api: POST batches of BATCH
SQL_CHUNK=${SQL_CHUNK:-100000}
SQL_DURATION=${SQL_DURATION:-4 hours}
RUNS=${RUNS:-3}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
PROBES=${PROBES:-10000}
SEED=${SEED:-42}
PORT=${PORT:-18180}
LIST_PORT=${LIST_PORT:-18190}
LIST_MIB=${LIST_MIB:-64}
PARALLEL=${PARALLEL:-10}
CHECK=${CHECK:-1}                    # 0 = skip part A
PARTS=${PARTS:-crowdsec stream export import}   # what part B runs at once
JAVA_OPTS=${JAVA_OPTS:--Xmx384m}
READY_TIMEOUT=${READY_TIMEOUT:-300}
BUILD=${BUILD:-auto}
JAR=${JAR:-$REPO/target/quarkus-app/quarkus-run.jar}
OUT=${OUT:-$BENCH_DIR/out-bulk-readers}
PG_VERSION=${PG_VERSION:-15}
PG_CLUSTER=${PG_CLUSTER:-main}
export BENCH_DB_NAME=${BENCH_DB_NAME:-banlist_bench_bulk}
export BENCH_DB_USER=${BENCH_DB_USER:-banlist_bench_bulk}
export BENCH_DB_PASSWORD=${BENCH_DB_PASSWORD:-banlist_bench}
ADMIN_KEY=${BENCH_ADMIN_KEY:-bench-admin-key-$(date +%s)-$$}

log() { printf '%s bulk-readers.sh: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
for tool in java curl psql python3 wrk pg_lsclusters; do
  command -v "$tool" >/dev/null || die "$tool not found (wrk: apt-get install -y wrk)"
done
log "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
mkdir -p "$OUT"
DATA=$OUT/data
RESULTS=$OUT/results.tsv
: >"$RESULTS"
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS"; }

SERVICE_PID=""
LIST_PID=""
BACKGROUND=()
stop_pid() {
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  for pid in "${BACKGROUND[@]}"; do kill "$pid" 2>/dev/null || true; done
  stop_pid "$SERVICE_PID"
  stop_pid "$LIST_PID"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

stale=""
if [ -f "$JAR" ] && [ "$BUILD" = auto ]; then
  stale=$(find "$REPO/src/main" "$REPO/pom.xml" -newer "$JAR" -type f 2>/dev/null | head -n 1)
fi
if [ "$BUILD" = 1 ] || { [ "$BUILD" = auto ] && { [ ! -f "$JAR" ] || [ -n "$stale" ]; }; }; then
  log "packaging the service (./mvnw -B -q package -DskipTests)"
  (cd "$REPO" && ./mvnw -B -q package -DskipTests)
fi
rm -rf "$OUT/app"
cp -a "$(dirname "$JAR")" "$OUT/app"
RUN_JAR=$OUT/app/$(basename "$JAR")

log "generating $N decisions and $PROBES probes (seed $SEED)"
python3 "$BENCH_DIR/gen-decisions.py" --n "$N" --batch "$BATCH" --probes "$PROBES" --seed "$SEED" --out "$DATA"
PROBE_FILE=$DATA/probes.tsv
log "generating a $LIST_MIB MiB list of distinct IPv6 addresses"
mkdir -p "$OUT/serve"
python3 - "$OUT/serve/v6.txt" "$LIST_MIB" "$SEED" <<'PY'
import random, sys
path, mib, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
limit = mib * 1024 * 1024
with open(path, "w") as out:
    written = 0
    i = 0
    while True:
        # distinct: a counter in the low bits, random high bits inside 2a00::/12
        line = "2a0%x:%x:%x:%x::%x\n" % (rng.getrandbits(4), rng.getrandbits(16), rng.getrandbits(16), i >> 16, i & 0xffff)
        if written + len(line) > limit:
            break
        out.write(line)
        written += len(line)
        i += 1
print(i, "lines", file=sys.stderr)
PY

"$BENCH_DIR/setup-db.sh" --clean
DB_PORT=$(pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c { print $3 }')
DB_PORT=${DB_PORT:-5432}
BASE=http://127.0.0.1:$PORT
log "starting Banlist on $BASE ($JAVA_OPTS; log: $OUT/service.log)"
# shellcheck disable=SC2086
DB_URL="postgresql://127.0.0.1:$DB_PORT/$BENCH_DB_NAME" DB_USER="$BENCH_DB_USER" DB_PASSWORD="$BENCH_DB_PASSWORD" \
  BANLIST_ADMIN_KEY="$ADMIN_KEY" QUARKUS_HTTP_PORT="$PORT" QUARKUS_HTTP_HOST=127.0.0.1 \
  BANLIST_SOURCES_ALLOW_PRIVATE_ADDRESSES=true \
  java $JAVA_OPTS -XX:+ExitOnOutOfMemoryError -jar "$RUN_JAR" >"$OUT/service.log" 2>&1 &
SERVICE_PID=$!
deadline=$((SECONDS + READY_TIMEOUT))
until curl -fsS -o /dev/null "$BASE/q/health/ready" 2>/dev/null; do
  kill -0 "$SERVICE_PID" 2>/dev/null || { tail -n 20 "$OUT/service.log" >&2; SERVICE_PID=""; die "Banlist exited"; }
  [ "$SECONDS" -lt "$deadline" ] || die "Banlist not ready after $READY_TIMEOUT s"
  sleep 0.5
done

load_start=$SECONDS
if [ "$LOAD" = api ]; then
  log "loading $N decisions through POST /api/v1/decisions"
  for f in "$DATA"/batch-*.json; do
    for attempt in 1 2 3 4 5; do
      code=$(curl -sS -o "$OUT/last-response.json" -w '%{http_code}' -H "X-Api-Key: $ADMIN_KEY" \
        -H 'Content-Type: application/json' --data-binary "@$f" "$BASE/api/v1/decisions")
      [ "$code" = 503 ] || break
      sleep 1
    done
    [ "$code" = 201 ] || die "loading $f answered $code: $(head -c 300 "$OUT/last-response.json")"
  done
else
  # Straight into the table, in statements of SQL_CHUNK rows: the change-log trigger records them and the running
  # service's index catches up page by page, as after any large write (a busy machine times out API batches).
  log "loading $N decisions with SQL (INSERT ... SELECT of $SQL_CHUNK rows per statement)"
  python3 - "$DATA" >"$OUT/decisions.tsv" <<'PY'
import glob, json, sys
for path in sorted(glob.glob(sys.argv[1] + "/batch-*.json")):
    for d in json.load(open(path)):
        print("%s\t%s\t%s" % (d["value"], d["origin"], d["reason"]))
PY
  export PGPASSWORD=$BENCH_DB_PASSWORD
  psql_db() { psql -v ON_ERROR_STOP=1 -q -h 127.0.0.1 -p "$DB_PORT" -U "$BENCH_DB_USER" "$BENCH_DB_NAME" "$@"; }
  psql_db -c "CREATE TABLE bench_staging (n bigint GENERATED ALWAYS AS IDENTITY, value text, origin text, reason text)"
  psql_db -c "\\copy bench_staging (value, origin, reason) FROM '$OUT/decisions.tsv'"
  for from in $(seq 0 "$SQL_CHUNK" $((N - 1))); do
    psql_db -c "INSERT INTO decisions (value, type, origin, reason, expires_at) SELECT value::cidr, 'ban', origin, reason,
      now() + interval '$SQL_DURATION' FROM bench_staging WHERE n > $from AND n <= $((from + SQL_CHUNK))"
  done
  psql_db -c "DROP TABLE bench_staging"
  until [ "$(curl -fsS "$BASE/q/metrics" | awk '$1 == "banlist_index_entries" { print int($NF) }')" -ge "$N" ]; do
    kill -0 "$SERVICE_PID" 2>/dev/null || die "Banlist exited while its index caught up"
    sleep 2
  done
fi
log "loaded in $((SECONDS - load_start)) s"
ENFORCER_KEY=$(curl -fsS -H "X-Api-Key: $ADMIN_KEY" -H 'Content-Type: application/json' \
  -d '{"name":"bench-enforcer","role":"enforcer"}' "$BASE/api/v1/keys" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
sleep 3
metric() { curl -fsS "$BASE/q/metrics" | awk -v m="$1" '$1 == m { print $NF }'; }
heap_used() { curl -fsS --max-time 5 "$BASE/q/metrics" | awk '/^jvm_memory_used_bytes\{area="heap"/ { s += $NF } END { printf "%d\n", s }'; }
log "index entries: $(metric banlist_index_entries)"
record index_entries 1 "$(metric banlist_index_entries)"

# ---- A. check p99, idle and while exports render in a loop --------------------------------------------------
check_series() {   # name
  local name=$1
  CHECK_PATH="/api/v1/check?ip=" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$BENCH_DIR/check.lua" "$BASE" \
    -- "$PROBE_FILE" "$ENFORCER_KEY" >"$OUT/$name-warmup.txt" 2>&1 || true
  for run in $(seq 1 "$RUNS"); do
    CHECK_PATH="/api/v1/check?ip=" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$BENCH_DIR/check.lua" \
      "$BASE" -- "$PROBE_FILE" "$ENFORCER_KEY" >"$OUT/$name-$run.txt" 2>&1
    local line
    line=$(grep '^BENCH ' "$OUT/$name-$run.txt" || true)
    [ -n "$line" ] || die "wrk printed no result for $name (see $OUT/$name-$run.txt)"
    log "$name run $run: $line"
    record "$name" "$run" "$line"
  done
}
if [ "$CHECK" = 1 ]; then
check_series check_idle

export_loop() {
  local i=0
  while true; do
    i=$((i + 1))
    # a limit above the set's size cuts nothing, but is a shape of its own: every export of the loop renders
    curl -sS -o /dev/null -w '%{http_code} %{time_total} %{size_download}\n' -H "X-Api-Key: $ENFORCER_KEY" \
      "$BASE/api/v1/export?format=plain&aggregate=true&limit=$((5000000 + i))" >>"$OUT/export-loop.txt" || true
  done
}
: >"$OUT/export-loop.txt"
export_loop &
BACKGROUND+=($!)
sleep 3
check_series check_during_exports
kill "${BACKGROUND[-1]}" 2>/dev/null || true
wait "${BACKGROUND[-1]}" 2>/dev/null || true
log "exports during the check runs: $(awk '{ n[$1]++ } END { for (c in n) printf "%s x%d ", c, n[c] }' "$OUT/export-loop.txt")"
record export_loop 1 "$(awk '$1 == 200 { n++; t += $2; b = $3 } END { printf "renders=%d mean_s=%.2f bytes=%d", n, t / (n ? n : 1), b }' "$OUT/export-loop.txt")"
log "export loop: $(tail -n 1 "$RESULTS")"
fi

# ---- B. memory budget ----------------------------------------------------------------------------------------
python3 "$BENCH_DIR/serve-list.py" --dir "$OUT/serve" --port "$LIST_PORT" >"$OUT/list-server.log" 2>&1 &
LIST_PID=$!
for _ in $(seq 1 50); do curl -fsS -o /dev/null -I "http://127.0.0.1:$LIST_PORT/v6.txt" 2>/dev/null && break; sleep 0.1; done
code=$(curl -sS -o "$OUT/last-response.json" -w '%{http_code}' -H "X-Api-Key: $ADMIN_KEY" -H 'Content-Type: application/json' \
  --data "{\"name\":\"bench-v6\",\"url\":\"http://127.0.0.1:$LIST_PORT/v6.txt\",\"format\":\"plain\",\"interval\":\"1h\",\"enabled\":false,\"max_entries\":5000000}" \
  "$BASE/api/v1/sources")
[ "$code" = 201 ] || die "POST /api/v1/sources answered $code: $(head -c 300 "$OUT/last-response.json")"
SOURCE_ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$OUT/last-response.json")

jcmd "$SERVICE_PID" GC.run >/dev/null 2>&1 || true
sleep 1
heap_base=$(heap_used)
: >"$OUT/heap-samples.txt"
( while true; do heap_used >>"$OUT/heap-samples.txt" 2>/dev/null || true; sleep 0.2; done ) &
SAMPLER=$!
BACKGROUND+=($SAMPLER)
: >"$OUT/budget-requests.txt"
budget_get() {   # name url
  curl -sS -o /dev/null --max-time 600 -w "$1 %{http_code} %{time_total} %{size_download}\n" -H "X-Api-Key: $ENFORCER_KEY" "$2" \
    >>"$OUT/budget-requests.txt" 2>>"$OUT/budget-curl-errors.txt" || echo "$1 curl-failed" >>"$OUT/budget-requests.txt"
}
log "memory budget: $PARALLEL x /v1/decisions, $PARALLEL x /api/v1/stream, $PARALLEL x aggregated exports, and the $LIST_MIB MiB IPv6 import, at once"
log "parts: $PARTS"
run_code=none
status=none
has() { case " $PARTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
if has import; then
  run_code=$(curl -sS -o "$OUT/run-response.json" -w '%{http_code}' -X POST -H "X-Api-Key: $ADMIN_KEY" "$BASE/api/v1/sources/$SOURCE_ID/runs")
  log "POST runs answered $run_code"
fi
pids=()
for i in $(seq 1 "$PARALLEL"); do
  if has crowdsec; then budget_get crowdsec_decisions "$BASE/v1/decisions" & pids+=($!); fi
  if has stream; then budget_get stream_snapshot "$BASE/api/v1/stream" & pids+=($!); fi
  if has export; then budget_get export_aggregated "$BASE/api/v1/export?format=plain&aggregate=true&name=budget$i" & pids+=($!); fi
done
for pid in "${pids[@]}"; do wait "$pid" || true; done
# the import: wait for its run to finish
for _ in $(seq 1 600); do
  has import || break
  status=$(curl -fsS --max-time 10 -H "X-Api-Key: $ADMIN_KEY" "$BASE/api/v1/sources/$SOURCE_ID/runs?limit=1" 2>/dev/null \
    | python3 -c 'import json,sys; r=json.load(sys.stdin)["runs"]; print(r[0]["status"] if r else "none")' 2>/dev/null || echo unreachable)
  case "$status" in running|none|unreachable) sleep 1 ;; *) break ;; esac
done
kill "$SAMPLER" 2>/dev/null || true
alive=yes
kill -0 "$SERVICE_PID" 2>/dev/null || alive=no
oom=$(grep -c OutOfMemoryError "$OUT/service.log" || true)
peak_heap=$(sort -n "$OUT/heap-samples.txt" | tail -n 1)
rss_peak=$(awk '/VmHWM/ { print $2 }' "/proc/$SERVICE_PID/status" 2>/dev/null || echo 0)
summary=$(awk '{ k = $1 " " $2; n[k]++ } END { for (k in n) printf "%s x%d; ", k, n[k] }' "$OUT/budget-requests.txt")
log "requests: $summary"
log "import run: $status; service alive: $alive; OutOfMemoryError lines: $oom"
log "heap: base $((heap_base / 1048576)) MiB after GC, peak $(( ${peak_heap:-0} / 1048576 )) MiB; peak RSS $((rss_peak / 1024)) MiB"
record budget_requests 1 "$summary"
record budget_import 1 "post=$run_code status=$status"
record budget_memory 1 "alive=$alive oom=$oom heap_base_mib=$((heap_base / 1048576)) heap_peak_mib=$(( ${peak_heap:-0} / 1048576 )) rss_peak_mib=$((rss_peak / 1024))"
log "results in $RESULTS"

#!/usr/bin/env bash
# Banlist benchmark: import of a 1,000,000-entry blocklist from a local HTTP server. See bench/README.md.
#
# Full run (the figures of bench/RESULTS.md):   bench/import.sh
# Quick smoke run (not recorded):               N=100000 RUNS=1 DURATION=3s WARMUP=2s bench/import.sh
#
# Each repetition has two parts, each on a freshly created database and a freshly started service
# (java -Xmx256m):
#   A. imports with nothing else running: the list (first import), the same list again (downloaded, hashed and
#      found unchanged), then the version with CHANGE of its entries changed; every one checked with SQL;
#   B. wrk drives GET /api/v1/check: idle on the empty table, during the first import, and (after VACUUM ANALYZE)
#      idle again with the list applied: check latency during an import vs idle.
#
# Needs root (it starts PostgreSQL and creates the database through bench/setup-db.sh), java, jcmd, curl, psql,
# python3 and wrk. Everything it writes goes to bench/out/ (or $OUT); the service and the list server are
# stopped on exit.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)

# ---- Parameters (environment) ---------------------------------------------------------------------------
N=${N:-1000000}                      # entries of the list
CHANGE=${CHANGE:-0.01}               # share of entries changed in the second version (half removed, half new)
RUNS=${RUNS:-3}                      # repetitions; the median is reported
XMX=${XMX:-256m}                     # the service's maximum heap (-Xmx)
JAVA_OPTS=${JAVA_OPTS:-}             # further JVM options of the service
CONNECTIONS=${CONNECTIONS:-16}       # wrk -c of the check load
THREADS=${THREADS:-2}                # wrk -t
WARMUP=${WARMUP:-10s}                # wrk warm-up before the import under load (JIT of the check path)
DURATION=${DURATION:-20s}            # the idle wrk run after the import
LOAD_TEST=${LOAD_TEST:-1}            # 1 = part B (check during an import), 0 = only part A
PART_A=${PART_A:-1}                  # 0 = skip part A (only the check during an import)
CHECK_DELAY_MS=${CHECK_DELAY_MS:-}   # pause of each wrk connection before each request (a paced check load of at
                                     # most CONNECTIONS * 1000 / CHECK_DELAY_MS requests/s); empty = as fast as
                                     # the machine serves
PROBES=${PROBES:-10000}              # distinct addresses the check load cycles through
SEED=${SEED:-42}                     # generator seed
PORT=${PORT:-18080}                  # first port tried for the service (the next free one is used)
LIST_PORT=${LIST_PORT:-18180}        # first port tried for the list server
PG_LOG_MS=${PG_LOG_MS:-}             # diagnostics: log_min_duration_statement (ms) of the bench database; the
                                     # cluster log of each part is copied to $OUT (empty = leave logging alone)
RECORD=${RECORD:-auto}               # write bench/RESULTS.md: auto = only with the standard parameters, 1, 0
BUILD=${BUILD:-auto}                 # auto = package the jar if missing or older than src/main or pom.xml,
                                     # 1 = always, 0 = never
BUILD_COPY=${BUILD_COPY:-0}          # 1 = package a copy of the working tree under $OUT/build, not in target/
JAR=${JAR:-$REPO/target/quarkus-app/quarkus-run.jar}
DB_POOL_SIZE=${DB_POOL_SIZE:-20}     # the service's reactive pool size (its default)
EVENT_LOOPS=${EVENT_LOOPS:-$(nproc)} # Vert.x event loops: one per core, as wrk and PostgreSQL share the cores
READY_TIMEOUT=${READY_TIMEOUT:-120}  # seconds to wait for /q/health/ready
RUN_TIMEOUT=${RUN_TIMEOUT:-600}      # seconds to wait for an import run to finish
OUT=${OUT:-$BENCH_DIR/out}
PG_VERSION=${PG_VERSION:-15}
PG_CLUSTER=${PG_CLUSTER:-main}
export BENCH_DB_NAME=${BENCH_DB_NAME:-banlist_bench}
export BENCH_DB_USER=${BENCH_DB_USER:-banlist_bench}
export BENCH_DB_PASSWORD=${BENCH_DB_PASSWORD:-banlist_bench}
ADMIN_KEY=${BENCH_ADMIN_KEY:-bench-admin-key-$(date +%s)-$$}

log() { printf '%s import.sh: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for tool in java jcmd curl psql python3 wrk pg_lsclusters; do
  command -v "$tool" >/dev/null || die "$tool not found (wrk: apt-get install -y wrk)"
done
[ "$N" -ge 2 ] && [ "$RUNS" -ge 1 ] || die "N must be at least 2 and RUNS positive"
[ "${#ADMIN_KEY}" -ge 16 ] || die "BENCH_ADMIN_KEY must have at least 16 characters"
[ -z "$PG_LOG_MS" ] || [[ "$PG_LOG_MS" =~ ^-?[0-9]+$ ]] || die "PG_LOG_MS must be a number of milliseconds"
[ -z "$CHECK_DELAY_MS" ] || [[ "$CHECK_DELAY_MS" =~ ^[0-9]+$ ]] || die "CHECK_DELAY_MS must be a number of milliseconds"
[ "$PART_A" = 1 ] || [ "$LOAD_TEST" = 1 ] || die "PART_A=0 and LOAD_TEST=0 leave nothing to measure"
export CHECK_DELAY_MS # read by check.lua

LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$OUT"
DATA=$OUT/import-data
SERVE=$OUT/import-serve
RAW=$OUT/import
RESULTS=$RAW/results.tsv
rm -rf "$RAW"
mkdir -p "$RAW" "$SERVE"
: >"$RESULTS"

SERVICE_PID=""
LIST_PID=""
WRK_PID=""
stop_service() {
  if [ -n "$SERVICE_PID" ] && kill -0 "$SERVICE_PID" 2>/dev/null; then
    kill -TERM "$SERVICE_PID" 2>/dev/null || true
    for _ in $(seq 1 30); do
      kill -0 "$SERVICE_PID" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$SERVICE_PID" 2>/dev/null; then
      log "service did not stop in 15 s; killing it"
      kill -KILL "$SERVICE_PID" 2>/dev/null || true
    fi
    wait "$SERVICE_PID" 2>/dev/null || true
  fi
  SERVICE_PID=""
}
cleanup() {
  local rc=$?
  if [ -n "$WRK_PID" ]; then kill -TERM "$WRK_PID" 2>/dev/null || true; fi
  stop_service
  if [ -n "$LIST_PID" ]; then
    kill -TERM "$LIST_PID" 2>/dev/null || true
    wait "$LIST_PID" 2>/dev/null || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- Build (as bench/run.sh) ------------------------------------------------------------------------------
if [ "$BUILD_COPY" = 1 ]; then
  if [ "$BUILD" != 0 ]; then
    log "packaging a copy of the working tree in $OUT/build (./mvnw -B -q package -DskipTests)"
    rm -rf "$OUT/build"
    mkdir -p "$OUT/build"
    cp -a "$REPO/pom.xml" "$REPO/mvnw" "$REPO/.mvn" "$REPO/src" "$OUT/build/"
    (cd "$OUT/build" && ./mvnw -B -q package -DskipTests)
  fi
  JAR=$OUT/build/target/quarkus-app/quarkus-run.jar
else
  stale=""
  if [ -f "$JAR" ] && [ "$BUILD" = auto ]; then
    stale=$(find "$REPO/src/main" "$REPO/pom.xml" -newer "$JAR" -type f 2>/dev/null | head -n 1)
  fi
  if [ "$BUILD" = 1 ] || { [ "$BUILD" = auto ] && { [ ! -f "$JAR" ] || [ -n "$stale" ]; }; }; then
    if [ -n "$stale" ]; then log "the jar is older than ${stale#"$REPO"/}"; fi
    log "packaging the service (./mvnw -B -q package -DskipTests)"
    (cd "$REPO" && ./mvnw -B -q package -DskipTests)
  fi
fi
[ -f "$JAR" ] || die "no jar at $JAR"
# Run a copy of the application, so that a rebuild in target/ during the benchmark does not change it.
rm -rf "$OUT/import-app"
cp -a "$(dirname "$JAR")" "$OUT/import-app"
RUN_JAR=$OUT/import-app/$(basename "$JAR")

# ---- Data (regenerated only when the parameters change) ---------------------------------------------------
if ! python3 - "$DATA/manifest.json" "$N" "$CHANGE" "$SEED" "$PROBES" <<'PY' 2>/dev/null; then
import json, sys
m = json.load(open(sys.argv[1]))
ok = (m["n"], m["change"], m["seed"], m["probes"]) == (int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]),
                                                        int(sys.argv[5]))
sys.exit(0 if ok else 1)
PY
  log "generating a list of $N entries and a version with $CHANGE changed (seed $SEED)"
  python3 "$BENCH_DIR/gen-list.py" --n "$N" --change "$CHANGE" --probes "$PROBES" --seed "$SEED" --out "$DATA"
else
  log "reusing the lists in $DATA (same parameters)"
fi
PROBE_FILE=$DATA/probes.tsv
manifest() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$DATA/manifest.json" "$1"; }
V2_ADDED=$(manifest v2_added)
V2_REMOVED=$(manifest v2_removed)

free_port() {
  python3 - "$1" <<'PY'
import socket, sys
first = int(sys.argv[1])
for port in range(first, first + 100):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
else:
    sys.exit("no free port in %d-%d" % (first, first + 99))
PY
}

# ---- List server ------------------------------------------------------------------------------------------
list_port=$(free_port "$LIST_PORT")
serve() { # serve v1|v2: the list the server answers at /list.txt from now on
  ln -sfn "$DATA/list-$1.txt" "$SERVE/list.txt"
}
serve v1
python3 "$BENCH_DIR/serve-list.py" --dir "$SERVE" --port "$list_port" >"$RAW/list-server.log" 2>&1 &
LIST_PID=$!
for _ in $(seq 1 50); do
  curl -fsS -o /dev/null -I "http://127.0.0.1:$list_port/list.txt" 2>/dev/null && break
  sleep 0.1
done
curl -fsS -o /dev/null -I "http://127.0.0.1:$list_port/list.txt" || die "the list server did not start"
LIST_URL="http://127.0.0.1:$list_port/list.txt"
log "serving the lists at $LIST_URL (no ETag, no Last-Modified: every run downloads the whole list)"

# ---- Database and service ---------------------------------------------------------------------------------
DB_PORT=$(pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c { print $3 }')
DB_PORT=${DB_PORT:-5432}
PG_LOG=$(pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c { print $7 }')
bench_psql() {
  PGPASSWORD="$BENCH_DB_PASSWORD" psql --no-psqlrc -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$DB_PORT" \
    -U "$BENCH_DB_USER" -d "$BENCH_DB_NAME" -tA "$@"
}
as_postgres() {
  (cd / && su postgres -c "psql --no-psqlrc -X -q -v ON_ERROR_STOP=1 -p $DB_PORT -d postgres -tA $*")
}
checkpoint() {
  as_postgres "-c CHECKPOINT" >/dev/null 2>&1 || true
}
pg_log_offset=0
fresh_database() {
  "$BENCH_DIR/setup-db.sh" --clean 2>&1 | sed 's/^/  /' >&2
  if [ -n "$PG_LOG_MS" ]; then
    as_postgres "-c \"ALTER DATABASE $BENCH_DB_NAME SET log_min_duration_statement = $PG_LOG_MS\"" \
      "-c \"ALTER DATABASE $BENCH_DB_NAME SET log_parameter_max_length = 200\"" >/dev/null
  fi
  checkpoint
  pg_log_offset=$(stat -c %s "$PG_LOG" 2>/dev/null || echo 0)
}
save_pg_log() { # save_pg_log <tag>: the cluster log written since fresh_database
  if [ -n "$PG_LOG_MS" ] && [ -r "$PG_LOG" ]; then
    tail -c +"$((pg_log_offset + 1))" "$PG_LOG" >"$RAW/postgresql-$1.log" || true
  fi
}

port=$(free_port "$PORT")
BASE=http://127.0.0.1:$port
start_service() { # start_service <tag>
  local tag=$1
  SERVICE_LOG=$RAW/service-$tag.log
  # shellcheck disable=SC2086
  DB_URL="postgresql://127.0.0.1:$DB_PORT/$BENCH_DB_NAME" DB_USER="$BENCH_DB_USER" DB_PASSWORD="$BENCH_DB_PASSWORD" \
    DB_POOL_SIZE="$DB_POOL_SIZE" BANLIST_ADMIN_KEY="$ADMIN_KEY" QUARKUS_HTTP_PORT="$port" \
    QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_VERTX_EVENT_LOOPS_POOL_SIZE="$EVENT_LOOPS" \
    BANLIST_SOURCES_ALLOW_PRIVATE_ADDRESSES=true \
    java -Xmx"$XMX" -Xlog:gc:file="$RAW/gc-$tag.log" $JAVA_OPTS -jar "$RUN_JAR" >"$SERVICE_LOG" 2>&1 &
  SERVICE_PID=$!
  local deadline=$((SECONDS + READY_TIMEOUT))
  until curl -fsS -o /dev/null "$BASE/q/health/ready" 2>/dev/null; do
    if ! kill -0 "$SERVICE_PID" 2>/dev/null; then
      tail -n 20 "$SERVICE_LOG" >&2 || true
      SERVICE_PID=""
      die "the service exited during start"
    fi
    [ "$SECONDS" -lt "$deadline" ] || { tail -n 20 "$SERVICE_LOG" >&2; die "not ready after $READY_TIMEOUT s"; }
    sleep 0.5
  done
  local heap
  heap=$(jcmd "$SERVICE_PID" VM.flags 2>/dev/null | tr ' ' '\n' | sed -n 's/^-XX:MaxHeapSize=//p')
  log "service ready on $BASE (pid $SERVICE_PID, max heap $((heap / 1048576)) MiB)"
  MAX_HEAP_MIB=$((heap / 1048576))
}

api() { # api <curl args...>: prints the HTTP status, the body goes to $RAW/last-response.json
  curl -sS -o "$RAW/last-response.json" -w '%{http_code}' -H "X-Api-Key: $ADMIN_KEY" "$@"
}
json_field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$RAW/last-response.json" "$1"; }
SOURCE_ID=""
ENFORCER_KEY=""
create_source() {
  local code
  code=$(api -X POST -H 'Content-Type: application/json' \
    --data "{\"name\":\"bench\",\"url\":\"$LIST_URL\",\"format\":\"plain\",\"interval\":\"1h\",\"enabled\":false}" \
    "$BASE/api/v1/sources")
  [ "$code" = 201 ] || die "POST /api/v1/sources answered $code: $(head -c 300 "$RAW/last-response.json")"
  SOURCE_ID=$(json_field id)
  code=$(api -X POST -H 'Content-Type: application/json' --data '{"name":"bench-enforcer","role":"enforcer"}' \
    "$BASE/api/v1/keys")
  [ "$code" = 201 ] || die "POST /api/v1/keys answered $code: $(head -c 300 "$RAW/last-response.json")"
  ENFORCER_KEY=$(json_field key)
}

# ---- One import run ---------------------------------------------------------------------------------------
declare -A R=()
import_run() { # import_run <tag>: runs an import of the source, fills R (see import-run.py)
  local line kv
  R=()
  line=$(python3 "$BENCH_DIR/import-run.py" --base "$BASE" --key "$ADMIN_KEY" --source "$SOURCE_ID" \
    --log "$SERVICE_LOG" --json "$RAW/run-$1.json" --timeout "$RUN_TIMEOUT") || die "import run $1 failed to run"
  for kv in $line; do R[${kv%%=*}]=${kv#*=}; done
}
# Rows of decisions created, and changed but not created, at or after the run's start (every statement of an
# import sets updated_at), and the totals.
declare -A D=()
row_changes() { # row_changes <started_at>
  local line
  line=$(bench_psql -F ' ' -c "SELECT count(*) FILTER (WHERE created_at >= '$1'),
      count(*) FILTER (WHERE updated_at >= '$1' AND created_at < '$1'), count(*),
      count(*) FILTER (WHERE ended_at IS NULL AND (expires_at IS NULL OR expires_at > now())) FROM decisions")
  read -r D[created] D[changed] D[total] D[active] <<<"$line"
}
wal_lsn() { bench_psql -c 'SELECT pg_current_wal_lsn()'; }
wal_bytes() { bench_psql -c "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$1')::bigint"; }
memory_record() { # memory_record <rep> <part>: peak RSS, heap figures of the GC log, OutOfMemoryError count
  local rss oom heap
  rss=$(awk '/VmHWM/ { print $2 }' "/proc/$SERVICE_PID/status" 2>/dev/null || echo 0)
  oom=$(grep -c 'OutOfMemoryError' "$SERVICE_LOG" || true)
  # "[..][gc] GC(12) Pause Young (Normal) (G1 Evacuation Pause) 150M->40M(256M) 5.1ms": the largest heap
  # occupancy before and after a collection.
  heap=$(python3 - "$RAW/gc-$2-run$1.log" <<'PY'
import re, sys
before = after = 0
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"(\d+)M->(\d+)M\((\d+)M\)", line)
    if m:
        before, after = max(before, int(m.group(1))), max(after, int(m.group(2)))
print(before, after)
PY
)
  printf 'memory\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$rss" "${heap% *}" "${heap#* }" "$oom" >>"$RESULTS"
  log "memory ($2, run $1): peak RSS $((rss / 1024)) MiB, heap at most ${heap% *} MiB before and ${heap#* } MiB after a GC (max $MAX_HEAP_MIB MiB), OutOfMemoryError lines: $oom"
  [ "$oom" = 0 ] || log "WARNING: OutOfMemoryError in $SERVICE_LOG"
}
record_import() { # record_import <rep> <kind> <load1> <wal bytes or ->
  printf 'import\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "${R[status]}" \
    "${R[wall_s]}" "${R[fetch_s]:--}" "${R[apply_s]:--}" "${R[entries]}" "${R[added]}" "${R[removed]}" \
    "${D[created]}" "${D[changed]}" "${D[active]}" "$4" "$3" "${R[error_code]}" "${R[steps_ms]:--}" >>"$RESULTS"
  log "$2 (run $1): ${R[status]} in ${R[wall_s]} s (fetch+parse ${R[fetch_s]:--} s, apply ${R[apply_s]:--} s;" \
    "steps read/staged/removed/added/committed ${R[steps_ms]:--} ms);" \
    "entries ${R[entries]}, added ${R[added]}, removed ${R[removed]}; rows created ${D[created]}, changed" \
    "${D[changed]}, active ${D[active]}; load ${3}${R[error_code]:+; error ${R[error_code]}}"
  if [ "${R[status]}" = failed ]; then
    log "  message: $(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["run"]["message"])' "$RAW/run-$2-run$1.json")"
  fi
}
wrk_check() { # wrk_check <duration> <output>
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$1" -s "$BENCH_DIR/check.lua" "$BASE" -- "$PROBE_FILE" "$ENFORCER_KEY" >"$2" 2>&1
}
record_check() { # record_check <rep> <phase> <wrk output>
  local line kv
  line=$(grep '^BENCH ' "$3") || die "no BENCH line in $3"
  declare -A m=()
  for kv in ${line#BENCH }; do m[${kv%%=*}]=${kv#*=}; done
  printf 'check\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "${m[rps]}" "${m[p50_ms]}" "${m[p90_ms]}" \
    "${m[p99_ms]}" "${m[non2xx]}" "${m[socket_errors]}" >>"$RESULTS"
  log "check $2 (run $1): ${m[rps]} req/s, p50 ${m[p50_ms]} ms, p99 ${m[p99_ms]} ms, non-2xx ${m[non2xx]}, socket errors ${m[socket_errors]}"
}

# ---- Repetitions ------------------------------------------------------------------------------------------
for run in $(seq 1 "$RUNS"); do
  if [ "$PART_A" = 1 ]; then
    # Part A: first import, the same list again, the changed version.
    log "run $run/$RUNS, part A: imports on a fresh database"
    stop_service
    fresh_database
    serve v1
    start_service "a-run$run"
    create_source

    load1=$(cut -d' ' -f1 /proc/loadavg)
    lsn=$(wal_lsn)
    import_run "first-run$run"
    row_changes "${R[started_at]}"
    record_import "$run" first "$load1" "$(wal_bytes "$lsn")"
    if [ "${R[status]}" = success ]; then
      [ "${D[active]}" = "${R[entries]}" ] || die "expected ${R[entries]} active decisions, found ${D[active]}"
    else
      log "WARNING: the first import did not succeed"
    fi

    load1=$(cut -d' ' -f1 /proc/loadavg)
    lsn=$(wal_lsn)
    import_run "same-run$run"
    row_changes "${R[started_at]}"
    record_import "$run" same "$load1" "$(wal_bytes "$lsn")"
    [ "${R[status]}" = unchanged ] || log "WARNING: the same list again ended ${R[status]}, not unchanged"
    [ "${D[created]}" = 0 ] && [ "${D[changed]}" = 0 ] \
      || log "WARNING: the unchanged run wrote rows: ${D[created]} created, ${D[changed]} changed"

    serve v2
    load1=$(cut -d' ' -f1 /proc/loadavg)
    lsn=$(wal_lsn)
    import_run "changed-run$run"
    row_changes "${R[started_at]}"
    record_import "$run" changed "$load1" "$(wal_bytes "$lsn")"
    if [ "${R[status]}" = success ]; then
      [ "${R[added]}" = "$V2_ADDED" ] && [ "${R[removed]}" = "$V2_REMOVED" ] \
        || log "WARNING: expected $V2_ADDED added and $V2_REMOVED removed"
      [ "${D[created]}" = "${R[added]}" ] && [ "${D[changed]}" = "${R[removed]}" ] \
        || log "WARNING: rows written (${D[created]} created, ${D[changed]} changed) differ from the run's counts"
    fi
    memory_record "$run" a
    save_pg_log "a-run$run"
    serve v1
  fi

  [ "$LOAD_TEST" = 1 ] || continue
  # Part B: the first import under check load, then the same load with nothing importing.
  log "run $run/$RUNS, part B: first import while wrk -t$THREADS -c$CONNECTIONS drives GET /api/v1/check${CHECK_DELAY_MS:+ (each connection pausing $CHECK_DELAY_MS ms before each request)}"
  stop_service
  fresh_database
  start_service "b-run$run"
  create_source
  wrk_check "$WARMUP" "$RAW/wrk-warmup-run$run.txt" || die "wrk failed: $(tail -n 5 "$RAW/wrk-warmup-run$run.txt")"
  wrk_check "$DURATION" "$RAW/wrk-idle_empty-run$run.txt" \
    || die "wrk failed: $(tail -n 5 "$RAW/wrk-idle_empty-run$run.txt")"
  record_check "$run" idle_empty "$RAW/wrk-idle_empty-run$run.txt"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${RUN_TIMEOUT}s" -s "$BENCH_DIR/check.lua" "$BASE" -- "$PROBE_FILE" \
    "$ENFORCER_KEY" >"$RAW/wrk-import-run$run.txt" 2>&1 &
  WRK_PID=$!
  sleep 2
  load1=$(cut -d' ' -f1 /proc/loadavg)
  lsn=$(wal_lsn)
  import_run "first_loaded-run$run"
  # wrk stops on SIGINT and reports what it measured until then.
  kill -INT "$WRK_PID" 2>/dev/null || true
  wait "$WRK_PID" || true
  WRK_PID=""
  row_changes "${R[started_at]}"
  record_import "$run" first_loaded "$load1" "$(wal_bytes "$lsn")"
  record_check "$run" import "$RAW/wrk-import-run$run.txt"
  memory_record "$run" b
  # A run that failed (e.g. its apply exceeded the statement timeout under the load) is recorded as such; the
  # check figures during it stand, but there is no applied list to measure idle.
  if [ "${R[status]}" = success ]; then
    bench_psql -c 'VACUUM ANALYZE decisions' >/dev/null
    checkpoint
    wrk_check "$DURATION" "$RAW/wrk-idle_full-run$run.txt" \
      || die "wrk failed: $(tail -n 5 "$RAW/wrk-idle_full-run$run.txt")"
    record_check "$run" idle_full "$RAW/wrk-idle_full-run$run.txt"
  else
    log "WARNING: the import under check load did not succeed; no idle measurement with the list applied"
  fi
  save_pg_log "b-run$run"
done
stop_service

# ---- Report -----------------------------------------------------------------------------------------------
commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$REPO" status --porcelain -- src pom.xml 2>/dev/null)" ]; then
  commit="$commit + uncommitted changes"
fi
command="bench/import.sh"
[ "$N" = 1000000 ] && [ "$CHANGE" = 0.01 ] && [ "$RUNS" = 3 ] && [ "$XMX" = 256m ] && [ -z "$JAVA_OPTS" ] \
  && [ "$LOAD_TEST" = 1 ] && [ "$PART_A" = 1 ] && [ -z "$CHECK_DELAY_MS" ] && [ "$DURATION" = 20s ] \
  && [ "$CONNECTIONS" = 16 ] && [ "$THREADS" = 2 ] && standard=1 || standard=0
[ "$standard" = 1 ] || command="N=$N CHANGE=$CHANGE RUNS=$RUNS XMX=$XMX${JAVA_OPTS:+ JAVA_OPTS='$JAVA_OPTS'} PART_A=$PART_A LOAD_TEST=$LOAD_TEST CONNECTIONS=$CONNECTIONS${CHECK_DELAY_MS:+ CHECK_DELAY_MS=$CHECK_DELAY_MS} THREADS=$THREADS DURATION=$DURATION bench/import.sh"

META_DATE="$(date -u '+%Y-%m-%d %H:%M UTC')" META_COMMIT="$commit" META_CORES="$(nproc)" \
META_CPU="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" \
META_MEMORY="$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)" \
META_OS="$(. /etc/os-release && echo "$PRETTY_NAME")" \
META_JAVA="$(java -version 2>&1 | head -n 1 | tr -d '"')" \
META_POSTGRES="PostgreSQL $(bench_psql -c 'SHOW server_version' | cut -d' ' -f1)" \
META_PG_SETTINGS="$(bench_psql -F '=' -c "SELECT name, current_setting(name) FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'max_wal_size') ORDER BY name" | paste -sd ' ')" \
META_COMMAND="$command" META_RUNS="$RUNS" META_XMX="$XMX" META_JAVA_OPTS="$JAVA_OPTS" \
META_MAX_HEAP_MIB="$MAX_HEAP_MIB" META_THREADS="$THREADS" META_CONNECTIONS="$CONNECTIONS" \
META_WARMUP="$WARMUP" META_DURATION="$DURATION" META_LOAD="$LOAD_AT_START" META_EVENT_LOOPS="$EVENT_LOOPS" \
META_POOL_SIZE="$DB_POOL_SIZE" META_CHECK_DELAY_MS="$CHECK_DELAY_MS" \
python3 - "$DATA/manifest.json" >"$RAW/meta.json" <<'PY'
import json, os, sys
meta = {k[5:].lower(): v for k, v in os.environ.items() if k.startswith("META_")}
meta["data"] = json.load(open(sys.argv[1]))
print(json.dumps(meta, indent=2))
PY

record=()
if [ "$RECORD" = 1 ] || { [ "$RECORD" = auto ] && [ "$standard" = 1 ]; }; then
  record=(--record "$BENCH_DIR/RESULTS.md")
fi
echo
python3 "$BENCH_DIR/import-report.py" --results "$RESULTS" --meta "$RAW/meta.json" "${record[@]}" | tee "$RAW/summary.md"
if [ "${#record[@]}" -eq 0 ]; then
  log "not recorded in bench/RESULTS.md (non-standard parameters or RECORD=0; RECORD=1 forces it)"
fi

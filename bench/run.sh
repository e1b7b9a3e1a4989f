#!/usr/bin/env bash
# Banlist benchmark: bulk add (POST in batches) and GET /api/v1/check under wrk. See bench/README.md.
#
# Full run (the figures of bench/RESULTS.md):   bench/run.sh
# Quick smoke run (not recorded):               N=20000 DURATION=3s WARMUP=1s RUNS=1 bench/run.sh
#
# Needs root (it starts PostgreSQL and creates the database through bench/setup-db.sh), java, curl, psql,
# python3 and wrk. Everything it writes goes to bench/out/ (or $OUT); the service is stopped on exit.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)

# ---- Parameters (environment) ---------------------------------------------------------------------------
N=${N:-100000}                       # decisions loaded
BATCH=${BATCH:-10000}                # decisions per POST
RUNS=${RUNS:-3}                      # runs of each measurement; the median is reported
DURATION=${DURATION:-20s}            # each wrk run
WARMUP=${WARMUP:-15s}                # wrk warm-up before the runs at each connection count (JIT settles)
BULK_WARMUP=${BULK_WARMUP:-1}        # 1 = one unmeasured bulk pass before the measured ones, 0 = none
BULK_CLIENTS=${BULK_CLIENTS:-2}      # concurrent curl clients of the second bulk variant (the first uses 1)
CONNECTIONS=${CONNECTIONS:-"16 64"}  # wrk -c values
THREADS=${THREADS:-2}                # wrk -t
PROBES=${PROBES:-10000}              # distinct addresses the check benchmark cycles through
SEED=${SEED:-42}                     # generator seed
PORT=${PORT:-18080}                  # first port tried for the service (the next free one is used)
RECORD=${RECORD:-auto}               # write bench/RESULTS.md: auto = only with the standard parameters, 1, 0
BUILD=${BUILD:-auto}                 # auto = package the jar if missing or older than src/main or pom.xml,
                                     # 1 = always, 0 = never
BUILD_COPY=${BUILD_COPY:-0}          # 1 = package a copy of the working tree under $OUT/build, not in target/
JAR=${JAR:-$REPO/target/quarkus-app/quarkus-run.jar}
JAVA_OPTS=${JAVA_OPTS:-}
DB_POOL_SIZE=${DB_POOL_SIZE:-20}     # the service's reactive pool size (its default)
EVENT_LOOPS=${EVENT_LOOPS:-$(nproc)} # Vert.x event loops: one per core, as wrk and PostgreSQL share the cores
READY_TIMEOUT=${READY_TIMEOUT:-120}  # seconds to wait for /q/health/ready
OUT=${OUT:-$BENCH_DIR/out}
PG_VERSION=${PG_VERSION:-15}
PG_CLUSTER=${PG_CLUSTER:-main}
export BENCH_DB_NAME=${BENCH_DB_NAME:-banlist_bench}
export BENCH_DB_USER=${BENCH_DB_USER:-banlist_bench}
export BENCH_DB_PASSWORD=${BENCH_DB_PASSWORD:-banlist_bench}
ADMIN_KEY=${BENCH_ADMIN_KEY:-bench-admin-key-$(date +%s)-$$}

log() { printf '%s run.sh: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for tool in java curl psql python3 wrk pg_lsclusters; do
  command -v "$tool" >/dev/null || die "$tool not found (wrk: apt-get install -y wrk)"
done
[ "$N" -ge 1 ] && [ "$BATCH" -ge 1 ] && [ "$RUNS" -ge 1 ] && [ "$BULK_CLIENTS" -ge 1 ] \
  || die "N, BATCH, RUNS and BULK_CLIENTS must be positive"
[ "${#ADMIN_KEY}" -ge 16 ] || die "BENCH_ADMIN_KEY must have at least 16 characters"

# Other work on the machine skews every figure: the load average at the start goes into the report.
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$OUT"
DATA=$OUT/data
RESULTS=$OUT/results.tsv
: >"$RESULTS"

SERVICE_PID=""
WORKER_PIDS=()
cleanup() {
  local rc=$?
  local pid
  for pid in "${WORKER_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  if [ -n "$SERVICE_PID" ] && kill -0 "$SERVICE_PID" 2>/dev/null; then
    log "stopping the service (pid $SERVICE_PID)"
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
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- Build ------------------------------------------------------------------------------------------------
if [ "$BUILD_COPY" = 1 ]; then
  # Package a snapshot of the working tree under $OUT/build: leaves the repository's target/ alone (for
  # when someone else is building or testing in it at the same time).
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
rm -rf "$OUT/app"
cp -a "$(dirname "$JAR")" "$OUT/app"
RUN_JAR=$OUT/app/$(basename "$JAR")

# ---- Data -------------------------------------------------------------------------------------------------
log "generating $N decisions in batches of $BATCH and $PROBES probes (seed $SEED)"
python3 "$BENCH_DIR/gen-decisions.py" --n "$N" --batch "$BATCH" --probes "$PROBES" --seed "$SEED" --out "$DATA"
BATCH_FILES=("$DATA"/batch-*.json)
PROBE_FILE=$DATA/probes.tsv

# ---- Database (clean) -------------------------------------------------------------------------------------
"$BENCH_DIR/setup-db.sh" --clean
DB_PORT=$(pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c { print $3 }')
DB_PORT=${DB_PORT:-5432}

bench_psql() {
  PGPASSWORD="$BENCH_DB_PASSWORD" psql --no-psqlrc -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$DB_PORT" \
    -U "$BENCH_DB_USER" -d "$BENCH_DB_NAME" -tA "$@"
}
checkpoint() {
  # Flush dirty pages left by the previous step so that they are not written during the next measurement.
  (cd /tmp && su postgres -c "psql --no-psqlrc -X -q -p $DB_PORT -d postgres -c CHECKPOINT") >/dev/null 2>&1 || true
}

# ---- Service ----------------------------------------------------------------------------------------------
port=$(python3 - "$PORT" <<'PY'
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
)
BASE=http://127.0.0.1:$port
log "starting the service on $BASE (log: $OUT/service.log)"
# shellcheck disable=SC2086
DB_URL="postgresql://127.0.0.1:$DB_PORT/$BENCH_DB_NAME" DB_USER="$BENCH_DB_USER" DB_PASSWORD="$BENCH_DB_PASSWORD" \
  DB_POOL_SIZE="$DB_POOL_SIZE" BANLIST_ADMIN_KEY="$ADMIN_KEY" QUARKUS_HTTP_PORT="$port" QUARKUS_HTTP_HOST=127.0.0.1 \
  QUARKUS_VERTX_EVENT_LOOPS_POOL_SIZE="$EVENT_LOOPS" \
  java $JAVA_OPTS -jar "$RUN_JAR" >"$OUT/service.log" 2>&1 &
SERVICE_PID=$!

deadline=$((SECONDS + READY_TIMEOUT))
until curl -fsS -o /dev/null "$BASE/q/health/ready" 2>/dev/null; do
  if ! kill -0 "$SERVICE_PID" 2>/dev/null; then
    tail -n 20 "$OUT/service.log" >&2 || true
    SERVICE_PID=""
    die "the service exited during start"
  fi
  [ "$SECONDS" -lt "$deadline" ] || { tail -n 20 "$OUT/service.log" >&2; die "not ready after $READY_TIMEOUT s"; }
  sleep 0.5
done
log "service ready"

api() { # api <curl args...>: prints the HTTP status, the body goes to $OUT/last-response.json
  curl -sS -o "$OUT/last-response.json" -w '%{http_code}' -H "X-Api-Key: $ADMIN_KEY" "$@"
}
code=$(api "$BASE/api/v1/check?ip=192.0.2.1")
[ "$code" = 200 ] || die "check with the bench key answered $code: $(head -c 300 "$OUT/last-response.json")"

# ---- Bulk add ---------------------------------------------------------------------------------------------
now() { date +%s.%N; }
post_batches() {
  local f code
  for f in "${BATCH_FILES[@]}"; do
    code=$(api -X POST -H 'Content-Type: application/json' --data-binary @"$f" "$BASE/api/v1/decisions")
    [ "$code" = 201 ] || die "POST $(basename "$f") answered $code: $(head -c 500 "$OUT/last-response.json")"
  done
}
# A fresh JVM runs the first batches several times slower (class loading, JIT): one unmeasured pass first.
if [ "$BULK_WARMUP" = 1 ]; then
  log "bulk warm-up: one unmeasured pass of the $N decisions"
  bench_psql -c 'TRUNCATE decisions RESTART IDENTITY' >/dev/null
  post_batches
fi
# Concurrent variant: the batch files split round-robin across BULK_CLIENTS background workers, each POSTing its
# share one after the other. Each worker writes its own status file ("ok <batches>" or "FAIL ..."), checked after
# the wait; a worker that ends without one (killed, curl error under set -e) fails the run too.
bulk_worker() { # bulk_worker <index>: POSTs the batch files i with i % BULK_CLIENTS == index
  local idx=$1 status=$OUT/bulk-worker-$1.status resp=$OUT/bulk-worker-$1-response.json
  local i f code sent=0
  trap - EXIT INT TERM
  for i in "${!BATCH_FILES[@]}"; do
    [ $((i % BULK_CLIENTS)) = "$idx" ] || continue
    f=${BATCH_FILES[$i]}
    code=$(curl -sS -o "$resp" -w '%{http_code}' -H "X-Api-Key: $ADMIN_KEY" -X POST \
      -H 'Content-Type: application/json' --data-binary @"$f" "$BASE/api/v1/decisions") || true
    if [ "$code" != 201 ]; then
      printf 'FAIL POST %s answered %s: %s\n' "$(basename "$f")" "${code:-none}" \
        "$(head -c 500 "$resp" 2>/dev/null | tr '\n' ' ')" >"$status"
      exit 1
    fi
    sent=$((sent + 1))
  done
  printf 'ok %s\n' "$sent" >"$status"
}
BULK_END=""
post_batches_concurrent() { # sets BULK_END to the time the last worker finished
  local w pid failed=0 status
  for w in $(seq 0 $((BULK_CLIENTS - 1))); do
    rm -f "$OUT/bulk-worker-$w.status"
  done
  WORKER_PIDS=()
  for w in $(seq 0 $((BULK_CLIENTS - 1))); do
    bulk_worker "$w" &
    WORKER_PIDS+=("$!")
  done
  for pid in "${WORKER_PIDS[@]}"; do
    wait "$pid" || failed=1
  done
  BULK_END=$(now) # the last worker has finished; the status checks below are not timed
  WORKER_PIDS=()
  for w in $(seq 0 $((BULK_CLIENTS - 1))); do
    status=$OUT/bulk-worker-$w.status
    if [ ! -f "$status" ]; then
      log "bulk worker $w ended without a status"
      failed=1
    elif [ "$(cut -d' ' -f1 "$status")" != ok ]; then
      log "bulk worker $w: $(cat "$status")"
      failed=1
    fi
  done
  [ "$failed" = 0 ] || die "concurrent bulk add with $BULK_CLIENTS clients failed"
}
[ "$BULK_CLIENTS" -le "${#BATCH_FILES[@]}" ] \
  || log "warning: BULK_CLIENTS=$BULK_CLIENTS but only ${#BATCH_FILES[@]} batch files: some clients stay idle"
for run in $(seq 1 "$RUNS"); do
  bench_psql -c 'TRUNCATE decisions RESTART IDENTITY' >/dev/null
  checkpoint
  start=$(now)
  post_batches
  end=$(now)
  active=$(bench_psql -c "SELECT count(*) FROM decisions WHERE ended_at IS NULL AND (expires_at IS NULL OR expires_at > now())")
  [ "$active" = "$N" ] || die "expected $N active decisions after the load, found $active"
  read -r secs rate < <(python3 -c "import sys; s = float(sys.argv[2]) - float(sys.argv[1]); print('%.3f %.1f' % (s, int(sys.argv[3]) / s))" "$start" "$end" "$N")
  printf 'bulk\t%s\t%s\t%s\t%s\n' "$run" "$N" "$secs" "$rate" >>"$RESULTS"
  log "bulk run $run/$RUNS: $N decisions in ${secs} s = $rate decisions/s"

  bench_psql -c 'TRUNCATE decisions RESTART IDENTITY' >/dev/null
  checkpoint
  start=$(now)
  post_batches_concurrent
  end=$BULK_END
  active=$(bench_psql -c "SELECT count(*) FROM decisions WHERE ended_at IS NULL AND (expires_at IS NULL OR expires_at > now())")
  [ "$active" = "$N" ] || die "expected $N active decisions after the concurrent load, found $active"
  read -r secs rate < <(python3 -c "import sys; s = float(sys.argv[2]) - float(sys.argv[1]); print('%.3f %.1f' % (s, int(sys.argv[3]) / s))" "$start" "$end" "$N")
  printf 'bulk_c%s\t%s\t%s\t%s\t%s\n' "$BULK_CLIENTS" "$run" "$N" "$secs" "$rate" >>"$RESULTS"
  log "bulk run $run/$RUNS with $BULK_CLIENTS concurrent clients: $N decisions in ${secs} s = $rate decisions/s"
done

# ---- Check ------------------------------------------------------------------------------------------------
# The last bulk run (the concurrent variant) left all N decisions active. Statistics as autovacuum would leave
# them in steady state.
bench_psql -c 'VACUUM ANALYZE decisions' >/dev/null
checkpoint

# The probes must answer as the generator expects, or the check benchmark measures the wrong thing.
python3 - "$BASE" "$ADMIN_KEY" "$PROBE_FILE" <<'PY' || die "probe verification failed"
import json, sys, urllib.parse, urllib.request
base, key, path = sys.argv[1:4]
with open(path) as f:
    probes = [line.split("\t") for line in f.read().splitlines()][:400]
wrong = []
for ip, expected in probes:
    req = urllib.request.Request(base + "/api/v1/check?ip=" + urllib.parse.quote(ip), headers={"X-Api-Key": key})
    with urllib.request.urlopen(req, timeout=10) as r:
        body = json.load(r)
    if body["banned"] != (expected == "true"):
        wrong.append((ip, expected, body["banned"]))
print("probe check: %d of %d as expected" % (len(probes) - len(wrong), len(probes)), file=sys.stderr)
for w in wrong[:10]:
    print("  %s expected banned=%s, got %s" % w, file=sys.stderr)
sys.exit(1 if wrong else 0)
PY

for c in $CONNECTIONS; do
  log "check: warm-up wrk -t$THREADS -c$c -d$WARMUP"
  wrk -t"$THREADS" -c"$c" -d"$WARMUP" -s "$BENCH_DIR/check.lua" "$BASE" -- "$PROBE_FILE" "$ADMIN_KEY" \
    >"$OUT/wrk-c$c-warmup.txt" 2>&1 || die "wrk failed: $(tail -n 5 "$OUT/wrk-c$c-warmup.txt")"
  for run in $(seq 1 "$RUNS"); do
    wrk -t"$THREADS" -c"$c" -d"$DURATION" -s "$BENCH_DIR/check.lua" "$BASE" -- "$PROBE_FILE" "$ADMIN_KEY" \
      >"$OUT/wrk-c$c-run$run.txt" 2>&1 || die "wrk failed: $(tail -n 5 "$OUT/wrk-c$c-run$run.txt")"
    line=$(grep '^BENCH ' "$OUT/wrk-c$c-run$run.txt") || die "no BENCH line in $OUT/wrk-c$c-run$run.txt"
    declare -A m=()
    for kv in ${line#BENCH }; do m[${kv%%=*}]=${kv#*=}; done
    printf 'check\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$run" "${m[rps]}" "${m[p50_ms]}" "${m[p90_ms]}" \
      "${m[p99_ms]}" "${m[non2xx]}" "${m[socket_errors]}" >>"$RESULTS"
    log "check c=$c run $run/$RUNS: ${m[rps]} req/s, p50 ${m[p50_ms]} ms, p99 ${m[p99_ms]} ms, non-2xx ${m[non2xx]}, socket errors ${m[socket_errors]}"
    unset m
  done
done

# ---- Report -----------------------------------------------------------------------------------------------
commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$REPO" status --porcelain -- src pom.xml 2>/dev/null)" ]; then
  commit="$commit + uncommitted changes"
fi
command="bench/run.sh"
[ "$N" = 100000 ] && [ "$BATCH" = 10000 ] && [ "$RUNS" = 3 ] && [ "$DURATION" = 20s ] && [ "$CONNECTIONS" = "16 64" ] \
  && [ "$THREADS" = 2 ] && [ "$BULK_CLIENTS" = 2 ] && standard=1 || standard=0
[ "$standard" = 1 ] || command="N=$N BATCH=$BATCH RUNS=$RUNS BULK_CLIENTS=$BULK_CLIENTS DURATION=$DURATION WARMUP=$WARMUP CONNECTIONS='$CONNECTIONS' THREADS=$THREADS bench/run.sh"

META_DATE="$(date -u '+%Y-%m-%d %H:%M UTC')" META_COMMIT="$commit" META_CORES="$(nproc)" \
META_CPU="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" \
META_MEMORY="$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)" \
META_OS="$(. /etc/os-release && echo "$PRETTY_NAME")" \
META_JAVA="$(java -version 2>&1 | head -n 1 | tr -d '"')" \
META_POSTGRES="PostgreSQL $(bench_psql -c 'SHOW server_version' | cut -d' ' -f1)" \
META_COMMAND="$command" META_N="$N" META_BATCH="$BATCH" META_BATCHES="${#BATCH_FILES[@]}" META_RUNS="$RUNS" \
META_DURATION="$DURATION" META_WARMUP="$WARMUP" META_THREADS="$THREADS" META_PROBES="$PROBES" META_SEED="$SEED" \
META_POOL_SIZE="$DB_POOL_SIZE" META_PORT="$port" META_BULK_WARMUP="$BULK_WARMUP" META_LOAD="$LOAD_AT_START" \
META_BULK_CLIENTS="$BULK_CLIENTS" META_EVENT_LOOPS="$EVENT_LOOPS" \
python3 - "$DATA/manifest.json" >"$OUT/meta.json" <<'PY'
import json, os, sys
meta = {k[5:].lower(): v for k, v in os.environ.items() if k.startswith("META_")}
counts = json.load(open(sys.argv[1]))["counts"]
names = {"v4": "IPv4 addresses", "v4net": "IPv4 networks /16-/30", "v6": "IPv6 addresses",
         "v6net": "IPv6 networks /32-/64"}
meta["mix"] = ", ".join("%d %s" % (counts[k], names[k]) for k in ("v4", "v4net", "v6", "v6net"))
print(json.dumps(meta, indent=2))
PY

record=()
if [ "$RECORD" = 1 ] || { [ "$RECORD" = auto ] && [ "$standard" = 1 ]; }; then
  record=(--record "$BENCH_DIR/RESULTS.md")
fi
echo
python3 "$BENCH_DIR/report.py" --results "$RESULTS" --meta "$OUT/meta.json" "${record[@]}" | tee "$OUT/summary.md"
if [ "${#record[@]}" -eq 0 ]; then
  log "not recorded in bench/RESULTS.md (non-standard parameters or RECORD=0; RECORD=1 forces it)"
fi

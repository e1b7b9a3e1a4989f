#!/usr/bin/env bash
# Enforcer distribution benchmark: checks from the in-memory index, the CrowdSec-compatible lookup side by side with
# CrowdSec's Local API 1.4.6 (Debian) loaded with the same decisions, stream snapshots, empty deltas and an
# aggregated export. See bench/README.md.
#
# Full run (the figures of bench/RESULTS.md):   bench/distribution.sh
# Quick smoke run (not recorded):               N=50000 DURATION=3s WARMUP=1s RUNS=1 bench/distribution.sh
#
# Needs root (PostgreSQL setup, apt-get download of crowdsec), java, curl, psql, python3, jcmd and wrk. Everything
# it writes goes to bench/out-distribution/ (or $OUT); the service and CrowdSec are stopped on exit.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)

# ---- Parameters (environment) ---------------------------------------------------------------------------
N=${N:-1000000}                      # active decisions (mix: 70% IPv4 hosts, 10% IPv4 nets, 15% IPv6 hosts, 5% IPv6 nets)
BATCH=${BATCH:-5000}                 # decisions per POST while loading (10,000 can meet the 3 s write timeout on a busy 2-core machine)
RUNS=${RUNS:-3}                      # runs of each measurement; the median is reported
DURATION=${DURATION:-20s}            # each wrk run
WARMUP=${WARMUP:-10s}                # wrk warm-up before each series (JIT settles)
CONNECTIONS=${CONNECTIONS:-64}       # wrk -c of the lookup runs (one command for both services)
THREADS=${THREADS:-2}                # wrk -t
PROBES=${PROBES:-10000}              # distinct probe addresses (half banned, half not)
SEED=${SEED:-42}
PORT=${PORT:-18080}                  # Banlist
CS_PORT=${CS_PORT:-18090}            # CrowdSec LAPI
CROWDSEC=${CROWDSEC:-1}              # 0 = skip the CrowdSec side
JAVA_OPTS=${JAVA_OPTS:--Xmx1g}
EVENT_LOOPS=${EVENT_LOOPS:-$(nproc)}
READY_TIMEOUT=${READY_TIMEOUT:-300}
RECORD=${RECORD:-auto}               # write bench/RESULTS.md: auto = only with the standard parameters, 1, 0
BUILD=${BUILD:-auto}                 # auto = package if the jar is missing or older than src/main or pom.xml
JAR=${JAR:-$REPO/target/quarkus-app/quarkus-run.jar}
OUT=${OUT:-$BENCH_DIR/out-distribution}
PG_VERSION=${PG_VERSION:-15}
PG_CLUSTER=${PG_CLUSTER:-main}
export BENCH_DB_NAME=${BENCH_DB_NAME:-banlist_bench}
export BENCH_DB_USER=${BENCH_DB_USER:-banlist_bench}
export BENCH_DB_PASSWORD=${BENCH_DB_PASSWORD:-banlist_bench}
ADMIN_KEY=${BENCH_ADMIN_KEY:-bench-admin-key-$(date +%s)-$$}

log() { printf '%s distribution.sh: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for tool in java jcmd curl psql python3 wrk pg_lsclusters; do
  command -v "$tool" >/dev/null || die "$tool not found (wrk: apt-get install -y wrk)"
done
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$OUT"
DATA=$OUT/data
RESULTS=$OUT/results.tsv
: >"$RESULTS"
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS"; }   # measurement, run, value

SERVICE_PID=""
CS_PID=""
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
  stop_pid "$SERVICE_PID"
  stop_pid "$CS_PID"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- Build and data ---------------------------------------------------------------------------------------
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
    sys.exit("no free port from %d" % first)
PY
}

# Runs wrk with check.lua against BASE with CHECK_PATH; prints the BENCH line of each measured run.
lookup_series() {   # name base path key
  local name=$1 base=$2 path=$3 key=$4
  CHECK_PATH=$path wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$BENCH_DIR/check.lua" "$base" -- "$PROBE_FILE" "$key" \
    >"$OUT/$name-warmup.txt" 2>&1 || true
  for run in $(seq 1 "$RUNS"); do
    CHECK_PATH=$path wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$BENCH_DIR/check.lua" "$base" \
      -- "$PROBE_FILE" "$key" >"$OUT/$name-$run.txt" 2>&1
    local line
    line=$(grep '^BENCH ' "$OUT/$name-$run.txt" || true)
    [ -n "$line" ] || die "wrk printed no result for $name (see $OUT/$name-$run.txt)"
    log "$name run $run: $line"
    record "$name" "$run" "$line"
  done
}

# Time (s) and size (bytes) of one GET, body discarded.
timed_get() {   # url key
  curl -sS -o /dev/null -w '%{time_total} %{size_download} %{http_code}' -H "X-Api-Key: $2" "$1"
}

# ---- Banlist ----------------------------------------------------------------------------------------------
"$BENCH_DIR/setup-db.sh" --clean
DB_PORT=$(pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c { print $3 }')
DB_PORT=${DB_PORT:-5432}
port=$(free_port "$PORT")
BASE=http://127.0.0.1:$port
log "starting Banlist on $BASE ($JAVA_OPTS; log: $OUT/service.log)"
# shellcheck disable=SC2086
DB_URL="postgresql://127.0.0.1:$DB_PORT/$BENCH_DB_NAME" DB_USER="$BENCH_DB_USER" DB_PASSWORD="$BENCH_DB_PASSWORD" \
  BANLIST_ADMIN_KEY="$ADMIN_KEY" QUARKUS_HTTP_PORT="$port" QUARKUS_HTTP_HOST=127.0.0.1 \
  QUARKUS_VERTX_EVENT_LOOPS_POOL_SIZE="$EVENT_LOOPS" \
  java $JAVA_OPTS -jar "$RUN_JAR" >"$OUT/service.log" 2>&1 &
SERVICE_PID=$!
deadline=$((SECONDS + READY_TIMEOUT))
until curl -fsS -o /dev/null "$BASE/q/health/ready" 2>/dev/null; do
  kill -0 "$SERVICE_PID" 2>/dev/null || { tail -n 20 "$OUT/service.log" >&2; SERVICE_PID=""; die "Banlist exited"; }
  [ "$SECONDS" -lt "$deadline" ] || die "Banlist not ready after $READY_TIMEOUT s"
  sleep 0.5
done

log "loading $N decisions through POST /api/v1/decisions"
load_start=$(date +%s.%N)
for f in "$DATA"/batch-*.json; do
  # A 503 is retryable by contract (DATABASE_BUSY or DATABASE_TIMEOUT): a well-behaved agent tries again.
  for attempt in 1 2 3 4 5; do
    code=$(curl -sS -o "$OUT/last-response.json" -w '%{http_code}' -H "X-Api-Key: $ADMIN_KEY" \
      -H 'Content-Type: application/json' --data-binary "@$f" "$BASE/api/v1/decisions")
    [ "$code" = 503 ] || break
    log "loading $f answered 503 ($(head -c 120 "$OUT/last-response.json")); retrying"
    record load_retry "$attempt" "$f"
    sleep 1
  done
  [ "$code" = 201 ] || die "loading $f answered $code: $(head -c 300 "$OUT/last-response.json")"
done
load_end=$(date +%s.%N)
log "loaded in $(python3 -c "print(round($load_end - $load_start, 1))") s"
ENFORCER_KEY=$(curl -fsS -H "X-Api-Key: $ADMIN_KEY" -H 'Content-Type: application/json' \
  -d '{"name":"bench-enforcer","role":"enforcer"}' "$BASE/api/v1/keys" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
sleep 3   # the key registry reloads every 2 s
metric() { curl -fsS "$BASE/q/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
entries=$(metric banlist_index_entries)
log "index entries: $entries"
record index_entries 1 "$entries"

lookup_series check "$BASE" "/api/v1/check?ip=" "$ENFORCER_KEY"
lookup_series banlist_decisions "$BASE" "/v1/decisions?ip=" "$ENFORCER_KEY"

heap_used() {
  # The value is the last field: the pool names in the labels contain spaces ("G1 Eden Space").
  curl -fsS "$BASE/q/metrics" | awk '/^jvm_memory_used_bytes\{area="heap"/ { s += $NF } END { printf "%d\n", s }'
}
# Runs the GET while sampling the heap every 100 ms; records time, size and the heap growth above the baseline
# taken right after a full GC.
snapshot_series() {   # name url
  local name=$1 url=$2
  for run in $(seq 1 "$RUNS"); do
    jcmd "$SERVICE_PID" GC.run >/dev/null 2>&1 || true
    sleep 1
    local base peak result sampler
    base=$(heap_used)
    : >"$OUT/$name-heap-$run.txt"
    ( while true; do heap_used >>"$OUT/$name-heap-$run.txt" 2>/dev/null || true; sleep 0.1; done ) &
    sampler=$!
    result=$(timed_get "$url" "$ENFORCER_KEY")
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    peak=$(sort -n "$OUT/$name-heap-$run.txt" | tail -n 1)
    local growth=$(( (${peak:-$base} - base) / 1048576 ))
    log "$name run $run: time size code = $result; heap growth $growth MiB"
    record "$name" "$run" "$result heap_growth_mib=$growth"
  done
}
snapshot_series stream_snapshot "$BASE/api/v1/stream"
snapshot_series banlist_startup "$BASE/v1/decisions/stream?startup=true"

# The cursor comes first in a snapshot: read its beginning only (curl then stops with a write error, expected).
head_of_snapshot=$(curl -sS -H "X-Api-Key: $ENFORCER_KEY" "$BASE/api/v1/stream" 2>/dev/null | head -c 400 || true)
cursor=$(printf '%s' "$head_of_snapshot" \
  | python3 -c 'import re,sys; print(re.search(r"\"cursor\":\"([^\"]+)\"", sys.stdin.read()).group(1))')
for run in $(seq 1 "$RUNS"); do
  wrk -t1 -c1 -d"$DURATION" --latency -H "X-Api-Key: $ENFORCER_KEY" "$BASE/api/v1/stream?since=$cursor" \
    >"$OUT/empty-delta-$run.txt" 2>&1
  p50=$(awk '$1 == "50%" { print $2 }' "$OUT/empty-delta-$run.txt")
  log "empty delta run $run: p50 $p50"
  record empty_delta "$run" "p50=$p50"
done
for run in $(seq 1 "$RUNS"); do
  result=$(timed_get "$BASE/api/v1/export?format=plain&aggregate=true" "$ENFORCER_KEY")
  log "aggregated export run $run: $result"
  record export_aggregated "$run" "$result"
done
stop_pid "$SERVICE_PID"
SERVICE_PID=""

# ---- CrowdSec LAPI 1.4.6 (Debian), SQLite, the same decisions ----------------------------------------------
if [ "$CROWDSEC" = 1 ]; then
  CS=$OUT/crowdsec
  rm -rf "$CS"
  mkdir -p "$CS/pkg" "$CS/data" "$CS/hub"
  # The binaries only: the package's setup registers with CrowdSec's online API, which is unreachable here.
  (cd "$CS/pkg" && apt-get download crowdsec >/dev/null 2>&1) || die "apt-get download crowdsec failed"
  dpkg-deb -x "$CS"/pkg/crowdsec_*.deb "$CS/root"
  CS_VERSION=$(dpkg-deb -f "$CS"/pkg/crowdsec_*.deb Version)
  cp "$CS/root/etc/crowdsec/profiles.yaml" "$CS/root/etc/crowdsec/simulation.yaml" "$CS/"
  cat >"$CS/config.yaml" <<EOF
common:
  daemonize: false
  log_media: stdout
  log_level: warning
  working_dir: .
config_paths:
  config_dir: $CS/
  data_dir: $CS/data/
  simulation_path: $CS/simulation.yaml
  hub_dir: $CS/hub/
  index_path: $CS/hub/.index.json
  notification_dir: $CS/notifications/
  plugin_dir: $CS/plugins/
crowdsec_service:
  acquisition_path: $CS/acquis.yaml
cscli:
  output: human
db_config:
  log_level: warning
  type: sqlite
  db_path: $CS/data/crowdsec.db
  flush:
    max_items: 5000000
    max_age: 7d
api:
  client:
    credentials_path: $CS/local_api_credentials.yaml
  server:
    log_level: warning
    listen_uri: 127.0.0.1:$CS_PORT
    profiles_path: $CS/profiles.yaml
    trusted_ips:
      - 127.0.0.1
prometheus:
  enabled: false
EOF
  printf 'url: http://127.0.0.1:%s/\nlogin: bench\npassword: bench\n' "$CS_PORT" >"$CS/local_api_credentials.yaml"
  CSCLI=("$CS/root/usr/bin/cscli" -c "$CS/config.yaml")
  "$CS/root/usr/bin/crowdsec" -c "$CS/config.yaml" -no-cs >"$OUT/crowdsec.log" 2>&1 &
  CS_PID=$!
  until curl -sS -o /dev/null "http://127.0.0.1:$CS_PORT/v1/decisions" 2>/dev/null; do
    kill -0 "$CS_PID" 2>/dev/null || { tail -n 20 "$OUT/crowdsec.log" >&2; CS_PID=""; die "CrowdSec exited"; }
    sleep 0.5
  done
  "${CSCLI[@]}" machines add bench --password bench --force >/dev/null 2>&1 || true
  CS_KEY=$("${CSCLI[@]}" bouncers add bench-bouncer -o raw)
  python3 - "$DATA" "$CS/decisions.csv" <<'PY'
import csv, glob, json, sys
with open(sys.argv[2], "w", newline="") as out:
    w = csv.writer(out)
    w.writerow(["duration", "scope", "value", "reason", "type"])
    for f in sorted(glob.glob(sys.argv[1] + "/batch-*.json")):
        for d in json.load(open(f)):
            w.writerow([d["duration"], "Range" if "/" in d["value"] else "Ip", d["value"], d["reason"], "ban"])
PY
  log "importing $N decisions into CrowdSec $CS_VERSION (cscli decisions import)"
  cs_start=$(date +%s.%N)
  "${CSCLI[@]}" decisions import -i "$CS/decisions.csv" >"$OUT/crowdsec-import.log" 2>&1
  cs_end=$(date +%s.%N)
  record crowdsec_import 1 "$(python3 -c "print(round($cs_end - $cs_start, 1))")"
  lookup_series crowdsec_decisions "http://127.0.0.1:$CS_PORT" "/v1/decisions?ip=" "$CS_KEY"
  for run in $(seq 1 "$RUNS"); do
    result=$(timed_get "http://127.0.0.1:$CS_PORT/v1/decisions/stream?startup=true" "$CS_KEY")
    log "crowdsec startup stream run $run: $result"
    record crowdsec_startup "$run" "$result"
    result=$(timed_get "http://127.0.0.1:$CS_PORT/v1/decisions/stream" "$CS_KEY")
    record crowdsec_empty_delta "$run" "$result"
  done
  stop_pid "$CS_PID"
  CS_PID=""
fi

# ---- Report -----------------------------------------------------------------------------------------------
STANDARD=0
if [ "$N" = 1000000 ] && [ "$RUNS" = 3 ] && [ "$DURATION" = 20s ] && [ "$CONNECTIONS" = 64 ] && [ "$CROWDSEC" = 1 ]; then
  STANDARD=1
fi
python3 "$BENCH_DIR/distribution-report.py" "$RESULTS" "$N" "$CONNECTIONS" "$THREADS" "$DURATION" "$LOAD_AT_START" \
  "${CS_VERSION:-}" >"$OUT/report.md"
cat "$OUT/report.md"
if [ "$RECORD" = 1 ] || { [ "$RECORD" = auto ] && [ "$STANDARD" = 1 ]; }; then
  python3 - "$BENCH_DIR/RESULTS.md" "$OUT/report.md" <<'PY'
import sys
results, report = sys.argv[1], open(sys.argv[2]).read()
text = open(results).read()
start, end = "<!-- distribution:start -->", "<!-- distribution:end -->"
block = start + "\n" + report.strip() + "\n" + end
if start in text:
    text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
else:
    text = text.rstrip() + "\n\n" + block + "\n"
open(results, "w").write(text)
PY
  log "recorded in bench/RESULTS.md"
fi

#!/usr/bin/env bash
# The CrowdSec bouncer lookup (GET /v1/decisions?ip=) against the check (GET /api/v1/check?ip=), both answered from
# the same in-memory index, in one run and interleaved, so that a busy machine disturbs both alike. Prints a
# markdown table of the medians (requests/s and p99 per endpoint, for banned and for clean addresses).
#
#   bench/lookup.sh                                     100,000 decisions, wrk -t2 -c64, 3 runs of 10 s each
#   N=20000 DURATION=3s WARMUP=2s RUNS=1 bench/lookup.sh   smoke run (~1 min)
#   JAR=/path/to/quarkus-app/quarkus-run.jar bench/lookup.sh  another build (e.g. the one before a change)
#
# Needs root (PostgreSQL setup), java, curl, python3 and wrk (apt-get install -y wrk). Writes to
# bench/out-lookup/ (or $OUT); the service is stopped on exit.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)

N=${N:-100000}                       # active decisions (gen-decisions.py's mix of IPv4/IPv6 addresses and networks)
BATCH=${BATCH:-5000}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
PROBES=${PROBES:-10000}              # probe addresses, half banned, half clean
SEED=${SEED:-42}
PORT=${PORT:-18180}
JAVA_OPTS=${JAVA_OPTS:--Xmx512m}
READY_TIMEOUT=${READY_TIMEOUT:-300}
JAR=${JAR:-$REPO/target/quarkus-app/quarkus-run.jar}
OUT=${OUT:-$BENCH_DIR/out-lookup}
export BENCH_DB_NAME=${BENCH_DB_NAME:-banlist_bench_lookup}
export BENCH_DB_USER=${BENCH_DB_USER:-banlist_bench}
export BENCH_DB_PASSWORD=${BENCH_DB_PASSWORD:-banlist_bench}
ADMIN_KEY=bench-admin-key-$(date +%s)-$$

log() { printf '%s lookup.sh: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
for tool in java curl python3 wrk pg_lsclusters; do
  command -v "$tool" >/dev/null || die "$tool not found (wrk: apt-get install -y wrk)"
done
[ -f "$JAR" ] || die "no $JAR: package first (./mvnw -q package -DskipTests)"
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$OUT"
RESULTS=$OUT/results.tsv
: >"$RESULTS"

SERVICE_PID=""
cleanup() {
  local rc=$?
  if [ -n "$SERVICE_PID" ] && kill -0 "$SERVICE_PID" 2>/dev/null; then
    kill -TERM "$SERVICE_PID" 2>/dev/null || true
    wait "$SERVICE_PID" 2>/dev/null || true
  fi
  exit "$rc"
}
trap cleanup EXIT

rm -rf "$OUT/app"
cp -a "$(dirname "$JAR")" "$OUT/app"
python3 "$BENCH_DIR/gen-decisions.py" --n "$N" --batch "$BATCH" --probes "$PROBES" --seed "$SEED" --out "$OUT/data" >/dev/null
awk -F'\t' '$2 == "true"' "$OUT/data/probes.tsv" >"$OUT/data/banned.tsv"
awk -F'\t' '$2 == "false"' "$OUT/data/probes.tsv" >"$OUT/data/clean.tsv"

"$BENCH_DIR/setup-db.sh" --clean
DB_PORT=$(pg_lsclusters -h | awk '$1 == 15 && $2 == "main" { print $3 }')
# The first free port from PORT: another service left on it would answer in its place.
PORT=$(python3 -c 'import socket,sys
p=int(sys.argv[1])
while True:
    s=socket.socket()
    try:
        s.bind(("127.0.0.1",p)); break
    except OSError:
        p+=1
    finally:
        s.close()
print(p)' "$PORT")
BASE=http://127.0.0.1:$PORT
# shellcheck disable=SC2086
DB_URL="postgresql://127.0.0.1:${DB_PORT:-5432}/$BENCH_DB_NAME" DB_USER="$BENCH_DB_USER" DB_PASSWORD="$BENCH_DB_PASSWORD" \
  BANLIST_ADMIN_KEY="$ADMIN_KEY" QUARKUS_HTTP_PORT="$PORT" QUARKUS_HTTP_HOST=127.0.0.1 \
  java $JAVA_OPTS -jar "$OUT/app/quarkus-run.jar" >"$OUT/service.log" 2>&1 &
SERVICE_PID=$!
deadline=$((SECONDS + READY_TIMEOUT))
until curl -fsS -o /dev/null "$BASE/q/health/ready" 2>/dev/null; do
  kill -0 "$SERVICE_PID" 2>/dev/null || { tail -n 20 "$OUT/service.log" >&2; SERVICE_PID=""; die "the service exited"; }
  [ "$SECONDS" -lt "$deadline" ] || die "not ready after $READY_TIMEOUT s"
  sleep 0.5
done

log "loading $N decisions"
for f in "$OUT"/data/batch-*.json; do
  for _ in 1 2 3 4 5; do
    code=$(curl -sS -o /dev/null -w '%{http_code}' -H "X-Api-Key: $ADMIN_KEY" -H 'Content-Type: application/json' \
      --data-binary "@$f" "$BASE/api/v1/decisions")
    [ "$code" = 503 ] || break
    sleep 1
  done
  [ "$code" = 201 ] || die "loading $f answered $code"
done
KEY=$(curl -fsS -H "X-Api-Key: $ADMIN_KEY" -H 'Content-Type: application/json' \
  -d '{"name":"bench-lookup","role":"enforcer"}' "$BASE/api/v1/keys" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
sleep 3   # the key registry reloads every 2 s

series() {   # name path probes run|warmup
  local out=$OUT/$1-$4.txt
  if [ "$4" = warmup ]; then
    CHECK_PATH=$2 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$BENCH_DIR/check.lua" "$BASE" -- "$3" "$KEY" >"$out" 2>&1 || true
    return
  fi
  CHECK_PATH=$2 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$BENCH_DIR/check.lua" "$BASE" -- "$3" "$KEY" >"$out" 2>&1
  local line
  line=$(grep '^BENCH ' "$out") || die "wrk printed no result for $1 (see $out)"
  log "$1 run $4: $line"
  printf '%s\t%s\t%s\n' "$1" "$4" "$line" >>"$RESULTS"
}
NAMES=(check_banned crowdsec_banned check_clean crowdsec_clean)
PATHS=("/api/v1/check?ip=" "/v1/decisions?ip=" "/api/v1/check?ip=" "/v1/decisions?ip=")
FILES=("$OUT/data/banned.tsv" "$OUT/data/banned.tsv" "$OUT/data/clean.tsv" "$OUT/data/clean.tsv")
for i in 0 1; do series "${NAMES[$i]}" "${PATHS[$i]}" "${FILES[$i]}" warmup; done
for run in $(seq 1 "$RUNS"); do
  for i in 0 1 2 3; do series "${NAMES[$i]}" "${PATHS[$i]}" "${FILES[$i]}" "$run"; done
done

python3 - "$RESULTS" "$N" "$CONNECTIONS" "$THREADS" "$DURATION" "$RUNS" "$LOAD_AT_START" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import re, statistics, sys
path, n, c, t, d, runs, load_start, load_end = sys.argv[1:]
rows = {}
for line in open(path):
    name, _, bench = line.rstrip("\n").split("\t")
    fields = dict(kv.split("=") for kv in bench.split()[1:])
    rows.setdefault(name, []).append(fields)
def med(name, key):
    return statistics.median(float(r[key]) for r in rows[name])
print(f"N={n} decisions, wrk -t{t} -c{c} -d{d} --latency, {runs} runs interleaved, median; "
      f"load average {load_start} at start, {load_end} at end")
print()
print("| Endpoint | Addresses | Requests/s | p50 | p99 |")
print("|---|---|---|---|---|")
for name, label, which in (("check_banned", "`GET /api/v1/check?ip=`", "banned"),
                           ("crowdsec_banned", "`GET /v1/decisions?ip=`", "banned"),
                           ("check_clean", "`GET /api/v1/check?ip=`", "clean"),
                           ("crowdsec_clean", "`GET /v1/decisions?ip=`", "clean")):
    if name in rows:
        print(f"| {label} | {which} | {med(name, 'rps'):,.0f} | {med(name, 'p50_ms'):.2f} ms | {med(name, 'p99_ms'):.2f} ms |")
PY

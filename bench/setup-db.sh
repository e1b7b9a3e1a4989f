#!/usr/bin/env bash
# Prepares the benchmark database on Debian's PostgreSQL 15 (run as root).
#
#   bench/setup-db.sh           start the cluster if stopped; create role and database if missing
#   bench/setup-db.sh --clean   the same, then drop and recreate the database (an empty schema for a clean run)
#
# Idempotent. Role and database default to banlist_bench (password banlist_bench); override with
# BENCH_DB_NAME, BENCH_DB_USER, BENCH_DB_PASSWORD, PG_VERSION, PG_CLUSTER.
set -euo pipefail

PG_VERSION=${PG_VERSION:-15}
PG_CLUSTER=${PG_CLUSTER:-main}
# The cluster's port, as Debian's pg_lsclusters reports it (5432 unless configured otherwise).
DB_PORT=$(pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c { print $3 }')
DB_PORT=${DB_PORT:-5432}
DB_NAME=${BENCH_DB_NAME:-banlist_bench}
DB_USER=${BENCH_DB_USER:-banlist_bench}
DB_PASSWORD=${BENCH_DB_PASSWORD:-banlist_bench}

clean=0
case "${1:-}" in
  --clean) clean=1 ;;
  "") ;;
  -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
  *) echo "usage: $0 [--clean]" >&2; exit 64 ;;
esac

log() { echo "setup-db: $*" >&2; }

# Identifiers are interpolated into SQL: accept only plain names.
for name in "$DB_NAME" "$DB_USER"; do
  [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "setup-db: invalid identifier '$name'" >&2; exit 64; }
done

# pg_ctlcluster status: 0 running, 3 stopped, 4 no such cluster. start exits 2 if already running.
status=0
pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" status >/dev/null 2>&1 || status=$?
if [ "$status" -eq 3 ]; then
  log "starting PostgreSQL $PG_VERSION/$PG_CLUSTER"
  rc=0
  pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start || rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
    echo "setup-db: pg_ctlcluster start failed ($rc)" >&2
    exit 1
  fi
elif [ "$status" -ne 0 ]; then
  echo "setup-db: cluster $PG_VERSION/$PG_CLUSTER not usable (pg_ctlcluster status exited $status)" >&2
  exit 1
fi

# Run psql as the postgres superuser over the local socket (peer auth). From /tmp so that postgres can
# read its working directory.
as_postgres() {
  (cd /tmp && su postgres -c "psql --no-psqlrc -X -q -v ON_ERROR_STOP=1 -p $DB_PORT $*")
}

for _ in $(seq 1 30); do
  as_postgres "-d postgres -tAc 'SELECT 1'" >/dev/null 2>&1 && break
  sleep 1
done
as_postgres "-d postgres -tAc 'SELECT 1'" >/dev/null

# The password is a single-quoted SQL literal; double any quote in it.
pw_sql=${DB_PASSWORD//\'/\'\'}
as_postgres "-d postgres" <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN PASSWORD '$pw_sql';
  ELSE
    ALTER ROLE $DB_USER LOGIN PASSWORD '$pw_sql';
  END IF;
END
\$\$;
SQL

exists=$(as_postgres "-d postgres -tAc \"SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'\"")
if [ "$clean" -eq 1 ] && [ "$exists" = "1" ]; then
  log "dropping database $DB_NAME"
  as_postgres "-d postgres -c 'DROP DATABASE $DB_NAME WITH (FORCE)'"
  exists=""
fi
if [ "$exists" != "1" ]; then
  log "creating database $DB_NAME owned by $DB_USER"
  as_postgres "-d postgres -c 'CREATE DATABASE $DB_NAME OWNER $DB_USER'"
fi

# The service connects over TCP with a password (scram-sha-256 on 127.0.0.1): check that path works.
if ! PGPASSWORD="$DB_PASSWORD" psql --no-psqlrc -X -h 127.0.0.1 -p "$DB_PORT" -U "$DB_USER" -d "$DB_NAME" -tAc 'SELECT 1' >/dev/null; then
  echo "setup-db: cannot log in as $DB_USER on 127.0.0.1; check pg_hba.conf" >&2
  exit 1
fi
log "ready: postgresql://127.0.0.1:$DB_PORT/$DB_NAME (user $DB_USER)"

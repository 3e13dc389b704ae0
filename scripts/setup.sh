#!/usr/bin/env bash
# Idempotent set-up shared by `make run` and `make test`:
# system packages (installed before any database starts), PostgreSQL + PostGIS, Redis,
# the virtualenv from requirements.lock, the database, translations, migrations, static files.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
PG_VERSION=15
APT_PACKAGES=(postgresql-15-postgis-3 gettext chromium fonts-wqy-microhei gdal-bin)
DB_NAME="${DB_NAME:-congress_grid}"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres)

pg_running() { pg_lsclusters --no-header 2>/dev/null | awk '{print $4}' | grep -q online; }
pg_start() {
  pg_lsclusters --no-header | while read -r ver cluster _; do
    pg_ctlcluster --skip-systemctl-redirect "$ver" "$cluster" start || true
  done
}

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  # Never install PostgreSQL packages under a running cluster: new backends then fail to load
  # plpgsql ("undefined symbol"). Stop, install, start.
  was_running=0
  if pg_running; then was_running=1; pg_lsclusters --no-header | while read -r ver cluster _; do
    pg_ctlcluster --skip-systemctl-redirect "$ver" "$cluster" stop || true; done; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  : "$was_running"
fi

if ! pg_running; then say "starting PostgreSQL"; pg_start; fi
for _ in $(seq 1 30); do "${PSQL[@]}" -d postgres -tAc "select 1" >/dev/null 2>&1 && break; sleep 1; done

if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && command -v redis-server >/dev/null; then
  say "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/app.log
fi

stamp=".venv/.lock-$(cat requirements.lock requirements-dev.lock pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  say "installing Python dependencies into .venv"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.lock
  rm -f .venv/.lock-*; touch "$stamp"
fi

if [ "$("${PSQL[@]}" -d postgres -tAc "select 1 from pg_database where datname='$DB_NAME'")" != 1 ]; then
  say "creating database $DB_NAME"
  "${PSQL[@]}" -d postgres -c "create database \"$DB_NAME\""
fi
"${PSQL[@]}" -d "$DB_NAME" -c "create extension if not exists postgis"
# Test databases are created from template1: give them PostGIS too.
"${PSQL[@]}" -d template1 -c "create extension if not exists postgis"

export DATABASE_URL="${DATABASE_URL:-postgis://postgres@127.0.0.1:5432/$DB_NAME}"
say "compiling translations, migrating, collecting static files"
.venv/bin/python manage.py compilemessages -v 0 --ignore=.venv
.venv/bin/python manage.py migrate --no-input -v 0
.venv/bin/python manage.py collectstatic --no-input -v 0

#!/bin/sh
# Wait for PostGIS, migrate, load the demo once (LOAD_DEMO=1), then run the given command.
# MIGRATE=0 (the worker service): wait until the app's migrations are applied instead of
# running a second `migrate` at the same time.
set -e
until python -c "import psycopg, os; psycopg.connect(os.environ['DATABASE_URL'].replace('postgis://', 'postgresql://')).close()" 2>/dev/null; do
  echo "waiting for the database..."; sleep 2
done
if [ "${MIGRATE:-1}" = "1" ]; then
  python manage.py migrate --no-input
else
  until python manage.py migrate --check >/dev/null 2>&1; do echo "waiting for migrations..."; sleep 3; done
fi
if [ "${LOAD_DEMO:-1}" = "1" ]; then python manage.py load_demo --if-empty; fi
exec "$@"

#!/bin/sh
# Wait for PostGIS, migrate, load the demo once (LOAD_DEMO=1), then run the given command.
set -e
until python -c "import psycopg, os; psycopg.connect(os.environ['DATABASE_URL'].replace('postgis://', 'postgresql://')).close()" 2>/dev/null; do
  echo "waiting for the database..."; sleep 2
done
python manage.py migrate --no-input
if [ "${LOAD_DEMO:-1}" = "1" ]; then python manage.py load_demo --if-empty; fi
exec "$@"

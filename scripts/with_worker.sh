#!/usr/bin/env bash
# Run a command (the web server) with the job worker (`manage.py jobs_worker`) beside it, as one
# command: Ctrl-C or SIGTERM stops both, and when either one ends the other is stopped too, so
# nothing is left running. Usage: scripts/with_worker.sh .venv/bin/uvicorn backend.asgi:...
set -uo pipefail
PY="${PY:-.venv/bin/python}"

"$PY" manage.py jobs_worker &
worker=$!
"$@" &
web=$!

stop() {
  trap - INT TERM
  kill -TERM "$web" "$worker" 2>/dev/null
  wait "$web" "$worker" 2>/dev/null
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM

wait -n "$web" "$worker"
status=$?
stop
exit "$status"

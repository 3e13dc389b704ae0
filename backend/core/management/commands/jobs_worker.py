"""`manage.py jobs_worker`: the job worker (procrastinate), after a catch-up of startup jobs.

`make run` starts it beside the web server (scripts/with_worker.sh), docker/compose.yaml as the
`worker` service. Options after `--` go to `manage.py procrastinate worker` (e.g. `--one-shot`).
"""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand

from backend.core.jobs import defer_startup_jobs


class Command(BaseCommand):
    help = "Run the job worker (periodic jobs included), catching up missed daily jobs first."

    def add_arguments(self, parser):
        parser.add_argument("worker_args", nargs="*", help="passed to `procrastinate worker`")

    def handle(self, *args, worker_args: list[str], **options):
        deferred = defer_startup_jobs()
        self.stdout.write(f"jobs deferred at start: {', '.join(deferred) or 'none'}")
        call_command("procrastinate", "worker", *worker_args)

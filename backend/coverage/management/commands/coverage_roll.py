"""`manage.py coverage_roll`: move the standard coverage windows to today (Asia/Shanghai).

The job worker runs the same service every day at 00:05 and when it starts (the job
`coverage.roll`, backend/coverage/tasks.py); this command is for doing it by hand. Until the
roll, reads sum the day rows (same numbers, slower). Idempotent: a second run does nothing.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from backend.coverage.models import CoverageClock
from backend.coverage.services import coverage_clock_reset, coverage_roll_forward


class Command(BaseCommand):
    help = _("Move the standard coverage windows (30/90/180/365 days) to today.")

    def handle(self, *args, **options):
        before = CoverageClock.objects.values_list("as_of", flat=True).first()
        coverage_clock_reset()  # a long-lived process may remember an earlier day
        started = time.perf_counter()
        as_of = coverage_roll_forward()
        elapsed = time.perf_counter() - started
        if before == as_of:
            self.stdout.write(_("Coverage windows already at %(day)s.") % {"day": as_of})
        else:
            self.stdout.write(
                _("Coverage windows moved from %(before)s to %(day)s in %(s).1f s.")
                % {"before": before, "day": as_of, "s": elapsed}
            )

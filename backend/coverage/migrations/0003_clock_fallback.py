"""Re-create the coverage functions of 0002 in their current form: the clock row is read
through `coverage_clock_share()`, which recreates it when missing (a flushed test database)."""

import importlib

from django.db import migrations

_0002 = importlib.import_module("backend.coverage.migrations.0002_triggers")


class Migration(migrations.Migration):
    dependencies = [("coverage", "0002_triggers")]

    operations = [
        migrations.RunSQL(_0002._fill(_0002.FUNCTIONS),
                          "DROP FUNCTION IF EXISTS coverage_clock_share();"),
    ]

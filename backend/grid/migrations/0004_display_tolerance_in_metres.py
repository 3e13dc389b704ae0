"""Apply the current `grid_display_boundary.sql` (backend/grid/sql/)."""

from pathlib import Path

from django.db import migrations

# Frozen copies of backend/grid/sql/ files (written by `manage.py sqlmigration`).
_SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):
    dependencies = [("grid", "0003_display_boundary_trigger")]

    operations = [
        migrations.RunSQL(
            (_SQL / "0004_display_tolerance_in_metres.sql").read_text(encoding="utf-8"),
            (_SQL / "0004_display_tolerance_in_metres.reverse.sql").read_text(encoding="utf-8"),
        ),
    ]

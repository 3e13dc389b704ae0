"""The coverage functions' current definitions now live in backend/coverage/sql/, one file each;
this applies those whose text changed there: bodies re-wrapped to 100 columns (the window lists
that 0006 generated on one line), behaviour unchanged. Files: coverage_cells_upsert,
coverage_h3_parent, coverage_recompute_cells, coverage_roll_to, coverage_visits_inserted.
"""

from pathlib import Path

from django.db import migrations

# Frozen copies of backend/coverage/sql/ files (written by `manage.py sqlmigration`).
_SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):
    dependencies = [("coverage", "0013_rebuild_in_day_order")]

    operations = [
        migrations.RunSQL(
            (_SQL / "0014_functions_as_source_files.sql").read_text(encoding="utf-8"),
            (_SQL / "0014_functions_as_source_files.reverse.sql").read_text(encoding="utf-8"),
        ),
    ]

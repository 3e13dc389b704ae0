"""Apply the current definitions of backend/coverage/sql/:
- coverage_drain.sql
- coverage_rebuild.sql
- coverage_recompute_cells.sql
- coverage_recompute_deputies.sql
- coverage_visits_changed.sql
- coverage_visits_inserted.sql
"""

from pathlib import Path

from django.db import migrations

# Frozen copies of backend/coverage/sql/ files (written by `manage.py sqlmigration`).
_SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):
    dependencies = [("coverage", "0015_pendingvisit")]

    operations = [
        migrations.RunSQL(
            (_SQL / "0016_summaries_drained_off_the_request_path.sql").read_text(encoding="utf-8"),
            (_SQL / "0016_summaries_drained_off_the_request_path.reverse.sql").read_text(encoding="utf-8"),
        ),
    ]

"""Re-create the coverage functions of 0002 in their current form: the clock row is read
through `coverage_clock_share()`, which recreates it when missing (a flushed test database)."""

from pathlib import Path

from django.db import migrations

# Frozen: the exact SQL this migration applied when it was written (generated then by app code
# that has since changed). A migration imports no app code; the current definitions live in
# backend/coverage/sql/.
_SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):
    dependencies = [
        ("coverage", "0002_triggers"),
    ]

    operations = [
        migrations.RunSQL(
            (_SQL / "0003_clock_fallback.sql").read_text(encoding="utf-8"),
            "DROP FUNCTION IF EXISTS coverage_clock_share();",
        ),
    ]

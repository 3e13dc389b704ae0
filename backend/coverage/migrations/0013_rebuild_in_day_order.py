"""A rebuild writes the per-day rows (CellDay) in day order, as live inserts do.

The daily roll reads the rows of the days leaving each window. Rows that arrive through the
visit trigger lie in day order; rows written by `coverage_recompute_cells` (a rebuild after a
bulk load) lay in cell order, so one day's rows spread over the whole table and the roll of a
200,000-cell province read most of it (3.7-8.2 s instead of well under a second; EXPLAIN in
docs/benchmarks.md). Only the physical order of the inserted rows changes.
"""

from pathlib import Path

from django.db import migrations

# Frozen: the exact SQL this migration applied when it was written (generated then by app code
# that has since changed). A migration imports no app code; the current definitions live in
# backend/coverage/sql/.
_SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):
    dependencies = [
        ("coverage", "0012_no_quadratic_joins"),
    ]

    operations = [
        migrations.RunSQL(
            (_SQL / "0013_rebuild_in_day_order.sql").read_text(encoding="utf-8"),
            (_SQL / "0013_rebuild_in_day_order.reverse.sql").read_text(encoding="utf-8"),
        ),
    ]

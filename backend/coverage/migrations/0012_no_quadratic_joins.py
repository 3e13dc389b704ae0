"""Plans that stay linear for any batch size.

With generic plans (0011) the planner cannot see how many rows a call brings; a join between two
derived row sets could then be a nested loop over a materialised side: quadratic, harmless for a
phone batch, disastrous for 200,000 cells in one statement. So:
- `coverage_h3_cells_r7` now returns one row per point, in order (NULL for invalid points), and
  `coverage_cells_upsert` zips ids and H3 indexes positionally (unnest of two arrays);
- the visit trigger computes each cell's latest visit in the same aggregate as its window
  increments instead of joining two aggregates.
Every remaining join reaches a table through its primary key or unique index.
"""

from pathlib import Path

from django.db import migrations

# Frozen: the exact SQL this migration applied when it was written (generated then by app code
# that has since changed). A migration imports no app code; the current definitions live in
# backend/coverage/sql/.
_SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):
    dependencies = [
        ("coverage", "0011_cells_upsert_cached_plan"),
    ]

    operations = [
        migrations.RunSQL(
            (_SQL / "0012_no_quadratic_joins.sql").read_text(encoding="utf-8"),
            migrations.RunSQL.noop,
        ),
    ]

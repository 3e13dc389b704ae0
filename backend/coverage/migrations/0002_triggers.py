"""Coverage summaries kept current by STATEMENT-level triggers with transition tables.

- grid_gridcell INSERT/UPDATE → one CellSummary per cell (adcodes, H3 res 7 of the cell's interior
  point, computed by the SQL port of H3 in `backend.coverage.h3sql`), and the heat hexagons it
  needs (boundaries filled later from Python).
- visits_visit INSERT → per cell-day counts, referenced households, the per-cell totals and
  standard windows (30/90/180/365 days as of CoverageClock.as_of), heat bins at res 4-7.
  One set-based statement per table, rows locked in key order (no per-row work, no deadlock
  between two single-statement batches).
- visits_visit UPDATE/DELETE (rare: admin corrections) → the touched cells are recomputed from
  visits, and the heat of their hexagons from CellDay.
- coverage_roll_to(day) moves the windows forward by subtracting the days that left them.
- coverage_rebuild() recomputes everything from visits (used here for existing data).

Local days are Asia/Shanghai (the project's TIME_ZONE).
"""

from pathlib import Path

from django.db import migrations

# Frozen: the exact SQL this migration applied when it was written (generated then by app code
# that has since changed). A migration imports no app code; the current definitions live in
# backend/coverage/sql/.
_SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):
    dependencies = [
        ("coverage", "0001_summary_and_heat_tables"),
        ("grid", "0003_display_boundary_trigger"),
        ("visits", "0001_initial"),
        ("liaison", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            (_SQL / "0002_triggers.sql").read_text(encoding="utf-8"),
            (_SQL / "0002_triggers.reverse.sql").read_text(encoding="utf-8"),
        ),
    ]

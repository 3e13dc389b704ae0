"""A rebuild writes the per-day rows (CellDay) in day order, as live inserts do.

The daily roll reads the rows of the days leaving each window. Rows that arrive through the
visit trigger lie in day order; rows written by `coverage_recompute_cells` (a rebuild after a
bulk load) lay in cell order, so one day's rows spread over the whole table and the roll of a
200,000-cell province read most of it (3.7-8.2 s instead of well under a second; EXPLAIN in
docs/benchmarks.md). Only the physical order of the inserted rows changes.
"""

import importlib

from django.db import migrations

_0006 = importlib.import_module("backend.coverage.migrations.0006_triggers_v2")


def _recompute_cells(*, day_order: bool) -> str:
    text = _0006.FUNCTIONS
    body = text[text.index("-- Everything about the given cells") : text.index(
        "-- New visits: incremental and set-based"
    )]
    old = "    ) h ON h.cell_id = v.cell_id AND h.last_day = v.day;\n"
    assert old in body, old
    if day_order:
        body = body.replace(old, old[:-2] + "\n    ORDER BY v.day, v.cell_id;\n")
    return _0006.fill(body)


class Migration(migrations.Migration):
    dependencies = [("coverage", "0012_no_quadratic_joins")]

    operations = [
        migrations.RunSQL(
            _recompute_cells(day_order=True), _recompute_cells(day_order=False)
        ),
    ]

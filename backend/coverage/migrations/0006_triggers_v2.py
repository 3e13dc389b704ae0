"""Cheaper visit trigger: households counted through CellDay.last_referenced.

A referenced household adds 1 to `last_referenced` of its cell's day of latest visit (and moves
it when visited again), so households visited in a window are `sum(unreferenced_households +
last_referenced)` over the window's days: the daily roll and any window read CellDay only, and
CellHousehold needs no index but its unique key, so moving a last day is a HOT update. The
insert trigger is two statements (cells, then deputies + heat) besides the locks. Tables that
the triggers update in place get fillfactor 80 (room for HOT updates). Everything is then
recomputed from the visits.
"""

from pathlib import Path

from django.db import migrations

# Frozen: the exact SQL this migration applied when it was written (generated then by app code
# that has since changed). A migration imports no app code; the current definitions live in
# backend/coverage/sql/.
_SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):
    dependencies = [
        ("coverage", "0005_fewer_indexes_last_referenced"),
    ]

    operations = [
        migrations.RunSQL(
            (_SQL / "0006_triggers_v2.sql").read_text(encoding="utf-8"),
            (_SQL / "0006_triggers_v2.reverse.sql").read_text(encoding="utf-8"),
        ),
    ]

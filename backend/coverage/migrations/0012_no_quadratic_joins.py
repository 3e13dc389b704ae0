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

import importlib

from django.db import migrations

from backend.coverage import h3sql

_0006 = importlib.import_module("backend.coverage.migrations.0006_triggers_v2")

CELLS_UPSERT = """
CREATE OR REPLACE FUNCTION coverage_cells_upsert(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    cell_ids bigint[];
    lats float8[];
    lngs float8[];
    h3s bigint[];
BEGIN
    SELECT array_agg(id ORDER BY id), array_agg(ST_Y(p) ORDER BY id), array_agg(ST_X(p) ORDER BY id)
    INTO cell_ids, lats, lngs
    FROM (SELECT id, ST_PointOnSurface(boundary) AS p FROM grid_gridcell WHERE id = ANY (ids)) c;
    IF cell_ids IS NULL THEN
        RETURN;
    END IF;
    SELECT array_agg(h.h3 ORDER BY h.ord) INTO h3s FROM coverage_h3_cells_r7(lats, lngs) h;

    INSERT INTO coverage_cellsummary (
        cell_id, adcode, county_adcode, h3_r7, assigned, last_visit_at, visits_total,
        households_total, visits_30d, households_30d, visits_90d, households_90d, visits_180d,
        households_180d, visits_365d, households_365d)
    SELECT c.id, c.adcode, c.county_adcode, k.h3, false, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM unnest(cell_ids, h3s) AS k(id, h3)
    JOIN grid_gridcell c ON c.id = k.id
    ORDER BY c.id
    ON CONFLICT (cell_id) DO UPDATE
        SET adcode = EXCLUDED.adcode, county_adcode = EXCLUDED.county_adcode,
            h3_r7 = EXCLUDED.h3_r7;

    INSERT INTO coverage_heathex (h3, resolution, boundary)
    SELECT DISTINCT coverage_h3_parent(k.h3, r), r, NULL::geometry
    FROM unnest(h3s) AS k(h3) CROSS JOIN unnest('{4,5,6,7}'::int[]) AS r
    WHERE k.h3 IS NOT NULL
    ON CONFLICT (h3) DO NOTHING;
END
$fn$;
ALTER FUNCTION coverage_cells_upsert(bigint[]) SET plan_cache_mode = force_generic_plan;
"""


def _visits_inserted() -> str:
    text = _0006.FUNCTIONS
    start = text.index("-- New visits: incremental and set-based")
    end = text.index("-- Move the standard windows to `target`")
    body = text[start:end]
    replacements = [
        ("""            SELECT cell_id, day, count(*) AS visits,""",
         """            SELECT cell_id, day, max(recorded_at) AS last_at, count(*) AS visits,"""),
        ("""            SELECT cell_id, day, 0, 0, 0, n FROM moved""",
         """            SELECT cell_id, day, NULL::timestamptz, 0, 0, 0, n FROM moved"""),
        ("""        SELECT cell_id, day, sum(visits) AS visits, sum(unref) AS unref, sum(refv) AS refv,
               sum(lastref) AS lastref""",
         """        SELECT cell_id, day, max(last_at) AS last_at, sum(visits) AS visits,
               sum(unref) AS unref, sum(refv) AS refv, sum(lastref) AS lastref"""),
        ("""        SELECT days.cell_id, sum(days.visits) AS visits,""",
         """        SELECT days.cell_id, max(days.last_at) AS last_at, sum(days.visits) AS visits,"""),
        ("""    ),
    last_at AS (SELECT cell_id, max(recorded_at) AS at FROM b GROUP BY cell_id)
    UPDATE coverage_cellsummary s SET
        last_visit_at = greatest(s.last_visit_at, last_at.at),""",
         """    )
    UPDATE coverage_cellsummary s SET
        last_visit_at = greatest(s.last_visit_at, x.last_at),"""),
        ("""    FROM x JOIN last_at USING (cell_id)
    WHERE s.cell_id = x.cell_id;""", """    FROM x
    WHERE s.cell_id = x.cell_id;"""),
    ]
    for old, new in replacements:
        assert old in body, old
        body = body.replace(old, new)
    return _0006.fill(body) + (
        "ALTER FUNCTION coverage_visits_inserted() SET plan_cache_mode = force_generic_plan;\n"
    )


class Migration(migrations.Migration):
    dependencies = [("coverage", "0011_cells_upsert_cached_plan")]

    operations = [
        migrations.RunSQL(h3sql.create_sql(7) + CELLS_UPSERT + _visits_inserted(),
                          migrations.RunSQL.noop),
    ]

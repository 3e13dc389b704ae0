"""`coverage_cells_upsert` with its H3 query planned once per session.

Called with sub-selects as arguments, the SQL function `coverage_h3_cells_r7` could not be
inlined and its (large) body was planned on every call: ~30 ms per INSERT statement on
grid_gridcell, whatever its size, which made row-by-row cell imports crawl. With the arrays in
PL/pgSQL variables the function is inlined into a statement whose plan PL/pgSQL caches.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION coverage_cells_upsert(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    cell_ids bigint[];
    lats float8[];
    lngs float8[];
BEGIN
    SELECT array_agg(id ORDER BY id), array_agg(ST_Y(p) ORDER BY id), array_agg(ST_X(p) ORDER BY id)
    INTO cell_ids, lats, lngs
    FROM (SELECT id, ST_PointOnSurface(boundary) AS p FROM grid_gridcell WHERE id = ANY (ids)) c;
    IF cell_ids IS NULL THEN
        RETURN;
    END IF;

    INSERT INTO coverage_cellsummary (
        cell_id, adcode, county_adcode, h3_r7, assigned, last_visit_at, visits_total,
        households_total, visits_30d, households_30d, visits_90d, households_90d, visits_180d,
        households_180d, visits_365d, households_365d)
    SELECT c.id, c.adcode, c.county_adcode, h.h3, false, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM unnest(cell_ids) WITH ORDINALITY AS k(id, ord)
    JOIN grid_gridcell c ON c.id = k.id
    LEFT JOIN coverage_h3_cells_r7(lats, lngs) h ON h.ord = k.ord
    ORDER BY c.id
    ON CONFLICT (cell_id) DO UPDATE
        SET adcode = EXCLUDED.adcode, county_adcode = EXCLUDED.county_adcode,
            h3_r7 = EXCLUDED.h3_r7;

    INSERT INTO coverage_heathex (h3, resolution, boundary)
    SELECT DISTINCT coverage_h3_parent(s.h3_r7, r), r, NULL::geometry
    FROM coverage_cellsummary s CROSS JOIN unnest('{4,5,6,7}'::int[]) AS r
    WHERE s.cell_id = ANY (cell_ids) AND s.h3_r7 IS NOT NULL
    ON CONFLICT (h3) DO NOTHING;
END
$fn$;

-- Generic plans from the first call: no per-call planning of the large H3 query, nor of the
-- visit trigger's statements (whose shape does not depend on the clock day).
ALTER FUNCTION coverage_cells_upsert(bigint[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION coverage_visits_inserted() SET plan_cache_mode = force_generic_plan;
"""


class Migration(migrations.Migration):
    dependencies = [("coverage", "0010_assigned_trigger")]

    operations = [
        migrations.RunSQL(
            FORWARD,
            "ALTER FUNCTION coverage_cells_upsert(bigint[]) RESET plan_cache_mode; "
            "ALTER FUNCTION coverage_visits_inserted() RESET plan_cache_mode;",
        )
    ]

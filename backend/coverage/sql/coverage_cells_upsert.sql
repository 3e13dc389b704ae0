-- The summary rows of the given grid cells: created for new cells, adcodes and H3 index
-- refreshed for changed ones, plus the heat hexagons (res 4-7) they need, boundaries left NULL
-- (filled later from Python). The H3 res-7 index is that of the cell's interior point
-- (ST_PointOnSurface), by coverage_h3_cells_r7. Ids and indexes are zipped positionally (no join
-- between derived row sets, so the plan stays linear under the generic plan).

CREATE OR REPLACE FUNCTION coverage_cells_upsert(ids bigint[]) RETURNS void
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $fn$
DECLARE
    cell_ids bigint[];
    lats float8[];
    lngs float8[];
    h3s bigint[];
BEGIN
    SELECT array_agg(id ORDER BY id), array_agg(ST_Y(p) ORDER BY id),
           array_agg(ST_X(p) ORDER BY id)
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

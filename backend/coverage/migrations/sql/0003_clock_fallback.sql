
-- The clock day, share-locked (a roll takes it FOR UPDATE). The row is (re)created when missing,
-- e.g. after a test-suite flush emptied the table.
CREATE OR REPLACE FUNCTION coverage_clock_share() RETURNS date
LANGUAGE plpgsql AS $fn$
DECLARE
    day date;
BEGIN
    SELECT c.as_of INTO day FROM coverage_coverageclock c WHERE c.id = 1 FOR SHARE;
    IF day IS NULL THEN
        INSERT INTO coverage_coverageclock (id, as_of)
        VALUES (1, (now() AT TIME ZONE 'Asia/Shanghai')::date) ON CONFLICT (id) DO NOTHING;
        SELECT c.as_of INTO day FROM coverage_coverageclock c WHERE c.id = 1 FOR SHARE;
    END IF;
    RETURN day;
END
$fn$;

-- The cells' summaries: created for new cells, adcodes/H3 refreshed for changed ones.
CREATE OR REPLACE FUNCTION coverage_cells_upsert(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    WITH c AS (
        SELECT id, adcode, county_adcode, ST_PointOnSurface(boundary) AS p,
               row_number() OVER (ORDER BY id) AS ord
        FROM grid_gridcell WHERE id = ANY (ids)
    ), h AS (
        SELECT * FROM coverage_h3_cells_r7(
            (SELECT array_agg(ST_Y(p) ORDER BY ord) FROM c),
            (SELECT array_agg(ST_X(p) ORDER BY ord) FROM c))
    )
    INSERT INTO coverage_cellsummary (
        cell_id, adcode, county_adcode, h3_r7, last_visit_at, visits_total, households_total,
        visits_30d, households_30d, visits_90d, households_90d, visits_180d, households_180d,
        visits_365d, households_365d)
    SELECT c.id, c.adcode, c.county_adcode, h.h3, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM c LEFT JOIN h ON h.ord = c.ord
    ORDER BY c.id
    ON CONFLICT (cell_id) DO UPDATE
        SET adcode = EXCLUDED.adcode, county_adcode = EXCLUDED.county_adcode,
            h3_r7 = EXCLUDED.h3_r7;

    INSERT INTO coverage_heathex (h3, resolution, boundary)
    SELECT DISTINCT coverage_h3_parent(s.h3_r7, r), r, NULL::geometry
    FROM coverage_cellsummary s CROSS JOIN unnest('{4,5,6,7}'::int[]) AS r
    WHERE s.cell_id = ANY (ids) AND s.h3_r7 IS NOT NULL
    ON CONFLICT (h3) DO NOTHING;
END
$fn$;

CREATE OR REPLACE FUNCTION coverage_gridcell_inserted() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM coverage_cells_upsert(ARRAY(SELECT id FROM new_cells));
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION coverage_gridcell_updated() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    changed bigint[];
    old_hexes bigint[];
BEGIN
    SELECT array_agg(n.id) INTO changed
    FROM new_cells n JOIN old_cells o ON o.id = n.id
    WHERE n.boundary IS DISTINCT FROM o.boundary OR n.adcode <> o.adcode
       OR n.county_adcode <> o.county_adcode;
    IF changed IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(h3_r7) INTO old_hexes FROM coverage_cellsummary
    WHERE cell_id = ANY (changed) AND h3_r7 IS NOT NULL;
    PERFORM coverage_cells_upsert(changed);
    PERFORM coverage_heat_rebuild(
        coalesce(old_hexes, '{}') || ARRAY(SELECT h3_r7 FROM coverage_cellsummary
                                           WHERE cell_id = ANY (changed) AND h3_r7 IS NOT NULL));
    RETURN NULL;
END
$fn$;

-- Heat bins of the given res-7 hexagons and their parents, from CellDay (NULL = everything).
CREATE OR REPLACE FUNCTION coverage_heat_rebuild(hexes bigint[]) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    IF hexes IS NULL THEN
        DELETE FROM coverage_heatbin;
    ELSE
        DELETE FROM coverage_heatbin b
        USING (SELECT DISTINCT r, coverage_h3_parent(x, r) AS h3
               FROM unnest(hexes) AS x CROSS JOIN unnest('{4,5,6,7}'::int[]) AS r) t
        WHERE b.resolution = t.r AND b.h3 = t.h3;
    END IF;
    INSERT INTO coverage_heatbin (resolution, h3, day, adcode, visits, households)
    SELECT r, coverage_h3_parent(s.h3_r7, r) AS hex, d.day, s.adcode, sum(d.visits),
           sum(d.unreferenced_households + d.referenced_visits)
    FROM coverage_cellday d
    JOIN coverage_cellsummary s ON s.cell_id = d.cell_id
    CROSS JOIN unnest('{4,5,6,7}'::int[]) AS r
    WHERE s.h3_r7 IS NOT NULL
      AND (hexes IS NULL OR coverage_h3_parent(s.h3_r7, r) IN (
              SELECT coverage_h3_parent(x, r) FROM unnest(hexes) AS x))
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4;
END
$fn$;

-- Everything about the given cells, recomputed from visits (NULL = all cells).
CREATE OR REPLACE FUNCTION coverage_recompute_cells(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    clock_day date;
BEGIN
    clock_day := coverage_clock_share();
    IF ids IS NULL THEN
        DELETE FROM coverage_cellday;
        DELETE FROM coverage_cellhousehold;
    ELSE
        DELETE FROM coverage_cellday WHERE cell_id = ANY (ids);
        DELETE FROM coverage_cellhousehold WHERE cell_id = ANY (ids);
    END IF;

    INSERT INTO coverage_cellday (cell_id, day, county_adcode, visits, unreferenced_households,
                                  referenced_visits)
    SELECT cell_id, (recorded_at AT TIME ZONE 'Asia/Shanghai')::date AS day, min(county_adcode),
           count(*),
           coalesce(sum(households) FILTER (WHERE kind = 'household' AND household_ref = ''), 0),
           count(*) FILTER (WHERE kind = 'household' AND household_ref <> '')
    FROM visits_visit
    WHERE cell_id IS NOT NULL AND (ids IS NULL OR cell_id = ANY (ids))
    GROUP BY 1, 2;

    INSERT INTO coverage_cellhousehold (cell_id, household_ref, first_day, last_day,
                                        previous_last_day)
    SELECT cell_id, household_ref, min((recorded_at AT TIME ZONE 'Asia/Shanghai')::date),
           max((recorded_at AT TIME ZONE 'Asia/Shanghai')::date), NULL
    FROM visits_visit
    WHERE cell_id IS NOT NULL AND kind = 'household' AND household_ref <> ''
      AND (ids IS NULL OR cell_id = ANY (ids))
    GROUP BY 1, 2;

    WITH target AS (
        SELECT cell_id FROM coverage_cellsummary WHERE ids IS NULL OR cell_id = ANY (ids)
    ), d AS (
        SELECT cell_id, sum(visits) AS visits, sum(unreferenced_households) AS unref,
               sum(visits) FILTER (WHERE day >= clock_day - 29) AS v30, sum(unreferenced_households) FILTER (WHERE day >= clock_day - 29) AS u30, sum(visits) FILTER (WHERE day >= clock_day - 89) AS v90, sum(unreferenced_households) FILTER (WHERE day >= clock_day - 89) AS u90, sum(visits) FILTER (WHERE day >= clock_day - 179) AS v180, sum(unreferenced_households) FILTER (WHERE day >= clock_day - 179) AS u180, sum(visits) FILTER (WHERE day >= clock_day - 364) AS v365, sum(unreferenced_households) FILTER (WHERE day >= clock_day - 364) AS u365
        FROM coverage_cellday WHERE ids IS NULL OR cell_id = ANY (ids) GROUP BY cell_id
    ), h AS (
        SELECT cell_id, count(*) AS refs, count(*) FILTER (WHERE last_day >= clock_day - 29) AS r30, count(*) FILTER (WHERE last_day >= clock_day - 89) AS r90, count(*) FILTER (WHERE last_day >= clock_day - 179) AS r180, count(*) FILTER (WHERE last_day >= clock_day - 364) AS r365
        FROM coverage_cellhousehold WHERE ids IS NULL OR cell_id = ANY (ids) GROUP BY cell_id
    ), l AS (
        SELECT cell_id, max(recorded_at) AS last_at FROM visits_visit
        WHERE cell_id IS NOT NULL AND (ids IS NULL OR cell_id = ANY (ids)) GROUP BY cell_id
    )
    UPDATE coverage_cellsummary s SET
        last_visit_at = l.last_at,
        visits_total = coalesce(d.visits, 0),
        households_total = coalesce(d.unref, 0) + coalesce(h.refs, 0),
        visits_30d = coalesce(d.v30, 0), households_30d = coalesce(d.u30, 0) + coalesce(h.r30, 0),
        visits_90d = coalesce(d.v90, 0), households_90d = coalesce(d.u90, 0) + coalesce(h.r90, 0),
        visits_180d = coalesce(d.v180, 0), households_180d = coalesce(d.u180, 0) + coalesce(h.r180, 0),
        visits_365d = coalesce(d.v365, 0), households_365d = coalesce(d.u365, 0) + coalesce(h.r365, 0)
    FROM target t LEFT JOIN d USING (cell_id) LEFT JOIN h USING (cell_id)
         LEFT JOIN l USING (cell_id)
    WHERE s.cell_id = t.cell_id;

    PERFORM coverage_heat_rebuild(
        CASE WHEN ids IS NULL THEN NULL
             ELSE ARRAY(SELECT h3_r7 FROM coverage_cellsummary
                        WHERE cell_id = ANY (ids) AND h3_r7 IS NOT NULL) END);
END
$fn$;

-- Deputies' last visit and totals, from visits (NULL = all deputies). Rows exist for deputies
-- that have visited (as the insert trigger makes them); a deputy left without visits is zeroed.
CREATE OR REPLACE FUNCTION coverage_recompute_deputies(ids bigint[]) RETURNS void
LANGUAGE sql AS $fn$
    INSERT INTO coverage_deputysummary (deputy_id, last_visit_at, visits_total)
    SELECT v.deputy_id, max(v.recorded_at), count(*)
    FROM visits_visit v
    WHERE ids IS NULL OR v.deputy_id = ANY (ids)
    GROUP BY v.deputy_id ORDER BY v.deputy_id
    ON CONFLICT (deputy_id) DO UPDATE SET
        last_visit_at = EXCLUDED.last_visit_at, visits_total = EXCLUDED.visits_total;
    UPDATE coverage_deputysummary s SET last_visit_at = NULL, visits_total = 0
    WHERE (ids IS NULL OR s.deputy_id = ANY (ids))
      AND NOT EXISTS (SELECT 1 FROM visits_visit v WHERE v.deputy_id = s.deputy_id);
$fn$;

CREATE OR REPLACE FUNCTION coverage_rebuild() RETURNS void LANGUAGE sql AS $fn$
    SELECT coverage_cells_upsert(ARRAY(SELECT id FROM grid_gridcell));
    SELECT coverage_recompute_cells(NULL);
    SELECT coverage_recompute_deputies(NULL);
$fn$;

-- New visits: everything incremental, set-based, in key order.
CREATE OR REPLACE FUNCTION coverage_visits_inserted() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    clock_day date;
BEGIN
    -- Shared lock: a concurrent roll (FOR UPDATE) waits for this transaction and vice versa.
    clock_day := coverage_clock_share();

    -- cells created before these triggers existed get their summary row first
    IF EXISTS (SELECT 1 FROM new_visits v WHERE v.cell_id IS NOT NULL AND NOT EXISTS (
                   SELECT 1 FROM coverage_cellsummary s WHERE s.cell_id = v.cell_id)) THEN
        PERFORM coverage_cells_upsert(ARRAY(
            SELECT DISTINCT v.cell_id FROM new_visits v WHERE v.cell_id IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM coverage_cellsummary s WHERE s.cell_id = v.cell_id)));
    END IF;

    -- lock the summaries first, in key order
    PERFORM 1 FROM coverage_cellsummary
    WHERE cell_id IN (SELECT cell_id FROM new_visits)
    ORDER BY cell_id FOR UPDATE;

    INSERT INTO coverage_cellday AS d (cell_id, day, county_adcode, visits,
                                       unreferenced_households, referenced_visits)
    SELECT cell_id, day, min(county_adcode), count(*),
           coalesce(sum(households) FILTER (WHERE is_household AND household_ref = ''), 0),
           count(*) FILTER (WHERE is_household AND household_ref <> '')
    FROM (SELECT cell_id, (recorded_at AT TIME ZONE 'Asia/Shanghai')::date AS day, recorded_at, county_adcode, kind = 'household' AS is_household, household_ref, households FROM new_visits WHERE cell_id IS NOT NULL) AS b GROUP BY cell_id, day ORDER BY cell_id, day
    ON CONFLICT (cell_id, day) DO UPDATE SET
        visits = d.visits + EXCLUDED.visits,
        unreferenced_households = d.unreferenced_households + EXCLUDED.unreferenced_households,
        referenced_visits = d.referenced_visits + EXCLUDED.referenced_visits;

    WITH refs AS (
        INSERT INTO coverage_cellhousehold AS h (cell_id, household_ref, first_day, last_day,
                                                 previous_last_day)
        SELECT cell_id, household_ref, min(day), max(day), NULL
        FROM (SELECT cell_id, (recorded_at AT TIME ZONE 'Asia/Shanghai')::date AS day, recorded_at, county_adcode, kind = 'household' AS is_household, household_ref, households FROM new_visits WHERE cell_id IS NOT NULL) AS b WHERE is_household AND household_ref <> ''
        GROUP BY cell_id, household_ref ORDER BY cell_id, household_ref
        ON CONFLICT (cell_id, household_ref) DO UPDATE SET
            previous_last_day = h.last_day,
            last_day = greatest(h.last_day, EXCLUDED.last_day),
            first_day = least(h.first_day, EXCLUDED.first_day)
        RETURNING h.cell_id, h.last_day, h.previous_last_day
    ), r AS (
        -- a household is new in a window when its latest day entered it with this batch
        SELECT cell_id, count(*) FILTER (WHERE previous_last_day IS NULL) AS refs,
               count(*) FILTER (WHERE last_day >= clock_day - 29 AND (previous_last_day IS NULL OR previous_last_day < clock_day - 29)) AS r30, count(*) FILTER (WHERE last_day >= clock_day - 89 AND (previous_last_day IS NULL OR previous_last_day < clock_day - 89)) AS r90, count(*) FILTER (WHERE last_day >= clock_day - 179 AND (previous_last_day IS NULL OR previous_last_day < clock_day - 179)) AS r180, count(*) FILTER (WHERE last_day >= clock_day - 364 AND (previous_last_day IS NULL OR previous_last_day < clock_day - 364)) AS r365
        FROM refs GROUP BY cell_id
    ), v AS (
        SELECT cell_id, count(*) AS visits, max(recorded_at) AS last_at,
               coalesce(sum(households) FILTER (WHERE is_household AND household_ref = ''), 0)
                   AS unref,
               count(*) FILTER (WHERE day >= clock_day - 29) AS v30, coalesce(sum(households) FILTER (WHERE day >= clock_day - 29 AND is_household AND household_ref = ''), 0) AS u30, count(*) FILTER (WHERE day >= clock_day - 89) AS v90, coalesce(sum(households) FILTER (WHERE day >= clock_day - 89 AND is_household AND household_ref = ''), 0) AS u90, count(*) FILTER (WHERE day >= clock_day - 179) AS v180, coalesce(sum(households) FILTER (WHERE day >= clock_day - 179 AND is_household AND household_ref = ''), 0) AS u180, count(*) FILTER (WHERE day >= clock_day - 364) AS v365, coalesce(sum(households) FILTER (WHERE day >= clock_day - 364 AND is_household AND household_ref = ''), 0) AS u365
        FROM (SELECT cell_id, (recorded_at AT TIME ZONE 'Asia/Shanghai')::date AS day, recorded_at, county_adcode, kind = 'household' AS is_household, household_ref, households FROM new_visits WHERE cell_id IS NOT NULL) AS b GROUP BY cell_id
    ), x AS (
        SELECT v.cell_id, v.visits, v.last_at, v.unref + coalesce(r.refs, 0) AS households,
               v.v30, v.u30 + coalesce(r.r30, 0) AS h30, v.v90, v.u90 + coalesce(r.r90, 0) AS h90, v.v180, v.u180 + coalesce(r.r180, 0) AS h180, v.v365, v.u365 + coalesce(r.r365, 0) AS h365
        FROM v LEFT JOIN r USING (cell_id)
    )
    UPDATE coverage_cellsummary s SET
        last_visit_at = greatest(s.last_visit_at, x.last_at),
        visits_total = s.visits_total + x.visits,
        households_total = s.households_total + x.households,
        visits_30d = s.visits_30d + coalesce(x.v30, 0), households_30d = s.households_30d + coalesce(x.h30, 0),
visits_90d = s.visits_90d + coalesce(x.v90, 0), households_90d = s.households_90d + coalesce(x.h90, 0),
visits_180d = s.visits_180d + coalesce(x.v180, 0), households_180d = s.households_180d + coalesce(x.h180, 0),
visits_365d = s.visits_365d + coalesce(x.v365, 0), households_365d = s.households_365d + coalesce(x.h365, 0)
    FROM x WHERE s.cell_id = x.cell_id;

    INSERT INTO coverage_deputysummary AS ds (deputy_id, last_visit_at, visits_total)
    SELECT deputy_id, max(recorded_at), count(*) FROM new_visits
    GROUP BY deputy_id ORDER BY deputy_id
    ON CONFLICT (deputy_id) DO UPDATE SET
        last_visit_at = greatest(ds.last_visit_at, EXCLUDED.last_visit_at),
        visits_total = ds.visits_total + EXCLUDED.visits_total;

    INSERT INTO coverage_heatbin AS b (resolution, h3, day, adcode, visits, households)
    SELECT r, coverage_h3_parent(s.h3_r7, r), v.day, s.adcode, count(*),
           coalesce(sum(CASE WHEN NOT v.is_household THEN 0
                             WHEN v.household_ref <> '' THEN 1 ELSE v.households END), 0)
    FROM (SELECT cell_id, (recorded_at AT TIME ZONE 'Asia/Shanghai')::date AS day, recorded_at, county_adcode, kind = 'household' AS is_household, household_ref, households FROM new_visits WHERE cell_id IS NOT NULL) AS v
    JOIN coverage_cellsummary s ON s.cell_id = v.cell_id
    CROSS JOIN unnest('{4,5,6,7}'::int[]) AS r
    WHERE s.h3_r7 IS NOT NULL
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (resolution, h3, day, adcode) DO UPDATE SET
        visits = b.visits + EXCLUDED.visits, households = b.households + EXCLUDED.households;

    RETURN NULL;
END
$fn$;

-- Updated or deleted visits (rare): recompute the cells they touched.
CREATE OR REPLACE FUNCTION coverage_visits_changed() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    ids bigint[];
    deputies bigint[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT cell_id) INTO ids FROM old_visits WHERE cell_id IS NOT NULL;
        SELECT array_agg(DISTINCT deputy_id) INTO deputies FROM old_visits;
    ELSE
        SELECT array_agg(DISTINCT deputy_id) INTO deputies FROM (
            SELECT o.deputy_id FROM old_visits o JOIN new_visits n ON n.id = o.id
            WHERE (o.deputy_id, o.recorded_at) IS DISTINCT FROM (n.deputy_id, n.recorded_at)
            UNION
            SELECT n.deputy_id FROM old_visits o JOIN new_visits n ON n.id = o.id
            WHERE (o.deputy_id, o.recorded_at) IS DISTINCT FROM (n.deputy_id, n.recorded_at)
        ) t;
        SELECT array_agg(DISTINCT cell_id) INTO ids FROM (
            SELECT o.cell_id FROM old_visits o JOIN new_visits n ON n.id = o.id
            WHERE (o.cell_id, o.recorded_at, o.kind, o.household_ref, o.households)
                  IS DISTINCT FROM (n.cell_id, n.recorded_at, n.kind, n.household_ref,
                                    n.households)
            UNION
            SELECT n.cell_id FROM old_visits o JOIN new_visits n ON n.id = o.id
            WHERE (o.cell_id, o.recorded_at, o.kind, o.household_ref, o.households)
                  IS DISTINCT FROM (n.cell_id, n.recorded_at, n.kind, n.household_ref,
                                    n.households)
        ) t WHERE cell_id IS NOT NULL;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM coverage_recompute_cells(ids);
    END IF;
    IF deputies IS NOT NULL THEN
        PERFORM coverage_recompute_deputies(deputies);
    END IF;
    RETURN NULL;
END
$fn$;

-- Move the standard windows to `target`: subtract what left each window.
CREATE OR REPLACE FUNCTION coverage_roll_to(target date) RETURNS date
LANGUAGE plpgsql AS $fn$
DECLARE
    cur date;
BEGIN
    PERFORM coverage_clock_share();
    SELECT c.as_of INTO cur FROM coverage_coverageclock c WHERE c.id = 1 FOR UPDATE;
    IF target <= cur THEN
        RETURN cur;
    END IF;
    WITH dl AS (
        SELECT cell_id, sum(visits) FILTER (WHERE day BETWEEN cur - 29 AND target - 30) AS v30, sum(unreferenced_households) FILTER (WHERE day BETWEEN cur - 29 AND target - 30) AS u30, sum(visits) FILTER (WHERE day BETWEEN cur - 89 AND target - 90) AS v90, sum(unreferenced_households) FILTER (WHERE day BETWEEN cur - 89 AND target - 90) AS u90, sum(visits) FILTER (WHERE day BETWEEN cur - 179 AND target - 180) AS v180, sum(unreferenced_households) FILTER (WHERE day BETWEEN cur - 179 AND target - 180) AS u180, sum(visits) FILTER (WHERE day BETWEEN cur - 364 AND target - 365) AS v365, sum(unreferenced_households) FILTER (WHERE day BETWEEN cur - 364 AND target - 365) AS u365
        FROM coverage_cellday WHERE day BETWEEN cur - 29 AND target - 30 OR day BETWEEN cur - 89 AND target - 90 OR day BETWEEN cur - 179 AND target - 180 OR day BETWEEN cur - 364 AND target - 365 GROUP BY cell_id
    ), hl AS (
        SELECT cell_id, count(*) FILTER (WHERE last_day BETWEEN cur - 29 AND target - 30) AS r30, count(*) FILTER (WHERE last_day BETWEEN cur - 89 AND target - 90) AS r90, count(*) FILTER (WHERE last_day BETWEEN cur - 179 AND target - 180) AS r180, count(*) FILTER (WHERE last_day BETWEEN cur - 364 AND target - 365) AS r365
        FROM coverage_cellhousehold WHERE last_day BETWEEN cur - 29 AND target - 30 OR last_day BETWEEN cur - 89 AND target - 90 OR last_day BETWEEN cur - 179 AND target - 180 OR last_day BETWEEN cur - 364 AND target - 365 GROUP BY cell_id
    ), x AS (
        SELECT cell_id, coalesce(dl.v30, 0) AS v30, coalesce(dl.u30, 0) + coalesce(hl.r30, 0) AS h30, coalesce(dl.v90, 0) AS v90, coalesce(dl.u90, 0) + coalesce(hl.r90, 0) AS h90, coalesce(dl.v180, 0) AS v180, coalesce(dl.u180, 0) + coalesce(hl.r180, 0) AS h180, coalesce(dl.v365, 0) AS v365, coalesce(dl.u365, 0) + coalesce(hl.r365, 0) AS h365
        FROM dl FULL JOIN hl USING (cell_id)
    )
    UPDATE coverage_cellsummary s SET
        visits_30d = s.visits_30d - coalesce(x.v30, 0), households_30d = s.households_30d - coalesce(x.h30, 0),
visits_90d = s.visits_90d - coalesce(x.v90, 0), households_90d = s.households_90d - coalesce(x.h90, 0),
visits_180d = s.visits_180d - coalesce(x.v180, 0), households_180d = s.households_180d - coalesce(x.h180, 0),
visits_365d = s.visits_365d - coalesce(x.v365, 0), households_365d = s.households_365d - coalesce(x.h365, 0)
    FROM x WHERE s.cell_id = x.cell_id;
    UPDATE coverage_coverageclock SET as_of = target WHERE id = 1;
    RETURN target;
END
$fn$;


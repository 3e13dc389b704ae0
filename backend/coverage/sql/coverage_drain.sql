-- Drain of pending visits (issue 11, docs/decisions.md "Summaries off the request path"): takes
-- up to `batch` rows of coverage_pendingvisit (oldest visits first, SKIP LOCKED), deletes them and
-- applies their visits to the coverage tables in one set-based pass, as the insert trigger did
-- before: per-cell-day counts (CellDay), referenced households (CellHousehold; a household counts
-- once, on the day of its latest visit: `last_referenced`), the cells' totals and standard windows
-- as of the clock day, deputies' summaries and the heat bins at res 4-7. One drain at a time (a
-- transaction-level advisory lock; a second caller returns no rows at once); summary rows locked
-- in key order. A visit deleted before its drain is skipped (its row is gone); one updated before
-- it is applied as it is now. Returns the visits applied per county and adcode (the visit's
-- region). Local days: Asia/Shanghai.

CREATE OR REPLACE FUNCTION coverage_drain(batch integer)
RETURNS TABLE (county text, adcode text, applied bigint)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
    clock_day date;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('coverage_drain')) THEN
        RETURN;
    END IF;
    -- Shared lock: a concurrent roll (FOR UPDATE) waits for this transaction and vice versa.
    clock_day := coverage_clock_share();

    DROP TABLE IF EXISTS pg_temp.coverage_batch;
    CREATE TEMP TABLE coverage_batch ON COMMIT DROP AS
    SELECT v.id, v.deputy_id, v.cell_id, v.recorded_at, v.adcode, v.county_adcode, v.kind,
           v.household_ref, v.households
    FROM visits_visit v WITH NO DATA;
    WITH taken AS (
        DELETE FROM coverage_pendingvisit p
        WHERE p.visit_id IN (SELECT q.visit_id FROM coverage_pendingvisit q
                             ORDER BY q.visit_id LIMIT batch FOR UPDATE SKIP LOCKED)
        RETURNING p.visit_id
    )
    INSERT INTO coverage_batch
    SELECT v.id, v.deputy_id, v.cell_id, v.recorded_at, v.adcode, v.county_adcode, v.kind,
           v.household_ref, v.households
    FROM taken JOIN visits_visit v ON v.id = taken.visit_id;
    IF NOT FOUND THEN
        DROP TABLE pg_temp.coverage_batch;
        RETURN;
    END IF;
    ANALYZE pg_temp.coverage_batch;

    -- cells created before these triggers existed get their summary row first
    IF EXISTS (SELECT 1 FROM coverage_batch v WHERE v.cell_id IS NOT NULL AND NOT EXISTS (
                   SELECT 1 FROM coverage_cellsummary s WHERE s.cell_id = v.cell_id)) THEN
        PERFORM coverage_cells_upsert(ARRAY(
            SELECT DISTINCT v.cell_id FROM coverage_batch v WHERE v.cell_id IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM coverage_cellsummary s WHERE s.cell_id = v.cell_id)));
    END IF;

    -- the summaries first, in key order: every other row of a cell is touched after its summary
    PERFORM 1 FROM coverage_cellsummary
    WHERE cell_id IN (SELECT cell_id FROM coverage_batch)
    ORDER BY cell_id FOR UPDATE;

    WITH b AS MATERIALIZED (
        SELECT cell_id, (recorded_at AT TIME ZONE 'Asia/Shanghai')::date AS day, recorded_at,
               county_adcode, kind = 'household' AS is_household, household_ref, households
        FROM coverage_batch WHERE cell_id IS NOT NULL
    ),
    refs AS (
        INSERT INTO coverage_cellhousehold AS h (cell_id, household_ref, first_day, last_day,
                                                 previous_last_day)
        SELECT cell_id, household_ref, min(day), max(day), NULL
        FROM b WHERE is_household AND household_ref <> ''
        GROUP BY cell_id, household_ref ORDER BY cell_id, household_ref
        ON CONFLICT (cell_id, household_ref) DO UPDATE SET
            previous_last_day = h.last_day,
            last_day = greatest(h.last_day, EXCLUDED.last_day),
            first_day = least(h.first_day, EXCLUDED.first_day)
        RETURNING h.cell_id, h.last_day, h.previous_last_day
    ),
    moved AS (  -- a household's latest day: +1 on the new day, -1 on the old one
        SELECT cell_id, last_day AS day, 1 AS n FROM refs
        WHERE previous_last_day IS NULL OR last_day > previous_last_day
        UNION ALL
        SELECT cell_id, previous_last_day, -1 FROM refs
        WHERE previous_last_day IS NOT NULL AND last_day > previous_last_day
    ),
    days AS (
        SELECT cell_id, day, max(last_at) AS last_at, sum(visits) AS visits,
               sum(unref) AS unref, sum(refv) AS refv, sum(lastref) AS lastref
        FROM (
            SELECT cell_id, day, max(recorded_at) AS last_at, count(*) AS visits,
                   coalesce(sum(households) FILTER (WHERE is_household AND household_ref = ''),
                            0) AS unref,
                   count(*) FILTER (WHERE is_household AND household_ref <> '') AS refv,
                   0 AS lastref
            FROM b GROUP BY cell_id, day
            UNION ALL
            SELECT cell_id, day, NULL::timestamptz, 0, 0, 0, n FROM moved
        ) u GROUP BY cell_id, day
    ),
    upsert_days AS (  -- (data-modifying: runs whether or not it is read)
        INSERT INTO coverage_cellday AS d (cell_id, day, county_adcode, visits,
                                           unreferenced_households, referenced_visits,
                                           last_referenced)
        SELECT days.cell_id, days.day, s.county_adcode, days.visits, days.unref, days.refv,
               days.lastref
        FROM days JOIN coverage_cellsummary s ON s.cell_id = days.cell_id
        ORDER BY days.cell_id, days.day
        ON CONFLICT (cell_id, day) DO UPDATE SET
            visits = d.visits + EXCLUDED.visits,
            unreferenced_households = d.unreferenced_households + EXCLUDED.unreferenced_households,
            referenced_visits = d.referenced_visits + EXCLUDED.referenced_visits,
            last_referenced = d.last_referenced + EXCLUDED.last_referenced
        RETURNING 1
    ),
    x AS (  -- what this batch adds to each cell's windows (a moved household counts once)
        SELECT days.cell_id, max(days.last_at) AS last_at, sum(days.visits) AS visits,
               sum(days.unref + days.lastref) AS households,
               coalesce(sum(days.visits) FILTER (WHERE days.day >= clock_day - 29), 0) AS v30,
               coalesce(sum(days.unref + days.lastref)
                   FILTER (WHERE days.day >= clock_day - 29), 0) AS h30,
               coalesce(sum(days.visits) FILTER (WHERE days.day >= clock_day - 89), 0) AS v90,
               coalesce(sum(days.unref + days.lastref)
                   FILTER (WHERE days.day >= clock_day - 89), 0) AS h90,
               coalesce(sum(days.visits) FILTER (WHERE days.day >= clock_day - 179), 0) AS v180,
               coalesce(sum(days.unref + days.lastref)
                   FILTER (WHERE days.day >= clock_day - 179), 0) AS h180,
               coalesce(sum(days.visits) FILTER (WHERE days.day >= clock_day - 364), 0) AS v365,
               coalesce(sum(days.unref + days.lastref)
                   FILTER (WHERE days.day >= clock_day - 364), 0) AS h365
        FROM days GROUP BY days.cell_id
    )
    UPDATE coverage_cellsummary s SET
        last_visit_at = greatest(s.last_visit_at, x.last_at),
        visits_total = s.visits_total + x.visits,
        households_total = s.households_total + x.households,
        visits_30d = s.visits_30d + coalesce(x.v30, 0),
        households_30d = s.households_30d + coalesce(x.h30, 0),
        visits_90d = s.visits_90d + coalesce(x.v90, 0),
        households_90d = s.households_90d + coalesce(x.h90, 0),
        visits_180d = s.visits_180d + coalesce(x.v180, 0),
        households_180d = s.households_180d + coalesce(x.h180, 0),
        visits_365d = s.visits_365d + coalesce(x.v365, 0),
        households_365d = s.households_365d + coalesce(x.h365, 0)
    FROM x
    WHERE s.cell_id = x.cell_id;

    WITH deputies AS (  -- (data-modifying: runs whether or not it is read)
        INSERT INTO coverage_deputysummary AS ds (deputy_id, last_visit_at, visits_total)
        SELECT deputy_id, max(recorded_at), count(*) FROM coverage_batch
        GROUP BY deputy_id ORDER BY deputy_id
        ON CONFLICT (deputy_id) DO UPDATE SET
            last_visit_at = greatest(ds.last_visit_at, EXCLUDED.last_visit_at),
            visits_total = ds.visits_total + EXCLUDED.visits_total
        RETURNING 1
    )
    INSERT INTO coverage_heatbin AS hb (resolution, h3, day, adcode, visits, households)
    SELECT r, coverage_h3_parent(s.h3_r7, r), v.day, s.adcode, count(*),
           coalesce(sum(CASE WHEN NOT v.is_household THEN 0
                             WHEN v.household_ref <> '' THEN 1 ELSE v.households END), 0)
    FROM (
        SELECT cell_id, (recorded_at AT TIME ZONE 'Asia/Shanghai')::date AS day, recorded_at,
               county_adcode, kind = 'household' AS is_household, household_ref, households
        FROM coverage_batch WHERE cell_id IS NOT NULL
    ) AS v
    JOIN coverage_cellsummary s ON s.cell_id = v.cell_id
    CROSS JOIN unnest('{4,5,6,7}'::int[]) AS r
    WHERE s.h3_r7 IS NOT NULL
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (resolution, h3, day, adcode) DO UPDATE SET
        visits = hb.visits + EXCLUDED.visits, households = hb.households + EXCLUDED.households;


    RETURN QUERY SELECT b.county_adcode::text, b.adcode::text, count(*)
                 FROM coverage_batch b GROUP BY 1, 2 ORDER BY 1, 2;
    DROP TABLE pg_temp.coverage_batch;
END
$fn$;

-- Everything about the given cells recomputed from visits (NULL = all cells): per-day rows
-- (CellDay, written in day order as live inserts are, so that the daily roll reads few pages),
-- referenced households (CellHousehold), the summary's totals and windows as of the clock day, and
-- their heat. Used by rebuilds and by visit updates/deletes. Visits still pending (queued for
-- coverage_drain, which adds them when it takes them) are left out. Local days: Asia/Shanghai.

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

    INSERT INTO coverage_cellhousehold (cell_id, household_ref, first_day, last_day,
                                        previous_last_day)
    SELECT cell_id, household_ref, min((recorded_at AT TIME ZONE 'Asia/Shanghai')::date),
           max((recorded_at AT TIME ZONE 'Asia/Shanghai')::date), NULL
    FROM visits_visit
    WHERE cell_id IS NOT NULL AND kind = 'household' AND household_ref <> ''
      AND (ids IS NULL OR cell_id = ANY (ids))
      AND NOT EXISTS (SELECT 1 FROM coverage_pendingvisit p WHERE p.visit_id = visits_visit.id)
    GROUP BY 1, 2;

    INSERT INTO coverage_cellday (cell_id, day, county_adcode, visits, unreferenced_households,
                                  referenced_visits, last_referenced)
    SELECT v.cell_id, v.day, v.county_adcode, v.visits, v.unref, v.refv, coalesce(h.n, 0)
    FROM (
        SELECT cell_id, (recorded_at AT TIME ZONE 'Asia/Shanghai')::date AS day,
               min(county_adcode) AS county_adcode, count(*) AS visits,
               coalesce(sum(households) FILTER (WHERE kind = 'household'
                                                  AND household_ref = ''), 0) AS unref,
               count(*) FILTER (WHERE kind = 'household' AND household_ref <> '') AS refv
        FROM visits_visit
        WHERE cell_id IS NOT NULL AND (ids IS NULL OR cell_id = ANY (ids))
          AND NOT EXISTS (SELECT 1 FROM coverage_pendingvisit p
                          WHERE p.visit_id = visits_visit.id)
        GROUP BY 1, 2
    ) v
    LEFT JOIN (
        SELECT cell_id, last_day, count(*) AS n FROM coverage_cellhousehold
        WHERE ids IS NULL OR cell_id = ANY (ids) GROUP BY 1, 2
    ) h ON h.cell_id = v.cell_id AND h.last_day = v.day
    ORDER BY v.day, v.cell_id;

    WITH target AS (
        SELECT cell_id FROM coverage_cellsummary WHERE ids IS NULL OR cell_id = ANY (ids)
    ), d AS (
        SELECT cell_id, sum(visits) AS visits,
               sum(unreferenced_households + last_referenced) AS households,
               sum(visits) FILTER (WHERE day >= clock_day - 29) AS v30,
               sum(unreferenced_households + last_referenced)
                   FILTER (WHERE day >= clock_day - 29) AS h30,
               sum(visits) FILTER (WHERE day >= clock_day - 89) AS v90,
               sum(unreferenced_households + last_referenced)
                   FILTER (WHERE day >= clock_day - 89) AS h90,
               sum(visits) FILTER (WHERE day >= clock_day - 179) AS v180,
               sum(unreferenced_households + last_referenced)
                   FILTER (WHERE day >= clock_day - 179) AS h180,
               sum(visits) FILTER (WHERE day >= clock_day - 364) AS v365,
               sum(unreferenced_households + last_referenced)
                   FILTER (WHERE day >= clock_day - 364) AS h365
        FROM coverage_cellday WHERE ids IS NULL OR cell_id = ANY (ids) GROUP BY cell_id
    ), l AS (
        SELECT cell_id, max(recorded_at) AS last_at FROM visits_visit
        WHERE cell_id IS NOT NULL AND (ids IS NULL OR cell_id = ANY (ids))
          AND NOT EXISTS (SELECT 1 FROM coverage_pendingvisit p WHERE p.visit_id = visits_visit.id)
        GROUP BY cell_id
    )
    UPDATE coverage_cellsummary s SET
        last_visit_at = l.last_at,
        visits_total = coalesce(d.visits, 0),
        households_total = coalesce(d.households, 0),
        visits_30d = coalesce(d.v30, 0), households_30d = coalesce(d.h30, 0),
        visits_90d = coalesce(d.v90, 0), households_90d = coalesce(d.h90, 0),
        visits_180d = coalesce(d.v180, 0), households_180d = coalesce(d.h180, 0),
        visits_365d = coalesce(d.v365, 0), households_365d = coalesce(d.h365, 0)
    FROM target t LEFT JOIN d USING (cell_id) LEFT JOIN l USING (cell_id)
    WHERE s.cell_id = t.cell_id;

    PERFORM coverage_heat_rebuild(
        CASE WHEN ids IS NULL THEN NULL
             ELSE ARRAY(SELECT h3_r7 FROM coverage_cellsummary
                        WHERE cell_id = ANY (ids) AND h3_r7 IS NOT NULL) END);
END
$fn$;

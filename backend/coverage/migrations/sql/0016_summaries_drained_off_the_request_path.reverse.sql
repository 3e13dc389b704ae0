DROP FUNCTION IF EXISTS coverage_drain;
CREATE OR REPLACE FUNCTION public.coverage_rebuild()
 RETURNS void
 LANGUAGE sql
AS $function$
    DELETE FROM coverage_cellsummary s
    WHERE NOT EXISTS (SELECT 1 FROM grid_gridcell c WHERE c.id = s.cell_id);
    DELETE FROM coverage_deputysummary s
    WHERE NOT EXISTS (SELECT 1 FROM liaison_deputy d WHERE d.id = s.deputy_id);
    SELECT coverage_cells_upsert(ARRAY(SELECT id FROM grid_gridcell));
    SELECT coverage_recompute_cells(NULL);
    SELECT coverage_recompute_deputies(NULL);
    SELECT coverage_assigned_refresh(NULL);
$function$;
CREATE OR REPLACE FUNCTION public.coverage_recompute_cells(ids bigint[])
 RETURNS void
 LANGUAGE plpgsql
AS $function$
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
        WHERE cell_id IS NOT NULL AND (ids IS NULL OR cell_id = ANY (ids)) GROUP BY cell_id
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
$function$;
CREATE OR REPLACE FUNCTION public.coverage_recompute_deputies(ids bigint[])
 RETURNS void
 LANGUAGE sql
AS $function$
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
$function$;
CREATE OR REPLACE FUNCTION public.coverage_visits_changed()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
$function$;
CREATE OR REPLACE TRIGGER coverage_visit_delete AFTER DELETE ON public.visits_visit REFERENCING OLD TABLE AS old_visits FOR EACH STATEMENT EXECUTE FUNCTION coverage_visits_changed();
CREATE OR REPLACE TRIGGER coverage_visit_update AFTER UPDATE ON public.visits_visit REFERENCING OLD TABLE AS old_visits NEW TABLE AS new_visits FOR EACH STATEMENT EXECUTE FUNCTION coverage_visits_changed();
CREATE OR REPLACE FUNCTION public.coverage_visits_inserted()
 RETURNS trigger
 LANGUAGE plpgsql
 SET plan_cache_mode TO 'force_generic_plan'
AS $function$
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

    -- the summaries first, in key order: every other row of a cell is touched after its summary
    PERFORM 1 FROM coverage_cellsummary
    WHERE cell_id IN (SELECT cell_id FROM new_visits)
    ORDER BY cell_id FOR UPDATE;

    WITH b AS MATERIALIZED (
        SELECT cell_id, (recorded_at AT TIME ZONE 'Asia/Shanghai')::date AS day, recorded_at,
               county_adcode, kind = 'household' AS is_household, household_ref, households
        FROM new_visits WHERE cell_id IS NOT NULL
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
        SELECT deputy_id, max(recorded_at), count(*) FROM new_visits
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
        FROM new_visits WHERE cell_id IS NOT NULL
    ) AS v
    JOIN coverage_cellsummary s ON s.cell_id = v.cell_id
    CROSS JOIN unnest('{4,5,6,7}'::int[]) AS r
    WHERE s.h3_r7 IS NOT NULL
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (resolution, h3, day, adcode) DO UPDATE SET
        visits = hb.visits + EXCLUDED.visits, households = hb.households + EXCLUDED.households;

    RETURN NULL;
END
$function$;
CREATE OR REPLACE TRIGGER coverage_visit_insert AFTER INSERT ON public.visits_visit REFERENCING NEW TABLE AS new_visits FOR EACH STATEMENT EXECUTE FUNCTION coverage_visits_inserted();

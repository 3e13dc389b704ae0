-- Move the standard windows forward to `target` (the daily job): subtract, per cell, the days
-- that left each window, then advance the clock. Returns the clock day; never moves it back.

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
    WITH x AS (
        SELECT cell_id,
               sum(visits) FILTER (WHERE day BETWEEN cur - 29 AND target - 30) AS v30,
               sum(unreferenced_households + last_referenced)
                   FILTER (WHERE day BETWEEN cur - 29 AND target - 30) AS h30,
               sum(visits) FILTER (WHERE day BETWEEN cur - 89 AND target - 90) AS v90,
               sum(unreferenced_households + last_referenced)
                   FILTER (WHERE day BETWEEN cur - 89 AND target - 90) AS h90,
               sum(visits) FILTER (WHERE day BETWEEN cur - 179 AND target - 180) AS v180,
               sum(unreferenced_households + last_referenced)
                   FILTER (WHERE day BETWEEN cur - 179 AND target - 180) AS h180,
               sum(visits) FILTER (WHERE day BETWEEN cur - 364 AND target - 365) AS v365,
               sum(unreferenced_households + last_referenced)
                   FILTER (WHERE day BETWEEN cur - 364 AND target - 365) AS h365
        FROM coverage_cellday
        WHERE day BETWEEN cur - 29 AND target - 30
           OR day BETWEEN cur - 89 AND target - 90
           OR day BETWEEN cur - 179 AND target - 180
           OR day BETWEEN cur - 364 AND target - 365
        GROUP BY cell_id
    )
    UPDATE coverage_cellsummary s SET
        visits_30d = s.visits_30d - coalesce(x.v30, 0),
        households_30d = s.households_30d - coalesce(x.h30, 0),
        visits_90d = s.visits_90d - coalesce(x.v90, 0),
        households_90d = s.households_90d - coalesce(x.h90, 0),
        visits_180d = s.visits_180d - coalesce(x.v180, 0),
        households_180d = s.households_180d - coalesce(x.h180, 0),
        visits_365d = s.visits_365d - coalesce(x.v365, 0),
        households_365d = s.households_365d - coalesce(x.h365, 0)
    FROM x WHERE s.cell_id = x.cell_id;
    UPDATE coverage_coverageclock SET as_of = target WHERE id = 1;
    RETURN target;
END
$fn$;

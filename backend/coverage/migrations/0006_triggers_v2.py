"""Cheaper visit trigger: households counted through CellDay.last_referenced.

A referenced household adds 1 to `last_referenced` of its cell's day of latest visit (and moves
it when visited again), so households visited in a window are `sum(unreferenced_households +
last_referenced)` over the window's days: the daily roll and any window read CellDay only, and
CellHousehold needs no index but its unique key, so moving a last day is a HOT update. The
insert trigger is two statements (cells, then deputies + heat) besides the locks. Tables that
the triggers update in place get fillfactor 80 (room for HOT updates). Everything is then
recomputed from the visits.
"""

import importlib

from django.db import migrations

_0002 = importlib.import_module("backend.coverage.migrations.0002_triggers")
WINDOWS = _0002.WINDOWS
BATCH = _0002.BATCH


def _since(n: int, day: str = "clock_day") -> str:
    return f"{day} - {n - 1}"


def _windows(template: str, sep: str = ", ") -> str:
    return sep.join(template.format(n=n, since=_since(n), first=n - 1) for n in WINDOWS)


FUNCTIONS = r"""
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
    ) h ON h.cell_id = v.cell_id AND h.last_day = v.day;

    WITH target AS (
        SELECT cell_id FROM coverage_cellsummary WHERE ids IS NULL OR cell_id = ANY (ids)
    ), d AS (
        SELECT cell_id, sum(visits) AS visits,
               sum(unreferenced_households + last_referenced) AS households,
               __DAY_WINDOWS__
        FROM coverage_cellday WHERE ids IS NULL OR cell_id = ANY (ids) GROUP BY cell_id
    ), l AS (
        SELECT cell_id, max(recorded_at) AS last_at FROM visits_visit
        WHERE cell_id IS NOT NULL AND (ids IS NULL OR cell_id = ANY (ids)) GROUP BY cell_id
    )
    UPDATE coverage_cellsummary s SET
        last_visit_at = l.last_at,
        visits_total = coalesce(d.visits, 0),
        households_total = coalesce(d.households, 0),
        __SET_WINDOWS__
    FROM target t LEFT JOIN d USING (cell_id) LEFT JOIN l USING (cell_id)
    WHERE s.cell_id = t.cell_id;

    PERFORM coverage_heat_rebuild(
        CASE WHEN ids IS NULL THEN NULL
             ELSE ARRAY(SELECT h3_r7 FROM coverage_cellsummary
                        WHERE cell_id = ANY (ids) AND h3_r7 IS NOT NULL) END);
END
$fn$;

-- New visits: incremental and set-based; rows locked in key order.
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

    -- the summaries first, in key order: every other row of a cell is touched after its summary
    PERFORM 1 FROM coverage_cellsummary
    WHERE cell_id IN (SELECT cell_id FROM new_visits)
    ORDER BY cell_id FOR UPDATE;

    WITH b AS MATERIALIZED __BATCH__,
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
        SELECT cell_id, day, sum(visits) AS visits, sum(unref) AS unref, sum(refv) AS refv,
               sum(lastref) AS lastref
        FROM (
            SELECT cell_id, day, count(*) AS visits,
                   coalesce(sum(households) FILTER (WHERE is_household AND household_ref = ''),
                            0) AS unref,
                   count(*) FILTER (WHERE is_household AND household_ref <> '') AS refv,
                   0 AS lastref
            FROM b GROUP BY cell_id, day
            UNION ALL
            SELECT cell_id, day, 0, 0, 0, n FROM moved
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
        SELECT days.cell_id, sum(days.visits) AS visits,
               sum(days.unref + days.lastref) AS households,
               __ADD_DAY_WINDOWS__
        FROM days GROUP BY days.cell_id
    ),
    last_at AS (SELECT cell_id, max(recorded_at) AS at FROM b GROUP BY cell_id)
    UPDATE coverage_cellsummary s SET
        last_visit_at = greatest(s.last_visit_at, last_at.at),
        visits_total = s.visits_total + x.visits,
        households_total = s.households_total + x.households,
        __ADD_WINDOWS__
    FROM x JOIN last_at USING (cell_id)
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
    FROM __BATCH__ AS v
    JOIN coverage_cellsummary s ON s.cell_id = v.cell_id
    CROSS JOIN unnest('{4,5,6,7}'::int[]) AS r
    WHERE s.h3_r7 IS NOT NULL
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (resolution, h3, day, adcode) DO UPDATE SET
        visits = hb.visits + EXCLUDED.visits, households = hb.households + EXCLUDED.households;

    RETURN NULL;
END
$fn$;

-- Move the standard windows to `target`: subtract the days that left each window.
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
        SELECT cell_id, __LEAVING__
        FROM coverage_cellday WHERE __LEAVING_RANGES__ GROUP BY cell_id
    )
    UPDATE coverage_cellsummary s SET
        __SUB_WINDOWS__
    FROM x WHERE s.cell_id = x.cell_id;
    UPDATE coverage_coverageclock SET as_of = target WHERE id = 1;
    RETURN target;
END
$fn$;
"""


def _window_updates(sign: str) -> str:
    return _windows(
        "visits_{n}d = s.visits_{n}d " + sign + " coalesce(x.v{n}, 0), "
        "households_{n}d = s.households_{n}d " + sign + " coalesce(x.h{n}, 0)", ",\n        "
    )


def fill(sql: str) -> str:
    parts = {
        "__BATCH__": BATCH,
        "__DAY_WINDOWS__": _windows(
            "sum(visits) FILTER (WHERE day >= {since}) AS v{n}, "
            "sum(unreferenced_households + last_referenced) FILTER (WHERE day >= {since}) "
            "AS h{n}"
        ),
        "__SET_WINDOWS__": _windows(
            "visits_{n}d = coalesce(d.v{n}, 0), households_{n}d = coalesce(d.h{n}, 0)",
            ",\n        ",
        ),
        "__ADD_DAY_WINDOWS__": _windows(
            "coalesce(sum(days.visits) FILTER (WHERE days.day >= {since}), 0) AS v{n}, "
            "coalesce(sum(days.unref + days.lastref) FILTER (WHERE days.day >= {since}), 0) "
            "AS h{n}"
        ),
        "__ADD_WINDOWS__": _window_updates("+"),
        "__LEAVING__": _windows(
            "sum(visits) FILTER (WHERE day BETWEEN cur - {first} AND target - {n}) AS v{n}, "
            "sum(unreferenced_households + last_referenced) "
            "FILTER (WHERE day BETWEEN cur - {first} AND target - {n}) AS h{n}"
        ),
        "__LEAVING_RANGES__": _windows("day BETWEEN cur - {first} AND target - {n}", " OR "),
        "__SUB_WINDOWS__": _window_updates("-"),
    }
    for key, value in parts.items():
        sql = sql.replace(key, value)
    return sql


FILLFACTOR = """
-- (a database default too, so that the 0002 functions still work if this is reversed)
ALTER TABLE coverage_cellday ALTER COLUMN last_referenced SET DEFAULT 0;
ALTER TABLE coverage_cellsummary SET (fillfactor = 80);
ALTER TABLE coverage_cellday SET (fillfactor = 80);
ALTER TABLE coverage_cellhousehold SET (fillfactor = 80);
ALTER TABLE coverage_heatbin SET (fillfactor = 80);
ALTER TABLE coverage_deputysummary SET (fillfactor = 80);
"""


class Migration(migrations.Migration):
    dependencies = [("coverage", "0005_fewer_indexes_last_referenced")]

    operations = [
        migrations.RunSQL(
            fill(FUNCTIONS) + FILLFACTOR + "SELECT coverage_rebuild();",
            _0002._fill(_0002.FUNCTIONS) + "SELECT coverage_rebuild();",
        ),
    ]

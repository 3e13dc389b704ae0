"""Assignment suggestions: which deputies to assign a cell to, with the facts that explain it."""

from __future__ import annotations

from backend.accounts.jurisdiction import Jurisdiction
from backend.core.db import fetch_dicts

from .rollups import YEARLY_HOUSEHOLD_TARGET

# Candidate district cells taken by bounding-box distance before ranking in metres: generous, so
# that the metric top few are always among them (degrees distort distance ~12% at 28°N).
SUGGESTION_PREFILTER_CELLS = 200
SUGGESTION_NEAREST_STATIONS = 3


def assignment_suggestions(
    *, jurisdiction: Jurisdiction, cell_ids: list[int], year_start, per_cell: int = 5
) -> list[dict]:
    """Deputies to assign each cell to, best first, with the facts that explain the choice.

    Candidates (of the cell's county, with a current mandate): those whose electoral district
    (its cells, or else its region) contains the cell or lies nearest to it, and members of the
    nearest stations. Ranked by: district contains the cell; district distance (m); station
    distance (m); fewer cells assigned. Distances on the spheroid (geography), never degrees.
    """
    # One statement for any number of cells, set-based: the nearest district cells of every
    # selected cell are found first (KNN, the mandate check an index probe per neighbour) and
    # each neighbour's distance is computed once; the per-deputy facts (cells assigned,
    # households still to visit) once per deputy, the latter only for the deputies kept.
    sql = """
        WITH t AS (
            SELECT c.id, c.code, c.boundary, c.adcode, c.county_adcode,
                   ST_PointOnSurface(c.boundary) AS p
            FROM grid_gridcell c WHERE c.id = ANY(%(ids)s) AND c.adcode LIKE %(scope)s
        ),
        near AS MATERIALIZED (
            SELECT t.id AS cell_id, n.id AS near_id,
                   ST_Distance(t.boundary::geography, n.boundary::geography) AS distance_m
            FROM t CROSS JOIN LATERAL (
                SELECT gc.id, gc.boundary FROM grid_gridcell gc
                WHERE gc.county_adcode = t.county_adcode
                  -- scalar subqueries, not EXISTS or a join: probed per neighbour through
                  -- the gridcell index, then the mandate by key (the planner otherwise walks
                  -- every current mandate of the county for each neighbour)
                  AND (SELECT true FROM liaison_mandate_district_cells mc
                       WHERE mc.gridcell_id = gc.id
                         AND (SELECT mm.status FROM liaison_mandate mm
                              WHERE mm.id = mc.mandate_id) = 'current'
                       LIMIT 1)
                ORDER BY gc.boundary <-> t.boundary LIMIT %(prefilter)s
            ) n
        ),
        cand AS (
            SELECT near.cell_id, dm.deputy_id, min(near.distance_m) AS distance_m
            FROM near CROSS JOIN LATERAL (  -- the neighbour's mandates, through its index
                SELECT m.deputy_id FROM liaison_mandate_district_cells mc
                JOIN liaison_mandate m ON m.id = mc.mandate_id AND m.status = 'current'
                WHERE mc.gridcell_id = near.near_id
                OFFSET 0  -- kept a parameterised loop: not flattened into a hash join
            ) dm
            GROUP BY near.cell_id, dm.deputy_id
            UNION ALL
            SELECT t.id, m.deputy_id, 0.0
            FROM t JOIN regions_region r ON t.adcode LIKE r.adcode || '%%'
            JOIN liaison_mandate m ON m.district_region_id = r.id AND m.status = 'current'
            WHERE NOT EXISTS (SELECT 1 FROM liaison_mandate_district_cells mc
                              WHERE mc.mandate_id = m.id)
            UNION ALL
            SELECT t.id, sm.deputy_id, NULL
            FROM t CROSS JOIN LATERAL (
                SELECT s.id FROM liaison_station s WHERE s.county_adcode = t.county_adcode
                ORDER BY s.location <-> t.p LIMIT %(stations)s) ns
            JOIN liaison_stationmembership sm ON sm.station_id = ns.id AND sm.until IS NULL
        ),
        best AS (
            SELECT cell_id, deputy_id, min(distance_m) AS distance_m FROM cand GROUP BY 1, 2
        ),
        pairs AS (
            SELECT t.id AS cell_id, t.code, t.adcode, t.p, d.id AS deputy_id, d.name,
                   b.distance_m
            FROM best b
            JOIN t ON t.id = b.cell_id
            JOIN liaison_deputy d ON d.id = b.deputy_id AND d.county_adcode = t.county_adcode
        ),
        -- per deputy once, however many selected cells they are a candidate for
        load AS MATERIALIZED (
            SELECT a.deputy_id, count(*) AS cells_assigned
            FROM grid_gridassignment a
            WHERE a.status = 'active' AND a.deputy_id IN (SELECT deputy_id FROM pairs)
            GROUP BY a.deputy_id
        ),
        facts AS (
            SELECT p.cell_id, p.code, p.deputy_id, p.name, p.distance_m,
                   EXISTS (
                       SELECT 1 FROM liaison_mandate m
                       LEFT JOIN regions_region r ON r.id = m.district_region_id
                       WHERE m.deputy_id = p.deputy_id AND m.status = 'current' AND (
                           EXISTS (SELECT 1 FROM liaison_mandate_district_cells mc
                                   WHERE mc.mandate_id = m.id AND mc.gridcell_id = p.cell_id)
                           OR (r.adcode IS NOT NULL AND p.adcode LIKE r.adcode || '%%'
                               AND NOT EXISTS (SELECT 1 FROM liaison_mandate_district_cells mc
                                               WHERE mc.mandate_id = m.id)))
                   ) AS in_district,
                   st.id AS station_id, st.name AS station_name,
                   st.distance_m AS station_distance_m,
                   coalesce(l.cells_assigned, 0) AS cells_assigned,
                   EXISTS (SELECT 1 FROM grid_gridassignment a WHERE a.deputy_id = p.deputy_id
                           AND a.cell_id = p.cell_id AND a.status = 'active') AS already_assigned
            FROM pairs p
            LEFT JOIN load l ON l.deputy_id = p.deputy_id
            LEFT JOIN LATERAL (
                SELECT s.id, s.name,
                       ST_Distance(s.location::geography, p.p::geography) AS distance_m
                FROM liaison_stationmembership sm JOIN liaison_station s ON s.id = sm.station_id
                WHERE sm.deputy_id = p.deputy_id AND sm.until IS NULL
                ORDER BY 3, s.id LIMIT 1
            ) st ON true
        ),
        kept AS (
            SELECT * FROM (
                SELECT f.*, row_number() OVER (
                    PARTITION BY f.cell_id
                    ORDER BY f.in_district DESC, f.distance_m NULLS LAST,
                             f.station_distance_m NULLS LAST, f.cells_assigned, f.deputy_id)
                    AS rank
                FROM facts f WHERE NOT f.already_assigned
            ) ranked
            WHERE rank <= %(per_cell)s
        ),
        -- households still to visit this year: only for the deputies kept, once each
        todo AS (
            SELECT v.deputy_id,
                   count(DISTINCT v.household_ref) FILTER (WHERE v.household_ref <> '')
                   + coalesce(sum(v.households) FILTER (WHERE v.household_ref = ''), 0)
                       AS visited
            FROM visits_visit v
            WHERE v.deputy_id IN (SELECT deputy_id FROM kept) AND v.kind = 'household'
              AND v.recorded_at >= %(year_start)s
            GROUP BY v.deputy_id
        )
        SELECT k.cell_id, k.code, k.deputy_id, k.name, k.distance_m, k.in_district,
               k.station_id, k.station_name, k.station_distance_m, k.cells_assigned,
               greatest(0, %(target)s - coalesce(todo.visited, 0)) AS households_to_visit,
               k.already_assigned, k.rank
        FROM kept k LEFT JOIN todo ON todo.deputy_id = k.deputy_id
        ORDER BY k.cell_id, k.rank
    """
    params = {
        "ids": list(cell_ids),
        "scope": jurisdiction.sql_like(),
        "prefilter": SUGGESTION_PREFILTER_CELLS,
        "stations": SUGGESTION_NEAREST_STATIONS,
        "target": YEARLY_HOUSEHOLD_TARGET,
        "year_start": year_start,
        "per_cell": per_cell,
    }
    return fetch_dicts(sql, params)

"""Assignment suggestions: which deputies to assign a cell to, with the facts that explain it."""

from __future__ import annotations

from backend.accounts.jurisdiction import Jurisdiction
from backend.core.db import fetch_dicts

from .rollups import YEARLY_HOUSEHOLD_TARGET

# Candidate district cells taken by bounding-box distance before ranking in metres: generous, so
# that the metric top few are always among them (degrees distort distance ~12% at 28°N).
SUGGESTION_PREFILTER_CELLS = 200
SUGGESTION_NEAREST_STATIONS = 3
# Degrees-to-metres anisotropy bound (1/cos latitude, 1.7 at China's north end; see the SQL).
SUGGESTION_PLANAR_SLACK = 2.0


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
        near AS MATERIALIZED (  -- planar distance (degrees) only: the KNN order computes it
            SELECT t.id AS cell_id, n.id AS near_id, n.d
            FROM t CROSS JOIN LATERAL (
                SELECT gc.id, gc.boundary <-> t.boundary AS d FROM grid_gridcell gc
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
        near_deputies AS MATERIALIZED (  -- each distinct district cell's deputies once
            SELECT nd.near_id, dm.deputy_id
            FROM (SELECT DISTINCT near_id FROM near) nd CROSS JOIN LATERAL (
                SELECT m.deputy_id FROM liaison_mandate_district_cells mc
                JOIN liaison_mandate m ON m.id = mc.mandate_id AND m.status = 'current'
                WHERE mc.gridcell_id = nd.near_id
                OFFSET 0  -- kept a parameterised loop: not flattened into a hash join
            ) dm
        ),
        near_deputy AS MATERIALIZED (  -- (cell, district cell, its deputy, degrees), once
            SELECT n.cell_id, n.near_id, nd.deputy_id, n.d
            FROM near n JOIN near_deputies nd ON nd.near_id = n.near_id
        ),
        deputy_near AS MATERIALIZED (  -- each (cell, deputy): its nearest district cell, degrees
            SELECT cell_id, deputy_id, min(d) AS d_min FROM near_deputy GROUP BY 1, 2
        ),
        -- Metres per degree vary with direction by at most 1/cos(latitude) (< 2 below 60°N):
        -- a deputy more than SLACK times as far in degrees as the cell's per_cell-th nearest
        -- eligible deputy is farther in metres than per_cell others and cannot be kept, and a
        -- district cell more than SLACK times as far as the deputy's nearest one cannot be its
        -- nearest in metres. Geodesic distances are computed only for what is left.
        cutoff AS MATERIALIZED (
            SELECT cell_id, d_min AS d_cut FROM (
                SELECT dn.cell_id, dn.d_min,
                       row_number() OVER (PARTITION BY dn.cell_id ORDER BY dn.d_min) AS n
                FROM deputy_near dn
                JOIN t ON t.id = dn.cell_id
                JOIN liaison_deputy d ON d.id = dn.deputy_id AND d.county_adcode = t.county_adcode
                WHERE NOT EXISTS (SELECT 1 FROM grid_gridassignment a
                                  WHERE a.deputy_id = dn.deputy_id AND a.cell_id = dn.cell_id
                                    AND a.status = 'active')
            ) ranked WHERE n = %(per_cell)s
        ),
        contender_near AS MATERIALIZED (
            SELECT nd.cell_id, nd.near_id, nd.deputy_id
            FROM (
                SELECT dn.cell_id, dn.deputy_id, dn.d_min FROM deputy_near dn
                LEFT JOIN cutoff c ON c.cell_id = dn.cell_id
                WHERE c.d_cut IS NULL OR dn.d_min <= %(planar_slack)s * c.d_cut
            ) dn
            JOIN near_deputy nd ON nd.cell_id = dn.cell_id AND nd.deputy_id = dn.deputy_id
            WHERE nd.d <= %(planar_slack)s * dn.d_min
        ),
        measured AS MATERIALIZED (  -- each (cell, district cell) pair measured once
            SELECT k.cell_id, k.near_id,
                   ST_Distance(t.boundary::geography, gc.boundary::geography) AS distance_m
            FROM (SELECT DISTINCT cell_id, near_id FROM contender_near) k
            JOIN t ON t.id = k.cell_id
            JOIN grid_gridcell gc ON gc.id = k.near_id
        ),
        cand AS (
            SELECT cn.cell_id, cn.deputy_id, min(ms.distance_m) AS distance_m
            FROM contender_near cn
            JOIN measured ms ON ms.cell_id = cn.cell_id AND ms.near_id = cn.near_id
            GROUP BY cn.cell_id, cn.deputy_id
            UNION ALL
            SELECT t.id, m.deputy_id, 0.0
            FROM t JOIN regions_region r ON t.adcode LIKE r.adcode || '%%'
            JOIN liaison_mandate m ON m.district_region_id = r.id AND m.status = 'current'
            WHERE NOT EXISTS (SELECT 1 FROM liaison_mandate_district_cells mc
                              WHERE mc.mandate_id = m.id)
            UNION ALL
            -- station members rank after every district candidate: needed only for the cells
            -- with fewer than per_cell eligible district deputies (no cutoff)
            SELECT t.id, sm.deputy_id, NULL
            FROM t CROSS JOIN LATERAL (
                SELECT s.id FROM liaison_station s WHERE s.county_adcode = t.county_adcode
                ORDER BY s.location <-> t.p LIMIT %(stations)s) ns
            JOIN liaison_stationmembership sm ON sm.station_id = ns.id AND sm.until IS NULL
            WHERE NOT EXISTS (SELECT 1 FROM cutoff c WHERE c.cell_id = t.id)
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
                   -- an index probe per pair (a join to per-deputy counts was planned as a
                   -- nested loop over a CTE the planner thought had one row)
                   (SELECT count(*) FROM grid_gridassignment a
                    WHERE a.deputy_id = p.deputy_id AND a.status = 'active') AS cells_assigned,
                   EXISTS (SELECT 1 FROM grid_gridassignment a WHERE a.deputy_id = p.deputy_id
                           AND a.cell_id = p.cell_id AND a.status = 'active') AS already_assigned
            FROM pairs p
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
        "planar_slack": SUGGESTION_PLANAR_SLACK,
        "target": YEARLY_HOUSEHOLD_TARGET,
        "year_start": year_start,
        "per_cell": per_cell,
    }
    return fetch_dicts(sql, params)

"""Assignment suggestions: which deputies to assign a cell to, with the facts that explain it."""

from __future__ import annotations

from backend.core.db import fetch_dicts

from .rollups import YEARLY_HOUSEHOLD_TARGET

# Candidate district cells taken by bounding-box distance before ranking in metres: generous, so
# that the metric top few are always among them (degrees distort distance ~12% at 28°N).
SUGGESTION_PREFILTER_CELLS = 200
SUGGESTION_NEAREST_STATIONS = 3


def assignment_suggestions(
    *, scope: str, cell_ids: list[int], year_start, per_cell: int = 5
) -> list[dict]:
    """Deputies to assign each cell to, best first, with the facts that explain the choice.

    Candidates (of the cell's county, with a current mandate): those whose electoral district
    (its cells, or else its region) contains the cell or lies nearest to it, and members of the
    nearest stations. Ranked by: district contains the cell; district distance (m); station
    distance (m); fewer cells assigned. Distances on the spheroid (geography), never degrees.
    """
    sql = """
        WITH t AS (
            SELECT c.id, c.code, c.boundary, c.adcode, c.county_adcode,
                   ST_PointOnSurface(c.boundary) AS p
            FROM grid_gridcell c WHERE c.id = ANY(%(ids)s) AND c.adcode LIKE %(scope)s
        ),
        cand AS (
            SELECT t.id AS cell_id, k.deputy_id, k.distance_m
            FROM t CROSS JOIN LATERAL (
                SELECT m.deputy_id,
                       min(ST_Distance(t.boundary::geography, n.boundary::geography)) AS distance_m
                FROM (SELECT gc.id, gc.boundary FROM grid_gridcell gc
                      WHERE gc.county_adcode = t.county_adcode AND EXISTS (
                          SELECT 1 FROM liaison_mandate_district_cells mc
                          JOIN liaison_mandate mm ON mm.id = mc.mandate_id
                          WHERE mc.gridcell_id = gc.id AND mm.status = 'current')
                      ORDER BY gc.boundary <-> t.boundary LIMIT %(prefilter)s) n
                JOIN liaison_mandate_district_cells mc ON mc.gridcell_id = n.id
                JOIN liaison_mandate m ON m.id = mc.mandate_id AND m.status = 'current'
                GROUP BY m.deputy_id
            ) k
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
        facts AS (
            SELECT t.id AS cell_id, t.code, d.id AS deputy_id, d.name, b.distance_m,
                   EXISTS (
                       SELECT 1 FROM liaison_mandate m
                       LEFT JOIN regions_region r ON r.id = m.district_region_id
                       WHERE m.deputy_id = d.id AND m.status = 'current' AND (
                           EXISTS (SELECT 1 FROM liaison_mandate_district_cells mc
                                   WHERE mc.mandate_id = m.id AND mc.gridcell_id = t.id)
                           OR (r.adcode IS NOT NULL AND t.adcode LIKE r.adcode || '%%'
                               AND NOT EXISTS (SELECT 1 FROM liaison_mandate_district_cells mc
                                               WHERE mc.mandate_id = m.id)))
                   ) AS in_district,
                   st.id AS station_id, st.name AS station_name,
                   st.distance_m AS station_distance_m,
                   (SELECT count(*) FROM grid_gridassignment a
                    WHERE a.deputy_id = d.id AND a.status = 'active') AS cells_assigned,
                   greatest(0, %(target)s - (
                       SELECT count(DISTINCT v.household_ref) FILTER (WHERE v.household_ref <> '')
                              + coalesce(sum(v.households) FILTER (WHERE v.household_ref = ''), 0)
                       FROM visits_visit v
                       WHERE v.deputy_id = d.id AND v.kind = 'household'
                         AND v.recorded_at >= %(year_start)s)) AS households_to_visit,
                   EXISTS (SELECT 1 FROM grid_gridassignment a WHERE a.deputy_id = d.id
                           AND a.cell_id = t.id AND a.status = 'active') AS already_assigned
            FROM best b
            JOIN t ON t.id = b.cell_id
            JOIN liaison_deputy d ON d.id = b.deputy_id AND d.county_adcode = t.county_adcode
            LEFT JOIN LATERAL (
                SELECT s.id, s.name,
                       ST_Distance(s.location::geography, t.p::geography) AS distance_m
                FROM liaison_stationmembership sm JOIN liaison_station s ON s.id = sm.station_id
                WHERE sm.deputy_id = d.id AND sm.until IS NULL
                ORDER BY 3, s.id LIMIT 1
            ) st ON true
        )
        SELECT * FROM (
            SELECT f.*, row_number() OVER (
                PARTITION BY f.cell_id
                ORDER BY f.in_district DESC, f.distance_m NULLS LAST,
                         f.station_distance_m NULLS LAST, f.cells_assigned, f.deputy_id) AS rank
            FROM facts f WHERE NOT f.already_assigned
        ) ranked
        WHERE rank <= %(per_cell)s
        ORDER BY cell_id, rank
    """
    params = {
        "ids": list(cell_ids),
        "scope": scope + "%",
        "prefilter": SUGGESTION_PREFILTER_CELLS,
        "stations": SUGGESTION_NEAREST_STATIONS,
        "target": YEARLY_HOUSEHOLD_TARGET,
        "year_start": year_start,
        "per_cell": per_cell,
    }
    return fetch_dicts(sql, params)

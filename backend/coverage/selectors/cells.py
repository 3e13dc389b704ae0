"""Per-cell coverage rows: the one statement every coverage read builds on, and the SQL that
reads a cell's numbers in a window (summary columns for a rolled standard window, else CellDay).

`cell_rows_sql(window)` is the per-cell row (state, visits, households visited, ratio) inside
`%(scope)s`; rollups, gaps and the GeoJSON wrap it. `scope_params` turns the caller's
Jurisdiction into that LIKE pattern.
"""

# ruff: noqa: S608 - SQL assembled from this module's fragments; every value is a parameter.
from __future__ import annotations

from backend.accounts.jurisdiction import Jurisdiction
from backend.core.db import fetch_dicts
from backend.core.geo import STORAGE_SRID

from ..windows import Window

# The `bbox` parameter (w, s, e, n in degrees) as a storage geometry.
BBOX_ENVELOPE = f"ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, {STORAGE_SRID})"


def cell_window_sql(window: Window, *, summary: str = "s", cell: str = "c") -> tuple[str, str]:
    """SQL expressions (visits, households_visited) of cell `cell` in `window`.

    Standard windows read `summary`'s columns (the clock is at `today`); other windows, and
    standard ones not rolled yet, sum CellDay rows (the parameter `%(since)s`).
    """
    if window.standard:
        n = window.days
        return (f"coalesce({summary}.visits_{n}d, 0)", f"coalesce({summary}.households_{n}d, 0)")
    visits = (
        f"coalesce((SELECT sum(d.visits) FROM coverage_cellday d "
        f"WHERE d.cell_id = {cell}.id AND d.day >= %(since)s), 0)"
    )
    households = (
        f"coalesce((SELECT sum(d.unreferenced_households + d.last_referenced) "
        f"FROM coverage_cellday d WHERE d.cell_id = {cell}.id AND d.day >= %(since)s), 0)"
    )
    return visits, households


STATE_SQL = (
    "CASE WHEN {s}.last_visit_at IS NULL THEN 'never' "
    "WHEN {s}.last_visit_at >= %(since_at)s THEN 'covered' ELSE 'stale' END"
)


def state_sql(summary: str = "s") -> str:
    """'covered' (visited in the window) / 'stale' (visited before) / 'never'."""
    return STATE_SQL.format(s=summary)


def ratio_sql(households_visited: str, households: str, visits: str) -> str:
    """Households visited / households in the cell, capped at 1; a cell without households
    counts as fully covered when it was visited in the window."""
    return (
        f"(CASE WHEN {households} > 0 "
        f"THEN least(1.0, ({households_visited})::float8 / {households}) "
        f"WHEN ({visits}) > 0 THEN 1.0 ELSE 0.0 END)"
    )


def window_params(window: Window) -> dict:
    return {"since": window.since, "since_at": window.since_at, "today": window.today}


def scope_params(jurisdiction: Jurisdiction, window: Window) -> dict:
    """The parameters every windowed coverage statement takes: `scope` (the jurisdiction's
    adcode prefix as a LIKE pattern; NotFound without region-wide reads) and the window."""
    return {"scope": jurisdiction.sql_like(), **window_params(window)}


def cell_rows_sql(window: Window, *, where: str = "", geometry: bool = False) -> str:
    """Per-cell coverage rows inside %(scope)s (+ `where`), with the contract's properties."""
    visits, households_visited = cell_window_sql(window)
    geom = (
        # RFC 7946 ring order (exterior counter-clockwise), whatever order was imported
        ", ST_AsGeoJSON(ST_ForcePolygonCCW(coalesce(c.display_boundary, c.boundary)), 6)"
        " AS geometry"
        if geometry
        else ""
    )
    return f"""
        SELECT x.*, {ratio_sql("x.households_visited", "x.households", "x.visits")}
                   AS coverage_ratio
        FROM (
            SELECT c.id, c.code, c.name, c.adcode, c.households, s.last_visit_at AS last_visit,
                   {visits} AS visits, {households_visited} AS households_visited,
                   {state_sql()} AS state,
                   coalesce(s.assigned, false) AS assigned
                   {geom}
            FROM grid_gridcell c
            LEFT JOIN coverage_cellsummary s ON s.cell_id = c.id
            WHERE c.adcode LIKE %(scope)s {where}
        ) x
    """


def coverage_by_cell_query(
    *,
    jurisdiction: Jurisdiction,
    window: Window,
    cell_ids: list[int] | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    state: str | None = None,
    geometry: bool = False,
    limit: int | None = None,
) -> tuple[str, dict]:
    """The statement of `coverage_by_cell` (also wrapped into GeoJSON by the map data API)."""
    params = scope_params(jurisdiction, window)
    where = ""
    if cell_ids is not None:
        where += " AND c.id = ANY(%(ids)s)"
        params["ids"] = list(cell_ids)
    if bbox is not None:
        where += f" AND c.boundary && {BBOX_ENVELOPE}"
        params.update(w=bbox[0], s=bbox[1], e=bbox[2], n=bbox[3])
    sql = cell_rows_sql(window, where=where, geometry=geometry)
    if state is not None:
        sql = f"SELECT * FROM ({sql}) y WHERE y.state = %(state)s"
        params["state"] = state
    sql += " ORDER BY code"
    if limit is not None:
        sql += " LIMIT %(limit)s"
        params["limit"] = limit
    return sql, params


def coverage_by_cell(**kwargs) -> list[dict]:
    """Coverage of every cell in the jurisdiction (optionally: these ids, this bbox, this state):
    id, code, name, adcode, households, last_visit, visits, households_visited, state,
    assigned, coverage_ratio (and geometry as GeoJSON text)."""
    sql, params = coverage_by_cell_query(**kwargs)
    return fetch_dicts(sql, params)

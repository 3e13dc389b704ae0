"""Coverage gaps: the uncovered cells, most urgent first."""

# ruff: noqa: S608 - SQL assembled from this module's fragments; every value is a parameter.
from __future__ import annotations

from backend.accounts.jurisdiction import Jurisdiction
from backend.core.db import fetch_dicts
from backend.opinions.models import OPEN_STATUSES

from ..windows import Window
from .cells import cell_rows_sql, scope_params

# Gap ranking: a never-visited cell counts as this many days without a visit, and an open
# opinion in the cell adds as much as 1,000 household-days (10 households unvisited 100 days).
NEVER_VISITED_DAYS = 730
OPEN_OPINION_WEIGHT = 1_000


def coverage_gaps(*, jurisdiction: Jurisdiction, window: Window, limit: int = 50) -> list[dict]:
    """Uncovered (stale or never visited) cells, most urgent first:
    score = households × days since the last visit (never: 730) + 1,000 × open opinions."""
    sql = f"""
        SELECT g.*, g.households * coalesce(g.days_since_visit, %(never_days)s)
                    + %(opinion_weight)s * g.open_opinions AS score
        FROM (
            SELECT c.id AS cell_id, c.code, c.name, c.households, x.state,
                   (%(today)s::date
                    - (s.last_visit_at AT TIME ZONE 'Asia/Shanghai')::date) AS days_since_visit,
                   (SELECT count(*) FROM opinions_opinion o
                    WHERE o.cell_id = c.id AND o.status = ANY(%(open)s)) AS open_opinions
            FROM ({cell_rows_sql(window)}) x
            JOIN grid_gridcell c ON c.id = x.id
            LEFT JOIN coverage_cellsummary s ON s.cell_id = c.id
            WHERE x.state <> 'covered'
        ) g
        ORDER BY score DESC, g.code
        LIMIT %(limit)s
    """
    params = {
        **scope_params(jurisdiction, window),
        "never_days": NEVER_VISITED_DAYS,
        "opinion_weight": OPEN_OPINION_WEIGHT,
        "open": [str(s) for s in OPEN_STATUSES],
        "limit": limit,
    }
    return fetch_dicts(sql, params)

"""Coverage analytics and the map's reads (reads only). One SQL statement per selector, no
per-row Python loops. This package is the home of the SQL over coverage_*, liaison_station and
regions_region that the map and the phone read; map_ui only parses, calls one and responds.

Modules: `cells` (the per-cell row every read builds on), `rollups` (township / county /
station / deputy, a region's panel), `gaps`, `suggestions` (whom to assign a cell to),
`clusters` (opinion clusters), `geojson` (cells, stations, links, bounds as GeoJSON), `tiles`
(vector tiles), `clock` (the coverage clock as readers see it).

Every selector takes `jurisdiction`: the caller's Jurisdiction (backend.accounts.access
.jurisdiction_of), narrowed to the region shown with `Jurisdiction.within`; the SQL filters on
its adcode prefix (`%(scope)s`, from `scope_params`). Standard windows read the
per-cell summaries when the clock is at the window's day (`coverage_clock_day`, passed to
`window_of` by the map views); reads never roll the clock (the job `coverage.roll` does).

Definitions (docs/api-map.md):
- cell state: `covered` (visited in the window), `stale` (visited, not in the window), `never`;
- households visited: distinct household references + households of unreferenced household
  visits, in the window; coverage ratio = that / households in the cell, capped at 1;
- region coverage = covered cells / cells.
"""

from .cells import (
    cell_rows_sql,
    cell_window_sql,
    coverage_by_cell,
    coverage_by_cell_query,
    scope_params,
)
from .clock import coverage_clock_day, coverage_clock_forget
from .clusters import cluster_members, opinion_clusters
from .gaps import NEVER_VISITED_DAYS, OPEN_OPINION_WEIGHT, coverage_gaps
from .rollups import (
    ROLLUP_LEVELS,
    YEARLY_HOUSEHOLD_TARGET,
    coverage_by_deputy,
    coverage_by_station,
    coverage_rollup,
    region_stats,
    region_stats_query,
)
from .suggestions import (
    SUGGESTION_NEAREST_STATIONS,
    SUGGESTION_PREFILTER_CELLS,
    assignment_suggestions,
)

__all__ = [
    "NEVER_VISITED_DAYS",
    "OPEN_OPINION_WEIGHT",
    "ROLLUP_LEVELS",
    "SUGGESTION_NEAREST_STATIONS",
    "SUGGESTION_PREFILTER_CELLS",
    "YEARLY_HOUSEHOLD_TARGET",
    "assignment_suggestions",
    "cell_rows_sql",
    "cell_window_sql",
    "cluster_members",
    "coverage_by_cell",
    "coverage_by_cell_query",
    "coverage_by_deputy",
    "coverage_by_station",
    "coverage_clock_day",
    "coverage_clock_forget",
    "coverage_gaps",
    "coverage_rollup",
    "opinion_clusters",
    "region_stats",
    "region_stats_query",
    "scope_params",
]

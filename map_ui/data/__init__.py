"""Map data for the dashboards: vector tiles, TileJSON and JSON/GeoJSON under /api/map/v1/.

Everything here is scoped to the caller's jurisdiction (an adcode prefix) inside the SQL, answers
errors as JSON `{"code", "message"}` and never ships raw visit points (aggregates only).
"""

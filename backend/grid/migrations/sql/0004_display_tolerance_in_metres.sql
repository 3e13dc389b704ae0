-- The simplified copy of a cell boundary drawn on maps: simplified with topology preserved by the
-- display rule of backend/core/geo.py (a cell: 3 m, as degrees: metres / 111320), made valid, kept
-- polygonal and multi; the boundary itself when the result would be empty or invalid.
-- tests/backend/test_geo.py checks that this tolerance is the rule's.

CREATE OR REPLACE FUNCTION grid_display_boundary(boundary geometry) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT CASE
        WHEN s IS NULL OR ST_IsEmpty(s) OR NOT ST_IsValid(s) THEN boundary
        ELSE s END
    FROM (SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(
                 ST_SimplifyPreserveTopology(boundary, 3 / 111320.0)), 3)) AS s) x
$fn$;

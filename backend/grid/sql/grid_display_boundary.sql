-- The simplified copy of a cell boundary drawn on maps: simplified with topology preserved at
-- ~10 m (1e-4 degrees), made valid, kept polygonal and multi; the boundary itself when the result
-- would be empty or invalid.

CREATE OR REPLACE FUNCTION grid_display_boundary(boundary geometry) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT CASE
        WHEN s IS NULL OR ST_IsEmpty(s) OR NOT ST_IsValid(s) THEN boundary
        ELSE s END
    FROM (SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(
                 ST_SimplifyPreserveTopology(boundary, 0.0001)), 3)) AS s) x
$fn$;

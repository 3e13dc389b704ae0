-- A cluster's convex hull (in a metric CRS) fit for drawing: hulls of collinear or nearly
-- collinear opinions are points, lines or slivers; those thinner than 25 m (area < 25 m x half
-- the perimeter) are drawn as the hull buffered by 25 m.

CREATE OR REPLACE FUNCTION coverage_display_hull(hull geometry) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT CASE
        WHEN ST_Dimension(hull) < 2 OR ST_Area(hull) < 25.0 * ST_Perimeter(hull) / 2.0
        THEN ST_Buffer(hull, 25.0, 8)
        ELSE hull END
$fn$;

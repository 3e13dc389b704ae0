"""`coverage_display_hull(hull)`: a cluster's convex hull (in a metric CRS) fit for drawing.

Hulls of collinear or nearly collinear opinions are points, lines or slivers: those thinner than
25 m (area < 25 m × half the perimeter) are drawn as the hull buffered by 25 m.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION coverage_display_hull(hull geometry) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT CASE
        WHEN ST_Dimension(hull) < 2 OR ST_Area(hull) < 25.0 * ST_Perimeter(hull) / 2.0
        THEN ST_Buffer(hull, 25.0, 8)
        ELSE hull END
$fn$;
"""


class Migration(migrations.Migration):
    dependencies = [("coverage", "0003_clock_fallback")]

    operations = [
        migrations.RunSQL(FORWARD, "DROP FUNCTION IF EXISTS coverage_display_hull(geometry);")
    ]

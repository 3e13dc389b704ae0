"""Keep `GridCell.display_boundary` (the simplified copy drawn on maps) current in the database.

Whoever writes cells (importers, the grid generator, the admin), the display copy is derived by a
BEFORE INSERT/UPDATE row trigger when it is not given or the boundary changed: simplified with
topology preserved at ~10 m (1e-4 degrees), made valid, kept polygonal and multi. Cells that are
already simple keep their shape. Existing cells are filled by this migration.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION grid_display_boundary(boundary geometry) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT CASE
        WHEN s IS NULL OR ST_IsEmpty(s) OR NOT ST_IsValid(s) THEN boundary
        ELSE s END
    FROM (SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(
                 ST_SimplifyPreserveTopology(boundary, 0.0001)), 3)) AS s) x
$fn$;

CREATE OR REPLACE FUNCTION grid_gridcell_display_boundary() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.display_boundary IS NULL THEN
            NEW.display_boundary := grid_display_boundary(NEW.boundary);
        END IF;
    ELSIF NEW.boundary IS DISTINCT FROM OLD.boundary
          AND NEW.display_boundary IS NOT DISTINCT FROM OLD.display_boundary THEN
        NEW.display_boundary := grid_display_boundary(NEW.boundary);
    ELSIF NEW.display_boundary IS NULL THEN
        NEW.display_boundary := grid_display_boundary(NEW.boundary);
    END IF;
    RETURN NEW;
END
$fn$;

CREATE TRIGGER gridcell_display_boundary
BEFORE INSERT OR UPDATE OF boundary, display_boundary ON grid_gridcell
FOR EACH ROW EXECUTE FUNCTION grid_gridcell_display_boundary();

UPDATE grid_gridcell SET display_boundary = grid_display_boundary(boundary)
WHERE display_boundary IS NULL;
"""

REVERSE = r"""
DROP TRIGGER IF EXISTS gridcell_display_boundary ON grid_gridcell;
DROP FUNCTION IF EXISTS grid_gridcell_display_boundary();
DROP FUNCTION IF EXISTS grid_display_boundary(geometry);
"""


class Migration(migrations.Migration):
    dependencies = [("grid", "0002_initial")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]

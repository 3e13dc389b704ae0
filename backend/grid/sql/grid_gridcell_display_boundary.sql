-- Trigger: keep `GridCell.display_boundary` current, whoever writes cells (importers, the grid
-- generator, the admin): derived (grid_display_boundary) on insert when not given, and on update
-- when the boundary changed without a new display copy, or the copy was cleared.

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

CREATE OR REPLACE TRIGGER gridcell_display_boundary
BEFORE INSERT OR UPDATE OF boundary, display_boundary ON grid_gridcell
FOR EACH ROW EXECUTE FUNCTION grid_gridcell_display_boundary();

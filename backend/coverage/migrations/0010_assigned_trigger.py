"""`CellSummary.assigned` kept by a statement-level trigger on grid assignments (the cells layer
then reads one column instead of probing assignments per cell), and filled for existing data.
A database default lets the earlier functions, which list the summary's columns, keep working."""

from django.db import migrations

FORWARD = """
ALTER TABLE coverage_cellsummary ALTER COLUMN assigned SET DEFAULT false;

CREATE OR REPLACE FUNCTION coverage_assigned_refresh(ids bigint[]) RETURNS void
LANGUAGE sql AS $fn$
    UPDATE coverage_cellsummary s
    SET assigned = EXISTS (SELECT 1 FROM grid_gridassignment a
                           WHERE a.cell_id = s.cell_id AND a.status = 'active')
    WHERE (ids IS NULL OR s.cell_id = ANY (ids))
      AND s.assigned IS DISTINCT FROM EXISTS (SELECT 1 FROM grid_gridassignment a
                                              WHERE a.cell_id = s.cell_id AND a.status = 'active');
$fn$;

CREATE OR REPLACE FUNCTION coverage_assignments_changed() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM coverage_assigned_refresh(ARRAY(SELECT DISTINCT cell_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM coverage_assigned_refresh(ARRAY(SELECT DISTINCT cell_id FROM old_rows));
    ELSE
        PERFORM coverage_assigned_refresh(ARRAY(SELECT cell_id FROM new_rows
                                                UNION SELECT cell_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER coverage_assignment_insert AFTER INSERT ON grid_gridassignment
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION coverage_assignments_changed();
CREATE TRIGGER coverage_assignment_update AFTER UPDATE ON grid_gridassignment
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION coverage_assignments_changed();
CREATE TRIGGER coverage_assignment_delete AFTER DELETE ON grid_gridassignment
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION coverage_assignments_changed();

CREATE OR REPLACE FUNCTION coverage_rebuild() RETURNS void LANGUAGE sql AS $fn$
    DELETE FROM coverage_cellsummary s
    WHERE NOT EXISTS (SELECT 1 FROM grid_gridcell c WHERE c.id = s.cell_id);
    DELETE FROM coverage_deputysummary s
    WHERE NOT EXISTS (SELECT 1 FROM liaison_deputy d WHERE d.id = s.deputy_id);
    SELECT coverage_cells_upsert(ARRAY(SELECT id FROM grid_gridcell));
    SELECT coverage_recompute_cells(NULL);
    SELECT coverage_recompute_deputies(NULL);
    SELECT coverage_assigned_refresh(NULL);
$fn$;

SELECT coverage_assigned_refresh(NULL);
"""

REVERSE = """
DROP TRIGGER IF EXISTS coverage_assignment_insert ON grid_gridassignment;
DROP TRIGGER IF EXISTS coverage_assignment_update ON grid_gridassignment;
DROP TRIGGER IF EXISTS coverage_assignment_delete ON grid_gridassignment;
DROP FUNCTION IF EXISTS coverage_assignments_changed();
CREATE OR REPLACE FUNCTION coverage_rebuild() RETURNS void LANGUAGE sql AS $fn$
    DELETE FROM coverage_cellsummary s
    WHERE NOT EXISTS (SELECT 1 FROM grid_gridcell c WHERE c.id = s.cell_id);
    DELETE FROM coverage_deputysummary s
    WHERE NOT EXISTS (SELECT 1 FROM liaison_deputy d WHERE d.id = s.deputy_id);
    SELECT coverage_cells_upsert(ARRAY(SELECT id FROM grid_gridcell));
    SELECT coverage_recompute_cells(NULL);
    SELECT coverage_recompute_deputies(NULL);
$fn$;
DROP FUNCTION IF EXISTS coverage_assigned_refresh(bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("coverage", "0009_cell_assigned_flag"),
        ("grid", "0003_display_boundary_trigger"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]

"""Without database foreign keys on the derived tables (0007), rows of deleted cells are removed
by a trigger on grid_gridcell DELETE, and coverage_rebuild() drops any orphan first."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION coverage_gridcell_deleted() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    DELETE FROM coverage_cellday WHERE cell_id IN (SELECT id FROM old_cells);
    DELETE FROM coverage_cellhousehold WHERE cell_id IN (SELECT id FROM old_cells);
    DELETE FROM coverage_cellsummary WHERE cell_id IN (SELECT id FROM old_cells);
    RETURN NULL;
END
$fn$;

CREATE TRIGGER coverage_gridcell_delete AFTER DELETE ON grid_gridcell
REFERENCING OLD TABLE AS old_cells
FOR EACH STATEMENT EXECUTE FUNCTION coverage_gridcell_deleted();

CREATE OR REPLACE FUNCTION coverage_rebuild() RETURNS void LANGUAGE sql AS $fn$
    DELETE FROM coverage_cellsummary s
    WHERE NOT EXISTS (SELECT 1 FROM grid_gridcell c WHERE c.id = s.cell_id);
    DELETE FROM coverage_deputysummary s
    WHERE NOT EXISTS (SELECT 1 FROM liaison_deputy d WHERE d.id = s.deputy_id);
    SELECT coverage_cells_upsert(ARRAY(SELECT id FROM grid_gridcell));
    SELECT coverage_recompute_cells(NULL);
    SELECT coverage_recompute_deputies(NULL);
$fn$;
"""

REVERSE = """
DROP TRIGGER IF EXISTS coverage_gridcell_delete ON grid_gridcell;
DROP FUNCTION IF EXISTS coverage_gridcell_deleted();
CREATE OR REPLACE FUNCTION coverage_rebuild() RETURNS void LANGUAGE sql AS $fn$
    SELECT coverage_cells_upsert(ARRAY(SELECT id FROM grid_gridcell));
    SELECT coverage_recompute_cells(NULL);
    SELECT coverage_recompute_deputies(NULL);
$fn$;
"""


class Migration(migrations.Migration):
    dependencies = [("coverage", "0007_derived_rows_without_foreign_keys")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]

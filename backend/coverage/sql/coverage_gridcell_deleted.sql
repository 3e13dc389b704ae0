-- Trigger: the derived rows of deleted grid cells are removed (the coverage tables have no
-- database foreign keys).

CREATE OR REPLACE FUNCTION coverage_gridcell_deleted() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    DELETE FROM coverage_cellday WHERE cell_id IN (SELECT id FROM old_cells);
    DELETE FROM coverage_cellhousehold WHERE cell_id IN (SELECT id FROM old_cells);
    DELETE FROM coverage_cellsummary WHERE cell_id IN (SELECT id FROM old_cells);
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE TRIGGER coverage_gridcell_delete AFTER DELETE ON grid_gridcell
REFERENCING OLD TABLE AS old_cells
FOR EACH STATEMENT EXECUTE FUNCTION coverage_gridcell_deleted();

-- Trigger: new grid cells get their coverage summary (coverage_cells_upsert).

CREATE OR REPLACE FUNCTION coverage_gridcell_inserted() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM coverage_cells_upsert(ARRAY(SELECT id FROM new_cells));
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE TRIGGER coverage_gridcell_insert AFTER INSERT ON grid_gridcell
REFERENCING NEW TABLE AS new_cells
FOR EACH STATEMENT EXECUTE FUNCTION coverage_gridcell_inserted();

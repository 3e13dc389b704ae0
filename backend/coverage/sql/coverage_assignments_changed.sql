-- Trigger: grid assignments inserted, updated or deleted refresh the `assigned` flag of their
-- cells.

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

CREATE OR REPLACE TRIGGER coverage_assignment_delete AFTER DELETE ON grid_gridassignment
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION coverage_assignments_changed();

CREATE OR REPLACE TRIGGER coverage_assignment_insert AFTER INSERT ON grid_gridassignment
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION coverage_assignments_changed();

CREATE OR REPLACE TRIGGER coverage_assignment_update AFTER UPDATE ON grid_gridassignment
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION coverage_assignments_changed();

-- `CellSummary.assigned` (the cell has an active grid assignment) refreshed for the given
-- cells (NULL = all); only rows whose flag changes are written.

CREATE OR REPLACE FUNCTION coverage_assigned_refresh(ids bigint[]) RETURNS void
LANGUAGE sql AS $fn$
    UPDATE coverage_cellsummary s
    SET assigned = EXISTS (SELECT 1 FROM grid_gridassignment a
                           WHERE a.cell_id = s.cell_id AND a.status = 'active')
    WHERE (ids IS NULL OR s.cell_id = ANY (ids))
      AND s.assigned IS DISTINCT FROM EXISTS (SELECT 1 FROM grid_gridassignment a
                                              WHERE a.cell_id = s.cell_id AND a.status = 'active');
$fn$;

-- Recompute all coverage tables from grid cells, visits and assignments (after bulk loads:
-- backend.coverage.services.coverage_rebuild). Orphan summaries are dropped first; pending
-- visits are counted here and leave the queue (after a running drain: its advisory lock).

CREATE OR REPLACE FUNCTION coverage_rebuild() RETURNS void
LANGUAGE sql AS $fn$
    SELECT pg_advisory_xact_lock(hashtext('coverage_drain'));
    DELETE FROM coverage_pendingvisit;
    DELETE FROM coverage_cellsummary s
    WHERE NOT EXISTS (SELECT 1 FROM grid_gridcell c WHERE c.id = s.cell_id);
    DELETE FROM coverage_deputysummary s
    WHERE NOT EXISTS (SELECT 1 FROM liaison_deputy d WHERE d.id = s.deputy_id);
    SELECT coverage_cells_upsert(ARRAY(SELECT id FROM grid_gridcell));
    SELECT coverage_recompute_cells(NULL);
    SELECT coverage_recompute_deputies(NULL);
    SELECT coverage_assigned_refresh(NULL);
$fn$;

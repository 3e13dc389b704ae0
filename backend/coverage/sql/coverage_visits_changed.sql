-- Trigger: updated or deleted visits (rare: admin corrections) recompute the cells and deputies
-- they touched, from visits (the visits still pending are left out: coverage_drain adds them
-- as they are then). Waits for a running drain first (its advisory lock), so that neither
-- overwrites the other's figures.

CREATE OR REPLACE FUNCTION coverage_visits_changed() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    ids bigint[];
    deputies bigint[];
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('coverage_drain'));
    IF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT cell_id) INTO ids FROM old_visits WHERE cell_id IS NOT NULL;
        SELECT array_agg(DISTINCT deputy_id) INTO deputies FROM old_visits;
    ELSE
        SELECT array_agg(DISTINCT deputy_id) INTO deputies FROM (
            SELECT o.deputy_id FROM old_visits o JOIN new_visits n ON n.id = o.id
            WHERE (o.deputy_id, o.recorded_at) IS DISTINCT FROM (n.deputy_id, n.recorded_at)
            UNION
            SELECT n.deputy_id FROM old_visits o JOIN new_visits n ON n.id = o.id
            WHERE (o.deputy_id, o.recorded_at) IS DISTINCT FROM (n.deputy_id, n.recorded_at)
        ) t;
        SELECT array_agg(DISTINCT cell_id) INTO ids FROM (
            SELECT o.cell_id FROM old_visits o JOIN new_visits n ON n.id = o.id
            WHERE (o.cell_id, o.recorded_at, o.kind, o.household_ref, o.households)
                  IS DISTINCT FROM (n.cell_id, n.recorded_at, n.kind, n.household_ref,
                                    n.households)
            UNION
            SELECT n.cell_id FROM old_visits o JOIN new_visits n ON n.id = o.id
            WHERE (o.cell_id, o.recorded_at, o.kind, o.household_ref, o.households)
                  IS DISTINCT FROM (n.cell_id, n.recorded_at, n.kind, n.household_ref,
                                    n.households)
        ) t WHERE cell_id IS NOT NULL;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM coverage_recompute_cells(ids);
    END IF;
    IF deputies IS NOT NULL THEN
        PERFORM coverage_recompute_deputies(deputies);
    END IF;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE TRIGGER coverage_visit_delete AFTER DELETE ON visits_visit
REFERENCING OLD TABLE AS old_visits
FOR EACH STATEMENT EXECUTE FUNCTION coverage_visits_changed();

CREATE OR REPLACE TRIGGER coverage_visit_update AFTER UPDATE ON visits_visit
REFERENCING OLD TABLE AS old_visits NEW TABLE AS new_visits
FOR EACH STATEMENT EXECUTE FUNCTION coverage_visits_changed();

-- Trigger: new visits are queued for the coverage summaries (coverage_pendingvisit), one row per
-- visit and nothing else, so that the phone's answer waits only for its own rows. The job
-- coverage.drain applies them within seconds (coverage_drain). Every writer of visits goes
-- through this trigger: none can leave a visit out of the summaries.

CREATE OR REPLACE FUNCTION coverage_visits_inserted() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO coverage_pendingvisit (visit_id) SELECT id FROM new_visits;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE TRIGGER coverage_visit_insert AFTER INSERT ON visits_visit
REFERENCING NEW TABLE AS new_visits
FOR EACH STATEMENT EXECUTE FUNCTION coverage_visits_inserted();

-- Deputies' last visit and visit totals recomputed from visits (NULL = all deputies). Rows
-- exist for deputies that have visited; a deputy left without visits is zeroed. Visits still
-- pending (coverage_drain adds them) are left out.

CREATE OR REPLACE FUNCTION coverage_recompute_deputies(ids bigint[]) RETURNS void
LANGUAGE sql AS $fn$
    INSERT INTO coverage_deputysummary (deputy_id, last_visit_at, visits_total)
    SELECT v.deputy_id, max(v.recorded_at), count(*)
    FROM visits_visit v
    WHERE (ids IS NULL OR v.deputy_id = ANY (ids))
      AND NOT EXISTS (SELECT 1 FROM coverage_pendingvisit p WHERE p.visit_id = v.id)
    GROUP BY v.deputy_id ORDER BY v.deputy_id
    ON CONFLICT (deputy_id) DO UPDATE SET
        last_visit_at = EXCLUDED.last_visit_at, visits_total = EXCLUDED.visits_total;
    UPDATE coverage_deputysummary s SET last_visit_at = NULL, visits_total = 0
    WHERE (ids IS NULL OR s.deputy_id = ANY (ids))
      AND NOT EXISTS (SELECT 1 FROM visits_visit v WHERE v.deputy_id = s.deputy_id
                      AND NOT EXISTS (SELECT 1 FROM coverage_pendingvisit p
                                      WHERE p.visit_id = v.id));
$fn$;

-- Trigger: grid cells whose boundary or adcodes changed get their summary refreshed (new H3
-- index) and the heat of their old and new hexagons rebuilt.

CREATE OR REPLACE FUNCTION coverage_gridcell_updated() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    changed bigint[];
    old_hexes bigint[];
BEGIN
    SELECT array_agg(n.id) INTO changed
    FROM new_cells n JOIN old_cells o ON o.id = n.id
    WHERE n.boundary IS DISTINCT FROM o.boundary OR n.adcode <> o.adcode
       OR n.county_adcode <> o.county_adcode;
    IF changed IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(h3_r7) INTO old_hexes FROM coverage_cellsummary
    WHERE cell_id = ANY (changed) AND h3_r7 IS NOT NULL;
    PERFORM coverage_cells_upsert(changed);
    PERFORM coverage_heat_rebuild(
        coalesce(old_hexes, '{}') || ARRAY(SELECT h3_r7 FROM coverage_cellsummary
                                           WHERE cell_id = ANY (changed) AND h3_r7 IS NOT NULL));
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE TRIGGER coverage_gridcell_update AFTER UPDATE ON grid_gridcell
REFERENCING OLD TABLE AS old_cells NEW TABLE AS new_cells
FOR EACH STATEMENT EXECUTE FUNCTION coverage_gridcell_updated();

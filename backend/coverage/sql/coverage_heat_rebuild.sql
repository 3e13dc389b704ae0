-- Heat bins (visits and households per H3 hexagon, day and adcode at res 4-7) of the given
-- res-7 hexagons and their parents, recomputed from CellDay. NULL = everything.

CREATE OR REPLACE FUNCTION coverage_heat_rebuild(hexes bigint[]) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    IF hexes IS NULL THEN
        DELETE FROM coverage_heatbin;
    ELSE
        DELETE FROM coverage_heatbin b
        USING (SELECT DISTINCT r, coverage_h3_parent(x, r) AS h3
               FROM unnest(hexes) AS x CROSS JOIN unnest('{4,5,6,7}'::int[]) AS r) t
        WHERE b.resolution = t.r AND b.h3 = t.h3;
    END IF;
    INSERT INTO coverage_heatbin (resolution, h3, day, adcode, visits, households)
    SELECT r, coverage_h3_parent(s.h3_r7, r) AS hex, d.day, s.adcode, sum(d.visits),
           sum(d.unreferenced_households + d.referenced_visits)
    FROM coverage_cellday d
    JOIN coverage_cellsummary s ON s.cell_id = d.cell_id
    CROSS JOIN unnest('{4,5,6,7}'::int[]) AS r
    WHERE s.h3_r7 IS NOT NULL
      AND (hexes IS NULL OR coverage_h3_parent(s.h3_r7, r) IN (
              SELECT coverage_h3_parent(x, r) FROM unnest(hexes) AS x))
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4;
END
$fn$;

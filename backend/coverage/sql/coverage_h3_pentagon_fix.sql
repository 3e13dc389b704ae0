-- The pentagon branch of H3's _faceIjkToH3, for coverage_h3_cells_r7 (rare: 12 base cells,
-- none over China). Generated with it by backend/coverage/h3sql.py.

CREATE OR REPLACE FUNCTION coverage_h3_pentagon_fix(h bigint, face integer, rots integer)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
-- The pentagon branch of H3's _faceIjkToH3 (rare: 12 base cells, none over China).
DECLARE
    res int := ((h >> 52) & 15)::int;
    base int := ((h >> 45) & 127)::int;
    ccw int[] := '{0,5,3,1,6,4,2,7}';
    cw int[] := '{0,3,6,2,5,1,4,7}';
    cw_faces int[] := '{-1,-1,2,6,1,5,3,7,0,9,4,8,11,15,12,16,10,19,13,17,14,18,-1,-1}';
    pents int[] := '{4,14,24,38,49,58,63,72,83,97,107,117}';
    pos int;
    lead int;
    r int;
    n int;
    d int;
    first_found boolean;
BEGIN
    -- leading non-zero digit
    lead := 0;
    FOR r IN 1..res LOOP
        d := ((h >> (3 * (15 - r))) & 7)::int;
        IF d <> 0 THEN lead := d; EXIT; END IF;
    END LOOP;
    IF lead = 1 THEN
        pos := array_position(pents, base);
        IF cw_faces[2 * pos - 1] = face OR cw_faces[2 * pos] = face THEN
            FOR r IN 1..res LOOP
                d := ((h >> (3 * (15 - r))) & 7)::int;
                h := (h & ~(7::bigint << (3 * (15 - r)))) | (cw[d + 1]::bigint << (3 * (15 - r)));
            END LOOP;
        ELSE
            FOR r IN 1..res LOOP
                d := ((h >> (3 * (15 - r))) & 7)::int;
                h := (h & ~(7::bigint << (3 * (15 - r)))) | (ccw[d + 1]::bigint << (3 * (15 - r)));
            END LOOP;
        END IF;
    END IF;
    FOR n IN 1..rots LOOP
        first_found := false;
        FOR r IN 1..res LOOP
            d := ((h >> (3 * (15 - r))) & 7)::int;
            h := (h & ~(7::bigint << (3 * (15 - r)))) | (ccw[d + 1]::bigint << (3 * (15 - r)));
            IF NOT first_found AND ccw[d + 1] <> 0 THEN
                first_found := true;
                IF ccw[d + 1] = 1 THEN
                    -- adjust for the deleted k-axes sub-sequence: rotate the whole index once more
                    FOR pos IN 1..res LOOP
                        d := ((h >> (3 * (15 - pos))) & 7)::int;
                        h := (h & ~(7::bigint << (3 * (15 - pos))))
                             | (ccw[d + 1]::bigint << (3 * (15 - pos)));
                    END LOOP;
                END IF;
            END IF;
        END LOOP;
    END LOOP;
    RETURN h;
END
$fn$;

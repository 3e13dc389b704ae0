
CREATE OR REPLACE FUNCTION coverage_h3_pentagon_fix(h bigint, face int, rots int)
RETURNS bigint LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
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

CREATE OR REPLACE FUNCTION coverage_h3_cells_r7(lats float8[], lngs float8[]) RETURNS TABLE (ord bigint, h3 bigint) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT ord, CASE WHEN NOT coalesce(($1)[ord::int] BETWEEN -90 AND 90 AND ($2)[ord::int] BETWEEN -180 AND 180 AND ci BETWEEN 0 AND 2 AND cj BETWEEN 0 AND 2 AND ck BETWEEN 0 AND 2, false) THEN NULL WHEN base = ANY ('{4,14,24,38,49,58,63,72,83,97,107,117}'::int[]) THEN coverage_h3_pentagon_fix(((1::bigint << 59) | (7::bigint << 52) | (base::bigint << 45) | 16777215::bigint) | (d1::bigint << 42) | (d2::bigint << 39) | (d3::bigint << 36) | (d4::bigint << 33) | (d5::bigint << 30) | (d6::bigint << 27) | (d7::bigint << 24), face, rots) ELSE ((1::bigint << 59) | (7::bigint << 52) | (base::bigint << 45) | 16777215::bigint) | (('{0,1,2,3,4,5,6,0,5,3,1,6,4,2,0,4,1,5,2,6,3,0,6,5,4,3,2,1,0,2,4,6,1,3,5,0,3,6,2,5,1,4}'::int[])[rots * 7 + d1 + 1]::bigint << 42) | (('{0,1,2,3,4,5,6,0,5,3,1,6,4,2,0,4,1,5,2,6,3,0,6,5,4,3,2,1,0,2,4,6,1,3,5,0,3,6,2,5,1,4}'::int[])[rots * 7 + d2 + 1]::bigint << 39) | (('{0,1,2,3,4,5,6,0,5,3,1,6,4,2,0,4,1,5,2,6,3,0,6,5,4,3,2,1,0,2,4,6,1,3,5,0,3,6,2,5,1,4}'::int[])[rots * 7 + d3 + 1]::bigint << 36) | (('{0,1,2,3,4,5,6,0,5,3,1,6,4,2,0,4,1,5,2,6,3,0,6,5,4,3,2,1,0,2,4,6,1,3,5,0,3,6,2,5,1,4}'::int[])[rots * 7 + d4 + 1]::bigint << 33) | (('{0,1,2,3,4,5,6,0,5,3,1,6,4,2,0,4,1,5,2,6,3,0,6,5,4,3,2,1,0,2,4,6,1,3,5,0,3,6,2,5,1,4}'::int[])[rots * 7 + d5 + 1]::bigint << 30) | (('{0,1,2,3,4,5,6,0,5,3,1,6,4,2,0,4,1,5,2,6,3,0,6,5,4,3,2,1,0,2,4,6,1,3,5,0,3,6,2,5,1,4}'::int[])[rots * 7 + d6 + 1]::bigint << 27) | (('{0,1,2,3,4,5,6,0,5,3,1,6,4,2,0,4,1,5,2,6,3,0,6,5,4,3,2,1,0,2,4,6,1,3,5,0,3,6,2,5,1,4}'::int[])[rots * 7 + d7 + 1]::bigint << 24) END AS h3 FROM (SELECT s.*, ('{16,18,24,33,30,32,49,48,50,8,5,10,22,16,18,41,33,30,4,0,2,15,8,5,31,22,16,2,6,14,10,11,17,24,23,25,0,1,9,5,2,6,18,10,11,4,3,7,8,0,1,16,5,2,7,21,38,9,19,34,14,20,36,3,13,29,1,7,21,6,9,19,4,12,26,0,3,13,2,1,7,26,42,58,29,43,62,38,47,64,12,28,44,13,26,42,21,29,43,4,15,31,3,12,28,7,13,26,31,41,49,44,53,61,58,65,75,15,22,33,28,31,41,42,44,53,4,8,16,12,15,22,26,28,31,50,48,49,32,30,33,24,18,16,70,67,66,52,50,48,37,32,30,83,87,85,74,70,67,57,52,50,25,23,24,17,11,10,14,6,2,45,39,37,35,25,23,27,17,11,63,59,57,56,45,39,46,35,25,36,20,14,34,19,9,38,21,7,55,40,27,54,36,20,51,34,19,72,60,46,73,55,40,71,54,36,64,47,38,62,43,29,58,42,26,84,69,51,82,64,47,76,62,43,97,89,71,98,84,69,96,82,64,75,65,58,61,53,44,49,41,31,94,86,76,81,75,65,66,61,53,107,104,96,101,94,86,85,81,75,57,59,63,74,78,79,83,92,95,37,39,45,52,57,59,70,74,78,24,23,25,32,37,39,50,52,57,46,60,72,56,68,80,63,77,90,27,40,55,35,46,60,45,56,68,14,20,36,17,27,40,25,35,46,71,89,97,73,91,103,72,88,105,51,69,84,54,71,89,55,73,91,38,47,64,34,51,69,36,54,71,96,104,107,98,110,115,97,111,119,76,86,94,82,96,104,84,98,110,58,65,75,62,76,86,64,82,96,85,87,83,101,102,100,107,112,114,66,67,70,81,85,87,94,101,102,49,48,50,61,66,67,75,81,85,95,92,83,79,78,74,63,59,57,109,108,100,93,95,92,77,79,78,117,118,114,106,109,108,90,93,95,90,77,63,80,68,56,72,60,46,106,93,79,99,90,77,88,80,68,117,109,95,113,106,93,105,99,90,105,88,72,103,91,73,97,89,71,113,99,80,116,105,88,111,103,91,117,106,90,121,113,99,119,116,105,119,111,97,115,110,98,107,104,96,121,116,103,120,119,111,112,115,110,117,113,105,118,121,116,114,120,119,114,112,107,100,102,101,83,87,85,118,120,115,108,114,112,92,100,102,117,121,119,109,118,120,95,108,114}'::int[])[face * 27 + ci * 9 + cj * 3 + ck + 1] AS base, ('{0,0,0,0,0,3,1,3,3,0,5,5,0,0,0,1,0,0,0,5,5,1,0,5,1,0,0,0,0,0,0,0,3,1,3,3,0,5,5,0,0,0,1,0,0,1,5,5,1,0,5,1,0,0,0,0,0,0,0,3,1,3,3,0,5,5,0,0,0,1,0,0,2,5,5,1,0,5,1,0,0,0,0,0,0,0,3,1,3,3,0,5,5,0,0,0,1,0,0,3,5,5,1,0,5,1,0,0,0,0,0,0,0,3,1,3,3,0,5,5,0,0,0,1,0,0,4,5,5,1,0,5,1,0,0,0,0,3,0,3,3,3,3,3,0,0,3,3,0,0,3,0,3,0,3,3,3,0,0,1,3,0,0,0,3,0,3,3,3,3,3,0,0,3,3,0,0,3,0,3,0,3,3,3,0,0,3,3,0,0,0,3,0,3,3,3,3,3,0,0,3,3,0,0,3,0,3,0,3,3,3,0,0,3,3,0,0,0,3,0,3,3,3,3,3,0,0,3,3,0,0,3,0,3,0,3,3,3,0,0,3,3,0,0,0,3,0,3,3,3,3,3,0,0,3,3,0,0,3,0,3,0,3,3,3,0,0,3,3,0,0,0,3,0,3,3,3,3,3,0,3,3,0,0,0,3,0,3,0,3,3,3,0,3,3,0,0,0,0,3,0,3,3,3,3,3,0,3,3,0,0,0,3,0,3,0,3,3,3,0,3,3,0,0,0,0,3,0,3,3,3,3,3,0,3,3,0,0,0,3,0,3,0,3,3,3,0,3,3,0,0,0,0,3,0,3,3,3,3,3,0,3,3,0,0,0,3,0,3,0,3,3,3,0,3,3,0,0,0,0,3,0,3,3,3,3,3,0,3,3,0,0,0,3,0,3,0,3,3,3,0,3,3,0,0,0,0,0,0,0,3,1,3,3,0,0,5,1,0,0,1,0,0,4,5,5,1,0,0,1,1,0,0,0,0,0,0,3,1,3,3,0,0,5,1,0,0,1,0,0,3,5,5,1,0,0,1,1,0,0,0,0,0,0,3,1,3,3,0,0,5,1,0,0,1,0,0,2,5,5,1,0,0,1,1,0,0,0,0,0,0,3,1,3,3,0,0,5,1,0,0,1,0,0,1,5,5,1,0,0,1,1,0,0,0,0,0,0,3,1,3,3,0,0,5,1,0,0,1,0,0,0,5,5,1,0,0,1,1,0}'::int[])[face * 27 + ci * 9 + cj * 3 + ck + 1] AS rots FROM (SELECT ord, face, d2, d3, d4, d5, d6, d7, 4 * xi + 2 * xj + xk AS d1, ui AS ci, uj AS cj, uk AS ck FROM (SELECT s.*, ci - mi - least(ci - mi, cj - mj, ck - mk) AS xi, cj - mj - least(ci - mi, cj - mj, ck - mk) AS xj, ck - mk - least(ci - mi, cj - mj, ck - mk) AS xk FROM (SELECT s.*, 3 * ui + uj - least(3 * ui + uj, 3 * uj + uk, ui + 3 * uk) AS mi, 3 * uj + uk - least(3 * ui + uj, 3 * uj + uk, ui + 3 * uk) AS mj, ui + 3 * uk - least(3 * ui + uj, 3 * uj + uk, ui + 3 * uk) AS mk FROM (SELECT s.*, vi - least(vi, vj, 0) AS ui, vj - least(vi, vj, 0) AS uj, 0 - least(vi, vj, 0) AS uk FROM (SELECT s.*, (sign(((3 * (ci - ck) - (cj - ck)) * 0.14285714285714285::float8)) * floor(abs(((3 * (ci - ck) - (cj - ck)) * 0.14285714285714285::float8)) + 0.5))::int AS vi, (sign((((ci - ck) + 2 * (cj - ck)) * 0.14285714285714285::float8)) * floor(abs((((ci - ck) + 2 * (cj - ck)) * 0.14285714285714285::float8)) + 0.5))::int AS vj FROM (SELECT ord, face, d3, d4, d5, d6, d7, 4 * xi + 2 * xj + xk AS d2, ui AS ci, uj AS cj, uk AS ck FROM (SELECT s.*, ci - mi - least(ci - mi, cj - mj, ck - mk) AS xi, cj - mj - least(ci - mi, cj - mj, ck - mk) AS xj, ck - mk - least(ci - mi, cj - mj, ck - mk) AS xk FROM (SELECT s.*, 3 * ui + uk - least(3 * ui + uk, ui + 3 * uj, uj + 3 * uk) AS mi, ui + 3 * uj - least(3 * ui + uk, ui + 3 * uj, uj + 3 * uk) AS mj, uj + 3 * uk - least(3 * ui + uk, ui + 3 * uj, uj + 3 * uk) AS mk FROM (SELECT s.*, vi - least(vi, vj, 0) AS ui, vj - least(vi, vj, 0) AS uj, 0 - least(vi, vj, 0) AS uk FROM (SELECT s.*, (sign(((2 * (ci - ck) + (cj - ck)) * 0.14285714285714285::float8)) * floor(abs(((2 * (ci - ck) + (cj - ck)) * 0.14285714285714285::float8)) + 0.5))::int AS vi, (sign(((3 * (cj - ck) - (ci - ck)) * 0.14285714285714285::float8)) * floor(abs(((3 * (cj - ck) - (ci - ck)) * 0.14285714285714285::float8)) + 0.5))::int AS vj FROM (SELECT ord, face, d4, d5, d6, d7, 4 * xi + 2 * xj + xk AS d3, ui AS ci, uj AS cj, uk AS ck FROM (SELECT s.*, ci - mi - least(ci - mi, cj - mj, ck - mk) AS xi, cj - mj - least(ci - mi, cj - mj, ck - mk) AS xj, ck - mk - least(ci - mi, cj - mj, ck - mk) AS xk FROM (SELECT s.*, 3 * ui + uj - least(3 * ui + uj, 3 * uj + uk, ui + 3 * uk) AS mi, 3 * uj + uk - least(3 * ui + uj, 3 * uj + uk, ui + 3 * uk) AS mj, ui + 3 * uk - least(3 * ui + uj, 3 * uj + uk, ui + 3 * uk) AS mk FROM (SELECT s.*, vi - least(vi, vj, 0) AS ui, vj - least(vi, vj, 0) AS uj, 0 - least(vi, vj, 0) AS uk FROM (SELECT s.*, (sign(((3 * (ci - ck) - (cj - ck)) * 0.14285714285714285::float8)) * floor(abs(((3 * (ci - ck) - (cj - ck)) * 0.14285714285714285::float8)) + 0.5))::int AS vi, (sign((((ci - ck) + 2 * (cj - ck)) * 0.14285714285714285::float8)) * floor(abs((((ci - ck) + 2 * (cj - ck)) * 0.14285714285714285::float8)) + 0.5))::int AS vj FROM (SELECT ord, face, d5, d6, d7, 4 * xi + 2 * xj + xk AS d4, ui AS ci, uj AS cj, uk AS ck FROM (SELECT s.*, ci - mi - least(ci - mi, cj - mj, ck - mk) AS xi, cj - mj - least(ci - mi, cj - mj, ck - mk) AS xj, ck - mk - least(ci - mi, cj - mj, ck - mk) AS xk FROM (SELECT s.*, 3 * ui + uk - least(3 * ui + uk, ui + 3 * uj, uj + 3 * uk) AS mi, ui + 3 * uj - least(3 * ui + uk, ui + 3 * uj, uj + 3 * uk) AS mj, uj + 3 * uk - least(3 * ui + uk, ui + 3 * uj, uj + 3 * uk) AS mk FROM (SELECT s.*, vi - least(vi, vj, 0) AS ui, vj - least(vi, vj, 0) AS uj, 0 - least(vi, vj, 0) AS uk FROM (SELECT s.*, (sign(((2 * (ci - ck) + (cj - ck)) * 0.14285714285714285::float8)) * floor(abs(((2 * (ci - ck) + (cj - ck)) * 0.14285714285714285::float8)) + 0.5))::int AS vi, (sign(((3 * (cj - ck) - (ci - ck)) * 0.14285714285714285::float8)) * floor(abs(((3 * (cj - ck) - (ci - ck)) * 0.14285714285714285::float8)) + 0.5))::int AS vj FROM (SELECT ord, face, d6, d7, 4 * xi + 2 * xj + xk AS d5, ui AS ci, uj AS cj, uk AS ck FROM (SELECT s.*, ci - mi - least(ci - mi, cj - mj, ck - mk) AS xi, cj - mj - least(ci - mi, cj - mj, ck - mk) AS xj, ck - mk - least(ci - mi, cj - mj, ck - mk) AS xk FROM (SELECT s.*, 3 * ui + uj - least(3 * ui + uj, 3 * uj + uk, ui + 3 * uk) AS mi, 3 * uj + uk - least(3 * ui + uj, 3 * uj + uk, ui + 3 * uk) AS mj, ui + 3 * uk - least(3 * ui + uj, 3 * uj + uk, ui + 3 * uk) AS mk FROM (SELECT s.*, vi - least(vi, vj, 0) AS ui, vj - least(vi, vj, 0) AS uj, 0 - least(vi, vj, 0) AS uk FROM (SELECT s.*, (sign(((3 * (ci - ck) - (cj - ck)) * 0.14285714285714285::float8)) * floor(abs(((3 * (ci - ck) - (cj - ck)) * 0.14285714285714285::float8)) + 0.5))::int AS vi, (sign((((ci - ck) + 2 * (cj - ck)) * 0.14285714285714285::float8)) * floor(abs((((ci - ck) + 2 * (cj - ck)) * 0.14285714285714285::float8)) + 0.5))::int AS vj FROM (SELECT ord, face, d7, 4 * xi + 2 * xj + xk AS d6, ui AS ci, uj AS cj, uk AS ck FROM (SELECT s.*, ci - mi - least(ci - mi, cj - mj, ck - mk) AS xi, cj - mj - least(ci - mi, cj - mj, ck - mk) AS xj, ck - mk - least(ci - mi, cj - mj, ck - mk) AS xk FROM (SELECT s.*, 3 * ui + uk - least(3 * ui + uk, ui + 3 * uj, uj + 3 * uk) AS mi, ui + 3 * uj - least(3 * ui + uk, ui + 3 * uj, uj + 3 * uk) AS mj, uj + 3 * uk - least(3 * ui + uk, ui + 3 * uj, uj + 3 * uk) AS mk FROM (SELECT s.*, vi - least(vi, vj, 0) AS ui, vj - least(vi, vj, 0) AS uj, 0 - least(vi, vj, 0) AS uk FROM (SELECT s.*, (sign(((2 * (ci - ck) + (cj - ck)) * 0.14285714285714285::float8)) * floor(abs(((2 * (ci - ck) + (cj - ck)) * 0.14285714285714285::float8)) + 0.5))::int AS vi, (sign(((3 * (cj - ck) - (ci - ck)) * 0.14285714285714285::float8)) * floor(abs(((3 * (cj - ck) - (ci - ck)) * 0.14285714285714285::float8)) + 0.5))::int AS vj FROM (SELECT ord, face, 4 * xi + 2 * xj + xk AS d7, ui AS ci, uj AS cj, uk AS ck FROM (SELECT s.*, ci - mi - least(ci - mi, cj - mj, ck - mk) AS xi, cj - mj - least(ci - mi, cj - mj, ck - mk) AS xj, ck - mk - least(ci - mi, cj - mj, ck - mk) AS xk FROM (SELECT s.*, 3 * ui + uj - least(3 * ui + uj, 3 * uj + uk, ui + 3 * uk) AS mi, 3 * uj + uk - least(3 * ui + uj, 3 * uj + uk, ui + 3 * uk) AS mj, ui + 3 * uk - least(3 * ui + uj, 3 * uj + uk, ui + 3 * uk) AS mk FROM (SELECT s.*, vi - least(vi, vj, 0) AS ui, vj - least(vi, vj, 0) AS uj, 0 - least(vi, vj, 0) AS uk FROM (SELECT s.*, (sign(((3 * (ci - ck) - (cj - ck)) * 0.14285714285714285::float8)) * floor(abs(((3 * (ci - ck) - (cj - ck)) * 0.14285714285714285::float8)) + 0.5))::int AS vi, (sign((((ci - ck) + 2 * (cj - ck)) * 0.14285714285714285::float8)) * floor(abs((((ci - ck) + 2 * (cj - ck)) * 0.14285714285714285::float8)) + 0.5))::int AS vj FROM (SELECT ord, face, ci, cj, ck FROM (SELECT s.*, gi - least(gi, gj, 0) AS ci, gj - least(gi, gj, 0) AS cj, 0 - least(gi, gj, 0) AS ck FROM (SELECT s.*, CASE WHEN vy < 0.0::float8 THEN fi - (2 * hj + 1) / 2 ELSE fi END AS gi, CASE WHEN vy < 0.0::float8 THEN -hj ELSE hj END AS gj FROM (SELECT s.*, CASE WHEN vx < 0.0::float8 THEN   CASE WHEN hj % 2 = 0 THEN hi - 2 * (hi - hj / 2)   ELSE hi - (2 * (hi - (hj + 1) / 2) + 1) END ELSE hi END AS fi FROM (SELECT s.*, CASE WHEN r1 < 0.5::float8 THEN   CASE WHEN r1 < 0.3333333333333333::float8 THEN m1    WHEN (1.0::float8 - r1) <= r2 AND r2 < (2.0::float8 * r1) THEN m1 + 1 ELSE m1 END ELSE CASE WHEN r1 < 0.6666666666666666::float8 THEN      CASE WHEN (2.0::float8 * r1 - 1.0::float8) < r2 AND r2 < (1.0::float8 - r1)      THEN m1 ELSE m1 + 1 END    ELSE m1 + 1 END END AS hi, CASE WHEN r1 < 0.5::float8 THEN   CASE WHEN r1 < 0.3333333333333333::float8 THEN      CASE WHEN r2 < (1.0::float8 + r1) / 2.0::float8 THEN m2 ELSE m2 + 1 END    ELSE CASE WHEN r2 < (1.0::float8 - r1) THEN m2 ELSE m2 + 1 END END ELSE CASE WHEN r1 < 0.6666666666666666::float8 THEN      CASE WHEN r2 < (1.0::float8 - r1) THEN m2 ELSE m2 + 1 END    ELSE CASE WHEN r2 < (r1 / 2.0::float8) THEN m2 ELSE m2 + 1 END END END AS hj FROM (SELECT s.*, trunc(x1)::int AS m1, trunc(x2)::int AS m2, x1 - trunc(x1) AS r1, x2 - trunc(x2) AS r2 FROM (SELECT s.*, a1 + x2 / 2.0::float8 AS x1 FROM (SELECT s.*, abs(vx) AS a1, abs(vy) * 1.1547005383792515::float8 AS x2 FROM (SELECT ord, face, CASE WHEN rr < 1e-16::float8 THEN 0.0::float8 ELSE rs * cos(theta) END AS vx, CASE WHEN rr < 1e-16::float8 THEN 0.0::float8 ELSE rs * sin(theta) END AS vy FROM (SELECT s.*, (CASE WHEN th0 - 0.3334731722518321::float8 < 0.0::float8 THEN th0 - 0.3334731722518321::float8 + 6.283185307179586::float8 ELSE th0 - 0.3334731722518321::float8 END - CASE WHEN th0 - 0.3334731722518321::float8 >= 6.283185307179586::float8 THEN 6.283185307179586::float8 ELSE 0.0::float8 END) AS theta, (((((((tan(rr) * 2.618033988749896::float8) * 2.6457513110645907::float8) * 2.6457513110645907::float8) * 2.6457513110645907::float8) * 2.6457513110645907::float8) * 2.6457513110645907::float8) * 2.6457513110645907::float8) * 2.6457513110645907::float8 AS rs FROM (SELECT s.*, (CASE WHEN az0 - (CASE WHEN az < 0.0::float8 THEN az + 6.283185307179586::float8 ELSE az END - CASE WHEN az >= 6.283185307179586::float8 THEN 6.283185307179586::float8 ELSE 0.0::float8 END) < 0.0::float8 THEN az0 - (CASE WHEN az < 0.0::float8 THEN az + 6.283185307179586::float8 ELSE az END - CASE WHEN az >= 6.283185307179586::float8 THEN 6.283185307179586::float8 ELSE 0.0::float8 END) + 6.283185307179586::float8 ELSE az0 - (CASE WHEN az < 0.0::float8 THEN az + 6.283185307179586::float8 ELSE az END - CASE WHEN az >= 6.283185307179586::float8 THEN 6.283185307179586::float8 ELSE 0.0::float8 END) END - CASE WHEN az0 - (CASE WHEN az < 0.0::float8 THEN az + 6.283185307179586::float8 ELSE az END - CASE WHEN az >= 6.283185307179586::float8 THEN 6.283185307179586::float8 ELSE 0.0::float8 END) >= 6.283185307179586::float8 THEN 6.283185307179586::float8 ELSE 0.0::float8 END) AS th0 FROM (SELECT s.*, atan2((tx * ts) * ex + (ty * ts) * ey + (tz * ts) * ez, (tx * ts) * nx + (ty * ts) * ny + (tz * ts) * nz) AS az FROM (SELECT s.*, CASE WHEN sqrt(tx * tx + ty * ty + tz * tz) > 0.0::float8 THEN 1.0::float8 / sqrt(tx * tx + ty * ty + tz * tz) ELSE 0.0::float8 END AS ts FROM (SELECT s.*, px + -(px * cx + py * cy + pz * cz) * cx AS tx, py + -(px * cx + py * cy + pz * cz) * cy AS ty, pz + -(px * cx + py * cy + pz * cz) * cz AS tz FROM (SELECT s.*, acos(1.0::float8 - sqd * 0.5::float8) AS rr, ('{0.2199307791404606,-0.2139234834501421,0.1092625278784797,0.7428567301586791,0.8112534709140969,-0.1055498149613921,-0.8075407579970092,-0.2846148069787907,0.7405621473854482,0.8512303986474293,-0.7405621473854481,-0.8512303986474292,0.1055498149613919,0.8075407579970092,0.2846148069787908,-0.7428567301586791,-0.811253470914097,-0.2199307791404607,0.213923483450142,-0.1092625278784796}'::float8[])[face + 1] AS cx, ('{0.6583691780274996,0.1478171829550703,-0.481195157287321,-0.3593941678278028,0.3448953237639384,0.9794457296411413,0.1533552485898818,-0.8644080972654206,-0.6673299564565524,0.4722343788582681,0.6673299564565524,-0.4722343788582682,-0.9794457296411413,-0.1533552485898819,0.8644080972654204,0.3593941678278027,-0.3448953237639382,-0.6583691780274996,-0.1478171829550704,0.481195157287321}'::float8[])[face + 1] AS cy, ('{0.7198475378926182,0.9656017935214205,0.8697775121287253,0.5648005936517033,0.472138773641393,0.1718874610009365,0.5695261994882688,0.4144792552473539,-0.0789837646326737,-0.2289137388687808,0.0789837646326737,0.2289137388687808,-0.1718874610009365,-0.5695261994882688,-0.4144792552473539,-0.5648005936517033,-0.472138773641393,-0.7198475378926182,-0.9656017935214205,-0.8697775121287253}'::float8[])[face + 1] AS cz, ('{-0.22807849577543152,0.7944029645987296,-0.19259342598459628,-0.5084246035199391,-0.4345021989011209,0.018416794358754516,0.5595263084115215,0.1296256224228557,0.05867569493861569,0.2001736005560226,0.05867569493861568,0.20017360055602257,0.01841679435875448,0.5595263084115215,0.12962562242285572,-0.5084246035199391,-0.43450219890112096,-0.2280784957754316,0.7944029645987293,-0.1925934259845961}'::float8[])[face + 1] AS nx, ('{-0.6827596045277435,-0.5489178021239006,0.8481867087336084,0.24597587915262994,-0.18472374164056252,-0.17089798399892206,-0.10625630380794422,0.39368801231671813,-0.052873413914935614,0.11104967124364792,-0.052873413914935614,0.11104967124364795,-0.17089798399892206,-0.10625630380794426,0.3936880123167181,0.2459758791526299,-0.18472374164056243,-0.6827596045277435,-0.5489178021239011,0.8481867087336084}'::float8[])[face + 1] AS ny, ('{0.694132208005028,0.26002533789655186,0.49344409956464663,0.8252274167832061,0.881524235868987,0.9851165924654054,0.8219731796697801,0.9100587601740883,0.9968759024695354,0.9734467115138433,0.9968759024695354,0.9734467115138433,0.9851165924654054,0.8219731796697801,0.9100587601740883,0.8252274167832061,0.881524235868987,0.694132208005028,0.26002533789655186,0.49344409956464663}'::float8[])[face + 1] AS nz, ('{-0.9484780715185176,-0.5684722271714833,0.9751766364454802,0.43550924329289276,-0.3912488275764174,-0.9942434602486272,-0.18656965018188404,0.9498376754266558,0.6694212938675647,-0.4851157986078959,-0.6694212938675647,0.485115798607896,0.9942434602486272,0.18656965018188415,-0.9498376754266556,-0.43550924329289264,0.39124882757641716,0.9484780715185176,0.5684722271714837,-0.9751766364454802}'::float8[])[face + 1] AS ex, ('{0.3168427809632304,-0.8227024534633974,0.22142838059038347,0.9001842583640595,0.9202849313772766,-0.10714449007222332,-0.9824417365070609,-0.3127433298091057,0.742882986288336,0.8744499196300629,-0.7428829862883359,-0.8744499196300628,0.10714449007222314,0.9824417365070609,0.31274332980910574,-0.9001842583640595,-0.9202849313772767,-0.3168427809632305,0.8227024534633971,-0.22142838059038328}'::float8[])[face + 1] AS ey, ('{0.0,1.3877787807814457e-17,0.0,2.7755575615628914e-17,0.0,0.0,-1.3877787807814457e-17,-1.3877787807814457e-17,0.0,0.0,0.0,0.0,0.0,0.0,0.0,2.7755575615628914e-17,0.0,0.0,0.0,0.0}'::float8[])[face + 1] AS ez, ('{5.6199582685239395,5.7603390817141875,0.78021365439343,0.4304693639799999,6.130269123335111,2.692877706530643,2.982963003477244,3.532912002790141,3.494305004259568,3.0032141694995382,5.930472956509812,0.13837848409025486,0.4487149470591504,0.15862965011254937,5.891865957979238,2.711123289609793,3.294508837434268,3.80481969224544,3.6644388790551923,2.361378999196363}'::float8[])[face + 1] AS az0 FROM (SELECT ord, px, py, pz, CASE WHEN q0 = qmin THEN 0 WHEN q1 = qmin THEN 1 WHEN q2 = qmin THEN 2 WHEN q3 = qmin THEN 3 WHEN q4 = qmin THEN 4 WHEN q5 = qmin THEN 5 WHEN q6 = qmin THEN 6 WHEN q7 = qmin THEN 7 WHEN q8 = qmin THEN 8 WHEN q9 = qmin THEN 9 WHEN q10 = qmin THEN 10 WHEN q11 = qmin THEN 11 WHEN q12 = qmin THEN 12 WHEN q13 = qmin THEN 13 WHEN q14 = qmin THEN 14 WHEN q15 = qmin THEN 15 WHEN q16 = qmin THEN 16 WHEN q17 = qmin THEN 17 WHEN q18 = qmin THEN 18 WHEN q19 = qmin THEN 19 END AS face, qmin AS sqd FROM (SELECT s.*, least(q0, q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15, q16, q17, q18, q19) AS qmin FROM (SELECT s.*, (0.2199307791404606::float8 - px) * (0.2199307791404606::float8 - px) + (0.6583691780274996::float8 - py) * (0.6583691780274996::float8 - py) + (0.7198475378926182::float8 - pz) * (0.7198475378926182::float8 - pz) AS q0, (-0.2139234834501421::float8 - px) * (-0.2139234834501421::float8 - px) + (0.1478171829550703::float8 - py) * (0.1478171829550703::float8 - py) + (0.9656017935214205::float8 - pz) * (0.9656017935214205::float8 - pz) AS q1, (0.1092625278784797::float8 - px) * (0.1092625278784797::float8 - px) + (-0.481195157287321::float8 - py) * (-0.481195157287321::float8 - py) + (0.8697775121287253::float8 - pz) * (0.8697775121287253::float8 - pz) AS q2, (0.7428567301586791::float8 - px) * (0.7428567301586791::float8 - px) + (-0.3593941678278028::float8 - py) * (-0.3593941678278028::float8 - py) + (0.5648005936517033::float8 - pz) * (0.5648005936517033::float8 - pz) AS q3, (0.8112534709140969::float8 - px) * (0.8112534709140969::float8 - px) + (0.3448953237639384::float8 - py) * (0.3448953237639384::float8 - py) + (0.472138773641393::float8 - pz) * (0.472138773641393::float8 - pz) AS q4, (-0.1055498149613921::float8 - px) * (-0.1055498149613921::float8 - px) + (0.9794457296411413::float8 - py) * (0.9794457296411413::float8 - py) + (0.1718874610009365::float8 - pz) * (0.1718874610009365::float8 - pz) AS q5, (-0.8075407579970092::float8 - px) * (-0.8075407579970092::float8 - px) + (0.1533552485898818::float8 - py) * (0.1533552485898818::float8 - py) + (0.5695261994882688::float8 - pz) * (0.5695261994882688::float8 - pz) AS q6, (-0.2846148069787907::float8 - px) * (-0.2846148069787907::float8 - px) + (-0.8644080972654206::float8 - py) * (-0.8644080972654206::float8 - py) + (0.4144792552473539::float8 - pz) * (0.4144792552473539::float8 - pz) AS q7, (0.7405621473854482::float8 - px) * (0.7405621473854482::float8 - px) + (-0.6673299564565524::float8 - py) * (-0.6673299564565524::float8 - py) + (-0.0789837646326737::float8 - pz) * (-0.0789837646326737::float8 - pz) AS q8, (0.8512303986474293::float8 - px) * (0.8512303986474293::float8 - px) + (0.4722343788582681::float8 - py) * (0.4722343788582681::float8 - py) + (-0.2289137388687808::float8 - pz) * (-0.2289137388687808::float8 - pz) AS q9, (-0.7405621473854481::float8 - px) * (-0.7405621473854481::float8 - px) + (0.6673299564565524::float8 - py) * (0.6673299564565524::float8 - py) + (0.0789837646326737::float8 - pz) * (0.0789837646326737::float8 - pz) AS q10, (-0.8512303986474292::float8 - px) * (-0.8512303986474292::float8 - px) + (-0.4722343788582682::float8 - py) * (-0.4722343788582682::float8 - py) + (0.2289137388687808::float8 - pz) * (0.2289137388687808::float8 - pz) AS q11, (0.1055498149613919::float8 - px) * (0.1055498149613919::float8 - px) + (-0.9794457296411413::float8 - py) * (-0.9794457296411413::float8 - py) + (-0.1718874610009365::float8 - pz) * (-0.1718874610009365::float8 - pz) AS q12, (0.8075407579970092::float8 - px) * (0.8075407579970092::float8 - px) + (-0.1533552485898819::float8 - py) * (-0.1533552485898819::float8 - py) + (-0.5695261994882688::float8 - pz) * (-0.5695261994882688::float8 - pz) AS q13, (0.2846148069787908::float8 - px) * (0.2846148069787908::float8 - px) + (0.8644080972654204::float8 - py) * (0.8644080972654204::float8 - py) + (-0.4144792552473539::float8 - pz) * (-0.4144792552473539::float8 - pz) AS q14, (-0.7428567301586791::float8 - px) * (-0.7428567301586791::float8 - px) + (0.3593941678278027::float8 - py) * (0.3593941678278027::float8 - py) + (-0.5648005936517033::float8 - pz) * (-0.5648005936517033::float8 - pz) AS q15, (-0.811253470914097::float8 - px) * (-0.811253470914097::float8 - px) + (-0.3448953237639382::float8 - py) * (-0.3448953237639382::float8 - py) + (-0.472138773641393::float8 - pz) * (-0.472138773641393::float8 - pz) AS q16, (-0.2199307791404607::float8 - px) * (-0.2199307791404607::float8 - px) + (-0.6583691780274996::float8 - py) * (-0.6583691780274996::float8 - py) + (-0.7198475378926182::float8 - pz) * (-0.7198475378926182::float8 - pz) AS q17, (0.213923483450142::float8 - px) * (0.213923483450142::float8 - px) + (-0.1478171829550704::float8 - py) * (-0.1478171829550704::float8 - py) + (-0.9656017935214205::float8 - pz) * (-0.9656017935214205::float8 - pz) AS q18, (-0.1092625278784796::float8 - px) * (-0.1092625278784796::float8 - px) + (0.481195157287321::float8 - py) * (0.481195157287321::float8 - py) + (-0.8697775121287253::float8 - pz) * (-0.8697775121287253::float8 - pz) AS q19 FROM (SELECT ord, cos(lo) * cl AS px, sin(lo) * cl AS py, sin(la) AS pz FROM (SELECT p.ord, cos(q.lat * 0.017453292519943295::float8) AS cl, q.lat * 0.017453292519943295::float8 AS la, q.lng * 0.017453292519943295::float8 AS lo FROM unnest($1, $2) WITH ORDINALITY AS p(lat, lng, ord), LATERAL (SELECT CASE WHEN (p.lat BETWEEN -90 AND 90 AND p.lng BETWEEN -180 AND 180) THEN p.lat ELSE 0.0 END AS lat, CASE WHEN (p.lat BETWEEN -90 AND 90 AND p.lng BETWEEN -180 AND 180) THEN p.lng ELSE 0.0 END AS lng) q OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s OFFSET 0) s ORDER BY ord
$fn$;
CREATE OR REPLACE FUNCTION coverage_h3_parent(h bigint, res int) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$ SELECT (h & ~(15::bigint << 52)) | (res::bigint << 52) | ((1::bigint << (3 * (15 - res))) - 1) $fn$;
-- The clock day, share-locked (a roll takes it FOR UPDATE). The row is (re)created when missing,
-- e.g. after a test-suite flush emptied the table.
CREATE OR REPLACE FUNCTION coverage_clock_share() RETURNS date
LANGUAGE plpgsql AS $fn$
DECLARE
    day date;
BEGIN
    SELECT c.as_of INTO day FROM coverage_coverageclock c WHERE c.id = 1 FOR SHARE;
    IF day IS NULL THEN
        INSERT INTO coverage_coverageclock (id, as_of)
        VALUES (1, (now() AT TIME ZONE 'Asia/Shanghai')::date) ON CONFLICT (id) DO NOTHING;
        SELECT c.as_of INTO day FROM coverage_coverageclock c WHERE c.id = 1 FOR SHARE;
    END IF;
    RETURN day;
END
$fn$;

-- The cells' summaries: created for new cells, adcodes/H3 refreshed for changed ones.
CREATE OR REPLACE FUNCTION coverage_cells_upsert(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    WITH c AS (
        SELECT id, adcode, county_adcode, ST_PointOnSurface(boundary) AS p,
               row_number() OVER (ORDER BY id) AS ord
        FROM grid_gridcell WHERE id = ANY (ids)
    ), h AS (
        SELECT * FROM coverage_h3_cells_r7(
            (SELECT array_agg(ST_Y(p) ORDER BY ord) FROM c),
            (SELECT array_agg(ST_X(p) ORDER BY ord) FROM c))
    )
    INSERT INTO coverage_cellsummary (
        cell_id, adcode, county_adcode, h3_r7, last_visit_at, visits_total, households_total,
        visits_30d, households_30d, visits_90d, households_90d, visits_180d, households_180d,
        visits_365d, households_365d)
    SELECT c.id, c.adcode, c.county_adcode, h.h3, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM c LEFT JOIN h ON h.ord = c.ord
    ORDER BY c.id
    ON CONFLICT (cell_id) DO UPDATE
        SET adcode = EXCLUDED.adcode, county_adcode = EXCLUDED.county_adcode,
            h3_r7 = EXCLUDED.h3_r7;

    INSERT INTO coverage_heathex (h3, resolution, boundary)
    SELECT DISTINCT coverage_h3_parent(s.h3_r7, r), r, NULL::geometry
    FROM coverage_cellsummary s CROSS JOIN unnest('{4,5,6,7}'::int[]) AS r
    WHERE s.cell_id = ANY (ids) AND s.h3_r7 IS NOT NULL
    ON CONFLICT (h3) DO NOTHING;
END
$fn$;

CREATE OR REPLACE FUNCTION coverage_gridcell_inserted() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM coverage_cells_upsert(ARRAY(SELECT id FROM new_cells));
    RETURN NULL;
END
$fn$;

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

-- Heat bins of the given res-7 hexagons and their parents, from CellDay (NULL = everything).
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

-- Everything about the given cells, recomputed from visits (NULL = all cells).
CREATE OR REPLACE FUNCTION coverage_recompute_cells(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    clock_day date;
BEGIN
    clock_day := coverage_clock_share();
    IF ids IS NULL THEN
        DELETE FROM coverage_cellday;
        DELETE FROM coverage_cellhousehold;
    ELSE
        DELETE FROM coverage_cellday WHERE cell_id = ANY (ids);
        DELETE FROM coverage_cellhousehold WHERE cell_id = ANY (ids);
    END IF;

    INSERT INTO coverage_cellday (cell_id, day, county_adcode, visits, unreferenced_households,
                                  referenced_visits)
    SELECT cell_id, (recorded_at AT TIME ZONE 'Asia/Shanghai')::date AS day, min(county_adcode),
           count(*),
           coalesce(sum(households) FILTER (WHERE kind = 'household' AND household_ref = ''), 0),
           count(*) FILTER (WHERE kind = 'household' AND household_ref <> '')
    FROM visits_visit
    WHERE cell_id IS NOT NULL AND (ids IS NULL OR cell_id = ANY (ids))
    GROUP BY 1, 2;

    INSERT INTO coverage_cellhousehold (cell_id, household_ref, first_day, last_day,
                                        previous_last_day)
    SELECT cell_id, household_ref, min((recorded_at AT TIME ZONE 'Asia/Shanghai')::date),
           max((recorded_at AT TIME ZONE 'Asia/Shanghai')::date), NULL
    FROM visits_visit
    WHERE cell_id IS NOT NULL AND kind = 'household' AND household_ref <> ''
      AND (ids IS NULL OR cell_id = ANY (ids))
    GROUP BY 1, 2;

    WITH target AS (
        SELECT cell_id FROM coverage_cellsummary WHERE ids IS NULL OR cell_id = ANY (ids)
    ), d AS (
        SELECT cell_id, sum(visits) AS visits, sum(unreferenced_households) AS unref,
               sum(visits) FILTER (WHERE day >= clock_day - 29) AS v30, sum(unreferenced_households) FILTER (WHERE day >= clock_day - 29) AS u30, sum(visits) FILTER (WHERE day >= clock_day - 89) AS v90, sum(unreferenced_households) FILTER (WHERE day >= clock_day - 89) AS u90, sum(visits) FILTER (WHERE day >= clock_day - 179) AS v180, sum(unreferenced_households) FILTER (WHERE day >= clock_day - 179) AS u180, sum(visits) FILTER (WHERE day >= clock_day - 364) AS v365, sum(unreferenced_households) FILTER (WHERE day >= clock_day - 364) AS u365
        FROM coverage_cellday WHERE ids IS NULL OR cell_id = ANY (ids) GROUP BY cell_id
    ), h AS (
        SELECT cell_id, count(*) AS refs, count(*) FILTER (WHERE last_day >= clock_day - 29) AS r30, count(*) FILTER (WHERE last_day >= clock_day - 89) AS r90, count(*) FILTER (WHERE last_day >= clock_day - 179) AS r180, count(*) FILTER (WHERE last_day >= clock_day - 364) AS r365
        FROM coverage_cellhousehold WHERE ids IS NULL OR cell_id = ANY (ids) GROUP BY cell_id
    ), l AS (
        SELECT cell_id, max(recorded_at) AS last_at FROM visits_visit
        WHERE cell_id IS NOT NULL AND (ids IS NULL OR cell_id = ANY (ids)) GROUP BY cell_id
    )
    UPDATE coverage_cellsummary s SET
        last_visit_at = l.last_at,
        visits_total = coalesce(d.visits, 0),
        households_total = coalesce(d.unref, 0) + coalesce(h.refs, 0),
        visits_30d = coalesce(d.v30, 0), households_30d = coalesce(d.u30, 0) + coalesce(h.r30, 0),
        visits_90d = coalesce(d.v90, 0), households_90d = coalesce(d.u90, 0) + coalesce(h.r90, 0),
        visits_180d = coalesce(d.v180, 0), households_180d = coalesce(d.u180, 0) + coalesce(h.r180, 0),
        visits_365d = coalesce(d.v365, 0), households_365d = coalesce(d.u365, 0) + coalesce(h.r365, 0)
    FROM target t LEFT JOIN d USING (cell_id) LEFT JOIN h USING (cell_id)
         LEFT JOIN l USING (cell_id)
    WHERE s.cell_id = t.cell_id;

    PERFORM coverage_heat_rebuild(
        CASE WHEN ids IS NULL THEN NULL
             ELSE ARRAY(SELECT h3_r7 FROM coverage_cellsummary
                        WHERE cell_id = ANY (ids) AND h3_r7 IS NOT NULL) END);
END
$fn$;

-- Deputies' last visit and totals, from visits (NULL = all deputies). Rows exist for deputies
-- that have visited (as the insert trigger makes them); a deputy left without visits is zeroed.
CREATE OR REPLACE FUNCTION coverage_recompute_deputies(ids bigint[]) RETURNS void
LANGUAGE sql AS $fn$
    INSERT INTO coverage_deputysummary (deputy_id, last_visit_at, visits_total)
    SELECT v.deputy_id, max(v.recorded_at), count(*)
    FROM visits_visit v
    WHERE ids IS NULL OR v.deputy_id = ANY (ids)
    GROUP BY v.deputy_id ORDER BY v.deputy_id
    ON CONFLICT (deputy_id) DO UPDATE SET
        last_visit_at = EXCLUDED.last_visit_at, visits_total = EXCLUDED.visits_total;
    UPDATE coverage_deputysummary s SET last_visit_at = NULL, visits_total = 0
    WHERE (ids IS NULL OR s.deputy_id = ANY (ids))
      AND NOT EXISTS (SELECT 1 FROM visits_visit v WHERE v.deputy_id = s.deputy_id);
$fn$;

CREATE OR REPLACE FUNCTION coverage_rebuild() RETURNS void LANGUAGE sql AS $fn$
    SELECT coverage_cells_upsert(ARRAY(SELECT id FROM grid_gridcell));
    SELECT coverage_recompute_cells(NULL);
    SELECT coverage_recompute_deputies(NULL);
$fn$;

-- New visits: everything incremental, set-based, in key order.
CREATE OR REPLACE FUNCTION coverage_visits_inserted() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    clock_day date;
BEGIN
    -- Shared lock: a concurrent roll (FOR UPDATE) waits for this transaction and vice versa.
    clock_day := coverage_clock_share();

    -- cells created before these triggers existed get their summary row first
    IF EXISTS (SELECT 1 FROM new_visits v WHERE v.cell_id IS NOT NULL AND NOT EXISTS (
                   SELECT 1 FROM coverage_cellsummary s WHERE s.cell_id = v.cell_id)) THEN
        PERFORM coverage_cells_upsert(ARRAY(
            SELECT DISTINCT v.cell_id FROM new_visits v WHERE v.cell_id IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM coverage_cellsummary s WHERE s.cell_id = v.cell_id)));
    END IF;

    -- lock the summaries first, in key order
    PERFORM 1 FROM coverage_cellsummary
    WHERE cell_id IN (SELECT cell_id FROM new_visits)
    ORDER BY cell_id FOR UPDATE;

    INSERT INTO coverage_cellday AS d (cell_id, day, county_adcode, visits,
                                       unreferenced_households, referenced_visits)
    SELECT cell_id, day, min(county_adcode), count(*),
           coalesce(sum(households) FILTER (WHERE is_household AND household_ref = ''), 0),
           count(*) FILTER (WHERE is_household AND household_ref <> '')
    FROM (SELECT cell_id, (recorded_at AT TIME ZONE 'Asia/Shanghai')::date AS day, recorded_at, county_adcode, kind = 'household' AS is_household, household_ref, households FROM new_visits WHERE cell_id IS NOT NULL) AS b GROUP BY cell_id, day ORDER BY cell_id, day
    ON CONFLICT (cell_id, day) DO UPDATE SET
        visits = d.visits + EXCLUDED.visits,
        unreferenced_households = d.unreferenced_households + EXCLUDED.unreferenced_households,
        referenced_visits = d.referenced_visits + EXCLUDED.referenced_visits;

    WITH refs AS (
        INSERT INTO coverage_cellhousehold AS h (cell_id, household_ref, first_day, last_day,
                                                 previous_last_day)
        SELECT cell_id, household_ref, min(day), max(day), NULL
        FROM (SELECT cell_id, (recorded_at AT TIME ZONE 'Asia/Shanghai')::date AS day, recorded_at, county_adcode, kind = 'household' AS is_household, household_ref, households FROM new_visits WHERE cell_id IS NOT NULL) AS b WHERE is_household AND household_ref <> ''
        GROUP BY cell_id, household_ref ORDER BY cell_id, household_ref
        ON CONFLICT (cell_id, household_ref) DO UPDATE SET
            previous_last_day = h.last_day,
            last_day = greatest(h.last_day, EXCLUDED.last_day),
            first_day = least(h.first_day, EXCLUDED.first_day)
        RETURNING h.cell_id, h.last_day, h.previous_last_day
    ), r AS (
        -- a household is new in a window when its latest day entered it with this batch
        SELECT cell_id, count(*) FILTER (WHERE previous_last_day IS NULL) AS refs,
               count(*) FILTER (WHERE last_day >= clock_day - 29 AND (previous_last_day IS NULL OR previous_last_day < clock_day - 29)) AS r30, count(*) FILTER (WHERE last_day >= clock_day - 89 AND (previous_last_day IS NULL OR previous_last_day < clock_day - 89)) AS r90, count(*) FILTER (WHERE last_day >= clock_day - 179 AND (previous_last_day IS NULL OR previous_last_day < clock_day - 179)) AS r180, count(*) FILTER (WHERE last_day >= clock_day - 364 AND (previous_last_day IS NULL OR previous_last_day < clock_day - 364)) AS r365
        FROM refs GROUP BY cell_id
    ), v AS (
        SELECT cell_id, count(*) AS visits, max(recorded_at) AS last_at,
               coalesce(sum(households) FILTER (WHERE is_household AND household_ref = ''), 0)
                   AS unref,
               count(*) FILTER (WHERE day >= clock_day - 29) AS v30, coalesce(sum(households) FILTER (WHERE day >= clock_day - 29 AND is_household AND household_ref = ''), 0) AS u30, count(*) FILTER (WHERE day >= clock_day - 89) AS v90, coalesce(sum(households) FILTER (WHERE day >= clock_day - 89 AND is_household AND household_ref = ''), 0) AS u90, count(*) FILTER (WHERE day >= clock_day - 179) AS v180, coalesce(sum(households) FILTER (WHERE day >= clock_day - 179 AND is_household AND household_ref = ''), 0) AS u180, count(*) FILTER (WHERE day >= clock_day - 364) AS v365, coalesce(sum(households) FILTER (WHERE day >= clock_day - 364 AND is_household AND household_ref = ''), 0) AS u365
        FROM (SELECT cell_id, (recorded_at AT TIME ZONE 'Asia/Shanghai')::date AS day, recorded_at, county_adcode, kind = 'household' AS is_household, household_ref, households FROM new_visits WHERE cell_id IS NOT NULL) AS b GROUP BY cell_id
    ), x AS (
        SELECT v.cell_id, v.visits, v.last_at, v.unref + coalesce(r.refs, 0) AS households,
               v.v30, v.u30 + coalesce(r.r30, 0) AS h30, v.v90, v.u90 + coalesce(r.r90, 0) AS h90, v.v180, v.u180 + coalesce(r.r180, 0) AS h180, v.v365, v.u365 + coalesce(r.r365, 0) AS h365
        FROM v LEFT JOIN r USING (cell_id)
    )
    UPDATE coverage_cellsummary s SET
        last_visit_at = greatest(s.last_visit_at, x.last_at),
        visits_total = s.visits_total + x.visits,
        households_total = s.households_total + x.households,
        visits_30d = s.visits_30d + coalesce(x.v30, 0), households_30d = s.households_30d + coalesce(x.h30, 0),
visits_90d = s.visits_90d + coalesce(x.v90, 0), households_90d = s.households_90d + coalesce(x.h90, 0),
visits_180d = s.visits_180d + coalesce(x.v180, 0), households_180d = s.households_180d + coalesce(x.h180, 0),
visits_365d = s.visits_365d + coalesce(x.v365, 0), households_365d = s.households_365d + coalesce(x.h365, 0)
    FROM x WHERE s.cell_id = x.cell_id;

    INSERT INTO coverage_deputysummary AS ds (deputy_id, last_visit_at, visits_total)
    SELECT deputy_id, max(recorded_at), count(*) FROM new_visits
    GROUP BY deputy_id ORDER BY deputy_id
    ON CONFLICT (deputy_id) DO UPDATE SET
        last_visit_at = greatest(ds.last_visit_at, EXCLUDED.last_visit_at),
        visits_total = ds.visits_total + EXCLUDED.visits_total;

    INSERT INTO coverage_heatbin AS b (resolution, h3, day, adcode, visits, households)
    SELECT r, coverage_h3_parent(s.h3_r7, r), v.day, s.adcode, count(*),
           coalesce(sum(CASE WHEN NOT v.is_household THEN 0
                             WHEN v.household_ref <> '' THEN 1 ELSE v.households END), 0)
    FROM (SELECT cell_id, (recorded_at AT TIME ZONE 'Asia/Shanghai')::date AS day, recorded_at, county_adcode, kind = 'household' AS is_household, household_ref, households FROM new_visits WHERE cell_id IS NOT NULL) AS v
    JOIN coverage_cellsummary s ON s.cell_id = v.cell_id
    CROSS JOIN unnest('{4,5,6,7}'::int[]) AS r
    WHERE s.h3_r7 IS NOT NULL
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (resolution, h3, day, adcode) DO UPDATE SET
        visits = b.visits + EXCLUDED.visits, households = b.households + EXCLUDED.households;

    RETURN NULL;
END
$fn$;

-- Updated or deleted visits (rare): recompute the cells they touched.
CREATE OR REPLACE FUNCTION coverage_visits_changed() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    ids bigint[];
    deputies bigint[];
BEGIN
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

-- Move the standard windows to `target`: subtract what left each window.
CREATE OR REPLACE FUNCTION coverage_roll_to(target date) RETURNS date
LANGUAGE plpgsql AS $fn$
DECLARE
    cur date;
BEGIN
    PERFORM coverage_clock_share();
    SELECT c.as_of INTO cur FROM coverage_coverageclock c WHERE c.id = 1 FOR UPDATE;
    IF target <= cur THEN
        RETURN cur;
    END IF;
    WITH dl AS (
        SELECT cell_id, sum(visits) FILTER (WHERE day BETWEEN cur - 29 AND target - 30) AS v30, sum(unreferenced_households) FILTER (WHERE day BETWEEN cur - 29 AND target - 30) AS u30, sum(visits) FILTER (WHERE day BETWEEN cur - 89 AND target - 90) AS v90, sum(unreferenced_households) FILTER (WHERE day BETWEEN cur - 89 AND target - 90) AS u90, sum(visits) FILTER (WHERE day BETWEEN cur - 179 AND target - 180) AS v180, sum(unreferenced_households) FILTER (WHERE day BETWEEN cur - 179 AND target - 180) AS u180, sum(visits) FILTER (WHERE day BETWEEN cur - 364 AND target - 365) AS v365, sum(unreferenced_households) FILTER (WHERE day BETWEEN cur - 364 AND target - 365) AS u365
        FROM coverage_cellday WHERE day BETWEEN cur - 29 AND target - 30 OR day BETWEEN cur - 89 AND target - 90 OR day BETWEEN cur - 179 AND target - 180 OR day BETWEEN cur - 364 AND target - 365 GROUP BY cell_id
    ), hl AS (
        SELECT cell_id, count(*) FILTER (WHERE last_day BETWEEN cur - 29 AND target - 30) AS r30, count(*) FILTER (WHERE last_day BETWEEN cur - 89 AND target - 90) AS r90, count(*) FILTER (WHERE last_day BETWEEN cur - 179 AND target - 180) AS r180, count(*) FILTER (WHERE last_day BETWEEN cur - 364 AND target - 365) AS r365
        FROM coverage_cellhousehold WHERE last_day BETWEEN cur - 29 AND target - 30 OR last_day BETWEEN cur - 89 AND target - 90 OR last_day BETWEEN cur - 179 AND target - 180 OR last_day BETWEEN cur - 364 AND target - 365 GROUP BY cell_id
    ), x AS (
        SELECT cell_id, coalesce(dl.v30, 0) AS v30, coalesce(dl.u30, 0) + coalesce(hl.r30, 0) AS h30, coalesce(dl.v90, 0) AS v90, coalesce(dl.u90, 0) + coalesce(hl.r90, 0) AS h90, coalesce(dl.v180, 0) AS v180, coalesce(dl.u180, 0) + coalesce(hl.r180, 0) AS h180, coalesce(dl.v365, 0) AS v365, coalesce(dl.u365, 0) + coalesce(hl.r365, 0) AS h365
        FROM dl FULL JOIN hl USING (cell_id)
    )
    UPDATE coverage_cellsummary s SET
        visits_30d = s.visits_30d - coalesce(x.v30, 0), households_30d = s.households_30d - coalesce(x.h30, 0),
visits_90d = s.visits_90d - coalesce(x.v90, 0), households_90d = s.households_90d - coalesce(x.h90, 0),
visits_180d = s.visits_180d - coalesce(x.v180, 0), households_180d = s.households_180d - coalesce(x.h180, 0),
visits_365d = s.visits_365d - coalesce(x.v365, 0), households_365d = s.households_365d - coalesce(x.h365, 0)
    FROM x WHERE s.cell_id = x.cell_id;
    UPDATE coverage_coverageclock SET as_of = target WHERE id = 1;
    RETURN target;
END
$fn$;


CREATE TRIGGER coverage_gridcell_insert AFTER INSERT ON grid_gridcell
REFERENCING NEW TABLE AS new_cells
FOR EACH STATEMENT EXECUTE FUNCTION coverage_gridcell_inserted();

CREATE TRIGGER coverage_gridcell_update AFTER UPDATE ON grid_gridcell
REFERENCING OLD TABLE AS old_cells NEW TABLE AS new_cells
FOR EACH STATEMENT EXECUTE FUNCTION coverage_gridcell_updated();

CREATE TRIGGER coverage_visit_insert AFTER INSERT ON visits_visit
REFERENCING NEW TABLE AS new_visits
FOR EACH STATEMENT EXECUTE FUNCTION coverage_visits_inserted();

CREATE TRIGGER coverage_visit_update AFTER UPDATE ON visits_visit
REFERENCING OLD TABLE AS old_visits NEW TABLE AS new_visits
FOR EACH STATEMENT EXECUTE FUNCTION coverage_visits_changed();

CREATE TRIGGER coverage_visit_delete AFTER DELETE ON visits_visit
REFERENCING OLD TABLE AS old_visits
FOR EACH STATEMENT EXECUTE FUNCTION coverage_visits_changed();

INSERT INTO coverage_coverageclock (id, as_of)
VALUES (1, (now() AT TIME ZONE 'Asia/Shanghai')::date)
ON CONFLICT (id) DO NOTHING;

SELECT coverage_rebuild();

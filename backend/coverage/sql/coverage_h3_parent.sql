-- H3's cellToParent: the index of the parent hexagon at resolution `res` (bit operations
-- only).

CREATE OR REPLACE FUNCTION coverage_h3_parent(h bigint, res integer) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT (h & ~(15::bigint << 52)) | (res::bigint << 52) | ((1::bigint << (3 * (15 - res))) - 1)
$fn$;

CREATE OR REPLACE FUNCTION public.grid_display_boundary(boundary geometry)
 RETURNS geometry
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$
    SELECT CASE
        WHEN s IS NULL OR ST_IsEmpty(s) OR NOT ST_IsValid(s) THEN boundary
        ELSE s END
    FROM (SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(
                 ST_SimplifyPreserveTopology(boundary, 0.0001)), 3)) AS s) x
$function$;

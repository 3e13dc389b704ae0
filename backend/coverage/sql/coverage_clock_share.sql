-- The coverage clock: the day the standard windows (30/90/180/365 days) are counted to, read
-- with a share lock (a roll takes the row FOR UPDATE, so a roll and a visit insert wait for each
-- other). The row is recreated when missing, e.g. after a test flush emptied the table.

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

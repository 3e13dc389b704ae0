"""backend.core.db: the hot-path cursors read the same values as Django's and stay observable."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.core.db import fetchone_prepared, reading_cursor

SQL = "SELECT %(at)s::timestamptz AS at, %(at)s::timestamptz + interval '1 day' AS later"


def test_reading_cursor_loads_the_same_instants_as_django(db):
    at = dt.datetime(2026, 11, 23, 8, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with connection.cursor() as cursor:
        cursor.execute(SQL, {"at": at})
        expected = cursor.fetchone()
    with CaptureQueriesContext(connection) as ctx, reading_cursor() as cursor:
        cursor.execute(SQL, {"at": at})
        row = cursor.fetchone()
    assert row == expected
    assert row[0] == at and row[0].utcoffset() is not None
    assert len(ctx.captured_queries) == 1  # still logged like any Django query


def test_fetchone_prepared_prepares_a_repeated_statement(db):
    sql = "SELECT count(*) FROM generate_series(1, %(n)s) AS g /* tile shape */"
    assert [fetchone_prepared(sql, {"n": n})[0] for n in range(1, 8)] == list(range(1, 8))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%tile shape%"],
        )
        assert cursor.fetchone()[0] == 1

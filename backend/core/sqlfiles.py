"""Database functions and triggers as source files.

The current definition of every PL/pgSQL / SQL function and trigger lives in
`backend/<app>/sql/<name>.sql`, one file per function (a trigger function's file also creates the
triggers that fire it), written with `CREATE OR REPLACE` so that a file can be applied again.
Migrations never read these files: each applies a frozen copy of what it changed
(`backend/<app>/migrations/sql/`, written by `manage.py sqlmigration`). The test
tests/backend/test_sql_files.py keeps files and migrated database equal with `drift()`.

Comparing with the catalogue's own rendering (`pg_get_functiondef`, `pg_get_triggerdef`) is the
normalisation: the files are executed inside a transaction that is rolled back, and each object's
definition before and after must be identical. Comments outside a function's body are not part
of the definition; anything inside it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.backends.utils import CursorWrapper

BACKEND = Path(__file__).resolve().parent.parent
# Apps that own database functions, in the order their files are applied.
SQL_APPS = ("grid", "coverage")
# Functions and triggers created by a third-party app's own migrations (not ours to keep).
FOREIGN_PREFIXES = ("procrastinate_",)

_FUNCTION = re.compile(r"^CREATE OR REPLACE FUNCTION\s+(\w+)\s*\(", re.M)
_TRIGGER = re.compile(r"^CREATE OR REPLACE TRIGGER\s+(\w+)\s", re.M)

_CATALOG_SQL = """
SELECT 'function ' || p.proname, pg_get_functiondef(p.oid)
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public' AND p.prokind IN ('f', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT 'trigger ' || t.tgname, pg_get_triggerdef(t.oid)
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND NOT t.tgisinternal
"""


@dataclass(frozen=True)
class SqlFile:
    app: str
    path: Path

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def objects(self) -> tuple[str, ...]:
        """`function <name>` and `trigger <name>` for everything the file creates."""
        text = self.text
        return tuple(
            [f"function {n}" for n in _FUNCTION.findall(text)]
            + [f"trigger {n}" for n in _TRIGGER.findall(text)]
        )


def sql_files(apps: tuple[str, ...] = SQL_APPS) -> list[SqlFile]:
    return [
        SqlFile(app, path) for app in apps for path in sorted((BACKEND / app / "sql").glob("*.sql"))
    ]


def catalog(cursor: CursorWrapper) -> dict[str, str]:
    """Our functions and triggers in the database: `function|trigger <name>` -> definition."""
    cursor.execute(_CATALOG_SQL)
    return {
        key: definition
        for key, definition in cursor.fetchall()
        if not key.split(" ", 1)[1].startswith(FOREIGN_PREFIXES)
    }


class _Rollback(Exception):
    pass


@dataclass
class Drift:
    missing_files: list[str]  # in the database, in no file
    not_migrated: list[str]  # in a file, not in the database
    different: list[str]  # definition in the database differs from its file

    @property
    def clean(self) -> bool:
        return not (self.missing_files or self.not_migrated or self.different)


def drift(cursor: CursorWrapper, files: list[SqlFile] | None = None) -> tuple[Drift, dict]:
    """Compare the database with the files; returns the drift and the definitions the files
    give (`after`), next to the database's (`before`). Changes nothing."""
    files = sql_files() if files is None else files
    declared = {obj for f in files for obj in f.objects}
    before = catalog(cursor)
    after: dict[str, str] = {}
    try:
        with transaction.atomic(using=cursor.db.alias):
            for f in files:
                cursor.execute(f.text)
            after.update(catalog(cursor))
            raise _Rollback
    except _Rollback:
        pass
    result = Drift(
        missing_files=sorted(set(before) - declared),
        not_migrated=sorted(declared - set(before)),
        different=sorted(k for k in declared & set(before) if before[k] != after.get(k)),
    )
    return result, {"before": before, "after": after}

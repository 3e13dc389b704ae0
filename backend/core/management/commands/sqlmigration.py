"""`manage.py sqlmigration APP NAME`: a migration applying the edited SQL files of APP.

Edit `backend/APP/sql/<function>.sql`, then run this against a database migrated to the latest
state (your development database). It compares the database with the files (the same check as
tests/backend/test_sql_files.py) and, for the files whose functions or triggers differ or are new,
writes
- `backend/APP/migrations/sql/NNNN_NAME.sql`: a frozen copy of those files (forward),
- `backend/APP/migrations/sql/NNNN_NAME.reverse.sql`: the definitions the database has now
  (or DROPs for new objects),
- `backend/APP/migrations/NNNN_NAME.py`: RunSQL of the two, depending on APP's latest migration.
Then `manage.py migrate`. Removing a function is a hand-written migration (DROP ...).
"""

from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from backend.core import sqlfiles

MIGRATION = '''"""{doc}"""

from pathlib import Path

from django.db import migrations

# Frozen copies of backend/{app}/sql/ files (written by `manage.py sqlmigration`).
_SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):
    dependencies = [("{app}", "{previous}")]

    operations = [
        migrations.RunSQL(
            (_SQL / "{name}.sql").read_text(encoding="utf-8"),
            (_SQL / "{name}.reverse.sql").read_text(encoding="utf-8"),
        ),
    ]
'''

_TRIGGER_TABLE = re.compile(r"^CREATE OR REPLACE TRIGGER\s+(\w+)\s.*?\sON\s+(\w+)", re.M | re.S)


def _reverse(objects: list[str], before: dict[str, str], files: list[sqlfiles.SqlFile]) -> str:
    tables = {t: table for f in files for t, table in _TRIGGER_TABLE.findall(f.text)}
    drops, restores = [], []
    for obj in objects:
        kind, name = obj.split(" ", 1)
        if obj in before:
            definition = before[obj].rstrip()
            if kind == "trigger":
                definition = definition.replace("CREATE TRIGGER", "CREATE OR REPLACE TRIGGER", 1)
            restores.append(definition + ";\n")
        elif kind == "trigger":
            drops.insert(0, f"DROP TRIGGER IF EXISTS {name} ON {tables[name]};\n")
        else:
            drops.append(f"DROP FUNCTION IF EXISTS {name};\n")
    return "".join(drops + restores)


class Command(BaseCommand):
    help = "Write a migration applying a frozen copy of APP's edited backend/APP/sql/ files."

    def add_arguments(self, parser):
        parser.add_argument("app", choices=sqlfiles.SQL_APPS)
        parser.add_argument("name", help="migration name, e.g. visit_trigger_cheaper")

    def handle(self, *args, app: str, name: str, **options):
        files = sqlfiles.sql_files()
        with connection.cursor() as cursor:
            result, defs = sqlfiles.drift(cursor, files)
        app_files = [f for f in files if f.app == app]
        changed = set(result.different) | set(result.not_migrated)
        chosen = [f for f in app_files if changed & set(f.objects)]
        if result.missing_files:
            self.stderr.write(f"in the database, in no file: {', '.join(result.missing_files)}")
        if not chosen:
            raise CommandError(f"no {app} SQL file differs from the database: nothing to migrate")
        loader = MigrationLoader(connection, ignore_no_migrations=True)
        if loader.detect_conflicts():
            raise CommandError("conflicting migrations: merge them first")
        (previous,) = loader.graph.leaf_nodes(app)
        number = int(previous[1][:4]) + 1
        full = f"{number:04d}_{name}"
        migrations_dir = sqlfiles.BACKEND / app / "migrations"
        (migrations_dir / "sql").mkdir(exist_ok=True)
        forward = "\n".join(f.text for f in chosen)
        objects = [obj for f in chosen for obj in f.objects]
        reverse = _reverse(objects, defs["before"], chosen)
        (migrations_dir / "sql" / f"{full}.sql").write_text(forward, encoding="utf-8")
        (migrations_dir / "sql" / f"{full}.reverse.sql").write_text(reverse, encoding="utf-8")
        listed = ", ".join(f"`{f.path.name}`" for f in chosen)
        doc = f"Apply the current {listed} (backend/{app}/sql/)."
        if len(doc) > 96:
            doc = (
                f"Apply the current definitions of backend/{app}/sql/:\n"
                + "\n".join(f"- {f.path.name}" for f in chosen)
                + "\n"
            )
        (migrations_dir / f"{full}.py").write_text(
            MIGRATION.format(doc=doc, app=app, previous=previous[1], name=full), encoding="utf-8"
        )
        self.stdout.write(f"wrote backend/{app}/migrations/{full}.py ({len(chosen)} files)")

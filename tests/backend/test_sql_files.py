"""Database functions are source files (backend/<app>/sql/): the migrated test database holds
exactly what the files define, compared through pg_get_functiondef / pg_get_triggerdef, and
migrations import no app code (they apply frozen copies)."""

import ast
import difflib
import io
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from backend.core import sqlfiles

ROOT = Path(__file__).resolve().parents[2]


def _diff(name, extra):
    before, after = extra["before"].get(name, ""), extra["after"].get(name, "")
    return "\n".join(
        difflib.unified_diff(
            before.splitlines(), after.splitlines(), "database", "file", lineterm="", n=1
        )
    )


@pytest.mark.django_db
def test_every_function_and_trigger_is_its_file_and_migrated():
    with connection.cursor() as cursor:
        result, extra = sqlfiles.drift(cursor)
    assert result.missing_files == [], "in the database but in no backend/<app>/sql/ file"
    assert result.not_migrated == [], "in a file but not in the database: add a migration"
    assert result.different == [], "edited without a migration (manage.py sqlmigration):\n" + (
        "\n".join(_diff(name, extra) for name in result.different)
    )


@pytest.mark.django_db
def test_an_edited_file_is_drift(tmp_path):
    target = next(f for f in sqlfiles.sql_files() if f.path.name == "coverage_rebuild.sql")
    edited = tmp_path / "coverage_rebuild.sql"
    edited.write_text(target.text.replace("$fn$\n", "$fn$\n    -- edited\n", 1), "utf-8")
    files = [f for f in sqlfiles.sql_files() if f != target] + [
        sqlfiles.SqlFile("coverage", edited)
    ]
    with connection.cursor() as cursor:
        result, _ = sqlfiles.drift(cursor, files)
        assert result.different == ["function coverage_rebuild"]
        # nothing was changed by the comparison
        again, _ = sqlfiles.drift(cursor)
    assert again.clean


def test_each_object_has_one_file_and_each_file_says_what_it_does():
    seen = {}
    for f in sqlfiles.sql_files():
        assert f.objects, f.path
        assert f.objects[0] == f"function {f.path.stem}", "a file is named after its function"
        assert f.text.startswith("-- "), f"{f.path}: a header comment says what it does"
        for obj in f.objects:
            assert obj not in seen, f"{obj} in {seen.get(obj)} and {f.path}"
            seen[obj] = f.path


def test_migrations_import_no_app_code():
    # Only Django's own serialised references to model-field callables (`backend.<app>.models`,
    # written by makemigrations) may name project code; no migration loads another one.
    ours = {"backend", "gis_data", "mobile_api", "map_ui", "importlib"}
    for path in sorted(ROOT.glob("backend/*/migrations/*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                parts = name.split(".")
                allowed = parts[0] not in ours or (len(parts) == 3 and parts[2] == "models")
                assert allowed, f"{path.relative_to(ROOT)} imports {name}"


@pytest.mark.django_db
def test_sqlmigration_refuses_when_nothing_changed():
    with pytest.raises(CommandError, match="nothing to migrate"):
        call_command("sqlmigration", "coverage", "nothing")


@pytest.mark.django_db
def test_sqlmigration_freezes_the_edited_file_with_a_reverse(tmp_path, monkeypatch):
    for app in sqlfiles.SQL_APPS:
        shutil.copytree(sqlfiles.BACKEND / app / "sql", tmp_path / app / "sql")
        (tmp_path / app / "migrations").mkdir()
    edited = tmp_path / "coverage" / "sql" / "coverage_rebuild.sql"
    edited.write_text(edited.read_text("utf-8").replace("$fn$\n", "$fn$\n    -- v2\n", 1), "utf-8")
    monkeypatch.setattr(sqlfiles, "BACKEND", tmp_path)
    call_command("sqlmigration", "coverage", "rebuild_v2", stdout=io.StringIO())

    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*_rebuild_v2*"))
    (number,) = {Path(p).name[:4] for p in written}
    leaf = sorted(p.name for p in (ROOT / "backend/coverage/migrations").glob("0*.py"))[-1]
    assert int(number) == int(leaf[:4]) + 1
    migration = (tmp_path / f"coverage/migrations/{number}_rebuild_v2.py").read_text("utf-8")
    assert f'("coverage", "{leaf[:-3]}")' in migration
    sql_dir = tmp_path / "coverage/migrations/sql"
    forward = (sql_dir / f"{number}_rebuild_v2.sql").read_text("utf-8")
    reverse = (sql_dir / f"{number}_rebuild_v2.reverse.sql").read_text("utf-8")
    assert forward == edited.read_text("utf-8")
    assert "-- v2" in forward and "-- v2" not in reverse
    assert "CREATE OR REPLACE FUNCTION public.coverage_rebuild()" in reverse

    files = sqlfiles.sql_files()  # the edited copies
    with connection.cursor() as cursor:
        assert sqlfiles.drift(cursor, files)[0].different == ["function coverage_rebuild"]
        with transaction.atomic():
            cursor.execute(forward)  # as the migration would
            assert sqlfiles.drift(cursor, files)[0].clean
            cursor.execute(reverse)  # and its reverse
            assert sqlfiles.drift(cursor, files)[0].different == ["function coverage_rebuild"]
            transaction.set_rollback(True)

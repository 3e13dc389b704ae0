"""The error registry is the one vocabulary: the docs tables are generated from it, every code
the source raises is registered, and no code is built with an f-string."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

from backend.core import error_codes as codes
from backend.core.error_docs import DOCS, current_block, markdown
from backend.core.errors import DomainError, NotFound

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["backend", "mobile_api", "map_ui", "gis_data"]
# A dotted string passed as the code of an error: DomainError("x.y", ...), ApiError("x.y"),
# fail("x.y", ...), bad("field", "x.y", ...), code="x.y", {"code": "x.y"}.
RAISED = re.compile(
    r"""(?:(?:DomainError|NotFound|ApiError|TokenRejected|fail|error_response)\(\s*"""
    r"""|bad\(\s*"\w+",\s*|code=|"code":\s*)"([a-z_]+\.[a-z_0-9]+)\""""
)
F_STRING_CODE = re.compile(r"""(?:DomainError|NotFound|ApiError)\(\s*f["']""")


def _sources():
    for top in SOURCES:
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path, path.read_text(encoding="utf-8")


@pytest.mark.parametrize("api", sorted(DOCS))
def test_docs_tables_are_generated_from_the_registry(api):
    assert current_block(api) == markdown(api), (
        f"{DOCS[api]} differs from the registry: run manage.py error_codes --write"
    )


def test_the_command_checks_and_prints_the_tables(capsys):
    call_command("error_codes", "--check")
    call_command("error_codes", "--markdown", "--api", "mobile")
    assert "| `request.invalid` | 400 |" in capsys.readouterr().out


def test_every_raised_code_is_a_registered_constant():
    sample = 'raise DomainError("a.b", m)\nbad("lon", "c.d", m)\nx = {"code": "e.f"}\nfail("g.h")'
    assert RAISED.findall(sample) == ["a.b", "c.d", "e.f", "g.h"]
    literal = sorted(
        (path.relative_to(ROOT).as_posix(), code)
        for path, text in _sources()
        for code in RAISED.findall(text)
        if code != "dotted.code"  # the docstrings' placeholder
    )
    assert [(p, c) for p, c in literal if c not in codes.REGISTRY] == []  # unregistered
    assert literal == []  # registered, but spelled as a string: use codes.X


def test_no_f_string_codes():
    found = [str(path) for path, text in _sources() if F_STRING_CODE.search(text)]
    assert found == []


def test_a_registered_code_gives_the_status_and_the_default_message():
    with translation.override("en"):
        error = NotFound(codes.OPINION_NOT_FOUND)
    assert (error.code, error.status, error.message) == (
        "opinion.not_found",
        404,
        "No such opinion.",
    )
    conflict = DomainError(codes.CHECKIN_CONFLICT, "other message")
    assert (conflict.code, conflict.status, conflict.message) == (
        "checkin.conflict",
        409,
        "other message",
    )
    with pytest.raises(ValueError, match="registered twice"):
        codes.register("opinion.not_found", 404, "again")


def test_every_code_is_dotted_and_each_status_an_http_error():
    for code, entry in codes.REGISTRY.items():
        assert re.fullmatch(r"[a-z_]+\.[a-z_0-9]+", code), code
        assert 400 <= entry.status < 600, code
        assert set(entry.apis) <= {"mobile", "map"}, code

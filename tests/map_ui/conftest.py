"""The hand-built coverage world (tests/coverage_world.py) as the `world` fixture."""

from tests.coverage_world import world  # noqa: F401

"""The SQL port of H3 (backend.coverage.h3sql) against the h3 library, bit for bit."""

import random

import h3
import pytest
from django.db import connection

from backend.coverage import h3sql


def _sql_cells(lats, lngs):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ord, h3 FROM coverage_h3_cells_r7(%s::float8[], %s::float8[]) ORDER BY ord",
            [lats, lngs],
        )
        return dict(cursor.fetchall())


@pytest.mark.django_db
def test_res7_matches_h3_on_random_points_worldwide_and_in_china():
    rng = random.Random(20261123)
    points = [(rng.uniform(-89.9, 89.9), rng.uniform(-180, 180)) for _ in range(1500)]
    points += [(rng.uniform(18, 53.5), rng.uniform(73.5, 135)) for _ in range(1500)]
    got = _sql_cells([p[0] for p in points], [p[1] for p in points])
    expected = {
        i: h3.str_to_int(h3.latlng_to_cell(lat, lng, 7))
        for i, (lat, lng) in enumerate(points, start=1)
    }
    assert got == expected


@pytest.mark.django_db
def test_points_around_every_pentagon_match():
    # Pentagons are the special case of the algorithm (deleted k-axes sub-sequence).
    points = []
    for pentagon in h3.get_pentagons(7):
        lat, lng = h3.cell_to_latlng(pentagon)
        points += [(lat + dy, lng + dx) for dy in (-0.02, 0, 0.02) for dx in (-0.02, 0, 0.02)]
    got = _sql_cells([p[0] for p in points], [p[1] for p in points])
    for i, (lat, lng) in enumerate(points, start=1):
        assert got[i] == h3.str_to_int(h3.latlng_to_cell(lat, lng, 7)), (lat, lng)


@pytest.mark.django_db
def test_parent_is_h3_cell_to_parent_and_invalid_points_give_null():
    cell = h3.latlng_to_cell(28.1, 113.05, 7)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coverage_h3_parent(%s, 4), coverage_h3_parent(%s, 6)",
            [h3.str_to_int(cell)] * 2,
        )
        r4, r6 = cursor.fetchone()
    assert (r4, r6) == (
        h3.str_to_int(h3.cell_to_parent(cell, 4)),
        h3.str_to_int(h3.cell_to_parent(cell, 6)),
    )
    got = _sql_cells([28.1, float("nan"), 95.0, None, 28.1], [113.05, 113.0, 113.0, 113.0, 181.0])
    assert got == {1: h3.str_to_int(cell), 2: None, 3: None, 4: None, 5: None}


def test_generated_tables_are_h3s():
    # 20 faces, 20 × 3 × 3 × 3 face-IJK entries, 12 pentagons (exactly the library's).
    assert len(h3sql.FACE_CENTERS) == 20 and len(h3sql.FIJK_BASE) == 540
    assert sorted(h3sql.PENTAGON_CW_OFFSET_FACES) == sorted(
        h3.get_base_cell_number(p) for p in h3.get_pentagons(0)
    )


def test_the_sql_files_hold_what_the_generator_writes():
    for name, body in h3sql.generated_bodies().items():
        text = (h3sql.SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
        assert text.split("$fn$")[1] == body, f"{name}.sql: run python -m backend.coverage.h3sql"

"""visits_ingest: set-based batch insert, idempotency, cell resolution, plausibility flags."""

import datetime as dt
import uuid
from unittest.mock import ANY

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.regions.selectors import place_names
from backend.visits.models import Visit
from backend.visits.services import household_ref_hash, visits_ingest, visits_sync
from tests.factories import (
    DeputyFactory,
    GridAssignmentFactory,
    GridCellFactory,
    RegionFactory,
    cell_center,
)

pytestmark = pytest.mark.django_db


def test_batch_creates_rows_with_cell_and_adcodes_resolved(make_row, cells_3x3, assigned):
    lon, lat = cell_center(cells_3x3[0])
    rows = [make_row(), make_row(lon=lon, lat=lat)]
    results = visits_ingest(rows=rows)
    assert [r.status for r in results] == ["created", "created"]
    first, second = (Visit.objects.get(id=r.id) for r in results)
    assert first.cell_id == cells_3x3[4].id
    assert second.cell_id == cells_3x3[0].id
    assert (first.adcode, first.county_adcode) == ("430121", "430121")
    assert first.flags == []
    assert second.flags == ["outside_assigned_cells"]
    assert results[0].cell_id == cells_3x3[4].id
    assert first.content_hash and first.location.x == pytest.approx(rows[0]["lon"])


def test_one_insert_per_batch_no_query_per_record(make_row, assigned):
    rows = [
        make_row(recorded_at=timezone.now() - dt.timedelta(minutes=100 - i)) for i in range(100)
    ]
    with CaptureQueriesContext(connection) as queries:
        results = visits_ingest(rows=rows)
    assert {r.status for r in results} == {"created"}
    inserts = [q for q in queries.captured_queries if "INSERT INTO" in q["sql"]]
    assert len(inserts) == 1
    # deputy look-up, savepoint/transaction bookkeeping and the insert: constant, not per row
    assert len(queries.captured_queries) <= 4


def test_identical_retry_is_all_duplicate_and_creates_nothing(make_row, assigned):
    rows = [make_row() for _ in range(5)]
    first = visits_ingest(rows=rows)
    again = visits_ingest(rows=rows)
    assert [r.status for r in again] == ["duplicate"] * 5
    assert [r.id for r in again] == [r.id for r in first]
    assert Visit.objects.count() == 5


def test_same_uuid_other_content_is_conflict_and_changes_nothing(make_row, assigned):
    row = make_row(notes="first")
    created = visits_ingest(rows=[row])[0]
    result = visits_ingest(rows=[dict(row, notes="edited")])[0]
    assert result.status == "conflict"
    assert result.id == created.id
    assert Visit.objects.get().notes == "first"


def test_repeated_uuid_inside_one_batch(make_row, assigned):
    row = make_row()
    results = visits_ingest(rows=[row, dict(row), dict(row, households=3)])
    assert [r.status for r in results] == ["created", "duplicate", "conflict"]
    assert Visit.objects.count() == 1


def test_bad_rows_are_rejected_without_sinking_the_batch(make_row, assigned):
    rows = [
        make_row(),
        make_row(lon=float("nan")),
        make_row(recorded_at=dt.datetime(2026, 1, 1)),
        make_row(kind="party"),
        make_row(deputy_id=999_999),
        make_row(),
    ]
    results = visits_ingest(rows=rows)
    assert [r.status for r in results] == [
        "created",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "created",
    ]
    assert results[1].errors["lon"]["code"] == "geometry.out_of_range"
    assert results[2].errors["recorded_at"]["code"] == "datetime.naive"
    assert results[3].errors["kind"]["code"] == "visit.invalid_kind"
    assert results[4].errors["deputy_id"]["code"] == "deputy.not_found"
    assert Visit.objects.count() == 2


def test_rows_of_several_deputies_in_one_batch(make_row, county, assigned):
    other = DeputyFactory(region=county)
    row = make_row()
    results = visits_ingest(rows=[row, dict(row, deputy_id=other.id)])
    assert [r.status for r in results] == ["created", "created"]  # uuid unique per deputy only
    assert Visit.objects.filter(deputy=other).count() == 1


def test_household_ref_is_stored_only_as_keyed_hash(make_row, assigned):
    result = visits_ingest(rows=[make_row(household_ref="3组12号")])[0]
    stored = Visit.objects.get(id=result.id).household_ref
    assert stored == household_ref_hash("3组12号")
    assert "12" not in stored[:0] and len(stored) == 64 and stored != "3组12号"


def test_visits_sync_is_per_deputy(deputy, make_row, assigned):
    row = make_row()
    del row["deputy_id"]
    result = visits_sync(deputy=deputy, records=[row])[0]
    assert result.status == "created"
    assert Visit.objects.get(id=result.id).deputy_id == deputy.id


# --- plausibility flags, one by one -----------------------------------------------------------


def _flags(rows, **kwargs):
    return [set(r.flags) for r in visits_ingest(rows=rows, **kwargs)]


def test_flag_low_accuracy(make_row, assigned):
    assert _flags(
        [make_row(accuracy_m=100.0), make_row(accuracy_m=100.5), make_row(accuracy_m=None)]
    ) == [set(), {"low_accuracy"}, {"low_accuracy"}]


def test_flag_mock_location(make_row, assigned):
    assert _flags([make_row(mock_location=True)]) == [{"mock_location"}]


def test_flag_outside_assigned_cells_and_no_cell(make_row, cells_3x3, assigned):
    lon, lat = cell_center(cells_3x3[8])
    flags = _flags([make_row(lon=lon, lat=lat), make_row(lon=112.95, lat=28.015)])
    assert flags == [{"outside_assigned_cells"}, {"outside_assigned_cells", "no_cell"}]


def test_ended_assignment_does_not_count(make_row, deputy, cells_3x3, assigned):
    lon, lat = cell_center(cells_3x3[1])
    GridAssignmentFactory(deputy=deputy, cell=cells_3x3[1], status="ended")
    assert _flags([make_row(lon=lon, lat=lat)]) == [{"outside_assigned_cells"}]


def test_no_cell_keeps_the_deputys_adcodes(make_row, assigned):
    result = visits_ingest(rows=[make_row(lon=100.0, lat=30.0)])[0]
    visit = Visit.objects.get(id=result.id)
    assert (visit.cell_id, visit.adcode, visit.county_adcode) == (None, "430121", "430121")


def test_flag_future_and_stale(make_row, assigned):
    now = timezone.now()
    flags = _flags(
        [
            make_row(recorded_at=now + dt.timedelta(hours=1)),
            make_row(recorded_at=now + dt.timedelta(minutes=2)),
            make_row(recorded_at=now - dt.timedelta(days=31)),
            make_row(recorded_at=now - dt.timedelta(days=29)),
        ],
        received_at=now,
    )
    assert flags == [{"future"}, set(), {"stale"}, set()]


def test_received_at_override_loads_history_without_stale(make_row, assigned):
    old = timezone.now() - dt.timedelta(days=200)
    flags = _flags([make_row(recorded_at=old)], received_at=old + dt.timedelta(hours=1))
    assert flags == [set()]


def test_flag_too_fast_within_the_batch(make_row, cells_3x3, assigned):
    t0 = timezone.now() - dt.timedelta(hours=2)
    _lon, lat = cell_center(cells_3x3[4])
    # 0.01 degree of latitude is ~1.1 km: in 10 s that is ~400 km/h; in 10 min ~6.7 km/h.
    rows = [
        make_row(recorded_at=t0),
        make_row(lat=lat + 0.004, recorded_at=t0 + dt.timedelta(seconds=10)),
        make_row(lat=lat + 0.004, recorded_at=t0 + dt.timedelta(minutes=10)),
    ]
    assert _flags(rows) == [set(), {"too_fast"}, set()]


def test_flag_too_fast_against_the_stored_previous_fix(make_row, cells_3x3, assigned):
    t0 = timezone.now() - dt.timedelta(hours=2)
    lon, _lat = cell_center(cells_3x3[4])
    visits_ingest(rows=[make_row(recorded_at=t0)])
    # Uploaded later, out of order: judged against the stored fix just before it.
    flags = _flags(
        [
            make_row(lon=lon + 0.5, recorded_at=t0 + dt.timedelta(minutes=5)),
            make_row(recorded_at=t0 + dt.timedelta(hours=1)),
        ]
    )
    assert flags == [{"too_fast", "no_cell", "outside_assigned_cells"}, set()]


def test_events_one_message_per_county_per_commit(
    make_row, assigned, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(
        "backend.core.events.publish",
        lambda county, event, payload: sent.append((county, event, payload)),
    )
    with django_capture_on_commit_callbacks(execute=True):
        results = visits_ingest(rows=[make_row() for _ in range(3)])
    assert len(sent) == 1
    county, event, payload = sent[0]
    assert (county, event) == ("430121", "visit.created")
    assert [i["id"] for i in payload["items"]] == [r.id for r in results]
    item = payload["items"][0]
    assert set(item) == {
        "id",
        "cell_id",
        "cell_code",
        "cell_name",
        "place",
        "adcode",
        "county_adcode",
        "kind",
        "households",
        "recorded_at",
    }
    with django_capture_on_commit_callbacks(execute=True):
        visits_ingest(rows=[])
    assert len(sent) == 1


def test_events_name_the_cell_and_its_township_and_village(
    make_row, county, deputy, monkeypatch, django_capture_on_commit_callbacks
):
    """The dashboard's live feed shows names, not codes: the visit event carries the cell's
    name and its township's and village's names, read in the insert statement itself."""
    township = RegionFactory(adcode="430121001", name="星沙街道", parent=county)
    village = RegionFactory(adcode="430121001002", name="东村", parent=township)
    cell = GridCellFactory(region=village, col=5, row=0, name="东村一组")
    GridAssignmentFactory(deputy=deputy, cell=cell)
    sent = []
    monkeypatch.setattr(
        "backend.core.events.publish",
        lambda county, event, payload: sent.append((county, event, payload)),
    )
    lon, lat = cell_center(cell)
    with django_capture_on_commit_callbacks(execute=True):
        visits_ingest(rows=[make_row(lon=lon, lat=lat), make_row()])
    [(_county, _event, payload)] = sent
    names = [(i["cell_code"], i["cell_name"], i["place"]) for i in payload["items"]]
    assert names == [(cell.code, "东村一组", "星沙街道 · 东村"), (ANY, ANY, None)]
    assert place_names(adcodes=["430121001002", "430121001", "430121", "430121001009"]) == {
        "430121001002": "星沙街道 · 东村",
        "430121001": "星沙街道",
        "430121001009": "星沙街道",  # a village not in the tree: its township still names it
    }


def test_client_uuid_must_be_a_uuid(make_row, assigned):
    text_form = str(uuid.uuid4())
    bad, good = visits_ingest(
        rows=[make_row(client_uuid="not-a-uuid"), make_row(client_uuid=text_form)]
    )
    assert bad.status == "rejected" and bad.errors["client_uuid"]["code"] == "uuid.invalid"
    assert good.status == "created" and good.client_uuid == uuid.UUID(text_form)


def test_all_optional_values_missing_in_a_batch(make_row, assigned):
    """Server-side binding: arrays made only of NULLs and empty strings still type-check."""
    rows = [make_row(accuracy_m=None, notes="", household_ref="") for _ in range(3)]
    results = visits_ingest(rows=rows)
    assert [r.flags for r in results] == [("low_accuracy",)] * 3
    assert Visit.objects.filter(accuracy_m__isnull=True).count() == 3


def test_prepared_statement_reused_across_batches(make_row, assigned):
    """psycopg prepares the ingest statement after a few runs; results stay identical."""
    for _ in range(7):
        results = visits_ingest(rows=[make_row(), make_row()])
        assert [r.status for r in results] == ["created", "created"]
    assert Visit.objects.count() == 14

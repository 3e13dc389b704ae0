"""POST visits/sync and the visit lists: per-record results, retries, CRS, scoping."""

import math
import uuid

import pytest
from django.db import connection

from backend.visits.models import Visit
from gis_data.crs import wgs84_to_gcj02

pytestmark = pytest.mark.django_db


def test_sync_creates_and_reports_each_record(api, record, assigned, cells_3x3):
    records = [record(), record(accuracy_m=None)]
    response = api.post("visits/sync", {"records": records})
    assert response.status_code == 200
    body = response.json()
    visits = list(Visit.objects.order_by("id"))
    assert body == {
        "results": [
            {
                "index": 0,
                "client_uuid": records[0]["client_uuid"],
                "status": "created",
                "id": visits[0].id,
                "cell_id": cells_3x3[4].id,
                "flags": [],
            },
            {
                "index": 1,
                "client_uuid": records[1]["client_uuid"],
                "status": "created",
                "id": visits[1].id,
                "cell_id": cells_3x3[4].id,
                "flags": ["low_accuracy"],
            },
        ],
        "summary": {"created": 2, "duplicate": 0, "conflict": 0, "rejected": 0},
    }


def test_identical_batch_retry_is_all_duplicate_no_new_rows(api, record, assigned):
    records = [record() for _ in range(20)]
    first = api.post("visits/sync", {"records": records}).json()
    again = api.post("visits/sync", {"records": records}).json()
    assert again["summary"] == {"created": 0, "duplicate": 20, "conflict": 0, "rejected": 0}
    assert [r["id"] for r in again["results"]] == [r["id"] for r in first["results"]]
    assert Visit.objects.count() == 20


def test_mixed_good_bad_duplicate_conflict_batch(api, record, assigned):
    stored = record()
    api.post("visits/sync", {"records": [stored]})
    records = [
        record(),  # created
        dict(stored),  # duplicate
        dict(stored, notes="changed"),  # conflict
        record(location={"type": "Point", "coordinates": [28.2, 113.0]}),  # swapped
        record(recorded_at="2026-11-16T10:00:00"),  # naive
        record(client_uuid="1234"),  # malformed uuid
        "not an object",  # not a record
        record(),  # created
    ]
    body = api.post("visits/sync", {"records": records}).json()
    assert [r["status"] for r in body["results"]] == [
        "created",
        "duplicate",
        "conflict",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "created",
    ]
    assert body["results"][3]["errors"]["location"]["code"] == "geometry.swapped_axes"
    assert body["results"][4]["errors"]["recorded_at"]["code"] == "datetime.naive"
    assert body["results"][5]["errors"]["client_uuid"]["code"] == "uuid.invalid"
    assert body["results"][6]["errors"]["non_field_errors"]["code"] == "field.invalid"
    assert body["results"][2]["id"] == body["results"][1]["id"]
    assert body["summary"] == {"created": 2, "duplicate": 1, "conflict": 1, "rejected": 4}
    assert Visit.objects.count() == 3
    assert Visit.objects.get(client_uuid=stored["client_uuid"]).notes == ""


def test_batch_limits(api, record, settings):
    assert api.post("visits/sync", {"records": []}).json()["code"] == "visits.batch_empty"
    assert api.post("visits/sync", {"nope": 1}).json()["code"] == "visits.records_required"
    assert api.post("visits/sync", [1, 2]).json()["code"] == "visits.records_required"
    too_many = api.post("visits/sync", {"records": [record() for _ in range(501)]})
    assert too_many.status_code == 400 and too_many.json()["code"] == "visits.batch_too_large"
    bad_crs = api.post("visits/sync", {"crs": "epsg:3857", "records": [record()]})
    assert bad_crs.json()["errors"]["crs"]["code"] == "crs.unsupported"
    assert Visit.objects.count() == 0


def _distance_m(lon1, lat1, lon2, lat2):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Distance(ST_MakePoint(%s,%s)::geography, ST_MakePoint(%s,%s)::geography)",
            [lon1, lat1, lon2, lat2],
        )
        return cursor.fetchone()[0]


def test_gcj02_fix_at_a_cell_edge_lands_in_the_right_cell(api, record, cells_3x3, assigned):
    # True position: 50 m inside the east edge of the centre cell (cells are 0.01 degree).
    true_lon, true_lat = 113.0195, 28.015
    gcj_lon, gcj_lat = wgs84_to_gcj02(true_lon, true_lat)
    as_gcj = record(location={"type": "Point", "coordinates": [gcj_lon, gcj_lat]})
    as_wgs = record(location={"type": "Point", "coordinates": [gcj_lon, gcj_lat]})
    body_gcj = api.post("visits/sync", {"crs": "gcj02", "records": [as_gcj]}).json()
    body_wgs = api.post("visits/sync", {"records": [as_wgs]}).json()
    right = Visit.objects.get(id=body_gcj["results"][0]["id"])
    wrong = Visit.objects.get(id=body_wgs["results"][0]["id"])
    assert right.cell_id == cells_3x3[4].id
    assert right.location.x == pytest.approx(true_lon, abs=1e-7)
    assert right.location.y == pytest.approx(true_lat, abs=1e-7)
    assert wrong.cell_id != cells_3x3[4].id
    offset_m = _distance_m(right.location.x, right.location.y, wrong.location.x, wrong.location.y)
    assert 300 <= offset_m <= 700


def test_per_record_crs_overrides_the_batch(api, record, cells_3x3, assigned):
    lon, lat = wgs84_to_gcj02(113.015, 28.015)
    rec = record(location={"type": "Point", "coordinates": [lon, lat]}, crs="gcj02")
    result = api.post("visits/sync", {"crs": "wgs84", "records": [rec]}).json()["results"][0]
    assert result["cell_id"] == cells_3x3[4].id


def test_list_detail_and_pagination_cap(api, record, assigned):
    api.post("visits/sync", {"records": [record() for _ in range(25)]})
    page = api.get("visits", {"page_size": 100000000}).json()
    assert page["count"] == 25 and len(page["results"]) == 25
    small = api.get("visits", {"page_size": 10, "page": 2}).json()
    assert len(small["results"]) == 10 and small["next"] and small["previous"]
    visit = Visit.objects.order_by("-recorded_at", "-id").first()
    assert page["results"][0]["id"] == visit.id
    detail = api.get(f"visits/{visit.id}").json()
    assert detail["location"] == {
        "type": "Point",
        "coordinates": [round(visit.location.x, 6), round(visit.location.y, 6)],
    }
    assert detail["cell"]["id"] == visit.cell_id and detail["flags"] == []
    assert set(detail) == {
        "id",
        "client_uuid",
        "kind",
        "location",
        "accuracy_m",
        "recorded_at",
        "received_at",
        "households",
        "notes",
        "mock_location",
        "cell",
        "adcode",
        "flags",
    }
    bad_page = api.get("visits", {"page": 99})
    assert bad_page.status_code == 404 and bad_page.json()["code"] == "request.not_found"


def test_list_query_budget(api, record, assigned, django_assert_max_num_queries):
    api.post("visits/sync", {"records": [record() for _ in range(30)]})
    with django_assert_max_num_queries(6):
        assert api.get("visits", {"page_size": 30}).status_code == 200


def test_other_deputys_visits_are_404_and_invisible(api, other_api, record, assigned):
    mine = api.post("visits/sync", {"records": [record()]}).json()["results"][0]["id"]
    response = other_api.get(f"visits/{mine}")
    assert response.status_code == 404 and response.json()["code"] == "visit.not_found"
    assert other_api.get("visits").json()["count"] == 0
    assert other_api.get(f"visits/{mine + 1000}").json()["code"] == "visit.not_found"


def test_same_uuid_from_two_deputies_are_two_visits(api, other_api, record, assigned):
    rec = record()
    assert api.post("visits/sync", {"records": [rec]}).json()["summary"]["created"] == 1
    assert other_api.post("visits/sync", {"records": [rec]}).json()["summary"]["created"] == 1


def test_results_never_leak_input_beyond_echoing_uuid(api, record):
    rec = record(client_uuid="x" * 10_000)
    body = api.post("visits/sync", {"records": [rec]}).json()
    assert body["results"][0]["client_uuid"] is None
    assert math.isfinite(body["summary"]["rejected"])
    assert uuid.UUID(record()["client_uuid"])

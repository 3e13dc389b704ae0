"""POST/GET check-ins (geofence, accuracy-aware) and opinions (consent, masking, due_at)."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from backend.core.privacy import mask_contact
from backend.opinions.models import Opinion, OpinionTransition
from backend.visits.models import CheckIn
from tests.factories import RegionFactory, StationFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now


def checkin(station, lon, lat, accuracy_m=10.0, **extra):
    return {
        "client_uuid": str(uuid.uuid4()),
        "station_id": station.id,
        "location": {"type": "Point", "coordinates": [lon, lat]},
        "accuracy_m": accuracy_m,
        "recorded_at": (NOW() - dt.timedelta(minutes=5)).isoformat(),
        **extra,
    }


# The factory station stands at (113.005, 28.005); 0.001 degree of latitude is ~110.9 m.
def test_checkin_inside_geofence(api, station):
    response = api.post("checkins", checkin(station, 113.005, 28.006))
    assert response.status_code == 201
    body = response.json()
    stored = CheckIn.objects.get()
    assert body == {
        "id": stored.id,
        "client_uuid": str(stored.client_uuid),
        "station": {"id": station.id, "name": "城关联络站", "geofence_radius_m": 200},
        "location": {"type": "Point", "coordinates": [113.005, 28.006]},
        "accuracy_m": 10.0,
        "distance_m": pytest.approx(110.9, abs=0.5),
        "inside_geofence": True,
        "recorded_at": body["recorded_at"],
        "flags": [],
        "result": "created",
    }


def test_checkin_outside_is_stored_flagged_with_distance(api, station):
    body = api.post("checkins", checkin(station, 113.005, 28.010, accuracy_m=5.0)).json()
    assert body["inside_geofence"] is False and body["flags"] == ["outside_geofence"]
    assert body["distance_m"] == pytest.approx(554.5, abs=1.0)
    assert CheckIn.objects.get().distance_m == pytest.approx(554.5, abs=1.0)


def test_checkin_accuracy_credit_is_capped(api, station):
    # 277 m away: inside with 80 m accuracy (277 - 80 <= 200), outside with 50 m.
    assert (
        api.post("checkins", checkin(station, 113.005, 28.0075, accuracy_m=80.0)).json()[
            "inside_geofence"
        ]
        is True
    )
    assert (
        api.post("checkins", checkin(station, 113.005, 28.0075, accuracy_m=50.0)).json()[
            "inside_geofence"
        ]
        is False
    )
    # 388 m away with 5 km accuracy: the credit stops at 100 m, so outside (and low accuracy).
    body = api.post("checkins", checkin(station, 113.005, 28.0085, accuracy_m=5000.0)).json()
    assert body["inside_geofence"] is False
    assert body["flags"] == ["outside_geofence", "low_accuracy"]


def test_checkin_custom_radius_and_retry(api, station):
    station.geofence_radius_m = 600
    station.save()
    payload = checkin(station, 113.005, 28.010)
    first = api.post("checkins", payload)
    again = api.post("checkins", payload)
    assert first.status_code == 201 and first.json()["inside_geofence"] is True
    assert again.status_code == 200 and again.json()["result"] == "duplicate"
    assert again.json()["id"] == first.json()["id"]
    conflict = api.post("checkins", dict(payload, accuracy_m=3.0))
    assert conflict.status_code == 409 and conflict.json()["code"] == "checkin.conflict"
    assert CheckIn.objects.count() == 1


def test_checkin_station_of_another_county_is_404(api, deputy):
    elsewhere = StationFactory(region=RegionFactory(adcode="440784"))
    response = api.post("checkins", checkin(elsewhere, 113.005, 28.005))
    assert response.status_code == 404 and response.json()["code"] == "station.not_found"


def test_checkin_list_detail_and_scoping(api, other_api, station):
    created = api.post("checkins", checkin(station, 113.005, 28.005)).json()
    assert api.get("checkins").json()["count"] == 1
    assert api.get(f"checkins/{created['id']}").json()["id"] == created["id"]
    response = other_api.get(f"checkins/{created['id']}")
    assert response.status_code == 404 and response.json()["code"] == "checkin.not_found"
    assert other_api.get("checkins").json()["count"] == 0


def opinion(**extra):
    body = {
        "client_uuid": str(uuid.uuid4()),
        "category": "roads",
        "text": "村口道路破损",
        "location": {"type": "Point", "coordinates": [113.015, 28.015]},
        "recorded_at": (NOW() - dt.timedelta(minutes=3)).isoformat(),
    }
    body.update(extra)
    return body


def test_opinion_with_consented_contact_is_masked_on_every_read(api, cells_3x3):
    response = api.post(
        "opinions", opinion(contact_consent=True, citizen_contact="+86 138-1234-1234")
    )
    assert response.status_code == 201
    body = response.json()
    stored = Opinion.objects.get()
    assert stored.citizen_contact == "13812341234"  # digits only
    assert body["citizen_contact"] == "*******1234"
    assert body["cell_id"] == cells_3x3[4].id and body["status"] == "registered"
    assert api.get(f"opinions/{stored.id}").json()["citizen_contact"] == "*******1234"
    assert api.get("opinions").json()["results"][0]["citizen_contact"] == "*******1234"
    assert "13812341234" not in api.get("opinions").content.decode()
    assert stored.due_at - stored.created_at == pytest.approx(
        dt.timedelta(hours=24), abs=dt.timedelta(seconds=5)
    )
    assert OpinionTransition.objects.get().to_status == "registered"


def test_opinion_contact_needs_consent(api):
    response = api.post("opinions", opinion(citizen_contact="13812341234"))
    assert response.status_code == 400
    assert response.json()["code"] == "opinion.contact_without_consent"
    assert response.json()["errors"]["citizen_contact"]["code"] == "opinion.contact_without_consent"
    assert (
        api.post("opinions", opinion(contact_consent=True, citizen_contact="call me")).json()[
            "code"
        ]
        == "opinion.invalid_contact"
    )
    assert Opinion.objects.count() == 0


def test_opinion_consent_without_contact_stores_nothing(api):
    body = api.post("opinions", opinion(contact_consent=True)).json()
    assert body["citizen_contact"] == ""


def test_opinion_linked_visit_must_be_mine(api, other_api, record, assigned, cells_3x3):
    visit_id = api.post("visits/sync", {"records": [record()]}).json()["results"][0]["id"]
    response = other_api.post("opinions", opinion(visit_id=visit_id))
    assert response.status_code == 404 and response.json()["code"] == "visit.not_found"
    mine = api.post("opinions", opinion(visit_id=visit_id, location=None))
    assert mine.status_code == 201
    assert mine.json()["visit_id"] == visit_id and mine.json()["cell_id"] == cells_3x3[4].id


def test_opinion_retry_and_conflict(api):
    payload = opinion()
    first = api.post("opinions", payload).json()
    again = api.post("opinions", payload)
    assert again.status_code == 200 and again.json()["result"] == "duplicate"
    assert again.json()["id"] == first["id"]
    conflict = api.post("opinions", dict(payload, text="另一件事"))
    assert conflict.status_code == 409 and conflict.json()["code"] == "opinion.conflict"


def test_opinion_of_another_deputy_is_404(api, other_api):
    opinion_id = api.post("opinions", opinion()).json()["id"]
    response = other_api.get(f"opinions/{opinion_id}")
    assert response.status_code == 404 and response.json()["code"] == "opinion.not_found"


def test_opinion_validation(api):
    errors = api.post("opinions", opinion(category="gossip", text="")).json()["errors"]
    assert errors["category"]["code"] == "choice.invalid"
    assert errors["text"]["code"] == "field.blank"


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812341234", "*******1234"),
        ("075512345678", "********5678"),
        ("12345", "***45"),
        ("", ""),
    ],
)
def test_mask_contact(raw, masked):
    assert mask_contact(raw) == masked

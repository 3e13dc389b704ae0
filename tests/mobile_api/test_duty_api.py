"""Leave and swaps end to end: the deputy asks on the phone API, staff decide on the map API;
refusals (a deputy cannot decide, another county's staff get 404); me/duty; query budgets."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from backend.accounts.models import Role
from backend.liaison.models import RuleKind
from backend.liaison.rhythm import DutyRuleSpec
from backend.liaison.services import duty_rule_set
from tests.factories import (
    DeputyFactory,
    RegionFactory,
    StationMembershipFactory,
    UserFactory,
)

from .conftest import Api

pytestmark = pytest.mark.django_db
MAP = "/api/map/v1/"


@pytest.fixture
def every_day(station):
    duty_rule_set(
        station=station, spec=DutyRuleSpec(kind=RuleKind.WEEKDAYS, weekdays=tuple(range(7)))
    )
    return station


@pytest.fixture
def colleague(county, every_day):
    user = UserFactory(username="deputy2")
    deputy = DeputyFactory(user=user, region=county, name="李四")
    StationMembershipFactory(deputy=deputy, station=every_day)
    return deputy


def staff_client(region) -> Client:
    client = Client()
    client.force_login(UserFactory(role=Role.STAFF, jurisdiction=region))
    return client


def tomorrow() -> str:
    return (timezone.localdate() + dt.timedelta(days=1)).isoformat()


def test_leave_asked_on_the_phone_and_approved_by_staff(api, county, every_day, colleague):
    body = {"kind": "leave", "station_id": every_day.id, "date": tomorrow(), "reason": "出差"}
    created = api.post("me/duty/requests", body)
    assert created.status_code == 201, created.content
    request_id = created.json()["id"]
    assert created.json()["status"] == "pending"
    assert api.post("me/duty/requests", body).json()["code"] == "rota.request_exists"
    # The deputy cannot decide it on the map API (no region reads: 404), nor can another
    # county's staff (404, the body of a missing request); a leader is refused 403.
    deputy_web = Client()
    deputy_web.force_login(every_day.deputies.get(name="张三").user)
    url = f"{MAP}duty-requests/{request_id}/decide"
    missing = f"{MAP}duty-requests/987654321/decide"
    approve = {"decision": "approve"}
    assert deputy_web.post(url, approve, content_type="application/json").status_code == 404
    far = staff_client(RegionFactory(adcode="430182", name="宁乡市"))
    refused = far.post(url, approve, content_type="application/json")
    assert refused.status_code == 404
    assert refused.content == far.post(missing, approve, content_type="application/json").content
    leader = Client()
    leader.force_login(UserFactory(role=Role.LEADER, jurisdiction=county))
    assert leader.post(url, approve, content_type="application/json").status_code == 403
    staff = staff_client(county)
    pending = staff.get(f"{MAP}duty-requests", {"status": "pending"}).json()["results"]
    assert [r["id"] for r in pending] == [request_id]
    decided = staff.post(url, approve, content_type="application/json")
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    again = staff.post(url, approve, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "rota.request_decided"
    duty = api.get("me/duty").json()
    assert duty["requests"][0]["status"] == "approved"
    day = next(d for d in duty["days"] if d["date"] == tomorrow())
    assert day["status"] == "excused"
    assert duty["colleagues"] == [
        {"station_id": every_day.id, "deputies": [{"id": colleague.id, "name": "李四"}]}
    ]
    # Withdrawing a decided request: 409; another deputy's: 404.
    assert api.post(f"me/duty/requests/{request_id}/withdraw").status_code == 409
    other = Api()
    other.login("deputy2", device_id="phone-2")
    assert other.post(f"me/duty/requests/{request_id}/withdraw").status_code == 404


def test_swap_on_the_phone_then_the_rota_over_the_map_api(api, county, every_day, colleague):
    newcomer = DeputyFactory(region=county, name="王五")  # same county, not a member
    body = {
        "kind": "swap",
        "station_id": every_day.id,
        "date": tomorrow(),
        "reason": "开会",
        "substitute_id": newcomer.id,
    }
    created = api.post("me/duty/requests", body)
    assert created.status_code == 201, created.content
    staff = staff_client(county)
    url = f"{MAP}duty-requests/{created.json()['id']}/decide"
    assert (
        staff.post(url, {"decision": "approve"}, content_type="application/json").status_code == 200
    )
    rota = staff.get(f"{MAP}stations/{every_day.id}/rota", {"month": tomorrow()[:7]}).json()
    day = next(d for d in rota["days"] if d["date"] == tomorrow())
    assert {(p["name"], p["added"]) for p in day["deputies"]} == {("李四", False), ("王五", True)}
    # Staff remove 李四 the same day through the map API.
    change = {"date": tomorrow(), "deputy_id": colleague.id, "action": "remove"}
    answer = staff.post(
        f"{MAP}stations/{every_day.id}/rota", change, content_type="application/json"
    )
    day = next(d for d in answer.json()["days"] if d["date"] == tomorrow())
    assert [p["name"] for p in day["deputies"]] == ["王五"]


def test_phone_refusals(api, every_day):
    base = {"kind": "leave", "station_id": every_day.id, "date": tomorrow(), "reason": "病假"}
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    for patch, status, code in (
        ({"date": yesterday}, 409, "rota.day_passed"),
        ({"station_id": 987654321}, 409, "rota.not_rostered"),
        ({"date": "2026-02-30"}, 400, "rota.invalid_field"),
        ({"kind": "nap"}, 400, "request.invalid"),
        ({"reason": 5}, 400, "request.invalid"),
    ):
        response = api.post("me/duty/requests", base | patch)
        assert (response.status_code, response.json()["code"]) == (status, code), patch


def test_list_endpoints_query_budget(
    api, county, every_day, colleague, django_assert_max_num_queries
):
    for n in range(5):
        body = {
            "kind": "leave",
            "station_id": every_day.id,
            "date": (timezone.localdate() + dt.timedelta(days=n + 1)).isoformat(),
            "reason": "出差",
        }
        assert api.post("me/duty/requests", body).status_code == 201
    staff = staff_client(county)
    with django_assert_max_num_queries(6):  # session, user, list
        assert len(staff.get(f"{MAP}duty-requests").json()["results"]) == 5
    with django_assert_max_num_queries(12):
        assert staff.get(f"{MAP}stations/{every_day.id}/rota").status_code == 200
    with django_assert_max_num_queries(14):
        assert staff.get(f"{MAP}stations/{every_day.id}/receptions").status_code == 200
    with django_assert_max_num_queries(16):
        assert api.get("me/duty").status_code == 200
    with django_assert_max_num_queries(8):
        assert len(api.get("me/duty/requests").json()) == 5

# ruff: noqa: F811  (the fixtures `place` and `_settings` come from test_intake)
"""Issue 12's promises to the citizen, one test each where tests/backend/intake/test_intake.py
left a gap: the phone number's limit holds whatever the address; nothing a citizen sends can
steer the opinion elsewhere; the tracking page shows no phone number, no note naming people and
nothing of another opinion (a duplicate's canonical case included); a second unsatisfied rating
closes with the rating kept; an in-person rating is marked in both languages; a deadline in a
year the calendar does not cover is said on the tracking page."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from backend.accounts.access import jurisdiction_of
from backend.intake.models import CitizenSubmission
from backend.opinions.deadlines import official_years
from backend.opinions.models import Opinion, OpinionTransition, RatingVia
from backend.opinions.services import opinion_transition
from tests.backend.intake.test_intake import (  # noqa: F401  (fixtures)
    _carry_to_answer,
    _settings,
    place,
    rate,
    station_url,
    submit,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _code(response) -> str:
    assert response.status_code == 201, response.content
    return response.json()["tracking_code"]


def _opinion(code: str) -> Opinion:
    return CitizenSubmission.objects.get(tracking_code=code).opinion


def _act(place, opinion_id, action, **fields):
    staff = place["staff"]
    return opinion_transition(
        jurisdiction=jurisdiction_of(staff),
        actor=staff,
        opinion_id=opinion_id,
        action=action,
        **fields,
    )


def test_the_phone_limit_holds_from_any_address(place, client):
    # INTAKE_RATE_LIMITS here: 2 a day per phone number, 5 an hour per IP address.
    for address in ("10.0.0.1", "10.0.0.2"):
        response = submit(
            Client(REMOTE_ADDR=address), station_url(place), phone="13900002222", consent=True
        )
        assert response.status_code == 201
    third = submit(
        Client(REMOTE_ADDR="10.0.0.3"), station_url(place), phone="+86 139 0000 2222", consent=True
    )
    assert (third.status_code, third.json()["code"]) == (429, "intake.rate_limited")
    # The same new address without the number is not held up: the limits are separate.
    assert submit(Client(REMOTE_ADDR="10.0.0.3"), station_url(place)).status_code == 201


def test_extra_fields_cannot_steer_the_opinion(place, client):
    other = _opinion(_code(submit(client, station_url(place), text="别人的意见")))
    code = _code(
        submit(
            client,
            station_url(place),
            station=place["other_station"].id,
            deputy=place["deputy"].id,
            opinion_id=other.id,
            duplicate_of=other.id,
            status="closed",
            tracking_code=other.citizen_submission.tracking_code,
        )
    )
    mine = _opinion(code)
    assert (mine.station_id, mine.deputy_id, mine.duplicate_of_id, mine.status) == (
        place["station"].id,
        None,
        None,
        "registered",
    )
    assert code != other.citizen_submission.tracking_code
    assert Opinion.objects.get(id=other.id).status == "registered"


def test_the_tracking_page_shows_no_contact_no_notes_and_no_other_opinion(place, client):
    code = _code(
        submit(
            client, station_url(place), text="我的意见：路灯坏了", phone="13812345678", consent=True
        )
    )
    mine = _opinion(code)
    _act(place, mine.id, "forward", handler="县城管局", note="王五说这条路归他管")
    _act(place, mine.id, "start")
    _act(place, mine.id, "extend", reason="联系了李四（13900009999）")
    page = client.get(reverse("intake:track", args=[code])).content.decode()
    for secret in ("13812345678", "5678", "王五", "李四", "13900009999", place["staff"].username):
        assert secret not in page, secret


def test_a_duplicates_tracking_page_shows_nothing_of_the_canonical_citizen(place, client):
    canonical_code = _code(
        submit(
            client, station_url(place), text="甲居民：井盖丢了", phone="13811112222", consent=True
        )
    )
    duplicate_code = _code(submit(client, station_url(place), text="乙居民：井盖没了"))
    canonical, duplicate = _opinion(canonical_code), _opinion(duplicate_code)
    _act(place, duplicate.id, "link", duplicate_of=canonical.id)
    _carry_to_answer(place, canonical.id, answer="已补装井盖")
    page = client.get(reverse("intake:track", args=[duplicate_code])).content.decode()
    assert "乙居民：井盖没了" in page and "已补装井盖" in page  # own text, the case's answer
    for secret in ("甲居民", "13811112222", "2222", canonical_code):
        assert secret not in page, secret
    assert 'id="rate-form"' not in page  # the case is rated by its own citizen
    assert rate(client, duplicate_code, 1).json()["code"] == "intake.not_rateable"


def test_a_second_unsatisfied_rating_closes_with_the_rating_kept(place, client):
    code = _code(submit(client, station_url(place)))
    opinion_id = _opinion(code).id
    _carry_to_answer(place, opinion_id)
    assert rate(client, code, 2, "没修好").json() == {"status": "rehandling", "rating": 2}
    _carry_to_answer(place, opinion_id, answer="又修了一次")
    assert rate(client, code, 1, "还是不行").json() == {"status": "closed", "rating": 1}
    opinion = Opinion.objects.get(id=opinion_id)
    assert (opinion.status, opinion.rating) == ("closed", 1)
    rows = OpinionTransition.objects.filter(opinion_id=opinion_id, action="rate").order_by("id")
    assert [(r.rating, r.to_status, r.rating_via) for r in rows] == [
        (2, "rehandling", RatingVia.TRACKING_PAGE),
        (1, "closed", RatingVia.TRACKING_PAGE),
    ]
    page = client.get(reverse("intake:track", args=[code])).content.decode()
    assert 'id="t-rating">1 / 5' in page and 'id="rate-form"' not in page
    assert rate(client, code, 5).json()["code"] == "intake.not_rateable"  # no third round


def test_a_rating_staff_record_in_person_is_marked_as_such(place, client):
    code = _code(submit(client, station_url(place)))
    opinion_id = _opinion(code).id
    _carry_to_answer(place, opinion_id)
    _act(place, opinion_id, "rate", rating=5)
    row = OpinionTransition.objects.get(opinion_id=opinion_id, action="rate")
    assert (row.rating_via, row.by_id) == (RatingVia.IN_PERSON, place["staff"].id)
    url = reverse("intake:track", args=[code])
    assert (
        "(5/5, 当面评价，工作人员录入)"
        in client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    )
    assert "(5/5, given in person)" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_deadline_the_calendar_does_not_cover_is_said_on_the_tracking_page(place, client):
    last = official_years()[1]
    with time_machine.travel(dt.datetime(last, 12, 30, 15, 0, tzinfo=SHANGHAI), tick=False):
        code = _code(submit(client, station_url(place)))
        _act(place, _opinion(code).id, "forward", handler="县水利局")
        page = client.get(reverse("intake:track", args=[code]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert f"{last + 1}-01-" in page.content.decode()
    assert "按周一至周五计算：该年节假日尚未录入" in page.content.decode()
    with time_machine.travel(dt.datetime(last, 12, 1, 10, 0, tzinfo=SHANGHAI), tick=False):
        covered = _code(submit(client, station_url(place)))
        _act(place, _opinion(covered).id, "forward", handler="县水利局")
        page = client.get(reverse("intake:track", args=[covered]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "按周一至周五计算" not in page.content.decode()

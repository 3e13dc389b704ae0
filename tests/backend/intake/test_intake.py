"""The citizens' side of the loop (上码说): QR page → submit (challenge, rate limits, size and
hostile-input rules) → tracking code → staff carry it → the citizen rates from the tracking
page (2 → re-handling once, 4 → closed) → the tracking page never shows personal data;
notifications through the pluggable channel; staff ratings marked as given in person; the
printable cards scoped to the caller's jurisdiction."""

import json

import pytest
from captcha.models import CaptchaStore
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from backend.accounts.access import jurisdiction_of
from backend.accounts.models import Role
from backend.core import notify
from backend.intake.models import CitizenSubmission
from backend.opinions.models import Opinion, OpinionTransition, RatingVia
from backend.opinions.selectors import opinion_detail
from backend.opinions.services import opinion_transition
from tests.factories import (
    GridCellFactory,
    MandateFactory,
    RegionFactory,
    StationFactory,
    UserFactory,
    square,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.NOTIFY_BACKEND = "backend.core.notify.LocmemBackend"
    settings.INTAKE_RATE_LIMITS = {"ip": (5, 3600), "phone": (2, 86400), "track": (50, 3600)}
    caches["mobile_api_throttle"].clear()
    notify.outbox.clear()
    yield
    caches["mobile_api_throttle"].clear()


@pytest.fixture
def place(county):
    township = RegionFactory(adcode="430121001", parent=county, boundary=square(113.0, 28.0, 0.05))
    other = RegionFactory(adcode="430182", name="宁乡市")
    cell = GridCellFactory(region=township, code="A-01", boundary=square(113.0, 28.0, 0.01))
    station = StationFactory(region=township, name="星沙联络站")
    deputy = MandateFactory(deputy__region=township, deputy__name="张代表").deputy
    return {
        "township": township,
        "cell": cell,
        "station": station,
        "deputy": deputy,
        "other_station": StationFactory(region=other, name="宁乡联络站"),
        "staff": UserFactory(role=Role.STAFF, jurisdiction=county),
        "staff_x": UserFactory(role=Role.STAFF, jurisdiction=other),
    }


def _captcha() -> tuple[str, str]:
    key = CaptchaStore.generate_key()
    return key, CaptchaStore.objects.get(hashkey=key).response


def submit(client, url, **fields):
    key, answer = _captcha()
    body = {
        "category": "roads",
        "text": "村口路灯坏了三个月",
        "captcha_key": key,
        "captcha": answer,
        **fields,
    }
    return client.post(url, json.dumps(body), content_type="application/json")


def station_url(place):
    return reverse("intake:submit-station", args=[place["station"].id])


def test_qr_page_renders_public_facts_only(place, client):
    page = client.get(reverse("intake:speak-station", args=[place["station"].id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "星沙联络站" in html and "6, 16, 26" in html
    assert 'id="f-captcha-img"' in html and "/captcha/image/" in html
    assert "<script>" not in html
    deputy_page = client.get(reverse("intake:speak-deputy", args=[place["deputy"].id]))
    assert deputy_page.status_code == 200 and "张代表" in deputy_page.content.decode()
    assert client.get("/s/station/987654/").status_code == 404


def test_submit_enters_the_loop_with_cell_and_tracking_code(place, client):
    response = submit(
        client, station_url(place), lon=113.005, lat=28.005, phone="138 1234 5678", consent=True
    )
    assert response.status_code == 201, response.content
    code = response.json()["tracking_code"]
    assert len(code) == 12 and response.json()["tracking_url"] == f"/t/{code}/"
    opinion = CitizenSubmission.objects.get(tracking_code=code).opinion
    assert (opinion.station, opinion.deputy, opinion.cell) == (
        place["station"],
        None,
        place["cell"],
    )
    assert (opinion.adcode, opinion.county_adcode) == ("430121001", "430121")
    assert opinion.citizen_contact == "13812345678" and opinion.status == "registered"
    row = OpinionTransition.objects.get(opinion=opinion)
    assert row.by is None and row.to_status == "registered"
    # Without a point it takes the station's area; through a deputy's code, the deputy's.
    r2 = submit(client, reverse("intake:submit-deputy", args=[place["deputy"].id]))
    op2 = CitizenSubmission.objects.get(tracking_code=r2.json()["tracking_code"]).opinion
    assert (op2.deputy, op2.station, op2.adcode) == (place["deputy"], None, "430121001")
    assert op2.citizen_contact == "" and not op2.contact_consent


def test_phone_needs_the_consent_tick(place, client):
    response = submit(client, station_url(place), phone="13812345678", consent=False)
    assert (response.status_code, response.json()["code"]) == (400, "intake.consent_required")
    assert Opinion.objects.count() == 0


def test_the_challenge_is_required(place, client):
    key, _answer = _captcha()
    body = {"category": "roads", "text": "x", "captcha_key": key, "captcha": "WRONG"}
    response = client.post(station_url(place), json.dumps(body), content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "intake.captcha_failed")
    body.pop("captcha_key")
    response = client.post(station_url(place), json.dumps(body), content_type="application/json")
    assert response.json()["code"] == "intake.captcha_failed"
    # A solved challenge is used up: replaying it fails.
    key, answer = _captcha()
    ok = {"category": "roads", "text": "x", "captcha_key": key, "captcha": answer}
    assert (
        client.post(station_url(place), json.dumps(ok), content_type="application/json").status_code
        == 201
    )
    again = client.post(station_url(place), json.dumps(ok), content_type="application/json")
    assert again.json()["code"] == "intake.captcha_failed"


def test_rate_limits_per_ip_and_per_phone(place, client):
    for _ in range(2):
        assert (
            submit(client, station_url(place), phone="13900001111", consent=True).status_code == 201
        )
    third = submit(client, station_url(place), phone="139-0000-1111", consent=True)
    assert (third.status_code, third.json()["code"]) == (429, "intake.rate_limited")
    assert third["Retry-After"] == "86400"
    other = Client(REMOTE_ADDR="10.9.9.9")
    # Per IP: the first client has used 3 of 5; two more pass, the sixth is refused.
    assert submit(client, station_url(place)).status_code == 201
    assert submit(client, station_url(place)).status_code == 201
    sixth = submit(client, station_url(place))
    assert (sixth.status_code, sixth.json()["code"]) == (429, "intake.rate_limited")
    assert submit(other, station_url(place)).status_code == 201  # another address is not held up
    assert Opinion.objects.count() == 5


def test_size_and_shape_limits(place, client):
    url = station_url(place)
    big = client.post(url, "x" * 20_000, content_type="application/json")
    assert (big.status_code, big.json()["code"]) == (413, "request.too_large")
    deep = "[" * 5000 + "]" * 5000  # under the size limit, past Python's recursion limit
    for raw in ("[]", "nope", '"x"', "null", "{", deep):
        r = client.post(url, raw, content_type="application/json")
        assert (r.status_code, r.json()["code"]) == (400, "request.malformed_json"), raw[:9]
    no_text = submit(client, url, phone=["13812345678"])
    assert (no_text.status_code, no_text.json()["code"]) == (400, "request.invalid")
    assert no_text.json()["field"] == "phone"
    assert submit(client, url, text="长" * 1001).json()["code"] == "opinion.text_too_long"
    assert submit(client, url, text="   ").json()["code"] == "intake.text_required"
    assert submit(client, url, category="../etc").json()["code"] == "opinion.invalid_category"
    assert submit(client, url, lon=200, lat=28).json()["code"] == "intake.invalid_location"
    got = client.get(url)
    assert (got.status_code, got.json()["code"]) == (405, "request.method_not_allowed")


def test_csrf_refusal_is_json(place):
    strict = Client(enforce_csrf_checks=True)
    r = strict.post(station_url(place), "{}", content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (403, "auth.csrf_failed")


def _carry_to_answer(place, opinion_id, answer="已修复路灯"):
    staff = place["staff"]
    opinion = Opinion.objects.get(id=opinion_id)
    if opinion.status == "registered":
        opinion_transition(
            jurisdiction=jurisdiction_of(staff),
            actor=staff,
            opinion_id=opinion_id,
            action="forward",
            handler="县城管局",
        )
        opinion_transition(
            jurisdiction=jurisdiction_of(staff), actor=staff, opinion_id=opinion_id, action="start"
        )
    opinion_transition(
        jurisdiction=jurisdiction_of(staff),
        actor=staff,
        opinion_id=opinion_id,
        action="answer",
        answer=answer,
    )


def rate(client, code, rating, comment=""):
    return client.post(
        reverse("intake:rate", args=[code]),
        json.dumps({"rating": rating, "comment": comment}),
        content_type="application/json",
    )


def test_citizen_rates_2_then_4_and_the_tracking_page_shows_no_personal_data(
    place, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _rate_2_then_4(place, client)
    # Sent once each transaction committed (here: when the captured callbacks run).
    assert [m.kind for m in notify.outbox if m.recipient == "13812345678"] == [
        "answered",
        "rehandling",
        "answered",
        "closed",
    ]
    assert any(m.recipient == "handler:县城管局" for m in notify.outbox)


def _rate_2_then_4(place, client):
    response = submit(client, station_url(place), phone="13812345678", consent=True)
    code = response.json()["tracking_code"]
    opinion_id = CitizenSubmission.objects.get(tracking_code=code).opinion_id
    other = submit(client, station_url(place), text="另一位居民的意见：水管漏水")
    track_url = reverse("intake:track", args=[code])

    assert rate(client, code, 4).json()["code"] == "intake.not_rateable"  # no answer yet
    _carry_to_answer(place, opinion_id)
    page = client.get(track_url).content.decode()
    assert "已修复路灯" in page and 'id="rate-form"' in page
    assert "13812345678" not in page and "5678" not in page
    assert "水管漏水" not in page and other.json()["tracking_code"] not in page
    assert place["staff"].username not in page

    assert rate(client, code, 0).json()["code"] == "intake.invalid_rating"
    assert rate(client, code, True).json()["code"] == "intake.invalid_rating"
    first = rate(client, code, 2, "灯还是不亮")
    assert first.json() == {"status": "rehandling", "rating": 2}
    _carry_to_answer(place, opinion_id, answer="更换了整条线路")
    second = rate(client, code, 4, "好了")
    assert second.json() == {"status": "closed", "rating": 4}
    assert rate(client, code, 5).json()["code"] == "intake.not_rateable"

    rows = OpinionTransition.objects.filter(opinion_id=opinion_id, action="rate").order_by("id")
    assert [(r.rating, r.rating_via, r.by_id, r.to_status) for r in rows] == [
        (2, RatingVia.TRACKING_PAGE, None, "rehandling"),
        (4, RatingVia.TRACKING_PAGE, None, "closed"),
    ]
    closed = client.get(track_url).content.decode()
    assert "rate-form" not in closed and "更换了整条线路" in closed


def test_second_unsatisfied_rating_closes_with_it_kept(place, client):
    code = submit(client, station_url(place)).json()["tracking_code"]
    opinion_id = CitizenSubmission.objects.get(tracking_code=code).opinion_id
    _carry_to_answer(place, opinion_id)
    assert rate(client, code, 1).json()["status"] == "rehandling"
    _carry_to_answer(place, opinion_id)
    assert rate(client, code, 2).json() == {"status": "closed", "rating": 2}


def test_staff_rating_is_marked_in_person(place, client):
    code = submit(client, station_url(place)).json()["tracking_code"]
    opinion_id = CitizenSubmission.objects.get(tracking_code=code).opinion_id
    _carry_to_answer(place, opinion_id)
    opinion_transition(
        jurisdiction=jurisdiction_of(place["staff"]),
        actor=place["staff"],
        opinion_id=opinion_id,
        action="rate",
        rating=5,
    )
    opinion = Opinion.objects.get(id=opinion_id)
    assert opinion_detail(opinion=opinion)["rating_via"] == RatingVia.IN_PERSON
    assert (
        "given in person"
        in client.get(
            reverse("intake:track", args=[code]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
        or "当面" in client.get(reverse("intake:track", args=[code])).content.decode()
    )


def test_unknown_or_malformed_tracking_codes(place, client):
    for code in ("AAAAAAAAAAAA", "short", "x" * 40, "<script>"):
        assert client.get(f"/t/{code}/").status_code == 404
        r = rate(client, code, 3)
        assert (r.status_code, r.json()["code"]) == (404, "intake.not_found")


def test_cards_are_scoped(place, client):
    url = reverse("intake:card-station", args=[place["station"].id])
    assert client.get(url).status_code == 302  # login first
    client.force_login(place["staff"])
    card = client.get(url)
    html = card.content.decode()
    assert card.status_code == 200 and "<svg" in html and "星沙联络站" in html
    assert f"/s/station/{place['station'].id}/" in html
    assert (
        client.get(reverse("intake:card-station", args=[place["other_station"].id])).status_code
        == 404
    )
    deputy_card = client.get(reverse("intake:card-deputy", args=[place["deputy"].id]))
    assert deputy_card.status_code == 200 and "张代表" in deputy_card.content.decode()
    client.force_login(place["staff_x"])
    assert client.get(url).status_code == 404
    # The deputy prints their own card.
    client.force_login(place["deputy"].user)
    assert client.get(reverse("intake:card-deputy", args=[place["deputy"].id])).status_code == 200
    assert client.get(url).status_code == 404


def test_a_new_challenge_for_the_page(client):
    response = client.get(reverse("captcha-refresh"), HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    body = response.json()
    assert CaptchaStore.objects.filter(hashkey=body["key"]).exists()
    image = client.get(body["image_url"])
    assert (image.status_code, image["Content-Type"]) == (200, "image/png")


def test_phone_numbers_are_cleared_180_days_after_closing(place, client):
    import datetime as dt

    from django.utils import timezone

    from backend.intake.services import citizen_contacts_purge
    from backend.intake.tasks import purge_contacts

    code = submit(client, station_url(place), phone="13812345678", consent=True).json()[
        "tracking_code"
    ]
    opinion_id = CitizenSubmission.objects.get(tracking_code=code).opinion_id
    _carry_to_answer(place, opinion_id)
    assert rate(client, code, 5).json()["status"] == "closed"
    now = timezone.now()
    assert citizen_contacts_purge(now=now + dt.timedelta(days=179)) == 0
    assert Opinion.objects.get(id=opinion_id).citizen_contact == "13812345678"
    assert citizen_contacts_purge(now=now + dt.timedelta(days=181)) == 1
    opinion = Opinion.objects.get(id=opinion_id)
    assert (opinion.citizen_contact, opinion.contact_consent, opinion.status) == (
        "",
        False,
        "closed",
    )
    assert purge_contacts() == 0  # the job: nothing left to clear

"""The link and deliberation pages: rendered for both sides / the station's readers, 404 for
everyone else (as for a missing one), under the strict CSP (no inline script)."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from backend.accounts.access import jurisdiction_of
from backend.stationlife import services
from backend.stationlife.models import ActionItem, Deliberation
from tests.map_ui.test_csp import _Scan

pytestmark = pytest.mark.django_db


def get(user, url):
    client = Client()
    client.force_login(user)
    return client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")


def no_inline_script(response):
    scan = _Scan()
    scan.feed(response.content.decode())
    assert scan.inline == [] and scan.external == []


def test_link_page_for_both_sides_only(link):
    services.joint_activity_record(
        jurisdiction=jurisdiction_of(link["gd_staff"]),
        actor=link["gd_staff"],
        link_id=link["link"].id,
        fields={"kind": "reception", "date": "2026-01-06", "place": "石角镇"},
    )
    url = f"/stations/links/{link['link'].id}/"
    for who in ("gd_staff", "gx_staff", "gx_leader"):
        page = get(link[who], url)
        assert page.status_code == 200, who
        text = page.content.decode()
        assert "石角镇联络站 ⇄ 文地镇联络站" in text and "联合接待" in text
        no_inline_script(page)
        assert ('id="activity-form"' in text) is (who != "gx_leader")
    assert get(link["outsider"], url).status_code == 404
    assert get(link["outsider"], "/stations/links/987654/").status_code == 404


def test_deliberation_page(place):
    d = services.deliberation_plan(
        jurisdiction=jurisdiction_of(place["staff"]),
        actor=place["staff"],
        station_id=place["station"].id,
        fields={"date": (timezone.localdate() + dt.timedelta(days=5)).isoformat()},
    )
    services.topic_add(
        jurisdiction=jurisdiction_of(place["staff"]),
        deliberation_id=d.id,
        fields={"title": "村道修缮", "importance": 5, "urgency": 4, "impact": 4},
    )
    url = f"/deliberations/{d.id}/"
    staff = get(place["staff"], url)
    assert staff.status_code == 200
    text = staff.content.decode()
    assert "村道修缮" in text and "13 = 5+4+4" in text and "议事日" in text
    assert 'data-action="topics"' in text
    no_inline_script(staff)
    leader = get(place["leader"], url)
    assert leader.status_code == 200 and 'data-action="topics"' not in leader.content.decode()
    assert get(place["staff_x"], url).status_code == 404


def test_deliberations_list_page(place, django_assert_max_num_queries):
    staff_j = jurisdiction_of(place["staff"])
    today = timezone.localdate()
    ahead = services.deliberation_plan(
        jurisdiction=staff_j,
        actor=place["staff"],
        station_id=place["station"].id,
        fields={"date": (today + dt.timedelta(days=9)).isoformat(), "place": "议事厅"},
    )
    held = Deliberation.objects.create(
        station=place["station"],
        adcode=place["station"].adcode,
        county_adcode="430121",
        date=today - dt.timedelta(days=20),
        status="held",
    )
    for text, due in (("修复路灯", -2), ("清理沟渠", 30)):
        ActionItem.objects.create(
            deliberation=held,
            adcode=held.adcode,
            county_adcode="430121",
            text=text,
            owner="镇村建办",
            due_on=today + dt.timedelta(days=due),
        )
    client = Client()
    client.force_login(place["staff"])
    with django_assert_max_num_queries(12):
        staff = client.get("/deliberations/?region=430121", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert staff.status_code == 200
    text = staff.content.decode()
    no_inline_script(staff)
    assert 'id="plan-form"' in text and "县住建局" in text and "市住建局" not in text
    ahead_part = text.split('id="delib-ahead"')[1].split('id="plan-form"')[0]
    past_part = text.split('id="delib-past"')[1]
    assert f'data-id="{ahead.id}"' in ahead_part and "议事厅" in ahead_part
    assert f'data-id="{held.id}"' in past_part and "1 项逾期" in past_part
    assert 'id="actions-overdue" data-count="1"' in text
    assert f'href="/deliberations/{held.id}/"' in text
    leader = get(place["leader"], "/deliberations/?region=430121")
    assert leader.status_code == 200
    assert 'id="plan-form"' not in leader.content.decode()
    assert f'data-id="{held.id}"' in leader.content.decode()
    # Another county's staff: their own region shows none of it; this one is a 404.
    far = get(place["staff_x"], "/deliberations/")
    assert far.status_code == 200 and f'data-id="{held.id}"' not in far.content.decode()
    assert get(place["staff_x"], "/deliberations/?region=430121").status_code == 404

"""The record pages /records/ and /records/<deputy_id>/: the league ranked and coloured, the
review queue and the disputes (forms for staff, none for leaders), scoped to the jurisdiction
(another county's deputy or region is a 404), under the strict CSP, with a query budget that
does not grow with the deputies."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.accounts.access import jurisdiction_of
from backend.accounts.models import Role
from backend.performance import services
from tests.factories import DeputyFactory, RegionFactory, UserFactory
from tests.map_ui.test_csp import _Scan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def get(user, url):
    client = Client()
    client.force_login(user)
    return client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")


def _entry(staff, deputy, item="speech", quantity=1):
    return services.entry_create(
        jurisdiction=jurisdiction_of(staff),
        actor=staff,
        deputy_id=deputy.id,
        fields={
            "item": item,
            "quantity": quantity,
            "occurred_on": timezone.localdate().isoformat(),
            "description": "县人代会审议发言",
            "evidence": "大会秘书处记录",
        },
    )


def _verify(reviewer, entry):
    services.entry_transition(
        jurisdiction=jurisdiction_of(reviewer), actor=reviewer, entry_id=entry.id, action="verify"
    )


@pytest.fixture
def scene(county):
    town = RegionFactory(adcode="430121001", name="星沙街道", parent=county)
    other_town = RegionFactory(adcode="430121002", name="榔梨街道", parent=county)
    far = RegionFactory(adcode="440784", name="鹤山市")
    people = {
        "staff": UserFactory(role=Role.STAFF, jurisdiction=county),
        "staff2": UserFactory(role=Role.STAFF, jurisdiction=county),
        "leader": UserFactory(role=Role.LEADER, jurisdiction=county),
        "far_staff": UserFactory(role=Role.STAFF, jurisdiction=far),
        "a": DeputyFactory(region=town, name="王五"),
        "b": DeputyFactory(region=other_town, name="赵六"),
        "far_deputy": DeputyFactory(region=far, name="钱七"),
    }
    # 王五: two suggestions verified (20 points, 1 of 5 targets met); 赵六: one welfare action
    # (5 points) and one speech waiting for review.
    _verify(people["staff2"], _entry(people["staff"], people["a"], "suggestion", 2))
    _verify(people["staff2"], _entry(people["staff"], people["b"], "welfare"))
    people["pending"] = _entry(people["staff"], people["b"], "speech")
    return people


def _league(text):
    part = text.split('id="rec-league"')[1].split("</ol>")[0]
    return [chunk.split('"')[0] for chunk in part.split('data-deputy="')[1:]]


def test_the_league_ranks_and_colours_the_deputies(scene, django_assert_num_queries):
    client = Client()
    client.force_login(scene["leader"])
    # session, user, region ×2, townships, disputes, deputies, 4 event sources, disputes of
    # the lines, rules, targets, the queue with its steps and their people
    with django_assert_num_queries(17):
        page = client.get("/records/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    text = page.content.decode()
    scan = _Scan()
    scan.feed(text)
    assert scan.inline == [] and scan.external == []
    a, b = scene["a"], scene["b"]
    assert _league(text) == [str(a.id), str(b.id)]  # 20 points before 5
    assert f'data-deputy="{a.id}" data-points="20" data-completion="0.2" data-band="low"' in text
    assert "band-met" not in text.split('id="rec-league"')[1].split("</ol>")[0]
    assert "履职档案" in text and "20 分" in text and "星沙街道" in text
    assert "5 项目标完成 1 项" in text
    # the speech waits in the queue; the leader reads it, with no forms anywhere
    assert f'id="entry-{scene["pending"].id}"' in text
    assert "rec-form" not in text
    assert 'href="/records/' in text and "钱七" not in text


def test_sorting_by_progress_and_the_year(scene):
    text = get(scene["leader"], "/records/?sort=progress").content.decode()
    # 赵六: welfare 1 of 3 (0.0667); 王五: suggestions 2 of 2 (0.2)
    assert _league(text) == [str(scene["a"].id), str(scene["b"].id)]
    last_year = timezone.localdate().year - 1
    old = get(scene["leader"], f"/records/?year={last_year}").content.decode()
    assert 'data-points="0"' in old and 'data-points="20"' not in old
    assert f'<option value="{last_year}" selected>' in old
    # a year not offered falls back to this one, never an error
    assert get(scene["leader"], "/records/?year=1900x").status_code == 200


def test_the_region_drill_narrows_the_league(scene):
    page = get(scene["staff"], "/records/?region=430121001")
    assert page.status_code == 200
    text = page.content.decode()
    assert _league(text) == [str(scene["a"].id)]
    assert 'href="?region=430121&amp;' in text  # the breadcrumb back up
    assert f'id="entry-{scene["pending"].id}"' not in text  # 赵六's entry is in the other town


def test_staff_get_the_forms(scene):
    text = get(scene["staff"], "/records/").content.decode()
    pending = text.split(f'id="entry-{scene["pending"].id}"')[1].split("</li>\n")[0]
    assert 'data-action="step"' in pending and 'value="verify"' in pending
    assert "另一位工作人员" in pending  # the one who entered it is told


def test_another_county_is_a_404(scene):
    assert get(scene["far_staff"], "/records/?region=430121").status_code == 404
    assert get(scene["far_staff"], f"/records/{scene['a'].id}/").status_code == 404
    assert get(scene["far_staff"], "/records/987654/").status_code == 404
    own = get(scene["far_staff"], "/records/").content.decode()
    assert _league(own) == [str(scene["far_deputy"].id)]
    deputy_user = scene["a"].user
    assert get(deputy_user, "/records/").status_code == 403


def test_the_deputy_page(scene, django_assert_num_queries):
    a = scene["a"]
    contested = services.dispute_open(
        deputy=a,
        actor=a.user,
        year=timezone.localdate().year,
        fields={
            "source": "entry",
            "ref": a.record_entries.get().id,
            "item": "suggestion",
            "reason": "这是三条建议",
        },
    )
    client = Client()
    client.force_login(scene["staff"])
    # session, user, region, deputy, 4 event sources, rules, disputes of the lines, targets,
    # the county, the disputes and the entries with their steps and people
    with django_assert_num_queries(18):
        page = client.get(f"/records/{a.id}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    text = page.content.decode()
    scan = _Scan()
    scan.feed(text)
    assert scan.inline == [] and scan.external == []
    assert 'id="points-total" data-total="20"' in text
    line = f'id="line-entry-{a.record_entries.get().id}-suggestion"'
    assert line in text and 'data-points="20"' in text.split(line)[1]
    assert 'data-item="suggestion" data-verified="2" data-target="2" data-met="true"' in text
    assert 'data-item="households" data-verified="0" data-target="50" data-met="false"' in text
    dispute = text.split(f'id="dispute-{contested.id}"')[1]
    assert "这是三条建议" in dispute and 'data-action="resolve"' in dispute
    assert 'id="entry-form"' in text
    leader = get(scene["leader"], f"/records/{a.id}/").content.decode()
    assert "rec-form" not in leader and "这是三条建议" in leader


def test_the_league_budget_does_not_grow_with_deputies(scene, django_assert_num_queries):
    client = Client()
    client.force_login(scene["leader"])
    client.get("/records/")  # warm the session
    with CaptureQueriesContext(connection) as before:
        client.get("/records/")
    town = RegionFactory(adcode="430121001")
    for n in range(5):
        deputy = DeputyFactory(region=town, name=f"新代表{n}")
        _verify(scene["staff2"], _entry(scene["staff"], deputy, "report"))
    with django_assert_num_queries(len(before.captured_queries)):
        page = client.get("/records/")
    assert page.content.decode().count('data-deputy="') == 7


def test_chinese_first_with_english(scene):
    client = Client()
    client.force_login(scene["leader"])
    zh = client.get("/records/").content.decode()
    assert 'class="active">履职档案</a>' in zh
    assert "全部目标完成" in zh and "未达标，平均完成不足 60%" in zh and "审议发言" in zh
    client.post("/i18n/setlang/", {"language": "en", "next": "/records/"})
    en = client.get("/records/").content.decode()
    assert 'class="active">Performance records</a>' in en
    assert "every target met" in en and "below target, under 60% on average" in en
    assert "1 of 5 targets met · progress 20%" in en

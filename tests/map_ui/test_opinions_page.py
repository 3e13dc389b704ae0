"""The opinion work-list page /opinions/ (意见办理): who may open it, what it offers each role,
and that the API calls it makes stay inside the caller's county."""

import json

from django.test import Client

from backend.accounts.models import Role
from tests.factories import UserFactory

PAGE = "/opinions/"
ACTION_FORMS = ("forward", "start", "extend", "answer", "rate", "close")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_config(response) -> dict:
    html = response.content.decode()
    opening = '<script id="cg-config" type="application/json">'
    start = html.index(opening) + len(opening)
    return json.loads(html[start : html.index("</script>", start)])


def test_staff_get_the_chinese_page_with_actions(world):
    response = client_for(world.users["staff"]).get(PAGE)
    assert response.status_code == 200
    assert response.templates[0].name == "map_ui/opinions.html"
    html = response.content.decode()
    assert "<title>意见办理 · 长沙县</title>" in html
    assert '<h1 class="region-name" id="op-title">意见办理</h1>' in html
    assert 'href="/opinions/?region=430121" class="active">意见办理</a>' in html
    for action in ACTION_FORMS:
        assert f'<form data-action="{action}" hidden>' in html
    assert (
        '<button type="button" data-status="forwarded" aria-pressed="false">'
        '已转办 <b data-count="forwarded">' in html
    )
    assert "只读" not in html
    config = page_config(response)
    assert config["page"] == "opinions"
    assert config["region"]["adcode"] == "430121"
    assert config["canAct"] is True
    assert config["pageSize"] == 30
    assert config["townships"] == {"430121001": "星沙街道", "430121002": "泉塘街道"}
    assert config["allowedFrom"] == {
        "forward": ["registered"],
        "start": ["forwarded"],
        "extend": ["forwarded", "handling", "rehandling"],
        "answer": ["handling", "rehandling"],
        "rate": ["answered"],
        "close": ["answered"],
        "solve": ["registered"],
        "refer": ["forwarded", "handling", "rehandling"],
        "approve": ["reviewing"],
        "return": ["reviewing"],
        "link": ["forwarded", "handling", "registered", "rehandling"],
    }
    assert config["actions"] == list(config["allowedFrom"])
    assert config["urls"]["opinions"] == "/api/map/v1/opinions"
    assert config["urls"]["opinion"] == "/api/map/v1/opinions/{id}"
    assert config["urls"]["transitions"] == "/api/map/v1/opinions/{id}/transitions"
    strings = config["strings"]
    assert strings["overdueBadge"] == "逾期"
    assert strings["status_forwarded"] == "已转办"
    assert strings["action_forward"] == "转办"


def test_leaders_read_the_page_without_action_buttons(world):
    response = client_for(world.users["leader"]).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>意见办理 · 长沙县</title>" in html
    assert "只读：领导查看办理进度，由联络站工作人员办理。" in html
    assert "data-action=" not in html
    assert 'id="op-actions"' not in html
    assert page_config(response)["canAct"] is False


def test_admins_act_on_any_county(world):
    response = client_for(world.users["admin"]).get(PAGE, {"region": "430182"})
    assert response.status_code == 200
    assert page_config(response)["canAct"] is True
    assert '<form data-action="forward" hidden>' in response.content.decode()


def test_deputies_are_refused_and_anonymous_users_sent_to_login(world):
    assert client_for(world.users["deputy"]).get(PAGE).status_code == 403
    response = Client().get(PAGE)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/opinions/"


def test_english_labels_with_the_language_switch(world):
    client = client_for(world.users["staff"])
    client.post("/i18n/setlang/", {"language": "en", "next": PAGE})
    html = client.get(PAGE).content.decode()
    assert "<title>Opinion handling · 长沙县</title>" in html
    assert '<button type="button" data-status="forwarded" aria-pressed="false">forwarded <b' in html


def test_another_countys_staff_see_none_of_the_first_countys_opinions(world):
    staff_b = UserFactory(username="staff_b", role=Role.STAFF, jurisdiction=world.county_b)
    client = client_for(staff_b)
    response = client.get(PAGE)
    assert response.status_code == 200
    config = page_config(response)
    assert config["region"]["adcode"] == "430182"
    assert config["townships"] == {}

    # The page's own first call: its region, the default filter, one page.
    body = client.get(
        config["urls"]["opinions"],
        {"region": config["region"]["adcode"], "limit": config["pageSize"], "offset": 0},
    ).json()
    county_b_ids = sorted(o.id for o in world.opinions["county_b"])
    assert sorted(r["id"] for r in body["results"]) == county_b_ids
    assert {r["county_adcode"] for r in body["results"]} == {"430182"}
    assert body["counts"]["registered"] == 3

    # County A through the page or its calls: the same "not found" as a missing region.
    lone = world.opinions["lone"]
    assert client.get(PAGE, {"region": "430121"}).status_code == 404
    assert client.get(config["urls"]["opinions"], {"region": "430121"}).status_code == 404
    detail = client.get(config["urls"]["opinion"].format(id=lone.id))
    assert (detail.status_code, detail.json()["code"]) == (404, "opinion.not_found")
    forward = client.post(
        config["urls"]["transitions"].format(id=lone.id),
        {"action": "forward", "handler": "宁乡市交通运输局"},
        content_type="application/json",
    )
    assert (forward.status_code, forward.json()["code"]) == (404, "opinion.not_found")
    lone.refresh_from_db()
    assert lone.status == "registered"

"""Cross-province links (省际协同): joint activities recorded by either side, cadence over the
link's activities, cross-border problems routed to the side where the place is (属地); each side
reads its links and nothing else of the other province."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from backend.accounts.access import jurisdiction_of
from backend.core import error_codes as codes
from backend.core.errors import DomainError
from backend.liaison.access import access_station_by_id
from backend.liaison.models import StationLink
from backend.stationlife import selectors, services
from tests.factories import StationFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 3, 2)


def j(user):
    return jurisdiction_of(user)


def refused(code, call, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == code.code, caught.value.code


def record(world, who, kind, day, **kw):
    return services.joint_activity_record(
        jurisdiction=j(world[who]),
        actor=world[who],
        link_id=world["link"].id,
        fields={"kind": kind, "date": day.isoformat(), **kw},
    )


def test_both_sides_record_and_read_the_links_activities_and_cadence(link):
    record(
        link,
        "gd_staff",
        "reception",
        dt.date(2026, 1, 6),
        place="石角镇",
        participants_a=["陈代表"],
        participants_b=["黄代表"],
        suggestions=2,
        problems_solved=5,
    )
    record(link, "gx_staff", "reception", dt.date(2026, 1, 13))
    record(link, "gx_staff", "exchange", dt.date(2026, 1, 20), suggestions=1)
    record(link, "gd_staff", "survey", dt.date(2026, 2, 10), problems_solved=3)
    refused(
        codes.STATIONLIFE_NOT_ALLOWED,
        record,
        world=link,
        who="gx_leader",
        kind="reception",
        day=dt.date(2026, 2, 3),
    )
    refused(
        codes.LINK_NOT_FOUND,
        record,
        world=link,
        who="outsider",
        kind="reception",
        day=dt.date(2026, 2, 3),
    )
    refused(
        codes.STATIONLIFE_INVALID_FIELD,
        record,
        world=link,
        who="gd_staff",
        kind="party",
        day=dt.date(2026, 2, 3),
    )
    refused(
        codes.STATIONLIFE_INVALID_FIELD,
        record,
        world=link,
        who="gd_staff",
        kind="reception",
        day=dt.date(2026, 2, 3),
        suggestions=-1,
    )

    for who in ("gd_staff", "gx_staff", "gx_leader", "admin"):
        detail = selectors.link_detail(
            jurisdiction=j(link[who]),
            link_id=link["link"].id,
            start=dt.date(2025, 12, 1),
            end=dt.date(2026, 2, 28),
            today=TODAY,
        )
        assert detail["totals"] == {"activities": 4, "suggestions": 3, "problems_solved": 8}
        weekly, monthly, quarterly = detail["compliance"]
        # from the agreement (1 January, a Thursday): W01 partial and pending; receptions in
        # W02 and W03, none in W04–W08; W09 runs past the end (1 March): pending
        assert (weekly["met"], weekly["missed"], weekly["streak"]) == (2, 5, 0)
        assert weekly["periods"][-1] == {"period": "2026-W09", "state": "pending", "activities": 0}
        assert weekly["misses"][0] == "2026-W04"
        assert (monthly["met"], monthly["missed"], monthly["misses"]) == (1, 1, ["2026-02"])
        assert (quarterly["met"], quarterly["missed"]) == (1, 0)  # Q1 has a joint survey
    listed = selectors.link_list(jurisdiction=j(link["gx_staff"]), today=TODAY)
    assert [(row["id"], row["activities"]) for row in listed] == [(link["link"].id, 4)]
    assert selectors.link_list(jurisdiction=j(link["outsider"]), today=TODAY) == []
    refused(
        codes.LINK_NOT_FOUND,
        selectors.link_detail,
        jurisdiction=j(link["outsider"]),
        link_id=link["link"].id,
    )


def test_a_guangxi_user_reads_the_link_and_nothing_else_of_guangdong(link):
    gx = j(link["gx_staff"])
    detail = selectors.link_detail(jurisdiction=gx, link_id=link["link"].id, today=TODAY)
    # the other side is a name and an adcode: no address, deputies or figures
    assert detail["station_a"] == {
        "id": link["shijiao"].id,
        "name": "石角镇联络站",
        "adcode": "440881120",
    }
    assert detail["my_sides"] == [link["wendi"].id] and detail["can_act"] is True
    refused(
        codes.STATION_NOT_FOUND,
        access_station_by_id,
        jurisdiction=gx,
        station_id=link["shijiao"].id,
    )
    plan = services.deliberation_plan(
        jurisdiction=j(link["gd_staff"]),
        actor=link["gd_staff"],
        station_id=link["shijiao"].id,
        fields={"date": "2026-03-10"},
        today=TODAY,
    )
    refused(
        codes.DELIBERATION_NOT_FOUND,
        selectors.deliberation_detail,
        jurisdiction=gx,
        deliberation_id=plan.id,
    )
    assert selectors.deliberation_list(jurisdiction=gx) == []


def test_cross_border_problems_go_to_the_side_of_the_place(link):
    def raise_(who, adcode, text="跨界河道淤塞"):
        return services.problem_raise(
            jurisdiction=j(link[who]),
            link_id=link["link"].id,
            fields={"place_adcode": adcode, "place": "九洲江交界段", "text": text},
            now=dt.datetime(2026, 2, 1, 9, tzinfo=SHANGHAI),
        )

    # raised in Guangdong about a place in Guangxi: Guangxi's station handles it
    problem = raise_("gd_staff", "450923113")
    assert (problem.raised_by, problem.handled_by) == (link["shijiao"], link["wendi"])
    back = raise_("gx_staff", "440881120", "边界道路照明")
    assert back.handled_by == link["shijiao"]
    refused(codes.PROBLEM_PLACE_OFF_LINK, raise_, who="gd_staff", adcode="430121")
    refused(codes.STATIONLIFE_INVALID_FIELD, raise_, who="gd_staff", adcode="45x")
    refused(codes.LINK_NOT_FOUND, raise_, who="outsider", adcode="450923113")

    solve = services.problem_solve
    # only the side it is routed to answers
    refused(
        codes.STATIONLIFE_NOT_ALLOWED,
        solve,
        jurisdiction=j(link["gd_staff"]),
        problem_id=problem.id,
        fields={"answer": "已清淤"},
    )
    refused(
        codes.PROBLEM_NOT_FOUND,
        solve,
        jurisdiction=j(link["outsider"]),
        problem_id=problem.id,
        fields={"answer": "已清淤"},
    )
    solve(jurisdiction=j(link["gx_staff"]), problem_id=problem.id, fields={"answer": "已清淤"})
    refused(
        codes.DELIBERATION_INVALID_STATE,
        solve,
        jurisdiction=j(link["gx_staff"]),
        problem_id=problem.id,
        fields={"answer": "再次"},
    )

    for who in ("gd_staff", "gx_staff"):
        rows = selectors.link_detail(
            jurisdiction=j(link[who]), link_id=link["link"].id, today=TODAY
        )["problems"]
        assert [(p["id"], p["status"], p["handled_by"]["name"]) for p in rows] == [
            (problem.id, "solved", "文地镇联络站"),
            (back.id, "open", "石角镇联络站"),
        ]


def test_link_list_queries_do_not_grow_with_links(link, django_assert_max_num_queries):
    for n in range(3):
        other = StationFactory(region=link["wendi"].region, name=f"文地{n}")
        extra = StationLink.objects.create(
            station_a=link["shijiao"],
            station_b=other,
            agreement_date=dt.date(2026, 1, 1),
            cadences=["weekly_reception"],
        )
        services.joint_activity_record(
            jurisdiction=j(link["gd_staff"]),
            actor=link["gd_staff"],
            link_id=extra.id,
            fields={"kind": "reception", "date": "2026-01-06"},
        )
    with django_assert_max_num_queries(3):
        rows = selectors.link_list(jurisdiction=j(link["gd_staff"]), today=TODAY)
    assert len(rows) == 4

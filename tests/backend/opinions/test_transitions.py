"""opinion_transition: the closed loop (forward → start → [extend] → answer → rate/close), the
re-handling branch, who may act, row locking, history rows and events on commit."""

import datetime as dt
import threading
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from backend.accounts.access import jurisdiction_of
from backend.accounts.models import Role
from backend.core.errors import DomainError, NotFound
from backend.opinions.deadlines import add_working_days
from backend.opinions.models import CalendarDay, Opinion, OpinionTransition
from backend.opinions.services import opinion_create, opinion_transition
from tests.factories import DeputyFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Friday 2026-06-12 17:00 in Shanghai
FRIDAY_5PM = dt.datetime(2026, 6, 12, 17, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def bare_working_week(settings):
    """These tests check the arithmetic on Monday-Friday plus the admin's entries; the official
    calendar (on by default: tests/backend/opinions/test_official_calendar.py) would move 19 June
    2026 (端午) off the working week."""
    settings.OPINIONS_OFFICIAL_CALENDAR = False


@pytest.fixture
def people(county):
    township = RegionFactory(adcode="430121001", parent=county)
    other_township = RegionFactory(adcode="430121002", parent=county)
    other_county = RegionFactory(adcode="430182")
    deputy = DeputyFactory(region=township)
    return {
        "deputy": deputy,
        "staff": UserFactory(role=Role.STAFF, jurisdiction=county),
        "staff_t1": UserFactory(role=Role.STAFF, jurisdiction=township),
        "staff_t2": UserFactory(role=Role.STAFF, jurisdiction=other_township),
        "staff_b": UserFactory(role=Role.STAFF, jurisdiction=other_county),
        "leader": UserFactory(role=Role.LEADER, jurisdiction=county),
        "admin": UserFactory(role=Role.ADMIN),
        "other_deputy": DeputyFactory(region=township).user,
    }


@pytest.fixture
def opinion(people):
    return opinion_create(
        deputy=people["deputy"],
        client_uuid=uuid.uuid4(),
        category="roads",
        text="路灯坏了",
        recorded_at=FRIDAY_5PM - dt.timedelta(hours=2),
        received_at=FRIDAY_5PM,
        contact_consent=True,
        citizen_contact="13812341234",
    ).opinion


def act(actor, opinion, action, at=FRIDAY_5PM, **fields):
    return opinion_transition(
        jurisdiction=jurisdiction_of(actor),
        actor=actor,
        opinion_id=opinion.id,
        action=action,
        at=at,
        **fields,
    )


def history(opinion):
    return list(
        OpinionTransition.objects.filter(opinion=opinion)
        .order_by("at", "id")
        .values_list("action", "from_status", "to_status", "by_id", "rating", "note")
    )


def test_working_days_skip_the_weekend(db):
    assert add_working_days(FRIDAY_5PM, 3) == dt.datetime(2026, 6, 17, 17, 0, tzinfo=SHANGHAI)
    assert add_working_days(FRIDAY_5PM, 5) == dt.datetime(2026, 6, 19, 17, 0, tzinfo=SHANGHAI)
    saturday = dt.datetime(2026, 6, 13, 10, 0, tzinfo=SHANGHAI)
    assert add_working_days(saturday, 1) == dt.datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)
    monday = dt.datetime(2026, 6, 15, 9, 0, tzinfo=SHANGHAI)
    assert add_working_days(monday, 3) == dt.datetime(2026, 6, 18, 9, 0, tzinfo=SHANGHAI)
    # The same instant given in UTC: the arithmetic is on Shanghai's calendar.
    assert add_working_days(FRIDAY_5PM.astimezone(dt.UTC), 3) == dt.datetime(
        2026, 6, 17, 17, 0, tzinfo=SHANGHAI
    )


def test_working_days_follow_the_holiday_calendar(db):
    # National Day 2026 as staff would enter it: 1-7 October off, Saturday 10 October worked.
    for day in range(1, 8):
        CalendarDay.objects.create(day=dt.date(2026, 10, day), workday=False, name="国庆节")
    CalendarDay.objects.create(day=dt.date(2026, 10, 10), workday=True, name="国庆节调休")
    wednesday = dt.datetime(2026, 9, 30, 17, 0, tzinfo=SHANGHAI)
    # Thursday 8, Friday 9, Saturday 10 (make-up day): due on the Saturday
    assert add_working_days(wednesday, 3) == dt.datetime(2026, 10, 10, 17, 0, tzinfo=SHANGHAI)
    # with the extension, 5 working days: 8, 9, 10, 12, 13 October
    assert add_working_days(wednesday, 5) == dt.datetime(2026, 10, 13, 17, 0, tzinfo=SHANGHAI)


def test_forwarding_in_a_holiday_gets_a_deadline_after_it(opinion, people):
    CalendarDay.objects.bulk_create(
        CalendarDay(day=dt.date(2026, 6, 15) + dt.timedelta(days=i), workday=False, name="端午")
        for i in range(3)
    )
    act(people["staff"], opinion, "forward", handler="县交通运输局")
    opinion.refresh_from_db()
    # Friday 17:00, Monday-Wednesday off: Thursday, Friday, Monday
    assert timezone.localtime(opinion.due_at) == dt.datetime(2026, 6, 22, 17, 0, tzinfo=SHANGHAI)


def test_registration_row_carries_the_received_time(opinion, people):
    assert opinion.due_at == FRIDAY_5PM + dt.timedelta(hours=24)
    assert OpinionTransition.objects.get(opinion=opinion).at == FRIDAY_5PM


def test_happy_path(opinion, people):
    staff, deputy_user = people["staff"], people["deputy"].user
    t = FRIDAY_5PM
    forwarded = act(staff, opinion, "forward", at=t, handler="县交通运输局")
    assert (forwarded.status, forwarded.handler, forwarded.due_at) == (
        "forwarded",
        "县交通运输局",
        dt.datetime(2026, 6, 17, 17, 0, tzinfo=SHANGHAI),
    )
    assert act(staff, opinion, "start", at=t + dt.timedelta(hours=1)).status == "handling"
    answered = act(
        deputy_user,
        opinion,
        "answer",
        at=t + dt.timedelta(days=3),
        answer="已更换路灯",
        note="电话告知",
    )
    assert (answered.status, answered.answer) == ("answered", "已更换路灯")
    closed = act(staff, opinion, "rate", at=t + dt.timedelta(days=4), rating=5)
    stored = Opinion.objects.get(id=opinion.id)
    assert (stored.status, stored.rating, stored.handler, stored.answer) == (
        "closed",
        5,
        "县交通运输局",
        "已更换路灯",
    )
    assert closed.status == "closed"
    assert history(opinion) == [
        ("", "", "registered", deputy_user.id, None, "registered from the field app"),
        ("forward", "registered", "forwarded", staff.id, None, "县交通运输局"),
        ("start", "forwarded", "handling", staff.id, None, ""),
        ("answer", "handling", "answered", deputy_user.id, None, "已更换路灯\n电话告知"),
        ("rate", "answered", "closed", staff.id, 5, ""),
    ]


def test_unsatisfied_citizen_gets_a_second_answer(opinion, people):
    staff, deputy_user = people["staff"], people["deputy"].user
    act(staff, opinion, "forward", handler="县水务局")
    act(staff, opinion, "start")
    act(deputy_user, opinion, "answer", answer="已安排检修")
    monday = dt.datetime(2026, 6, 15, 9, 0, tzinfo=SHANGHAI)
    again = act(staff, opinion, "rate", at=monday, rating=2)
    assert (again.status, again.rating, again.due_at) == (
        "rehandling",
        2,
        dt.datetime(2026, 6, 18, 9, 0, tzinfo=SHANGHAI),
    )
    act(deputy_user, opinion, "answer", at=monday + dt.timedelta(days=1), answer="已彻底修复")
    closed = act(staff, opinion, "rate", at=monday + dt.timedelta(days=2), rating=4)
    assert (closed.status, closed.rating, closed.answer) == ("closed", 4, "已彻底修复")
    assert [(a, f, t, r) for a, f, t, _by, r, _n in history(opinion)][-4:] == [
        ("answer", "handling", "answered", None),
        ("rate", "answered", "rehandling", 2),
        ("answer", "rehandling", "answered", None),
        ("rate", "answered", "closed", 4),
    ]


def test_a_second_unsatisfied_rating_closes_it_anyway(opinion, people):
    staff, deputy_user = people["staff"], people["deputy"].user
    act(staff, opinion, "forward", handler="县水务局")
    act(staff, opinion, "start")
    act(deputy_user, opinion, "answer", answer="第一次答复")
    act(staff, opinion, "rate", rating=1)
    act(deputy_user, opinion, "answer", answer="第二次答复")
    closed = act(staff, opinion, "rate", rating=2)
    assert (closed.status, closed.rating) == ("closed", 2)
    assert history(opinion)[-1] == (
        "rate",
        "answered",
        "closed",
        staff.id,
        2,
        "closed after a second unsatisfied rating",
    )


def test_close_without_rating(opinion, people):
    staff = people["staff"]
    act(staff, opinion, "forward", handler="镇政府")
    act(staff, opinion, "start")
    act(staff, opinion, "answer", answer="已现场答复")
    closed = act(staff, opinion, "close", note="归档")
    assert (closed.status, closed.rating) == ("closed", None)
    assert history(opinion)[-1] == ("close", "answered", "closed", staff.id, None, "归档")


def test_extend_once_by_two_working_days_with_a_reason(opinion, people):
    staff = people["staff"]
    act(staff, opinion, "forward", handler="县交通运输局")  # due Wednesday 17:00
    act(staff, opinion, "start")
    with pytest.raises(DomainError) as err:
        act(staff, opinion, "extend", reason="  ")
    assert (err.value.code, err.value.status) == ("opinion.reason_required", 400)
    extended = act(staff, opinion, "extend", reason="需要协调施工队")
    assert (extended.status, extended.due_at) == (
        "handling",
        dt.datetime(2026, 6, 19, 17, 0, tzinfo=SHANGHAI),
    )
    with pytest.raises(DomainError) as err:
        act(staff, opinion, "extend", reason="再延一次")
    assert (err.value.code, err.value.status) == ("opinion.already_extended", 409)
    assert Opinion.objects.get(id=opinion.id).due_at == extended.due_at
    assert history(opinion)[-1] == (
        "extend",
        "handling",
        "handling",
        staff.id,
        None,
        "需要协调施工队",
    )


# status reached by these steps -> actions the status does not allow
STEPS = {
    "registered": [],
    "forwarded": [("forward", {"handler": "县水务局"})],
    "handling": [("forward", {"handler": "县水务局"}), ("start", {})],
    "answered": [("forward", {"handler": "县水务局"}), ("start", {}), ("answer", {"answer": "好"})],
    "closed": [
        ("forward", {"handler": "县水务局"}),
        ("start", {}),
        ("answer", {"answer": "好"}),
        ("rate", {"rating": 5}),
    ],
}
ALLOWED = {
    "registered": {"forward"},
    "forwarded": {"start", "extend"},
    "handling": {"extend", "answer"},
    "answered": {"rate", "close"},
    "closed": set(),
}
FIELDS = {
    "forward": {"handler": "x"},
    "extend": {"reason": "x"},
    "answer": {"answer": "x"},
    "rate": {"rating": 5},
    "start": {},
    "close": {},
}


@pytest.mark.parametrize("status", list(STEPS))
def test_every_invalid_transition_is_409(opinion, people, status):
    staff = people["staff"]
    for action, fields in STEPS[status]:
        act(staff, opinion, action, **fields)
    for action in sorted(set(FIELDS) - ALLOWED[status]):
        with pytest.raises(DomainError) as err:
            act(staff, opinion, action, **FIELDS[action])
        assert (err.value.code, err.value.status) == ("opinion.invalid_transition", 409)
        assert err.value.details == {"current_status": status, "action": action}
    assert Opinion.objects.get(id=opinion.id).status == status
    assert len(history(opinion)) == 1 + len(STEPS[status])


def test_rehandling_allows_extend_and_answer_only(opinion, people):
    staff = people["staff"]
    for action, fields in STEPS["answered"]:
        act(staff, opinion, action, **fields)
    act(staff, opinion, "rate", rating=1)
    for action in ("forward", "start", "rate", "close"):
        with pytest.raises(DomainError) as err:
            act(staff, opinion, action, **FIELDS[action])
        assert err.value.code == "opinion.invalid_transition"
    assert act(staff, opinion, "extend", reason="复办需协调").status == "rehandling"


def test_invalid_transition_message_names_the_status(opinion, people):
    with pytest.raises(DomainError) as err:
        act(people["staff"], opinion, "answer", answer="x")
    assert err.value.message == "该意见当前状态为“已登记”，不能“答复”。"


@pytest.mark.parametrize("who", ["staff_t2", "staff_b", "other_deputy"])
def test_out_of_reach_is_not_found(opinion, people, who):
    with pytest.raises(NotFound) as err:
        act(people[who], opinion, "forward", handler="县水务局")
    assert (err.value.code, err.value.status) == ("opinion.not_found", 404)
    with pytest.raises(NotFound):
        opinion_transition(
            jurisdiction=jurisdiction_of(people["staff"]),
            actor=people["staff"],
            opinion_id=opinion.id + 999,
            action="start",
        )


@pytest.mark.parametrize("who", ["staff", "staff_t1", "admin"])
def test_staff_inside_their_jurisdiction_and_admins_forward(opinion, people, who):
    assert act(people[who], opinion, "forward", handler="县水务局").status == "forwarded"


def test_a_deputy_may_answer_but_not_forward_and_a_leader_only_reads(opinion, people):
    deputy_user, leader = people["deputy"].user, people["leader"]
    for actor in (deputy_user, leader):
        with pytest.raises(DomainError) as err:
            act(actor, opinion, "forward", handler="县水务局")
        assert (err.value.code, err.value.status) == ("opinion.not_allowed", 403)
    act(people["staff"], opinion, "forward", handler="县水务局")
    act(people["staff"], opinion, "start")
    with pytest.raises(DomainError) as err:
        act(leader, opinion, "answer", answer="好")
    assert err.value.code == "opinion.not_allowed"
    assert act(deputy_user, opinion, "answer", answer="好").status == "answered"
    with pytest.raises(DomainError) as err:
        act(deputy_user, opinion, "rate", rating=5)
    assert err.value.code == "opinion.not_allowed"


@pytest.mark.parametrize(
    ("action", "fields", "code"),
    [
        ("forward", {}, "opinion.handler_required"),
        ("forward", {"handler": "部" * 101}, "opinion.text_too_long"),
        ("dance", {}, "opinion.unknown_action"),
        ("forward", {"handler": "局", "note": "注" * 2001}, "opinion.text_too_long"),
    ],
)
def test_missing_or_bad_fields(opinion, people, action, fields, code):
    with pytest.raises(DomainError) as err:
        act(people["staff"], opinion, action, **fields)
    assert (err.value.code, err.value.status) == (code, 400)
    assert Opinion.objects.get(id=opinion.id).status == "registered"


@pytest.mark.parametrize("rating", [None, 0, 6, True, "5", 4.0])
def test_rating_must_be_1_to_5(opinion, people, rating):
    staff = people["staff"]
    for action, fields in STEPS["answered"]:
        act(staff, opinion, action, **fields)
    with pytest.raises(DomainError) as err:
        act(staff, opinion, "rate", rating=rating)
    assert (err.value.code, err.value.status) == ("opinion.invalid_rating", 400)
    assert Opinion.objects.get(id=opinion.id).status == "answered"


def test_answer_requires_text(opinion, people):
    staff = people["staff"]
    act(staff, opinion, "forward", handler="县水务局")
    act(staff, opinion, "start")
    with pytest.raises(DomainError) as err:
        act(staff, opinion, "answer", answer="")
    assert err.value.code == "opinion.answer_required"


def test_event_published_on_commit_only(
    opinion, people, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        "backend.core.events.publish",
        lambda county, event, payload: sent.append((county, event, payload)),
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        act(people["staff"], opinion, "forward", handler="县水务局")
    assert sent == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert sent == [
        (
            "430121",
            "opinion.updated",
            {
                "items": [
                    {
                        "id": opinion.id,
                        "action": "forward",
                        "from_status": "registered",
                        "status": "forwarded",
                        "due_at": "2026-06-17T17:00:00+08:00",
                        "rating": None,
                        "level": "county",
                        "department_id": None,
                        "cell_id": None,
                        "adcode": "430121001",
                        "county_adcode": "430121",
                    }
                ]
            },
        )
    ]


def test_refused_transition_publishes_nothing(opinion, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(DomainError):
        act(people["staff"], opinion, "start")
    assert callbacks == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_transitions_apply_once(county):
    """Two staff members forward the same opinion at once: the row lock makes the second one
    see `forwarded` and fail with 409; one history row."""
    township = RegionFactory(adcode="430121001", parent=county)
    deputy = DeputyFactory(region=township)
    staff = UserFactory(role=Role.STAFF, jurisdiction=county)
    opinion = opinion_create(
        deputy=deputy,
        client_uuid=uuid.uuid4(),
        category="roads",
        text="路面塌陷",
        recorded_at=timezone.now(),
    ).opinion
    barrier = threading.Barrier(2)
    outcomes = []

    def forward(handler):
        try:
            barrier.wait(timeout=10)
            act(staff, opinion, "forward", at=timezone.now(), handler=handler)
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=forward, args=(h,)) for h in ("交通局", "住建局")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["ok", "opinion.invalid_transition"]
    assert OpinionTransition.objects.filter(opinion=opinion, action="forward").count() == 1

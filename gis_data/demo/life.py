"""Demo station life (issue 13): a deliberation day per township station (street committee)
per month over the last year (逢四议事: the fourth Thursday) with scored topics from its
opinions, two chosen, minutes, resolutions and action items (older ones done, a few overdue),
the next month's day planned; the cross-province links' joint activities at their cadence
(weekly reception, monthly exchange, quarterly interaction or joint survey) with a few misses
and two cross-border problems; each station's registers (一表两卡三簿). Idempotent: stations
with deliberation days and links with activities are left alone."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from backend.liaison.models import (
    DutyRule,
    RuleKind,
    RulePurpose,
    Station,
    StationLink,
    StationMembership,
)
from backend.opinions.models import Opinion
from backend.stationlife.cadence import period_start
from backend.stationlife.models import (
    REGISTERS,
    ActionItem,
    ActionStatus,
    ActivityKind,
    CrossBorderProblem,
    Deliberation,
    DeliberationStatus,
    DeliberationTopic,
    JointActivity,
    ProblemStatus,
    Resolution,
    StationRegisters,
)

TOPICS = (
    "村道硬化与修缮",
    "老旧小区加装电梯",
    "农村饮水安全",
    "学校周边交通安全",
    "垃圾分类与清运",
    "河道清淤整治",
    "停车难问题",
    "养老服务站建设",
    "路灯补装",
    "农贸市场改造",
)
OWNERS = ("镇人大主席团", "县住建局", "县交通运输局", "县水利局", "镇政府", "社区居委会")
MONTHS = 12


def fourth_thursday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(3 - first.weekday()) % 7 + 21)


def _months_back(today: dt.date, n: int) -> list[tuple[int, int]]:
    out = []
    y, m = today.year, today.month
    for _ in range(n):
        out.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


@transaction.atomic
def load_station_life(today: dt.date, seed: int) -> dict[str, int]:
    rng = random.Random(seed * 13 + 5)  # noqa: S311 - demo data, not secrets
    counts = {"deliberations": 0, "actions": 0, "activities": 0}
    stations = list(Station.objects.filter(kind="station").order_by("id"))
    done = set(Deliberation.objects.values_list("station_id", flat=True).distinct())
    for station in stations:
        if station.id in done:
            continue
        counts["deliberations"], counts["actions"] = (
            v + d
            for v, d in zip(
                (counts["deliberations"], counts["actions"]),
                _deliberations(station, today, rng),
                strict=True,
            )
        )
    registers = [
        StationRegisters(
            station=s,
            kept={k: rng.random() < 0.8 for k in REGISTERS},
            checked_on=today - dt.timedelta(days=rng.randint(10, 200)),
        )
        for s in Station.objects.filter(registers__isnull=True)
    ]
    StationRegisters.objects.bulk_create(registers)
    for link in StationLink.objects.select_related("station_a", "station_b").order_by("id"):
        if not link.activities.exists():
            counts["activities"] += _activities(link, today, rng)
    return counts


def _deliberations(station: Station, today: dt.date, rng: random.Random) -> tuple[int, int]:
    DutyRule.objects.get_or_create(
        station=station,
        purpose=RulePurpose.DELIBERATION,
        defaults={
            "kind": RuleKind.NTH_WEEKDAY,
            "nth": 4,
            "weekday": 3,
            "opens_at": dt.time(14, 30),
            "closes_at": dt.time(17, 0),
        },
    )
    opinions = list(
        Opinion.objects.filter(adcode__startswith=station.adcode)
        .order_by("id")
        .values_list("id", flat=True)[:200]
    )
    members = list(
        StationMembership.objects.filter(station=station, until__isnull=True).values_list(
            "deputy_id", flat=True
        )
    )
    days = [fourth_thursday(y, m) for y, m in _months_back(today, MONTHS + 1)]
    days = [d for d in days if d < today]
    upcoming = fourth_thursday(
        *((today.year, today.month + 1) if today.month < 12 else (today.year + 1, 1))
    )
    rows = [
        Deliberation(
            station=station,
            adcode=station.adcode,
            county_adcode=station.county_adcode,
            date=day,
            opens_at=dt.time(14, 30),
            place=station.address,
            status=DeliberationStatus.HELD,
            minutes=f"{station.name}{day:%m}月议事：到会代表"
            f"{min(len(members), rng.randint(5, 12))}人，"
            "围绕选定议题逐项讨论，形成决议并明确责任单位和完成时限。",
            notice_sent_at=timezone.make_aware(
                dt.datetime.combine(day - dt.timedelta(days=7), dt.time(0, 7))
            ),
        )
        for day in days
    ]
    rows.append(
        Deliberation(
            station=station,
            adcode=station.adcode,
            county_adcode=station.county_adcode,
            date=upcoming,
            opens_at=dt.time(14, 30),
            place=station.address,
        )
    )
    Deliberation.objects.bulk_create(rows)
    upcoming_row = rows[-1]
    upcoming_row.deputies.set(members)
    topics, resolutions, actions, links = [], [], [], []
    for d in rows:
        picked = rng.sample(TOPICS, 3)
        scores = [(rng.randint(2, 5), rng.randint(1, 5), rng.randint(2, 5)) for _ in picked]
        order = sorted(range(3), key=lambda i: -sum(scores[i]))
        for i, title in enumerate(picked):
            topics.append(
                DeliberationTopic(
                    deliberation=d,
                    title=title,
                    importance=scores[i][0],
                    urgency=scores[i][1],
                    impact=scores[i][2],
                    chosen=d.status == DeliberationStatus.HELD and i in order[:2],
                )
            )
        if d.status != DeliberationStatus.HELD:
            continue
        for i in order[:2]:
            resolutions.append(
                Resolution(deliberation=d, text=f"推进“{picked[i]}”，责成相关单位限期办理。")
            )
            due = d.date + dt.timedelta(days=rng.choice((30, 45, 60)))
            finished = due < today - dt.timedelta(days=20) and rng.random() < 0.9
            item = ActionItem(
                deliberation=d,
                adcode=d.adcode,
                county_adcode=d.county_adcode,
                text=f"落实“{picked[i]}”整改方案",
                owner=rng.choice(OWNERS),
                due_on=due,
                status=ActionStatus.DONE if finished else ActionStatus.OPEN,
                done_at=timezone.make_aware(
                    dt.datetime.combine(due - dt.timedelta(days=rng.randint(0, 10)), dt.time(16))
                )
                if finished
                else None,
                progress=f"{d.date + dt.timedelta(days=10)} 已召开协调会" if finished else "",
            )
            actions.append(item)
            if opinions:
                links.append((item, rng.sample(opinions, min(2, len(opinions)))))
    DeliberationTopic.objects.bulk_create(topics)
    Resolution.objects.bulk_create(resolutions)
    ActionItem.objects.bulk_create(actions)
    through = ActionItem.opinions.through
    through.objects.bulk_create(
        through(actionitem_id=item.id, opinion_id=o) for item, ids in links for o in ids
    )
    return len(rows), len(actions)


def _activities(link: StationLink, today: dt.date, rng: random.Random) -> int:
    """A year of the link's rhythm to today, a few weeks and one month missed."""
    start = max(link.agreement_date, today - dt.timedelta(weeks=52))
    a, b = link.station_a.name[:3], link.station_b.name[:3]
    rows = []
    week = period_start("week", start)
    while week <= today:
        if rng.random() > 0.1:  # about one week in ten without a reception
            day = week + dt.timedelta(days=rng.randint(0, 4))
            if start <= day <= today:
                rows.append(
                    JointActivity(
                        link=link,
                        kind=ActivityKind.RECEPTION,
                        date=day,
                        place=f"{a}联络站",
                        participants_a=["陈代表", "李代表"],
                        participants_b=["黄代表"],
                        summary="联合接待跨省边界群众来访。",
                        suggestions=rng.randint(0, 1),
                        problems_solved=rng.choice((0, 0, 1, 2)),
                    )
                )
        week += dt.timedelta(days=7)
    month = start.replace(day=1)
    skipped = rng.randint(2, 9)
    n = 0
    while month <= today:
        day = month + dt.timedelta(days=rng.randint(9, 20))
        if n != skipped and start <= day <= today:
            rows.append(
                JointActivity(
                    link=link,
                    kind=ActivityKind.EXCHANGE,
                    date=day,
                    place=f"{b}联络站",
                    participants_a=["陈代表"],
                    participants_b=["黄代表", "吴代表"],
                    summary="两地代表交流履职经验。",
                    suggestions=rng.randint(0, 2),
                )
            )
        if month.month in (2, 5, 8, 11) and start <= day <= today:
            rows.append(
                JointActivity(
                    link=link,
                    kind=rng.choice((ActivityKind.INTERACTION, ActivityKind.SURVEY)),
                    date=day + dt.timedelta(days=3),
                    place="九洲江交界段",
                    participants_a=["陈代表", "李代表"],
                    participants_b=["黄代表", "吴代表"],
                    summary="联合调研跨省界道路和河道问题。",
                    suggestions=rng.randint(1, 3),
                    problems_solved=rng.randint(2, 6),
                )
            )
        month = (month + dt.timedelta(days=32)).replace(day=1)
        n += 1
    JointActivity.objects.bulk_create(rows)
    raised = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=40), dt.time(10)))
    CrossBorderProblem.objects.bulk_create(
        [
            CrossBorderProblem(
                link=link,
                raised_by=link.station_a,
                handled_by=link.station_b,
                place_adcode=link.station_b.adcode,
                place="交界处县道",
                text="跨省界道路破损，雨天积水。",
                status=ProblemStatus.SOLVED,
                answer="属地已修复路面并加装排水沟。",
                raised_at=raised,
                solved_at=raised + dt.timedelta(days=12),
            ),
            CrossBorderProblem(
                link=link,
                raised_by=link.station_b,
                handled_by=link.station_a,
                place_adcode=link.station_a.adcode,
                place="九洲江石角段",
                text="上游河道垃圾漂浮。",
                raised_at=raised + dt.timedelta(days=20),
            ),
        ]
    )
    return len(rows)

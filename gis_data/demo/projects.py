"""One township's year of livelihood projects (民生实事项目代表票决制) for the demo, made through
the services of backend.projects (docs/projects.md): a call; proposals from an opinion cluster,
from deputies in the field and from staff; the five forms with reasons, a merged duplicate and
a rejection; citizens' proposals from the call's public page (one number kept with consent);
a secret competitive vote of the township's deputies, closed and published; two chosen
projects being built (progress on the map), one done, supervised and evaluated by deputies
and by citizens' ratings from its public page (pooled: 90%)."""

from __future__ import annotations

import datetime as dt
import random
import uuid

from django.contrib.gis.geos import GEOSGeometry, LineString
from django.utils import timezone

from backend.accounts.access import jurisdiction_of
from backend.accounts.models import User
from backend.grid.models import GridCell
from backend.intake.services import rate_limit_forget
from backend.liaison.models import CongressLevel, Deputy
from backend.opinions.models import Opinion
from backend.projects import services
from backend.projects.access import current_mandates
from backend.projects.models import ProjectCall, Proposal
from backend.regions.models import Region

PROPOSALS = (
    # title, description, cost (yuan), source, kind of place
    (
        "村组道路硬化",
        "群众反映雨天道路泥泞、出行难，拟硬化村组道路 3.2 公里。",
        1_800_000,
        "cluster",
        "line",
    ),
    ("农村生活污水处理", "建设日处理 500 吨污水处理池及配套管网。", 2_600_000, "deputy", "point"),
    ("集镇垃圾中转站", "新建垃圾中转站一座，配套分类收集设施。", 900_000, "staff", "point"),
    ("学校周边交通安全设施", "增设减速带、护栏和信号灯。", 350_000, "deputy", "point"),
    ("村卫生室提质改造", "改造村卫生室，配备基本诊疗设备。", 600_000, "staff", "point"),
    ("文化广场照明", "为文化广场安装太阳能路灯 40 盏。", 280_000, "staff", "point"),
    ("老旧供水管网改造", "更换老旧供水管网，解决停水和水压不足。", 1_200_000, "staff", "point"),
    ("村组道路修补", "与道路硬化项目重复，合并处理。", 400_000, "staff", "line"),
)
# Citizens' proposals through the call's public page (群众提议): title, text, phone (kept with
# the consent tick) or "" (none left).
CITIZEN_PROPOSALS = (
    ("村口公交候车亭", "村口公交站没有候车亭，老人和学生雨天淋雨等车。", "13907310001"),
    ("小区充电桩", "希望在集中居住区增设电动车充电桩，避免飞线充电。", ""),
)
# Citizens' satisfaction with the done project (1-5; 3 and above count as satisfied): 9 of
# 10, so the pooled result with the deputies' 9 of 10 stays at the 90% bar.
CITIZEN_RATINGS = (5, 4, 5, 3, 4, 5, 2, 4, 5, 4)
FORMS = (
    ("referred", "镇政府常务会议讨论，交相关部门论证"),
    ("consulted", "在村（居）公示并征求群众意见，支持率高"),
    ("reviewed", "镇党委会议研究同意列入候选"),
    ("candidate", "列入代表票决候选项目"),
)


def _township(county: Region) -> tuple[Region, list[Deputy]] | None:
    """The township of the county whose congress has the most current deputies today."""
    townships = Region.objects.filter(parent=county).order_by("adcode")
    best: tuple[Region, list[Deputy]] | None = None
    for township in townships:
        voters = [
            d
            for d in Deputy.objects.filter(
                mandates__level=CongressLevel.TOWNSHIP, mandates__congress_region=township
            )
            .distinct()
            .order_by("id")
            if current_mandates(d.pk)
            .filter(level=CongressLevel.TOWNSHIP, congress_region=township)
            .exists()
        ]
        if best is None or len(voters) > len(best[1]):
            best = (township, voters)
    return best


def _place(points: list, i: int, kind: str) -> GEOSGeometry:
    at = points[i % len(points)]
    if kind != "line":
        return at
    other = points[(i + 1) % len(points)]
    return LineString(at.coords, other.coords, srid=at.srid)


def _phone_accounts(deputies: list[Deputy]) -> list[Deputy]:
    """Phone-app accounts (no usable password) for deputies who propose from the field."""
    for deputy in deputies:
        user = User(username=f"demo-deputy-{deputy.pk}", role="deputy", first_name=deputy.name)
        user.set_unusable_password()
        user.save()
        deputy.user = user
        deputy.save(update_fields=["user"])
    return deputies


def _propose(call, j, staff, voters, points, opinions, rng) -> list[Proposal]:
    proposals = []
    with_accounts = [d for d in voters if d.user_id][:2] or _phone_accounts(voters[:2])
    for i, (title, text, cost, source, kind) in enumerate(PROPOSALS):
        place = _place(points, i, kind)
        if source == "deputy" and with_accounts:
            proposal = services.proposal_create_by_deputy(
                deputy=with_accounts[i % len(with_accounts)],
                call=call,
                client_uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                title=title,
                description=text,
                estimated_cost_yuan=cost,
                place=place,
            ).proposal
        else:
            proposal = services.proposal_create(
                jurisdiction=j,
                actor=staff,
                call=call,
                title=title,
                description=text,
                estimated_cost_yuan=cost,
                place=place,
                opinion_ids=opinions if source == "cluster" else (),
            )
        proposals.append(proposal)
    return proposals


def _citizens_propose(call, points, rng) -> list[Proposal]:
    """Citizens' proposals from the call's public page (its service: the open call, the area
    check, the number kept only with consent). The demo leaves no rate-limit count behind."""
    made = []
    for k, (title, text, phone) in enumerate(CITIZEN_PROPOSALS):
        point = points[(len(PROPOSALS) + k) % len(points)] if points else None
        ip = f"192.0.2.{rng.randint(1, 254)}"  # TEST-NET-1: no real address
        made.append(
            services.proposal_create_by_citizen(
                call=call,
                title=title,
                description=text,
                lon=point.x if point else None,
                lat=point.y if point else None,
                phone=phone,
                consent=bool(phone),
                client_ip=ip,
            )
        )
        rate_limit_forget("ip", ip)
        if phone:
            rate_limit_forget("phone", phone)
    return made


def _citizens_rate(done: Proposal, rng) -> int:
    """Citizens' ratings of the done project from its public page, one per device."""
    for k, rating in enumerate(CITIZEN_RATINGS):
        ip = f"192.0.2.{rng.randint(1, 254)}"
        services.citizen_rating_record(
            proposal=done, rating=rating, device_token=f"demo-{done.pk}-{k}", client_ip=ip
        )
        rate_limit_forget("rating", ip)
    return len(CITIZEN_RATINGS)


def _shortlist(j, staff, proposals: list[Proposal]) -> list[Proposal]:
    """The five forms for six candidates; one duplicate merged, one rejected at review."""
    services.proposal_merge(
        jurisdiction=j,
        actor=staff,
        duplicate_id=proposals[7].pk,
        into_id=proposals[0].pk,
        reason="与村组道路硬化项目重复",
    )
    for proposal in proposals[:6]:
        for stage, reason in FORMS:
            services.proposal_advance(
                jurisdiction=j, actor=staff, proposal_id=proposal.pk, to_stage=stage, reason=reason
            )
    for stage, reason in FORMS[:2]:
        services.proposal_advance(
            jurisdiction=j, actor=staff, proposal_id=proposals[6].pk, to_stage=stage, reason=reason
        )
    services.proposal_advance(
        jurisdiction=j,
        actor=staff,
        proposal_id=proposals[6].pk,
        to_stage="rejected",
        reason="县级已立项实施，不再列入本级候选",
    )
    return proposals[:6]


def _vote(call, j, staff, voters, candidates, title: str):
    session = services.ballot_open(
        jurisdiction=j,
        actor=staff,
        call=call,
        title=title,
        proposal_ids=[p.pk for p in candidates],
        max_choices=3,
    )
    ids = list(session.candidates.order_by("position").values_list("id", flat=True))
    present = voters[: max(3, len(voters) * 9 // 10)]
    for k, deputy in enumerate(present):
        choices: list[int] = [ids[0], ids[1], ids[2]]
        if k == len(present) - 1:
            choices = []  # one blank ballot
        elif k % 4 == 3:
            choices = [ids[0], ids[3], ids[4]]
        services.ballot_cast(deputy=deputy, session=session, choices=choices)
    return services.ballot_close(jurisdiction=j, actor=staff, ballot_id=session.pk)


def _implement(j, staff, voters, chosen: list[Proposal], rng) -> int:
    """Two projects in progress, one done; supervised by two deputies; the done one evaluated
    by ten (nine satisfied: 90%). Returns the evaluations made."""
    plan = (
        ("in_progress", 40, "路基施工完成"),
        ("in_progress", 65, "管网铺设过半"),
        ("done", 100, "已竣工验收"),
    )
    for proposal, (status, pct, note) in zip(chosen, plan, strict=False):
        services.project_update(
            jurisdiction=j,
            actor=staff,
            proposal_id=proposal.pk,
            status=status,
            progress_pct=pct,
            note=note,
            department="镇人民政府",
        )
        for deputy in voters[:2]:
            services.supervision_record(
                deputy=deputy,
                proposal=Proposal.objects.get(pk=proposal.pk),
                client_uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                findings="现场查看施工进度和质量，群众反映良好。",
                visited_at=timezone.now() - dt.timedelta(days=rng.randint(3, 30)),
            )
    if len(chosen) < 3:
        return 0
    done = Proposal.objects.get(pk=chosen[2].pk)
    for k, deputy in enumerate(voters[:10]):
        services.evaluation_record(
            deputy=deputy, proposal=done, satisfied=k != 9, comment="项目建成，群众满意。"
        )
    return min(10, len(voters)) + _citizens_rate(done, rng)


def create_projects_year(county: Region, today: dt.date, rng: random.Random, say) -> dict:
    """The demo year in the township with the most current deputies; {} when it has too few."""
    found = _township(county)
    if found is None or len(found[1]) < 5:
        say("projects: no township with five current deputies, skipped")
        return {}
    township, voters = found
    staff = User.objects.get(username="admin")
    j = jurisdiction_of(staff)
    real_today = timezone.localdate()
    call = services.call_create(
        jurisdiction=j,
        actor=staff,
        region=township,
        year=today.year,
        title=f"{township.name}{today.year}年民生实事项目征集",
        opens_on=min(today, real_today) - dt.timedelta(days=150),
        closes_on=max(today, real_today) + dt.timedelta(days=1),
    )
    cells = list(GridCell.objects.filter(adcode=township.adcode).order_by("code"))
    points = [c.boundary.point_on_surface for c in rng.sample(cells, min(len(cells), 12))]
    opinions = list(
        Opinion.objects.filter(adcode__startswith=township.adcode, location__isnull=False)
        .order_by("id")
        .values_list("id", flat=True)[:5]
    )
    proposals = _propose(call, j, staff, voters, points, opinions, rng)
    citizens = _citizens_propose(call, points, rng)
    # The call closed before the vote (the deputies' proposals came in while it was open).
    ProjectCall.objects.filter(pk=call.pk).update(
        closes_on=min(today, real_today) - dt.timedelta(days=90)
    )
    candidates = _shortlist(j, staff, proposals)
    title = f"{township.name}{today.year}年民生实事项目代表票决"
    session = _vote(call, j, staff, voters, candidates, title)
    chosen = list(Proposal.objects.filter(pk__in=[p.pk for p in candidates], stage="chosen"))
    evaluated = _implement(j, staff, voters, chosen, rng)
    say(
        f"projects: {township.name}: {len(proposals) + len(citizens)} proposals "
        f"({len(citizens)} from citizens), ballot turnout "
        f"{session.turnout}/{session.eligible_count}, {len(chosen)} chosen, "
        f"{evaluated} evaluations"
    )
    return {"call": call.pk, "ballot": session.pk, "chosen": len(chosen)}

"""Writes for stations, deputies, mandates, station memberships and cross-province links.

Invariants enforced here (whoever calls: admin, demo loader, API):
- a station's `adcode` / `county_adcode` are its region's; its region is a county or below; its
  location lies inside the region's boundary (when the region has one); an industry contact
  point names its sector; a parent station lies in the same county; the six-haves checklist has
  exactly the six known keys; a duty rule is one of the known shapes.
- a cross-province link joins two stations whose adcodes start with different province codes
  (first two digits), names at least one known cadence, and exists once per unordered pair.
- a mandate's congress region matches its level (township: 9 digits, county: 6, city: 4,
  provincial and national: 2 — a national deputy is elected by a provincial congress); its
  electoral district lies inside that congress's region and its district cells inside the
  district; the term ends after it starts; one seat per (deputy, level, congress, term).
- a deputy has at most one open membership per station.
Errors are DomainError with stable dotted codes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from django.contrib.gis.geos import MultiPolygon, Point
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts.jurisdiction import Jurisdiction
from backend.accounts.models import User
from backend.core import error_codes as codes
from backend.core.errors import DomainError, NotFound
from backend.core.notify import notify
from backend.core.text import is_storable_text
from backend.regions.models import Region

from .access import access_station_by_id
from .models import (
    SIX_HAVES,
    CongressLevel,
    Deputy,
    DutyRequest,
    DutyRequestKind,
    DutyRequestStatus,
    DutyRule,
    Gender,
    LinkCadence,
    Mandate,
    MandateStatus,
    MembershipRole,
    Reception,
    RotaAction,
    RotaChange,
    RuleKind,
    RulePurpose,
    Station,
    StationKind,
    StationLink,
    StationMembership,
)
from .rhythm import DutyRuleSpec, rule_check, spec_from_data
from .selectors import held_duty_days, rostered

if TYPE_CHECKING:
    # Grid imports liaison (an assignment names a deputy), never the other way round at run
    # time: cells are reached through the mandates' relation to them (`_grid_cells`).
    from backend.grid.models import GridCell

# Adcode length of the congress region for each level (national deputies: electing province).
CONGRESS_ADCODE_LENGTH = {
    CongressLevel.TOWNSHIP: 9,
    CongressLevel.COUNTY: 6,
    CongressLevel.CITY: 4,
    CongressLevel.PROVINCIAL: 2,
    CongressLevel.NATIONAL: 2,
}


# --- validation helpers (pure; shared by the single and the bulk services) -------------------


def six_haves_normalise(six_haves: dict | None) -> dict:
    if six_haves is None:
        return dict.fromkeys(SIX_HAVES, False)
    if set(six_haves) != set(SIX_HAVES) or not all(isinstance(v, bool) for v in six_haves.values()):
        raise DomainError(
            codes.STATION_INVALID_SIX_HAVES,
            _("The six-haves checklist needs exactly the keys %(keys)s as booleans.")
            % {"keys": ", ".join(SIX_HAVES)},
        )
    return {key: six_haves[key] for key in SIX_HAVES}


def cadences_normalise(cadences: Iterable[str]) -> list[str]:
    values = list(dict.fromkeys(cadences))
    unknown = [c for c in values if c not in LinkCadence.values]
    if not values or unknown:
        raise DomainError(
            codes.STATION_LINK_INVALID_CADENCES,
            _("Name at least one cadence among %(known)s.")
            % {"known": ", ".join(LinkCadence.values)},
            unknown=unknown,
        )
    # Stable order: the order of the choices.
    return [c for c in LinkCadence.values if c in values]


def _region_is_county_or_below(region: Region) -> None:
    if len(region.adcode) < 6:
        raise DomainError(
            codes.STATION_REGION_TOO_LARGE, _("A station belongs to a county, township or village.")
        )


def mandate_check(
    *,
    level: str,
    congress_region: Region,
    district_region: Region | None,
    district_cell_adcodes: Sequence[str],
    term_start: dt.date,
    term_end: dt.date,
) -> None:
    """Raise DomainError unless the mandate's regions and term are consistent."""
    if level not in CongressLevel.values:
        raise DomainError(codes.MANDATE_INVALID_LEVEL, _("Unknown congress level."))
    congress_level = CongressLevel(level)
    if len(congress_region.adcode) != CONGRESS_ADCODE_LENGTH[congress_level]:
        raise DomainError(
            codes.MANDATE_CONGRESS_LEVEL_MISMATCH,
            _("The congress of a %(level)s mandate sits in a region of %(n)d adcode digits.")
            % {"level": congress_level.label, "n": CONGRESS_ADCODE_LENGTH[congress_level]},
        )
    if district_region is not None and not district_region.adcode.startswith(
        congress_region.adcode
    ):
        raise DomainError(
            codes.MANDATE_DISTRICT_OUTSIDE_CONGRESS,
            _("The electoral district lies outside the congress's region."),
        )
    outer = district_region.adcode if district_region is not None else congress_region.adcode
    if any(not adcode.startswith(outer) for adcode in district_cell_adcodes):
        raise DomainError(
            codes.MANDATE_CELLS_OUTSIDE_DISTRICT,
            _("Some district cells lie outside the electoral district."),
        )
    if term_end <= term_start:
        raise DomainError(codes.MANDATE_INVALID_TERM, _("The term must end after it starts."))


# --- stations ---------------------------------------------------------------------------------


@transaction.atomic
def station_create(
    *,
    kind: str,
    name: str,
    location: Point,
    region: Region,
    address: str = "",
    sector: str = "",
    parent: Station | None = None,
    service_area: MultiPolygon | None = None,
    geofence_radius_m: int = 200,
    six_haves: dict | None = None,
    duty_rule: DutyRuleSpec | None = None,
) -> Station:
    if kind not in StationKind.values:
        raise DomainError(codes.STATION_INVALID_KIND, _("Unknown station kind."))
    _region_is_county_or_below(region)
    if kind == StationKind.INDUSTRY and not sector.strip():
        raise DomainError(
            codes.STATION_SECTOR_REQUIRED, _("An industry contact point names its industry sector.")
        )
    if geofence_radius_m <= 0:
        raise DomainError(
            codes.STATION_INVALID_GEOFENCE, _("The geofence radius must be positive.")
        )
    if region.boundary is not None and not region.boundary.intersects(location):
        raise DomainError(
            codes.STATION_OUTSIDE_REGION, _("The station's location lies outside its region.")
        )
    if parent is not None and parent.county_adcode != region.adcode[:6]:
        raise DomainError(
            codes.STATION_PARENT_OTHER_COUNTY, _("A parent station must be in the same county.")
        )
    if duty_rule is not None:
        rule_check(duty_rule)
    station = Station.objects.create(
        kind=kind,
        name=name,
        location=location,
        address=address,
        sector=sector.strip(),
        region=region,
        adcode=region.adcode,
        county_adcode=region.adcode[:6],
        parent=parent,
        service_area=service_area,
        geofence_radius_m=geofence_radius_m,
        six_haves=six_haves_normalise(six_haves),
    )
    if duty_rule is not None:
        duty_rule_set(station=station, spec=duty_rule)
    return station


def _rule_fields(spec: DutyRuleSpec) -> dict:
    """The model's fields for a checked spec; fields the kind does not use are cleared."""
    kind = spec.kind
    return {
        "kind": kind,
        "digit": spec.digit if kind == RuleKind.DAY_DIGIT else None,
        "nth": spec.nth if kind == RuleKind.NTH_WEEKDAY else None,
        "weekday": spec.weekday if kind == RuleKind.NTH_WEEKDAY else None,
        "weekdays": sorted(set(spec.weekdays)) if kind == RuleKind.WEEKDAYS else [],
        "month_day": spec.month_day if kind == RuleKind.HALF_MONTH else None,
        "dates": sorted(set(spec.dates)) if kind == RuleKind.DATES else [],
        "opens_at": spec.opens_at,
        "closes_at": spec.closes_at,
        "holiday_policy": spec.holiday_policy,
        "deputies_per_day": spec.deputies_per_day,
    }


def station_rhythm_set(
    *, jurisdiction: Jurisdiction, station_id: int, body: dict
) -> DutyRule | None:
    """Staff (and admins) set the duty rule of a station inside their jurisdiction from a body
    {"rule": {...}} ({"rule": null} removes it). The station is reached before the body is
    read: out of reach is the same 404 as missing, readable but not theirs 403
    `station.not_allowed`, then a malformed rule 400 `station.invalid_duty_rule`."""
    station = access_station_by_id(jurisdiction=jurisdiction, station_id=station_id)
    if not jurisdiction.may_act_in(station.adcode):
        raise DomainError(codes.STATION_NOT_ALLOWED, status=403)
    if "rule" not in body:
        raise DomainError(codes.STATION_INVALID_DUTY_RULE)
    spec = None if body["rule"] is None else spec_from_data(body["rule"])
    return duty_rule_set(station=station, spec=spec)


@transaction.atomic
def duty_rule_set(
    *, station: Station, spec: DutyRuleSpec | None, purpose: str = RulePurpose.DUTY
) -> DutyRule | None:
    """Set (or with None, remove) the station's rule for `purpose`; one rule per purpose."""
    if purpose not in RulePurpose.values:
        raise DomainError(codes.STATION_INVALID_DUTY_RULE, _("Unknown or malformed duty rule."))
    if spec is None:
        DutyRule.objects.filter(station=station, purpose=purpose).delete()
        return None
    rule_check(spec)
    rule, _created = DutyRule.objects.update_or_create(
        station=station, purpose=purpose, defaults=_rule_fields(spec)
    )
    return rule


@transaction.atomic
def station_link_create(
    *,
    station_a: Station,
    station_b: Station,
    agreement_date: dt.date,
    cadences: Iterable[str],
    rules: str = "",
) -> StationLink:
    """Link two stations of different provinces (省际协同), e.g. 石角镇 ⇄ 温地镇."""
    if station_a.pk == station_b.pk:
        raise DomainError(
            codes.STATION_LINK_SAME_STATION, _("A link joins two different stations.")
        )
    if station_a.adcode[:2] == station_b.adcode[:2]:
        raise DomainError(
            codes.STATION_LINK_SAME_PROVINCE, _("Linked stations must be in different provinces.")
        )
    values = cadences_normalise(cadences)
    exists = (
        StationLink.objects.filter(station_a=station_b, station_b=station_a).exists()
        or StationLink.objects.filter(station_a=station_a, station_b=station_b).exists()
    )
    if exists:
        raise DomainError(codes.STATION_LINK_DUPLICATE, _("These two stations are already linked."))
    return StationLink.objects.create(
        station_a=station_a,
        station_b=station_b,
        agreement_date=agreement_date,
        cadences=values,
        rules=rules,
    )


# --- deputies, mandates, memberships ------------------------------------------------------------


@transaction.atomic
def deputy_create(
    *,
    name: str,
    region: Region,
    gender: str = "",
    birth_year: int | None = None,
    occupation: str = "",
    phone: str = "",
    user: User | None = None,
) -> Deputy:
    if not name.strip():
        raise DomainError(codes.DEPUTY_NAME_REQUIRED, _("A deputy needs a name."))
    if gender and gender not in Gender.values:
        raise DomainError(codes.DEPUTY_INVALID_GENDER, _("Unknown gender."))
    _region_is_county_or_below(region)
    return Deputy.objects.create(
        name=name.strip(),
        region=region,
        adcode=region.adcode,
        county_adcode=region.adcode[:6],
        gender=gender,
        birth_year=birth_year,
        occupation=occupation,
        phone=phone,
        user=user,
    )


@transaction.atomic
def mandate_create(
    *,
    deputy: Deputy,
    level: str,
    congress_region: Region,
    term_number: int,
    term_start: dt.date,
    term_end: dt.date,
    district_region: Region | None = None,
    district_cells: Sequence[GridCell] = (),
    status: str = MandateStatus.CURRENT,
) -> Mandate:
    if status not in MandateStatus.values:
        raise DomainError(codes.MANDATE_INVALID_STATUS, _("Unknown mandate status."))
    mandate_check(
        level=level,
        congress_region=congress_region,
        district_region=district_region,
        district_cell_adcodes=[c.adcode for c in district_cells],
        term_start=term_start,
        term_end=term_end,
    )
    if Mandate.objects.filter(
        deputy=deputy, level=level, congress_region=congress_region, term_number=term_number
    ).exists():
        raise DomainError(codes.MANDATE_DUPLICATE, _("This deputy already holds this seat."))
    mandate = Mandate.objects.create(
        deputy=deputy,
        level=level,
        congress_region=congress_region,
        district_region=district_region,
        term_number=term_number,
        term_start=term_start,
        term_end=term_end,
        status=status,
    )
    if district_cells:
        mandate.district_cells.set(district_cells)
    return mandate


@transaction.atomic
def membership_add(
    *,
    deputy: Deputy,
    station: Station,
    since: dt.date,
    role: str = MembershipRole.MEMBER,
) -> StationMembership:
    """Group a deputy into a station (混合编组进站); one open membership per station."""
    if role not in MembershipRole.values:
        raise DomainError(codes.MEMBERSHIP_INVALID_ROLE, _("Unknown membership role."))
    if StationMembership.objects.filter(
        deputy=deputy, station=station, until__isnull=True
    ).exists():
        raise DomainError(
            codes.MEMBERSHIP_DUPLICATE, _("This deputy is already a member of this station.")
        )
    return StationMembership.objects.create(deputy=deputy, station=station, role=role, since=since)


@transaction.atomic
def membership_end(*, membership: StationMembership, until: dt.date) -> StationMembership:
    membership = StationMembership.objects.select_for_update().get(pk=membership.pk)
    if membership.until is not None:
        raise DomainError(codes.MEMBERSHIP_ALREADY_ENDED, _("This membership has already ended."))
    if until < membership.since:
        raise DomainError(
            codes.MEMBERSHIP_INVALID_UNTIL, _("A membership cannot end before it starts.")
        )
    membership.until = until
    membership.save(update_fields=["until"])
    return membership


# --- bulk roster import (set-based; used by the demo and bulk imports) --------------------------


@dataclass
class MandateSpec:
    level: str
    congress_region: Region
    term_number: int
    term_start: dt.date
    term_end: dt.date
    district_region: Region | None = None
    district_cell_ids: list[int] = field(default_factory=list)
    status: str = MandateStatus.CURRENT


@dataclass
class DeputySpec:
    name: str
    region: Region
    mandates: list[MandateSpec]
    station_ids: list[int]
    since: dt.date
    gender: str = ""
    birth_year: int | None = None
    occupation: str = ""
    head_of_station_ids: list[int] = field(default_factory=list)


def _grid_cells() -> QuerySet[GridCell]:
    """All grid cells, through the model the mandates' district cells point at."""
    cells = Mandate.district_cells.rel.model._default_manager.all()
    return cast("QuerySet[GridCell]", cells)


def _cell_adcodes(specs: Sequence[DeputySpec]) -> dict[int, str]:
    ids = {cid for s in specs for m in s.mandates for cid in m.district_cell_ids}
    found = dict(_grid_cells().filter(pk__in=ids).values_list("pk", "adcode"))
    if len(found) != len(ids):
        raise DomainError(codes.MANDATE_UNKNOWN_CELLS, _("Some district cells do not exist."))
    return found


def _roster_check(specs: Sequence[DeputySpec]) -> dict[int, str]:
    """Validate every spec before writing anything; returns station id → county adcode."""
    cell_adcodes = _cell_adcodes(specs)
    station_ids = {sid for s in specs for sid in s.station_ids}
    stations = dict(Station.objects.filter(pk__in=station_ids).values_list("pk", "county_adcode"))
    if len(stations) != len(station_ids):
        raise DomainError(codes.MEMBERSHIP_UNKNOWN_STATION, _("Some stations do not exist."))
    for spec in specs:
        _region_is_county_or_below(spec.region)
        if not spec.station_ids:
            raise DomainError(
                codes.MEMBERSHIP_REQUIRED,
                _("Every deputy is grouped into a station."),
                deputy=spec.name,
            )
        if not set(spec.head_of_station_ids) <= set(spec.station_ids):
            raise DomainError(
                codes.MEMBERSHIP_HEAD_NOT_MEMBER,
                _("A head of group must be a member of that station."),
            )
        seats = set()
        for m in spec.mandates:
            mandate_check(
                level=m.level,
                congress_region=m.congress_region,
                district_region=m.district_region,
                district_cell_adcodes=[cell_adcodes[c] for c in m.district_cell_ids],
                term_start=m.term_start,
                term_end=m.term_end,
            )
            seat = (m.level, m.congress_region.pk, m.term_number)
            if seat in seats:
                raise DomainError(
                    codes.MANDATE_DUPLICATE, _("This deputy already holds this seat.")
                )
            seats.add(seat)
    return stations


def _district_cells_insert(pairs: list[tuple[int, int]]) -> None:
    """(mandate id, cell id) rows of Mandate.district_cells in one statement: a county roster
    has ~100,000 of them, too many for model instances."""
    if not pairs:
        return
    through = Mandate.district_cells.through
    table = connection.ops.quote_name(through._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (mandate_id, gridcell_id) "  # noqa: S608 - model's table
            "SELECT * FROM unnest(%s::bigint[], %s::bigint[])",
            [[m for m, _c in pairs], [c for _m, c in pairs]],
        )


@transaction.atomic
def roster_import(*, specs: Sequence[DeputySpec], batch_size: int = 2000) -> list[Deputy]:
    """Create deputies with their mandates, district cells and station memberships, set-based:
    all rows are validated first (same rules as the single services), then bulk-inserted."""
    _roster_check(specs)
    deputies = Deputy.objects.bulk_create(
        [
            Deputy(
                name=s.name,
                region=s.region,
                adcode=s.region.adcode,
                county_adcode=s.region.adcode[:6],
                gender=s.gender,
                birth_year=s.birth_year,
                occupation=s.occupation,
            )
            for s in specs
        ],
        batch_size=batch_size,
    )
    mandates = [
        Mandate(
            deputy=d,
            level=m.level,
            congress_region=m.congress_region,
            district_region=m.district_region,
            term_number=m.term_number,
            term_start=m.term_start,
            term_end=m.term_end,
            status=m.status,
        )
        for d, s in zip(deputies, specs, strict=True)
        for m in s.mandates
    ]
    Mandate.objects.bulk_create(mandates, batch_size=batch_size)
    specs_mandates = [m for s in specs for m in s.mandates]
    pairs = [
        (mandate.pk, cid)
        for mandate, spec in zip(mandates, specs_mandates, strict=True)
        for cid in spec.district_cell_ids
    ]
    _district_cells_insert(pairs)
    StationMembership.objects.bulk_create(
        [
            StationMembership(
                deputy=d,
                station_id=sid,
                since=s.since,
                role=MembershipRole.HEAD if sid in s.head_of_station_ids else MembershipRole.MEMBER,
            )
            for d, s in zip(deputies, specs, strict=True)
            for sid in dict.fromkeys(s.station_ids)
        ],
        batch_size=batch_size,
    )
    return deputies


# --- rota, leave and swaps, receptions (docs/stations.md) ------------------------------------
#
# Invariants: staff change the rota, decide requests and record receptions only at stations
# whose adcode lies in their jurisdiction (out of reach: the same 404 as missing; readable but
# not theirs, e.g. a leader: 403 `rota.not_allowed`); a rota day is a held day of the station's
# duty rule; a deputy on a rota is a member of the station that day or a deputy of its county;
# a deputy asks leave or a swap only for a day they are rostered and that is not over, once
# (one pending or approved request per deputy, station and day); a swap's substitute is
# eligible and not already rostered; only pending requests are decided or withdrawn.


def _rota_field(field_name: str) -> DomainError:
    return DomainError(codes.ROTA_INVALID_FIELD, field=field_name)


def _body_date(body: dict, key: str = "date") -> dt.date:
    raw = body.get(key)
    if not isinstance(raw, str) or len(raw) != 10:
        raise _rota_field(key)
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise _rota_field(key) from None


def _body_id(body: dict, key: str) -> int:
    raw = body.get(key)
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 < raw < 2**62:
        raise _rota_field(key)
    return raw


def _body_text(body: dict, key: str, *, required: bool, max_length: int = 500) -> str:
    raw = body.get(key, "")
    if raw is None:
        raw = ""
    if not isinstance(raw, str) or len(raw) > max_length or not is_storable_text(raw):
        raise _rota_field(key)
    raw = raw.strip()
    if required and not raw:
        raise _rota_field(key)
    return raw


def _staff_station(jurisdiction: Jurisdiction, station_id: int) -> Station:
    station = access_station_by_id(jurisdiction=jurisdiction, station_id=station_id)
    if not jurisdiction.may_act_in(station.adcode):
        raise DomainError(codes.ROTA_NOT_ALLOWED)
    return station


def _held_day(station: Station, day: dt.date) -> None:
    if day not in held_duty_days(station, day, day):
        raise DomainError(codes.ROTA_NOT_A_DUTY_DAY)


def deputy_eligible(*, station: Station, deputy: Deputy, day: dt.date) -> bool:
    """A member of the station on `day`, or a deputy of the station's county."""
    if deputy.county_adcode == station.county_adcode:
        return True
    return (
        StationMembership.objects.filter(station=station, deputy=deputy, since__lte=day)
        .filter(Q(until__isnull=True) | Q(until__gte=day))
        .exists()
    )


def _eligible_deputy(station: Station, deputy_id: int, day: dt.date) -> Deputy:
    deputy = Deputy.objects.filter(id=deputy_id).first()
    if deputy is None or not deputy_eligible(station=station, deputy=deputy, day=day):
        raise DomainError(codes.ROTA_DEPUTY_NOT_ELIGIBLE)
    return deputy


@transaction.atomic
def rota_change(
    *, jurisdiction: Jurisdiction, actor: User | None, station_id: int, body: dict
) -> RotaChange:
    """Staff add a deputy to (or remove one from) the station's duty on a held day:
    body {date, deputy_id, action: add | remove, note?}."""
    station = _staff_station(jurisdiction, station_id)
    day = _body_date(body)
    action = body.get("action")
    if action not in RotaAction.values:
        raise _rota_field("action")
    note = _body_text(body, "note", required=False, max_length=200)
    deputy_id = _body_id(body, "deputy_id")
    _held_day(station, day)
    deputy = _eligible_deputy(station, deputy_id, day)
    change, _created = RotaChange.objects.update_or_create(
        station=station,
        deputy=deputy,
        day=day,
        defaults={"action": action, "changed_by": actor, "note": note},
    )
    return change


@transaction.atomic
def duty_request_create(*, deputy: Deputy, body: dict, today: dt.date | None = None) -> DutyRequest:
    """The deputy asks leave (请假) or a swap (换班: `substitute_id` takes the day) for a day
    they are rostered: body {kind, station_id, date, reason, substitute_id (swap)}."""
    kind = body.get("kind")
    if kind not in DutyRequestKind.values:
        raise _rota_field("kind")
    station_id = _body_id(body, "station_id")
    day = _body_date(body)
    reason = _body_text(body, "reason", required=True)
    substitute = None
    if kind == DutyRequestKind.SWAP:
        substitute_id = _body_id(body, "substitute_id")
    elif body.get("substitute_id") is not None:
        raise _rota_field("substitute_id")
    station = Station.objects.filter(id=station_id).first()
    if station is None or not rostered(station_id=station.id, deputy_id=deputy.id, day=day):
        raise DomainError(codes.ROTA_NOT_ROSTERED)
    if day < (today or timezone.localdate()):
        raise DomainError(codes.ROTA_DAY_PASSED)
    if kind == DutyRequestKind.SWAP:
        if substitute_id == deputy.id:
            raise DomainError(codes.ROTA_DEPUTY_NOT_ELIGIBLE)
        substitute = _eligible_deputy(station, substitute_id, day)
        if rostered(station_id=station.id, deputy_id=substitute.id, day=day):
            raise DomainError(codes.ROTA_ALREADY_ROSTERED)
    # The row lock on the deputy serialises their requests (one live request per day).
    Deputy.objects.select_for_update().filter(id=deputy.id).first()
    live = DutyRequest.objects.filter(
        deputy=deputy,
        station=station,
        day=day,
        status__in=[DutyRequestStatus.PENDING, DutyRequestStatus.APPROVED],
    )
    if live.exists():
        raise DomainError(codes.ROTA_REQUEST_EXISTS)
    return DutyRequest.objects.create(
        kind=kind, deputy=deputy, station=station, day=day, substitute=substitute, reason=reason
    )


def _locked_request(rows: QuerySet[DutyRequest], request_id: int) -> DutyRequest:
    row = (
        rows.select_for_update(of=("self",))
        .select_related("station", "deputy", "substitute")
        .filter(id=request_id)
        .first()
    )
    if row is None:
        raise NotFound(codes.ROTA_REQUEST_NOT_FOUND)
    return row


@transaction.atomic
def duty_request_withdraw(*, deputy: Deputy, request_id: int) -> DutyRequest:
    """The deputy withdraws their own pending request."""
    row = _locked_request(deputy.duty_requests.all(), request_id)
    if row.status != DutyRequestStatus.PENDING:
        raise DomainError(codes.ROTA_REQUEST_DECIDED)
    row.status = DutyRequestStatus.WITHDRAWN
    row.save(update_fields=["status"])
    return row


@transaction.atomic
def duty_request_decide(
    *, jurisdiction: Jurisdiction, actor: User | None, request_id: int, body: dict
) -> DutyRequest:
    """Staff approve or refuse a pending request: body {decision: approve | refuse, note?}.
    An approved swap is written into the rota (the deputy removed, the substitute added); an
    approved leave excuses the day. The deputy is told (backend.core.notify)."""
    if not jurisdiction.reads_regions:
        raise NotFound(codes.ROTA_REQUEST_NOT_FOUND)
    rows = jurisdiction.filter(DutyRequest.objects.all(), field="station__adcode")
    row = _locked_request(rows, request_id)
    if not jurisdiction.may_act_in(row.station.adcode):
        raise DomainError(codes.ROTA_NOT_ALLOWED)
    decision = body.get("decision")
    if decision not in ("approve", "refuse"):
        raise _rota_field("decision")
    note = _body_text(body, "note", required=False)
    if row.status != DutyRequestStatus.PENDING:
        raise DomainError(codes.ROTA_REQUEST_DECIDED)
    if decision == "approve" and row.kind == DutyRequestKind.SWAP:
        assert row.substitute is not None  # a check constraint: a swap names its substitute
        if rostered(station_id=row.station_id, deputy_id=row.substitute.id, day=row.day):
            raise DomainError(codes.ROTA_ALREADY_ROSTERED)
        for deputy, action in ((row.deputy, RotaAction.REMOVE), (row.substitute, RotaAction.ADD)):
            RotaChange.objects.update_or_create(
                station=row.station,
                deputy=deputy,
                day=row.day,
                defaults={"action": action, "changed_by": actor, "note": f"swap #{row.id}"},
            )
    row.status = DutyRequestStatus.APPROVED if decision == "approve" else DutyRequestStatus.REFUSED
    row.decided_by = actor
    row.decided_at = timezone.now()
    row.decision_note = note
    row.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    user_id = row.deputy.user_id
    if user_id is not None:
        text = _("Your %(kind)s request for %(day)s at %(station)s was %(status)s.") % {
            "kind": row.get_kind_display(),
            "day": row.day.isoformat(),
            "station": row.station.name,
            "status": row.get_status_display(),
        }
        transaction.on_commit(lambda: notify(f"user:{user_id}", text, "duty_request"))
    return row


@transaction.atomic
def reception_record(
    *,
    jurisdiction: Jurisdiction,
    actor: User | None,
    station_id: int,
    body: dict,
    today: dt.date | None = None,
) -> Reception:
    """Staff record the reception (接待) of a held duty day that has come: body {date,
    citizens_received (0-100000), note?}; once per station and day (a second call updates)."""
    station = _staff_station(jurisdiction, station_id)
    day = _body_date(body)
    count = body.get("citizens_received")
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 100_000:
        raise _rota_field("citizens_received")
    note = _body_text(body, "note", required=False)
    _held_day(station, day)
    if day > (today or timezone.localdate()):
        raise DomainError(codes.RECEPTION_IN_FUTURE)
    reception, _created = Reception.objects.update_or_create(
        station=station,
        day=day,
        defaults={"citizens_received": count, "note": note, "recorded_by": actor},
    )
    return reception

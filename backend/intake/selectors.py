"""Reads of the intake: what a QR page shows about its station or deputy (public facts only),
and the tracking page's view of one opinion — status, deadlines, the answer, the steps' times —
never anyone's personal data (no phone number, no names of people, no other opinion)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.utils import timezone
from django.utils.translation import gettext

from backend.core.geo import METRES_PER_DEGREE, STORAGE_SRID
from backend.liaison.models import Deputy, Station
from backend.liaison.rhythm import rule_text
from backend.liaison.selectors import (
    deputy_current_stations,
    duty_rule_of,
    next_duty_date,
    rule_spec,
    with_duty_rules,
)
from backend.opinions.deadlines import calendar_covers
from backend.opinions.models import OpinionCategory, OpinionStatus, RatingVia
from backend.opinions.services import ACTION_LABELS
from backend.regions.models import Region

from .models import CitizenSubmission


def duty_days_text(station: Station) -> str:
    """A station's duty rule in words ("" without one)."""
    rule = duty_rule_of(station)
    return rule_text(rule_spec(rule)) if rule is not None else ""


# A point this close to the area's boundary still counts (a phone's fix at the border, a tap on
# the outline): about 500 m.
AREA_TOLERANCE_DEG = 0.005
# Without any boundary on record: this far from the station (a deputy's first station).
FALLBACK_RADIUS = D(km=50)


@dataclass(frozen=True)
class IntakeArea:
    """Where a QR code's opinions may be placed: the county of the station or deputy (else its
    own region, when only that has a boundary), else a radius around the station."""

    name: str
    region: Region | None
    centre: Point | None

    def covers(self, lon: float, lat: float) -> bool:
        point = Point(lon, lat, srid=STORAGE_SRID)
        if self.region is not None:
            return Region.objects.filter(
                id=self.region.id, boundary__dwithin=(point, AREA_TOLERANCE_DEG)
            ).exists()
        if self.centre is not None:
            degrees = self.centre.distance(point)
            return degrees * METRES_PER_DEGREE <= FALLBACK_RADIUS.m
        return 73 <= lon <= 136 and 3 <= lat <= 54  # nothing on record: China's extent

    def outline_geojson(self) -> dict | None:
        """The area's outline for the page's small map, simplified to ~50 m."""
        if self.region is None:
            return None
        shape = self.region.display_boundary or self.region.boundary
        simple = shape.simplify(0.0005, preserve_topology=True)
        return {"type": "Feature", "properties": {}, "geometry": json.loads(simple.geojson)}


def intake_area(owner: Station | Deputy) -> IntakeArea:
    region = (
        Region.objects.filter(
            adcode__in=[owner.county_adcode, owner.adcode], boundary__isnull=False
        )
        .order_by("adcode")  # the county (6 digits) before a township
        .first()
    )
    if isinstance(owner, Station):
        centre = owner.location
    else:
        first = deputy_current_stations(deputy=owner).first()
        centre = first.location if first is not None else None
    name = region.name if region is not None else ""
    return IntakeArea(name=name, region=region, centre=centre)


def station_public(station: Station) -> dict:
    today = timezone.localdate()
    nxt = next_duty_date(duty_rule_of(station), today)
    return {
        "kind": "station",
        "id": station.id,
        "name": station.name,
        "address": station.address,
        "duty_days": duty_days_text(station),
        "next_duty": nxt,
        "lon": station.location.x,
        "lat": station.location.y,
    }


def deputy_public(deputy: Deputy) -> dict:
    stations = list(with_duty_rules(deputy_current_stations(deputy=deputy)))
    today = timezone.localdate()
    return {
        "kind": "deputy",
        "id": deputy.id,
        "name": deputy.name,
        "stations": [
            {
                "name": s.name,
                "duty_days": duty_days_text(s),
                "next_duty": next_duty_date(duty_rule_of(s), today),
            }
            for s in stations
        ],
        "lon": stations[0].location.x if stations else None,
        "lat": stations[0].location.y if stations else None,
    }


def tracking_view(*, submission: CitizenSubmission) -> dict:
    """The tracking page's data: no contact, no account names, no department staff, no notes
    (a note may name people); the answer and the citizen's own rating and comment are shown.
    An opinion linked as a duplicate shows the canonical case's status, deadline, department,
    answer and steps (`linked`: true), its own text, and is not rateable (the case is)."""
    own = submission.opinion
    opinion = own.duplicate_of or own
    steps = list(
        opinion.transitions.order_by("at", "id").values(
            "at", "action", "to_status", "rating", "rating_via"
        )
    )
    rated_by_citizen = [s for s in steps if s["action"] == "rate"]
    return {
        "code": submission.tracking_code,
        "category": OpinionCategory(own.category).label,
        "text": own.text,
        "linked": opinion is not own,
        "status": opinion.status,
        "status_label": OpinionStatus(opinion.status).label,
        "recorded_at": opinion.recorded_at,
        "due_at": opinion.due_at,
        "calendar_covered": calendar_covers(opinion.due_at),
        "handler": opinion.handler,  # a department's name (承办单位), not a person
        "answer": opinion.answer if opinion.status in ("answered", "closed") else "",
        "rating": opinion.rating,
        "rateable": opinion is own and opinion.status == OpinionStatus.ANSWERED,
        "steps": [
            {
                "at": s["at"],
                "label": (
                    str(ACTION_LABELS[s["action"]])
                    if s["action"] in ACTION_LABELS
                    else gettext("Registration")
                ),
                "status": OpinionStatus(s["to_status"]).label,
                "rating": s["rating"],
                "in_person": s["rating_via"] == RatingVia.IN_PERSON,
            }
            for s in steps
        ],
        "rated": bool(rated_by_citizen),
    }

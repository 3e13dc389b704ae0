"""The deputy's profile: mandates, stations with duty, today's duty and the year's progress."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from backend.accounts.access import jurisdiction_of
from backend.campaigns.selectors import deputy_campaigns
from backend.liaison.selectors import deputy_duty
from backend.reporting.attendance import deputy_attendance
from backend.reporting.selectors import deputy_year_progress
from backend.stationlife.selectors import next_deliberation

from ..outputs import MeOutput
from ..serializers import point_json
from .base import ERROR, MobileApi


class MeApi(MobileApi):
    OutputSerializer = MeOutput

    @extend_schema(
        operation_id="me",
        tags=["me"],
        responses={
            200: OutputSerializer,
            401: ERROR,
            403: ERROR,
        },
        description="Profile, mandates, stations with duty rules, today's duty and this year's "
        "progress. Progress counts what is verified: households_visited (vs the target of 50) "
        "and checkins leave out visits flagged future, stale, mock_location, too_fast or "
        "clustered and check-ins outside the geofence; those are counted apart as "
        "households_pending / visits_pending (待核实) and checkins_pending / checkins_outside. "
        "visits counts all. duty: this year's duty days at the deputy's stations (present = a "
        "verified check-in inside the geofence within the rule's hours on that day; absent once "
        "the day is over without one), rate = present / (present + absent), and the next five "
        "duty days. campaigns: the campaigns the deputy takes part in (running, upcoming or "
        "ended within 90 days) with their own verified visits, people and distinct households "
        "in the campaign's region and period, against their households share.",
    )
    def get(self, request):
        deputy = self.deputy()
        today = timezone.localdate()
        duty = {d["station_id"]: d for d in deputy_duty(deputy=deputy, today=today)}
        stations = deputy.stations.filter(id__in=duty).order_by("name")
        mandates = deputy.mandates.select_related("congress_region", "district_region").order_by(
            "level", "-term_number"
        )
        return Response(
            self.OutputSerializer(
                {
                    "user": {"id": request.user.id, "username": request.user.username},
                    "deputy": {
                        "id": deputy.id,
                        "name": deputy.name,
                        "adcode": deputy.adcode,
                        "county_adcode": deputy.county_adcode,
                    },
                    "mandates": [
                        {
                            "level": m.level,
                            "status": m.status,
                            "term_number": m.term_number,
                            "term_start": m.term_start,
                            "term_end": m.term_end,
                            "congress": {
                                "adcode": m.congress_region.adcode,
                                "name": m.congress_region.name,
                            },
                            "district": (
                                {"adcode": m.district_region.adcode, "name": m.district_region.name}
                                if m.district_region
                                else None
                            ),
                        }
                        for m in mandates
                    ],
                    "stations": [
                        {
                            "id": s.id,
                            "name": s.name,
                            "kind": s.kind,
                            "address": s.address,
                            "location": point_json(s.location),
                            "geofence_radius_m": s.geofence_radius_m,
                            "duty_rule": duty[s.id]["rule"],
                            "on_duty_today": duty[s.id]["on_duty_today"],
                            "next_duty_date": duty[s.id]["next_duty_date"],
                            "role": duty[s.id]["role"],
                        }
                        for s in stations
                    ],
                    "today": {
                        "date": today,
                        "on_duty_at": [
                            {"station_id": d["station_id"], "station_name": d["station_name"]}
                            for d in duty.values()
                            if d["on_duty_today"]
                        ],
                    },
                    "progress": deputy_year_progress(deputy=deputy, year=today.year),
                    "duty": deputy_attendance(deputy=deputy, year=today.year, today=today),
                    "next_deliberation": next_deliberation(deputy=deputy, today=today),
                    "campaigns": deputy_campaigns(
                        jurisdiction=jurisdiction_of(request.user).own_records(), today=today
                    ),
                }
            ).data
        )

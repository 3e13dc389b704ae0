"""Receptions (接待): each held duty day of a station opens a reception session.

Invariants:
- the sessions of a month are the station's held duty days up to today (a day to come has none
  yet); a session is `held` when at least one rostered deputy was present (attendance);
- its citizens received are the staff's Reception row of that day (0 without one); its opinions
  are the opinions with that station recorded that day (local date, Asia/Shanghai);
- per deputy: the sessions they were present at, with those sessions' citizens and opinions.
Counts only: no opinion text, no citizen's contact. A fixed number of queries per call.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from backend.accounts.jurisdiction import Jurisdiction
from backend.liaison.access import access_station_by_id
from backend.liaison.models import Deputy, Reception
from backend.liaison.selectors import month_span
from backend.opinions.models import Opinion

from .attendance import PRESENT, duty_days


def _opinions_by_day(station_id: int, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    first = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    last = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    rows = (
        Opinion.objects.filter(station_id=station_id, recorded_at__gte=first, recorded_at__lt=last)
        .annotate(day=TruncDate("recorded_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("id"))
    )
    return {row["day"]: row["n"] for row in rows}


def station_receptions(
    *,
    jurisdiction: Jurisdiction,
    station_id: int,
    month: dt.date,
    today: dt.date | None = None,
) -> dict:
    """A readable station's reception sessions of a month (see the module's invariants)."""
    station = access_station_by_id(jurisdiction=jurisdiction, station_id=station_id)
    today = today or timezone.localdate()
    start, end = month_span(month)
    end = min(end, today)
    sessions: list[dict] = []
    deputies: dict[int, Counter] = defaultdict(Counter)
    if start <= end:
        days, _stations = duty_days(start=start, end=end, today=today, station_ids=[station.id])
        present: dict[dt.date, list[int]] = defaultdict(list)
        held_days = sorted({d.day for d in days})
        for d in days:
            if d.status == PRESENT:
                present[d.day].append(d.deputy_id)
        recorded = {
            r.day: r for r in Reception.objects.filter(station=station, day__range=(start, end))
        }
        opinions = _opinions_by_day(station.id, start, end)
        for day in sorted(set(held_days) | set(recorded)):
            reception = recorded.get(day)
            citizens = reception.citizens_received if reception else 0
            session = {
                "date": day.isoformat(),
                "held": bool(present[day]),
                "recorded": reception is not None,
                "citizens_received": citizens,
                "opinions": opinions.get(day, 0),
                "note": reception.note if reception else "",
                "deputies_present": sorted(present[day]),
            }
            sessions.append(session)
            for deputy_id in present[day]:
                counts = {"receptions": 1, "citizens_received": citizens}
                deputies[deputy_id].update(counts | {"opinions": session["opinions"]})
    names = dict(Deputy.objects.filter(id__in=deputies).values_list("id", "name"))
    return {
        "station": {"id": station.id, "name": station.name},
        "month": start.strftime("%Y-%m"),
        "sessions": len(sessions),
        "held": sum(1 for s in sessions if s["held"]),
        "citizens_received": sum(s["citizens_received"] for s in sessions),
        "opinions": sum(s["opinions"] for s in sessions),
        "receptions": sessions,
        "deputies": [
            {
                "id": deputy_id,
                "name": names.get(deputy_id, ""),
                "receptions": counts["receptions"],
                "citizens_received": counts["citizens_received"],
                "opinions": counts["opinions"],
            }
            for deputy_id, counts in sorted(deputies.items(), key=lambda kv: names.get(kv[0], ""))
        ],
    }

"""Field records from deputies' phones: visits (走访) and station check-ins.

Both are written only by backend.visits.services, which resolves the grid cell and the
county adcode at ingest (analytics never repeat point-in-polygon work) and sets plausibility
flags. `client_uuid` is unique per deputy: a retried upload can never create a second row.
The columns every field record shares are the kernel's abstract models (backend.records.models).
"""

from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.records.models import PhoneFix, cell_field, deputy_field


class VisitKind(models.TextChoices):
    HOUSEHOLD = "household", _("household visit")  # 入户走访
    RECEPTION = "reception", _("reception")  # 接待
    FORUM = "forum", _("forum")  # 座谈
    EVENING_TALK = "evening_talk", _("evening talk")  # 夜话
    SURVEY = "survey", _("survey")  # 调研


class PlausibilityFlag(models.TextChoices):
    LOW_ACCURACY = "low_accuracy", _("accuracy worse than 100 m or missing")
    TOO_FAST = "too_fast", _("faster than 120 km/h from the previous fix")
    MOCK_LOCATION = "mock_location", _("device reported a mock location")
    OUTSIDE_ASSIGNED_CELLS = "outside_assigned_cells", _("outside the deputy's assigned cells")
    FUTURE = "future", _("recorded in the future")
    STALE = "stale", _("recorded more than 30 days ago")
    NO_CELL = "no_cell", _("not inside any grid cell")
    CLUSTERED = "clustered", _("more than 3 visits within 10 m and 10 minutes")


class Visit(PhoneFix):
    # No single-column indexes on the two foreign keys: (deputy, client_uuid), (deputy,
    # recorded_at) and (cell, recorded_at) start with them (issue 11: fewer index pages per insert).
    deputy = deputy_field("visits", db_index=False)
    cell = cell_field("visits", db_index=False)
    kind = models.CharField(_("kind"), max_length=20, choices=VisitKind.choices)
    households = models.PositiveIntegerField(_("households visited"), default=1)
    # Opaque, server-hashed household reference (no address stored) for distinct counts.
    household_ref = models.CharField(_("household reference"), max_length=64, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    mock_location = models.BooleanField(_("mock location"), default=False)

    class Meta(PhoneFix.Meta):
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [
            # Coverage per cell over a window reads only this index (46 ms vs 553 ms by join).
            models.Index(
                fields=["cell", "recorded_at"],
                include=["households"],
                name="visit_cell_time_households",
            ),
            *PhoneFix.Meta.indexes,
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.recorded_at):%Y-%m-%d %H:%M}"


class CheckIn(PhoneFix):
    deputy = deputy_field("checkins")
    station = models.ForeignKey(
        "liaison.Station",
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        related_name="checkins",
    )
    distance_m = models.FloatField(_("distance to station (m)"))
    inside_geofence = models.BooleanField(_("inside geofence"))
    # The station's adcodes, always known (a visit's may be blank before its cell is known).
    adcode = models.CharField(_("adcode"), max_length=12)
    county_adcode = models.CharField(_("county adcode"), max_length=6)

    class Meta(PhoneFix.Meta):
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            *PhoneFix.Meta.constraints,
            models.CheckConstraint(
                condition=Q(distance_m__gte=0), name="checkin_distance_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{_('check-in')} {timezone.localtime(self.recorded_at):%Y-%m-%d %H:%M}"

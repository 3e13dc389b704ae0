"""Deputies, their mandates, liaison stations and cross-province station links."""

import datetime as dt

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GistIndex
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from backend.core.geo import as_geography_point


class StationKind(models.TextChoices):
    STATION = "station", _("liaison station")  # 联络站
    POINT = "point", _("liaison point")  # 联络点
    POST = "post", _("service post")  # 服务岗
    INDUSTRY = "industry", _("industry contact point")  # 产业联系点
    LEGISLATIVE = "legislative", _("legislative contact point")  # 立法联系点


SIX_HAVES = ("sign", "premises", "rules", "boards", "plan", "records")  # 六有


def default_six_haves() -> dict:
    return dict.fromkeys(SIX_HAVES, False)


class Station(models.Model):
    kind = models.CharField(_("kind"), max_length=12, choices=StationKind.choices)
    name = models.CharField(_("name"), max_length=100)
    sector = models.CharField(_("industry sector"), max_length=100, blank=True)
    location = models.PointField(_("location"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="stations",
    )
    adcode = models.CharField(_("adcode"), max_length=12)
    county_adcode = models.CharField(_("county adcode"), max_length=6)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    service_area = models.MultiPolygonField(_("service area"), null=True, blank=True)
    geofence_radius_m = models.PositiveIntegerField(_("geofence radius (m)"), default=200)
    six_haves = models.JSONField(_("six haves (六有)"), default=default_six_haves)

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ["adcode", "name"]
        indexes = [
            models.Index(
                fields=["adcode"], name="station_adcode_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["county_adcode"], name="station_county"),
            # Radius and nearest queries in metres go through the geography cast.
            GistIndex(as_geography_point("location"), name="station_location_geog"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(service_area__isnull=True) | Q(service_area__isvalid=True),
                name="station_service_area_valid",
            ),
            models.CheckConstraint(
                condition=Q(geofence_radius_m__gt=0), name="station_geofence_positive"
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="station_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class RuleKind(models.TextChoices):
    DAY_DIGIT = "day_digit", _("days ending in a digit")  # 逢六
    NTH_WEEKDAY = "nth_weekday", _("n-th weekday of the month")  # 第四个星期四
    HALF_MONTH = "half_month", _("every half month")  # 每半月
    WEEKDAYS = "weekdays", _("fixed weekdays")  # 每周二、五
    DATES = "dates", _("explicit dates")


class HolidayPolicy(models.TextChoices):
    """What a duty day on an official public holiday becomes (the opinions' holiday calendar)."""

    HELD = "held", _("held on the holiday")
    MOVED = "moved", _("moved to the next working day")
    SKIPPED = "skipped", _("skipped")


class RulePurpose(models.TextChoices):
    DUTY = "duty", _("duty days (进站)")
    DELIBERATION = "deliberation", _("deliberation days (议事)")


class DutyRule(models.Model):
    """A station's rhythm as typed data; which fields count depends on `kind` (the check
    constraints below and backend.liaison.rhythm.rule_check hold the same rules).

    - day_digit: `digit` 0-9, days of the month ending in it (逢六: 6th, 16th, 26th);
    - nth_weekday: the `nth` (1-5, or -1 = last) `weekday` (0 = Monday) of each month;
    - half_month: `month_day` (1-15) and 15 days later (clamped to the month's end);
    - weekdays: every week on `weekdays` (0 = Monday);
    - dates: exactly `dates`.

    `deputies_per_day` (duty rules): how many members are on the rota of each held day, chosen
    round robin (backend.liaison.selectors); null = every member, every held day.
    """

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="rules"
    )
    purpose = models.CharField(
        _("purpose"), max_length=12, choices=RulePurpose.choices, default=RulePurpose.DUTY
    )
    kind = models.CharField(_("rule"), max_length=12, choices=RuleKind.choices)
    digit = models.PositiveSmallIntegerField(_("last digit of the day"), null=True, blank=True)
    nth = models.SmallIntegerField(_("n-th (-1 = last)"), null=True, blank=True)
    weekday = models.PositiveSmallIntegerField(_("weekday (0 = Monday)"), null=True, blank=True)
    weekdays = ArrayField(
        models.PositiveSmallIntegerField(),
        verbose_name=_("weekdays (0 = Monday)"),
        default=list,
        blank=True,
    )
    month_day = models.PositiveSmallIntegerField(
        _("first day of each half month"), null=True, blank=True
    )
    dates = ArrayField(models.DateField(), verbose_name=_("dates"), default=list, blank=True)
    opens_at = models.TimeField(_("opens at"), default=dt.time(9, 0))
    closes_at = models.TimeField(_("closes at"), default=dt.time(17, 0))
    holiday_policy = models.CharField(
        _("on an official holiday"),
        max_length=8,
        choices=HolidayPolicy.choices,
        default=HolidayPolicy.HELD,
    )
    deputies_per_day = models.PositiveSmallIntegerField(
        _("deputies on duty per day"),
        null=True,
        blank=True,
        help_text=_("Empty: every member on every duty day; else that many, in turn."),
    )

    class Meta:
        verbose_name = _("duty rule")
        verbose_name_plural = _("duty rules")
        constraints = [
            models.UniqueConstraint(fields=["station", "purpose"], name="rule_one_per_purpose"),
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="rule_hours_order"
            ),
            models.CheckConstraint(
                condition=~Q(kind="day_digit") | Q(digit__lte=9), name="rule_day_digit"
            ),
            models.CheckConstraint(
                condition=~Q(kind="nth_weekday")
                | (Q(nth__in=[-1, 1, 2, 3, 4, 5]) & Q(weekday__lte=6)),
                name="rule_nth_weekday",
            ),
            models.CheckConstraint(
                condition=~Q(kind="half_month") | Q(month_day__gte=1, month_day__lte=15),
                name="rule_half_month",
            ),
            models.CheckConstraint(
                condition=~Q(kind="weekdays") | Q(weekdays__len__gt=0), name="rule_weekdays"
            ),
            models.CheckConstraint(
                condition=~Q(kind="dates") | Q(dates__len__gt=0), name="rule_dates"
            ),
            models.CheckConstraint(
                condition=Q(deputies_per_day__isnull=True)
                | Q(deputies_per_day__gte=1, deputies_per_day__lte=50),
                name="rule_deputies_per_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station} · {self.get_purpose_display()}"


class Gender(models.TextChoices):
    FEMALE = "F", _("female")
    MALE = "M", _("male")


class Deputy(models.Model):
    """A person; their seats at each level are Mandates."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deputy",
    )
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("home region"),
        on_delete=models.PROTECT,
        related_name="deputies",
    )
    adcode = models.CharField(_("adcode"), max_length=12)
    county_adcode = models.CharField(_("county adcode"), max_length=6)
    stations = models.ManyToManyField(
        Station, through="StationMembership", verbose_name=_("stations"), related_name="deputies"
    )

    class Meta:
        verbose_name = _("deputy")
        verbose_name_plural = _("deputies")
        ordering = ["adcode", "name"]
        indexes = [
            models.Index(
                fields=["adcode"], name="deputy_adcode_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["county_adcode"], name="deputy_county"),
        ]

    def __str__(self) -> str:
        return self.name


class CongressLevel(models.TextChoices):
    NATIONAL = "national", _("national")
    PROVINCIAL = "provincial", _("provincial")
    CITY = "city", _("city")
    COUNTY = "county", _("county")
    TOWNSHIP = "township", _("township")


class MandateStatus(models.TextChoices):
    CURRENT = "current", _("current")
    FORMER = "former", _("former (special liaison)")  # 往届代表, 特邀联络员


class Mandate(models.Model):
    deputy = models.ForeignKey(
        Deputy, verbose_name=_("deputy"), on_delete=models.CASCADE, related_name="mandates"
    )
    level = models.CharField(_("level"), max_length=10, choices=CongressLevel.choices)
    congress_region = models.ForeignKey(
        "regions.Region", verbose_name=_("congress of"), on_delete=models.PROTECT, related_name="+"
    )
    district_region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("electoral district region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    district_cells = models.ManyToManyField(
        "grid.GridCell",
        verbose_name=_("electoral district cells"),
        blank=True,
        related_name="district_mandates",
    )
    term_number = models.PositiveSmallIntegerField(_("term (届)"))
    term_start = models.DateField(_("term start"))
    term_end = models.DateField(_("term end"))
    status = models.CharField(
        _("status"), max_length=10, choices=MandateStatus.choices, default=MandateStatus.CURRENT
    )

    class Meta:
        verbose_name = _("mandate")
        verbose_name_plural = _("mandates")
        constraints = [
            models.UniqueConstraint(
                fields=["deputy", "level", "congress_region", "term_number"],
                name="mandate_unique_seat",
            ),
            models.CheckConstraint(
                condition=Q(term_end__gt=F("term_start")), name="mandate_term_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deputy} · {self.get_level_display()} {self.term_number}"


class MembershipRole(models.TextChoices):
    MEMBER = "member", _("member")
    HEAD = "head", _("head of group")


class StationMembership(models.Model):
    """Mixed grouping (混合编组进站): deputies of every level are grouped into a station."""

    deputy = models.ForeignKey(
        Deputy, verbose_name=_("deputy"), on_delete=models.CASCADE, related_name="memberships"
    )
    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("station membership")
        verbose_name_plural = _("station memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["deputy", "station"],
                condition=Q(until__isnull=True),
                name="membership_one_open_per_station",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.since:%Y-%m-%d}–{self.until or ''}"


class LinkCadence(models.TextChoices):
    WEEKLY_RECEPTION = "weekly_reception", _("weekly reception")  # 周周有接待
    MONTHLY_EXCHANGE = "monthly_exchange", _("monthly exchange")  # 月月有交流
    QUARTERLY_INTERACTION = "quarterly_interaction", _("quarterly interaction")  # 季季有互动


class StationLink(models.Model):
    """Stations in different provinces working together (省际协同)."""

    station_a = models.ForeignKey(
        Station, verbose_name=_("station A"), on_delete=models.CASCADE, related_name="links_as_a"
    )
    station_b = models.ForeignKey(
        Station, verbose_name=_("station B"), on_delete=models.CASCADE, related_name="links_as_b"
    )
    agreement_date = models.DateField(_("agreement date"))
    cadences = models.JSONField(_("required cadences"), default=list)
    rules = models.TextField(_("rules"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cross-province station link")
        verbose_name_plural = _("cross-province station links")
        constraints = [
            models.CheckConstraint(
                condition=~Q(station_a=F("station_b")), name="link_two_stations"
            ),
            models.UniqueConstraint(fields=["station_a", "station_b"], name="link_unique_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.station_a} ⇄ {self.station_b}"


# --- rota, leave and swaps, receptions (docs/stations.md) ------------------------------------


class RotaAction(models.TextChoices):
    ADD = "add", _("added")
    REMOVE = "remove", _("removed")


class RotaChange(models.Model):
    """A staff edit of a station's generated rota: on `day` the deputy is added to (or removed
    from) the duty. The generated rota is every member whose membership is open that day, on
    every held day of the station's duty rule; a change names one (station, deputy, day)."""

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="rota_changes"
    )
    deputy = models.ForeignKey(
        Deputy, verbose_name=_("deputy"), on_delete=models.CASCADE, related_name="rota_changes"
    )
    day = models.DateField(_("day"))
    action = models.CharField(_("action"), max_length=6, choices=RotaAction.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("rota change")
        verbose_name_plural = _("rota changes")
        constraints = [
            models.UniqueConstraint(fields=["station", "deputy", "day"], name="rota_change_once"),
        ]
        indexes = [models.Index(fields=["station", "day"], name="rota_change_station_day")]

    def __str__(self) -> str:
        return f"{self.station} · {self.day} · {self.deputy} ({self.action})"


class DutyRequestKind(models.TextChoices):
    LEAVE = "leave", _("leave (请假)")
    SWAP = "swap", _("swap (换班)")


class DutyRequestStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")
    WITHDRAWN = "withdrawn", _("withdrawn")


class DutyRequest(models.Model):
    """A deputy asks to be excused from a rostered duty day (leave) or to hand it to another
    deputy (swap: the substitute takes the day); staff of the station's county decide."""

    kind = models.CharField(_("kind"), max_length=6, choices=DutyRequestKind.choices)
    deputy = models.ForeignKey(
        Deputy, verbose_name=_("deputy"), on_delete=models.CASCADE, related_name="duty_requests"
    )
    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="duty_requests"
    )
    day = models.DateField(_("duty day"))
    substitute = models.ForeignKey(
        Deputy,
        verbose_name=_("substitute"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="duty_swaps_taken",
    )
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DutyRequestStatus.choices,
        default=DutyRequestStatus.PENDING,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("leave or swap request")
        verbose_name_plural = _("leave and swap requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deputy", "station", "day"],
                condition=Q(status__in=["pending", "approved"]),
                name="duty_request_one_live",
            ),
            models.CheckConstraint(
                condition=(Q(kind="swap") & Q(substitute__isnull=False))
                | (Q(kind="leave") & Q(substitute__isnull=True)),
                name="duty_request_substitute_for_swap",
            ),
            models.CheckConstraint(
                condition=~Q(substitute=F("deputy")), name="duty_request_not_self"
            ),
        ]
        indexes = [models.Index(fields=["station", "status"], name="duty_request_station")]

    def __str__(self) -> str:
        return f"{self.deputy} · {self.station} · {self.day} ({self.kind})"


class Reception(models.Model):
    """The reception session (接待) a held duty day opens at a station: citizens received are
    counted here; opinions taken at the station that day attach to it (by station and local
    date, read in backend.reporting.attendance)."""

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="receptions"
    )
    day = models.DateField(_("day"))
    citizens_received = models.PositiveIntegerField(_("citizens received"), default=0)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("reception (接待)")
        verbose_name_plural = _("receptions (接待)")
        ordering = ["station", "day"]
        constraints = [
            models.UniqueConstraint(fields=["station", "day"], name="reception_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.station} · {self.day}"

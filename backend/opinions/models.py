"""Citizens' opinions and suggestions (意见建议) and their closed loop.

register → forward (24 h) → handle (3 working days, at most 5) → answer → review → archive,
with a re-handling branch when the citizen is not satisfied (三处三复). A citizen's contact is
kept only with consent and is always masked on read.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from backend.records.models import FieldRecord, cell_field


class OpinionCategory(models.TextChoices):
    ROADS = "roads", _("roads and transport")
    WATER = "water", _("water and sanitation")
    HEALTH = "health", _("health care")
    EDUCATION = "education", _("education")
    ENVIRONMENT = "environment", _("environment")
    AGRICULTURE = "agriculture", _("agriculture")
    SAFETY = "safety", _("public safety")
    WELFARE = "welfare", _("social welfare")
    OTHER = "other", _("other")


class OpinionStatus(models.TextChoices):
    REGISTERED = "registered", _("registered")
    FORWARDED = "forwarded", _("forwarded")
    HANDLING = "handling", _("being handled")
    ANSWERED = "answered", _("answered")
    REHANDLING = "rehandling", _("re-handling")
    REVIEWING = "reviewing", _("awaiting the station's review")
    CLOSED = "closed", _("closed")


class HandlingLevel(models.TextChoices):
    """Graded handling (Heshan): what the deputy can solve is solved on the spot; otherwise the
    township presidium / street committee presses the responsible department within a time
    limit; city-level matters go up to the city congress."""

    DEPUTY = "deputy", _("solved on the spot by the deputy")
    TOWNSHIP = "township", _("township presidium / street committee")
    COUNTY = "county", _("county department")
    CITY = "city", _("city congress")


# The level above each level: who an overdue alert goes to (the county leader always hears).
LEVEL_ABOVE = {
    HandlingLevel.DEPUTY: HandlingLevel.TOWNSHIP,
    HandlingLevel.TOWNSHIP: HandlingLevel.COUNTY,
    HandlingLevel.COUNTY: HandlingLevel.CITY,
    HandlingLevel.CITY: HandlingLevel.CITY,
}


# History notes the system writes itself: stored in English (the audit record), shown in the
# reader's language by backend.opinions.selectors.opinion_history. People's notes stay verbatim.
NOTE_REGISTERED = gettext_noop("registered from the field app")
NOTE_CLOSED_UNSATISFIED = gettext_noop("closed after a second unsatisfied rating")
NOTE_REGISTERED_QR_STATION = gettext_noop("sent by a citizen through the station's QR code")
NOTE_REGISTERED_QR_DEPUTY = gettext_noop("sent by a citizen through the deputy's QR code")
NOTE_OVERDUE_FORWARD = gettext_noop("overdue: not forwarded within 24 hours; alert raised")
NOTE_OVERDUE_ANSWER = gettext_noop("overdue: not answered by the deadline; alert raised")
SYSTEM_NOTES = frozenset(
    {
        NOTE_OVERDUE_FORWARD,
        NOTE_OVERDUE_ANSWER,
        NOTE_REGISTERED,
        NOTE_CLOSED_UNSATISFIED,
        NOTE_REGISTERED_QR_STATION,
        NOTE_REGISTERED_QR_DEPUTY,
    }
)


class RatingVia(models.TextChoices):
    """How a rating reached the record: the citizen on the tracking page, or staff typing in a
    rating the citizen gave them in person (marked as such)."""

    TRACKING_PAGE = "tracking", _("by the citizen (tracking page)")
    IN_PERSON = "in_person", _("in person, recorded by staff")


# Open and running against a deadline (the overdue rule, the map's open counts).
OPEN_STATUSES = (
    OpinionStatus.REGISTERED,
    OpinionStatus.FORWARDED,
    OpinionStatus.HANDLING,
    OpinionStatus.REHANDLING,
)
# The staff's default work list: the open ones and the department answers waiting for review.
WORK_STATUSES = (*OPEN_STATUSES, OpinionStatus.REVIEWING)


class Department(models.Model):
    """A handling unit (承办单位) of one county: a township presidium / street committee, a county
    department or the city congress's office (`level`). Its accounts (accounts.User with role
    `department`) see and answer only the opinions referred to it."""

    county_adcode = models.CharField(_("county adcode"), max_length=12, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(
        _("level"),
        max_length=10,
        choices=[c for c in HandlingLevel.choices if c[0] != HandlingLevel.DEPUTY],
        default=HandlingLevel.COUNTY,
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["county_adcode", "level", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["county_adcode", "name"], name="department_unique_name_per_county"
            ),
            models.CheckConstraint(
                condition=~Q(level=HandlingLevel.DEPUTY), name="department_level_not_deputy"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Opinion(FieldRecord):
    """Taken down by a deputy (`deputy`), or sent by a citizen through a QR code (上码说): a
    deputy's code sets `deputy`, a station's code sets `station` (at least one of the two)."""

    # Nullable, unlike other field records: a citizen's opinion through a station's code.
    deputy = models.ForeignKey(
        "liaison.Deputy",
        verbose_name=_("deputy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opinions",
    )
    station = models.ForeignKey(
        "liaison.Station",
        verbose_name=_("station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opinions",
    )
    cell = cell_field("opinions")
    visit = models.ForeignKey(
        "visits.Visit",
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opinions",
    )
    category = models.CharField(_("category"), max_length=20, choices=OpinionCategory.choices)
    text = models.TextField(_("text"))
    # Optional: an opinion may be taken down away from where it concerns (or placed by its visit).
    location = models.PointField(_("location"), null=True, blank=True)
    contact_consent = models.BooleanField(_("citizen consented to contact"), default=False)
    citizen_contact = models.CharField(_("citizen contact"), max_length=30, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=OpinionStatus.choices, default=OpinionStatus.REGISTERED
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("citizen rating (1-5)"), null=True, blank=True)
    handler = models.CharField(_("handled by (department)"), max_length=100, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    level = models.CharField(
        _("handling level"), max_length=10, choices=HandlingLevel.choices, blank=True
    )
    # The department record it is referred to (its accounts see it); `handler` keeps the name
    # shown (also for a department named in free text, which has no accounts).
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opinions",
    )
    # Linked by staff as a duplicate of this canonical case (FixMyStreet's duplicate linking): it
    # is closed, its citizen follows the canonical case and is told its outcome.
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    # The deadline an overdue alert was raised for (the escalation job alerts once per deadline).
    alerted_due_at = models.DateTimeField(_("overdue alert raised for"), null=True, blank=True)

    class Meta(FieldRecord.Meta):
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")
        indexes = [
            *FieldRecord.Meta.indexes,
            models.Index(
                fields=["adcode"], name="opinion_adcode_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]
        constraints = [
            *FieldRecord.Meta.constraints,
            models.CheckConstraint(
                condition=Q(citizen_contact="") | Q(contact_consent=True),
                name="opinion_contact_needs_consent",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__range=(1, 5)),
                name="opinion_rating_range",
            ),
            models.CheckConstraint(
                condition=Q(deputy__isnull=False) | Q(station__isnull=False),
                name="opinion_deputy_or_station",
            ),
            models.CheckConstraint(
                condition=~Q(duplicate_of=models.F("id")), name="opinion_not_own_duplicate"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{_('opinion')} #{self.pk} {self.get_category_display()} · {self.get_status_display()}"
        )


class OpinionTransition(models.Model):
    """History of an opinion: one row per registration or transition (`action`: forward, start,
    extend, answer, rate, close, solve, refer, approve, return, overdue; blank for the
    registration), written by the opinion services.
    `at` is set by the service (a replay such as the demo gives past times)."""

    opinion = models.ForeignKey(
        Opinion, verbose_name=_("opinion"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(
        _("from"), max_length=12, choices=OpinionStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=12, choices=OpinionStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    action = models.CharField(_("action"), max_length=12, blank=True)
    rating = models.PositiveSmallIntegerField(_("citizen rating (1-5)"), null=True, blank=True)
    rating_via = models.CharField(
        _("rating given"), max_length=12, choices=RatingVia.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("opinion transition")
        verbose_name_plural = _("opinion transitions")
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.get_to_status_display()} {timezone.localtime(self.at):%Y-%m-%d %H:%M}"


class CalendarDay(models.Model):
    """An exception to the Monday-Friday working week for deadlines: a public holiday on a
    weekday (`workday` false) or a make-up working weekend (调休, `workday` true). Staff enter
    each year's official arrangement in the admin; days not listed follow Monday-Friday."""

    day = models.DateField(_("day"), unique=True)
    workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["day"]

    def __str__(self) -> str:
        what = self.name or (_("make-up working day") if self.workday else _("holiday"))
        return f"{self.day:%Y-%m-%d} {what}"

"""Admin for opinions: view-only (status changes go through the opinion services, which keep the
history), the citizen's contact masked as on every read, the location on a map."""

import datetime as dt

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from backend.core.admin import (
    CELL_DEFER,
    FieldRecordAdminMixin,
    PrivateFieldsAdminMixin,
    ReadonlyAdminMixin,
    county_filter,
)
from backend.core.privacy import mask_contact

from .deadlines import calendar_covers, official_years
from .models import OPEN_STATUSES, CalendarDay, Department, Opinion, OpinionTransition


def deadline_calendar_text(opinion: Opinion) -> str:
    """How the opinion's deadline was counted: on the official calendar, or (a year it does not
    cover and nobody entered) Monday to Friday only."""
    if opinion.due_at is None or calendar_covers(opinion.due_at):
        return gettext("official calendar")
    return gettext(
        "The official holiday calendar does not cover %(year)s: the deadline counts Monday to "
        "Friday only. Enter that year's holidays in the admin (calendar exceptions)."
    ) % {"year": timezone.localtime(opinion.due_at).year}


class TransitionInline(admin.TabularInline):
    model = OpinionTransition
    extra = 0
    fields = ("at", "from_status", "to_status", "by", "note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    """Handling units per county; their accounts are users with role `department`."""

    list_display = ("name", "level", "county_adcode", "active")
    list_filter = ("level", "active")
    search_fields = ("name", "county_adcode")


@admin.register(Opinion)
class OpinionAdmin(FieldRecordAdminMixin, admin.ModelAdmin):
    list_display = ("recorded_at", "category", "status", "deputy", "cell", "due_at", "rating")
    list_filter = ("status", "category", county_filter(), "recorded_at")
    search_fields = ("text", "deputy__name", "cell__code")
    list_select_related = ("deputy", "cell")
    fields = (
        "deputy",
        "visit",
        "category",
        "status",
        "text",
        "recorded_at",
        "created_at",
        "due_at",
        "deadline_calendar",
        "rating",
        "cell",
        "adcode",
        "county_adcode",
        "contact_consent",
        "contact",
        "client_uuid",
        "location_map",
    )
    readonly_fields = fields
    inlines = (TransitionInline,)
    record_defer = CELL_DEFER

    @admin.display(description=_("citizen contact"))
    def contact(self, obj: Opinion) -> str:
        return mask_contact(obj.citizen_contact) or "-"

    @admin.display(description=_("deadline calendar"))
    def deadline_calendar(self, obj: Opinion) -> str:
        return deadline_calendar_text(obj)


@admin.register(OpinionTransition)
class OpinionTransitionAdmin(PrivateFieldsAdminMixin, ReadonlyAdminMixin, admin.ModelAdmin):
    list_display = ("opinion", "from_status", "to_status", "by", "at")
    list_filter = ("to_status", county_filter("opinion__county_adcode"))
    search_fields = ("opinion__text", "note")
    list_select_related = ("opinion", "by")
    fields = ("opinion", "from_status", "to_status", "by", "at", "note")
    readonly_fields = fields


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The year's holidays and make-up working days (国务院办公厅 arrangement), for deadlines."""

    list_display = ("day", "workday", "name")
    list_filter = ("workday",)
    search_fields = ("name",)
    date_hierarchy = "day"

    def changelist_view(self, request, extra_context=None):
        first, last = official_years()
        messages.info(
            request,
            gettext(
                "The official holidays and make-up working days of %(first)s-%(last)s are "
                "built in (chinese-calendar); an entry here overrides its day."
            )
            % {"first": first, "last": last},
        )
        years = sorted(
            {
                timezone.localtime(due).year
                for due in Opinion.objects.filter(
                    status__in=OPEN_STATUSES, due_at__year__gt=last
                ).values_list("due_at", flat=True)
            }
        )
        uncovered = [y for y in years if not calendar_covers(dt.date(y, 1, 1))]
        if uncovered:
            messages.warning(
                request,
                gettext(
                    "Open opinions have deadlines in %(years)s, which the official calendar "
                    "does not cover: they count Monday to Friday until the year is entered here."
                )
                % {"years": ", ".join(map(str, uncovered))},
            )
        return super().changelist_view(request, extra_context)

"""Admin for visits and check-ins: view-only (only backend.visits.services writes them, resolving
the cell and flags), with the location on a map."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from backend.core.admin import (
    CELL_DEFER,
    PHONE_FIX_FIELDS,
    FieldRecordAdminMixin,
    county_filter,
    metres,
)

from .models import CheckIn, Visit


class FlagFilter(admin.SimpleListFilter):
    title = _("plausibility flags")
    parameter_name = "flag"

    def lookups(self, request, model_admin):
        from .models import PlausibilityFlag

        return [("none", _("no flags")), *PlausibilityFlag.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(flags=[])
        if value:
            return queryset.filter(flags__contains=[value])
        return queryset


@admin.register(Visit)
class VisitAdmin(FieldRecordAdminMixin, admin.ModelAdmin):
    list_display = (
        "recorded_at",
        "deputy",
        "kind",
        "households",
        "cell",
        "accuracy",
        "flag_list",
    )
    list_filter = ("kind", county_filter(), FlagFilter, "recorded_at")
    search_fields = ("deputy__name", "cell__code", "client_uuid")
    list_select_related = ("deputy", "cell")
    fields = (
        "deputy",
        "kind",
        "recorded_at",
        "received_at",
        "households",
        # not household_ref: a resident's reference, even hashed (backend.core.privacy)
        "notes",
        "accuracy",
        "mock_location",
        "cell",
        *PHONE_FIX_FIELDS,
    )
    readonly_fields = fields
    record_defer = CELL_DEFER


@admin.register(CheckIn)
class CheckInAdmin(FieldRecordAdminMixin, admin.ModelAdmin):
    list_display = ("recorded_at", "deputy", "station", "distance", "inside_geofence")
    list_filter = ("inside_geofence", county_filter(), "recorded_at")
    search_fields = ("deputy__name", "station__name", "client_uuid")
    list_select_related = ("deputy", "station")
    fields = (
        "deputy",
        "station",
        "recorded_at",
        "received_at",
        "distance",
        "inside_geofence",
        "accuracy",
        *PHONE_FIX_FIELDS,
    )
    readonly_fields = fields

    @admin.display(description=_("distance to station"), ordering="distance_m")
    def distance(self, obj: CheckIn) -> str:
        return metres(obj.distance_m)

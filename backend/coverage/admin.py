"""Read-only admin for the coverage tables: they are derived from visits by database triggers
(migration 0002), so nobody edits them by hand; `manage.py coverage_rebuild` recomputes them."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from backend.core.admin import PrivateFieldsAdminMixin

from .models import (
    CellDay,
    CellHousehold,
    CellSummary,
    CoverageClock,
    DeputySummary,
    HeatBin,
    HeatHex,
    PendingVisit,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CoverageClock)
class CoverageClockAdmin(ReadOnlyAdmin):
    list_display = ("id", "as_of")


@admin.register(CellSummary)
class CellSummaryAdmin(ReadOnlyAdmin):
    list_display = (
        "cell_code",
        "adcode",
        "last_visit_at",
        "visits_total",
        "households_total",
        "visits_90d",
        "households_90d",
    )
    list_filter = ("county_adcode",)
    search_fields = ("cell__code", "adcode")
    list_select_related = ("cell",)
    raw_id_fields = ("cell",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("cell__boundary", "cell__display_boundary")

    @admin.display(description=_("grid cell"), ordering="cell__code")
    def cell_code(self, obj: CellSummary) -> str:
        return obj.cell.code


@admin.register(DeputySummary)
class DeputySummaryAdmin(ReadOnlyAdmin):
    list_display = ("deputy", "last_visit_at", "visits_total")
    list_select_related = ("deputy",)
    raw_id_fields = ("deputy",)


@admin.register(CellDay)
class CellDayAdmin(ReadOnlyAdmin):
    list_display = (
        "cell_id",
        "day",
        "county_adcode",
        "visits",
        "unreferenced_households",
        "referenced_visits",
    )
    list_filter = ("county_adcode",)
    date_hierarchy = "day"
    raw_id_fields = ("cell",)


@admin.register(CellHousehold)
class CellHouseholdAdmin(PrivateFieldsAdminMixin, ReadOnlyAdmin):
    list_display = ("cell_id", "first_day", "last_day")
    raw_id_fields = ("cell",)
    exclude = ("household_ref",)  # a keyed hash, but still nothing to show anyone


@admin.register(HeatBin)
class HeatBinAdmin(ReadOnlyAdmin):
    list_display = ("resolution", "h3_hex", "day", "adcode", "visits", "households")
    list_filter = ("resolution",)

    @admin.display(description=_("H3 index"), ordering="h3")
    def h3_hex(self, obj: HeatBin) -> str:
        return format(obj.h3, "x")


@admin.register(HeatHex)
class HeatHexAdmin(ReadOnlyAdmin):
    list_display = ("h3_hex", "resolution")
    list_filter = ("resolution",)
    exclude = ("boundary",)

    @admin.display(description=_("H3 index"), ordering="h3")
    def h3_hex(self, obj: HeatHex) -> str:
        return format(obj.h3, "x")


@admin.register(PendingVisit)
class PendingVisitAdmin(ReadOnlyAdmin):
    """Visits queued for the summaries (the job coverage.drain empties this within seconds)."""

    list_display = ("visit_id", "queued_at")

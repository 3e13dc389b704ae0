"""Admin for grid cells (map widget) and deputy ↔ cell assignments (with history)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin
from simple_history.admin import SimpleHistoryAdmin

from backend.core.admin import (
    DeferOnChangelistMixin,
    area_refresh,
    county_filter,
    square_km,
    township_filter,
)

from .models import GridAssignment, GridCell


@admin.register(GridCell)
class GridCellAdmin(DeferOnChangelistMixin, LeafletGeoAdmin):
    list_display = ("code", "name", "region", "households", "population", "area_km2", "source")
    list_filter = (county_filter(), township_filter(), "source")
    search_fields = ("code", "name", "region__name")
    list_select_related = ("region",)
    autocomplete_fields = ("region",)
    readonly_fields = ("adcode", "county_adcode", "area_km2")
    exclude = ("display_boundary",)
    show_full_result_count = False
    changelist_defer = (
        "boundary",
        "display_boundary",
        "region__boundary",
        "region__display_boundary",
    )

    @admin.display(description=_("area"), ordering="area_m2")
    def area_km2(self, obj: GridCell) -> str:
        return square_km(obj.area_m2, 3)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("region")

    def save_model(self, request, obj: GridCell, form, change: bool) -> None:
        # The adcodes always follow the region; the area is measured on the spheroid.
        obj.adcode = obj.region.adcode
        obj.county_adcode = obj.region.adcode[:6]
        if obj.area_m2 is None:
            obj.area_m2 = 1.0  # placeholder until measured below (check: area > 0)
        super().save_model(request, obj, form, change)
        if "boundary" in form.changed_data or not change:
            area_refresh(GridCell.objects.filter(pk=obj.pk))
            obj.refresh_from_db(fields=["area_m2"])


@admin.register(GridAssignment)
class GridAssignmentAdmin(SimpleHistoryAdmin):
    list_display = ("cell", "deputy", "status", "valid_from", "valid_to", "assigned_by", "reason")
    list_filter = ("status", county_filter(), "valid_from")
    search_fields = ("cell__code", "cell__name", "deputy__name")
    list_select_related = ("cell", "deputy", "assigned_by")
    autocomplete_fields = ("deputy", "cell", "assigned_by")
    readonly_fields = ("county_adcode",)
    date_hierarchy = "valid_from"
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("cell__boundary", "cell__display_boundary")

    def save_model(self, request, obj: GridAssignment, form, change: bool) -> None:
        obj.county_adcode = obj.cell.county_adcode
        if not change and obj.assigned_by_id is None:
            obj.assigned_by = request.user
        super().save_model(request, obj, form, change)

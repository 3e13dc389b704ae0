"""Admin for regions (the shared admin pieces of every app are in backend.core.admin)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from backend.core.admin import (
    DeferOnChangelistMixin,
    NullGeometryFormMixin,
    area_refresh,
    county_filter,
    square_km,
)

from .models import Region


class RegionForm(NullGeometryFormMixin, forms.ModelForm):
    class Meta:
        model = Region
        fields = ("adcode", "name", "level", "parent", "boundary")


@admin.register(Region)
class RegionAdmin(DeferOnChangelistMixin, LeafletGeoAdmin):
    form = RegionForm
    list_display = ("adcode", "name", "level", "parent", "area_km2")
    list_filter = ("level", county_filter("adcode"))
    search_fields = ("adcode", "name")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    readonly_fields = ("area_km2",)
    exclude = ("display_boundary",)
    ordering = ("adcode",)
    changelist_defer = (
        "boundary",
        "display_boundary",
        "parent__boundary",
        "parent__display_boundary",
    )

    @admin.display(description=_("area"), ordering="area_m2")
    def area_km2(self, obj: Region) -> str:
        return square_km(obj.area_m2)

    def save_model(self, request, obj: Region, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if "boundary" in form.changed_data:
            area_refresh(Region.objects.filter(pk=obj.pk))
            obj.refresh_from_db(fields=["area_m2"])

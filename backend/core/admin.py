"""The admin pieces every app shares: county/township list filters (adcode prefixes, never a
100k-option dropdown), a read-only Leaflet map for records that only services may write, the
refusal of lookups through residents' private fields, the changelist-only deferral of heavy
boundaries, and the spheroid area refresh after a boundary edit.

Every app's admin imports these, so this module imports no app: the region filters find the
Region model through the app registry (regions itself uses these helpers)."""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import Area
from django.contrib.gis.geos import GEOSGeometry
from django.db.models import QuerySet
from django.forms import Media
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletAdminWidget

from backend.core.geo import as_geography
from backend.core.privacy import touches_private_field


def is_changelist(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match and match.url_name and match.url_name.endswith("_changelist"))


class DeferOnChangelistMixin:
    """Skip the named (geometry) columns on list pages: a county boundary is ~100 kB."""

    changelist_defer: tuple[str, ...] = ()

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if self.changelist_defer and is_changelist(request):
            qs = qs.defer(*self.changelist_defer)
        return qs


class NullGeometryFormMixin:
    """Django 5.2 cannot validate a CheckConstraint such as `Q(service_area__isnull=True) |
    Q(service_area__isvalid=True)` in Python when the geometry is empty (IsValid(Value(None))
    raises TypeError). Leave empty geometry fields out of form-side constraint validation; the
    database still enforces the constraint."""

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        for model_field in self._meta.model._meta.concrete_fields:
            if (
                isinstance(model_field, GeometryField)
                and self.cleaned_data.get(model_field.name) is None
            ):
                exclude.add(model_field.name)
        return exclude


# RegionLevel values (backend.regions.models), by name: see the module docstring.
COUNTY_LEVEL, TOWNSHIP_LEVEL = "county", "township"


def _regions() -> QuerySet:
    return apps.get_model("regions", "Region")._default_manager.all()


class AdcodePrefixFilter(admin.SimpleListFilter):
    """Filter rows whose `field_path` (an adcode column) starts with the chosen region's adcode."""

    field_path = "county_adcode"
    level = COUNTY_LEVEL

    def lookups(self, request, model_admin):
        return list(self.regions(request).values_list("adcode", "name"))

    def regions(self, request) -> QuerySet:
        return _regions().filter(level=self.level).order_by("adcode")

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(**{f"{self.field_path}__startswith": value})


class TownshipFilterBase(AdcodePrefixFilter):
    """Townships of the county chosen in the county filter (none listed before one is chosen)."""

    level = TOWNSHIP_LEVEL
    county_parameter = "county"

    def regions(self, request) -> QuerySet:
        county = request.GET.get(self.county_parameter, "")
        if len(county) != 6 or not county.isdigit():
            return _regions().none()
        return super().regions(request).filter(adcode__startswith=county)


def county_filter(field_path: str = "county_adcode") -> type[AdcodePrefixFilter]:
    return type(
        "CountyFilter",
        (AdcodePrefixFilter,),
        {
            "title": _("county"),
            "parameter_name": "county",
            "field_path": field_path,
        },
    )


def township_filter(field_path: str = "adcode") -> type[AdcodePrefixFilter]:
    return type(
        "TownshipFilter",
        (TownshipFilterBase,),
        {
            "title": _("township"),
            "parameter_name": "township",
            "field_path": field_path,
        },
    )


class ReadonlyMapWidget(LeafletAdminWidget):
    modifiable = False
    map_template = "leaflet/admin/widget.html"
    template_name = "leaflet/admin/widget.html"


def readonly_map(name: str, geometry: GEOSGeometry | None) -> SafeString | str:
    """A non-editable Leaflet map of `geometry` for view-only admin pages."""
    if geometry is None:
        return "-"
    widget = ReadonlyMapWidget(attrs={"geom_type": geometry.geom_type})
    widget.geom_type = geometry.geom_type
    return format_html(
        "{}", widget.render(f"{name}_view", geometry, attrs={"id": f"id_{name}_view"})
    )


class PrivateFieldsAdminMixin:
    """Refuse every changelist lookup through a resident's private field (backend.core.privacy):
    Django allows any lookup on a model's own fields, so `?citizen_contact__startswith=1391`
    would otherwise answer, row count by row count, what the masked display hides. A refused
    lookup is a 400 (DisallowedModelAdminLookup), as for an unlisted relation."""

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        if touches_private_field(lookup):
            return False
        return super().lookup_allowed(lookup, value, request)


class ReadonlyAdminMixin:
    """View-only admin: the rows are written only by services (which keep their rules)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadonlyMapAdminMixin(ReadonlyAdminMixin):
    """View-only admin (records written only by services) that still shows a map."""

    @property
    def media(self) -> Media:
        return super().media + LeafletAdminWidget().media


class FieldRecordAdminMixin(PrivateFieldsAdminMixin, ReadonlyMapAdminMixin):
    """A field record (backend.records.models: a visit, a check-in, an opinion): view-only,
    no lookup through a resident's private field, its location on a map (`location_map`), its
    flags as text (`flag_list`), browsed by `recorded_at`. `record_defer`: related columns
    never loaded (a grid cell's boundaries, `CELL_DEFER`)."""

    record_defer: tuple[str, ...] = ()
    date_hierarchy = "recorded_at"
    show_full_result_count = False  # no COUNT(*) of a whole county's records per page

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        return qs.defer(*self.record_defer) if self.record_defer else qs

    @admin.display(description=_("accuracy"), ordering="accuracy_m")
    def accuracy(self, obj) -> str:
        return metres(obj.accuracy_m)

    @admin.display(description=_("plausibility flags"))
    def flag_list(self, obj) -> str:
        return ", ".join(obj.flags) or "-"

    @admin.display(description=_("location"))
    def location_map(self, obj):
        return readonly_map("location", obj.location)


# A phone fix's kernel columns (backend.records.models.PhoneFix), in its admin page.
PHONE_FIX_FIELDS = (
    "adcode",
    "county_adcode",
    "flags",
    "client_uuid",
    "content_hash",
    "location_map",
)
CELL_DEFER = ("cell__boundary", "cell__display_boundary")


def area_refresh(queryset: QuerySet) -> int:
    """Recompute `area_m2` from `boundary` on the spheroid (geography), never in degrees."""
    return queryset.update(area_m2=Area(as_geography("boundary")))


def metres(value: float | None) -> str:
    """A distance or accuracy as the admin shows it: whole metres with the unit."""
    return "-" if value is None else _("%(n)s m") % {"n": f"{value:,.0f}"}


def square_km(value: float | None, places: int = 1) -> str:
    """An area in km², rounded (`places` decimals) with the unit."""
    return "-" if value is None else f"{value / 1e6:,.{places}f} km²"

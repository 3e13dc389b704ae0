"""Admin for stations (map widget), deputies with their mandates and memberships, and
cross-province station links (validated by the same rules as backend.liaison.services)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin
from simple_history.admin import SimpleHistoryAdmin

from backend.core import error_codes as codes
from backend.core.admin import (
    DeferOnChangelistMixin,
    NullGeometryFormMixin,
    county_filter,
    township_filter,
)
from backend.core.errors import DomainError

from .models import (
    SIX_HAVES,
    Deputy,
    DutyRequest,
    DutyRule,
    LinkCadence,
    Mandate,
    Reception,
    RotaChange,
    Station,
    StationLink,
    StationMembership,
)
from .rhythm import RULE_FIELDS, DutyRuleSpec, rule_check
from .selectors import PREVIEW_COUNT, duty_occurrences
from .services import cadences_normalise, mandate_check

SIX_HAVES_LABELS = {
    "sign": _("sign"),
    "premises": _("premises"),
    "rules": _("rules"),
    "boards": _("display boards"),
    "plan": _("plan"),
    "records": _("records and archives"),
}


def _as_validation_error(error: DomainError) -> ValidationError:
    return ValidationError(error.message, code=error.code)


class StationForm(NullGeometryFormMixin, forms.ModelForm):
    six_haves = forms.MultipleChoiceField(
        label=_("six haves (六有)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(key, SIX_HAVES_LABELS[key]) for key in SIX_HAVES],
    )

    class Meta:
        model = Station
        fields = (
            "kind",
            "name",
            "sector",
            "location",
            "address",
            "region",
            "parent",
            "service_area",
            "geofence_radius_m",
            "six_haves",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.six_haves or {}
        self.initial["six_haves"] = [key for key in SIX_HAVES if current.get(key)]

    def clean_six_haves(self) -> dict:
        checked = set(self.cleaned_data["six_haves"])
        return {key: key in checked for key in SIX_HAVES}

    def clean(self):
        cleaned = super().clean()
        region, location = cleaned.get("region"), cleaned.get("location")
        if region is not None and len(region.adcode) < 6:
            self.add_error("region", _("A station belongs to a county, township or village."))
        if (
            region is not None
            and location is not None
            and region.boundary is not None
            and not region.boundary.intersects(location)
        ):
            self.add_error("location", _("The station's location lies outside its region."))
        if cleaned.get("kind") == "industry" and not cleaned.get("sector", "").strip():
            self.add_error("sector", _("An industry contact point names its industry sector."))
        return cleaned


class DutyRuleForm(forms.ModelForm):
    """The same check as the services (rhythm.rule_check) on the typed fields."""

    class Meta:
        model = DutyRule
        fields = ("purpose", *RULE_FIELDS)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        values = {name: cleaned.get(name) for name in RULE_FIELDS}
        values["weekdays"] = tuple(values["weekdays"] or ())
        values["dates"] = tuple(values["dates"] or ())
        try:
            rule_check(DutyRuleSpec(**values))
        except DomainError as error:
            raise _as_validation_error(error) from error
        return cleaned


def preview_text(rule: DutyRule) -> str:
    """The next ten occurrences in one line (moved: "10-06→10-09", skipped: "10-06 ✗")."""
    if rule.pk is None:
        return ""
    parts = []
    for o in duty_occurrences(rule, start=timezone.localdate(), count=PREVIEW_COUNT):
        if o.adjustment == "moved" and o.day is not None:
            parts.append(f"{o.scheduled:%Y-%m-%d}→{o.day:%m-%d}")
        elif o.adjustment == "skipped":
            parts.append(f"{o.scheduled:%Y-%m-%d} ✗")
        else:
            parts.append(f"{o.scheduled:%Y-%m-%d}")
    return "、".join(parts)


class DutyRuleInline(admin.StackedInline):
    model = DutyRule
    form = DutyRuleForm
    extra = 0
    fields = ("purpose", *RULE_FIELDS, "preview")
    readonly_fields = ("preview",)

    @admin.display(description=_("next ten dates"))
    def preview(self, obj: DutyRule) -> str:
        return preview_text(obj)


@admin.register(DutyRule)
class DutyRuleAdmin(admin.ModelAdmin):
    form = DutyRuleForm
    list_display = ("station", "purpose", "kind", "holiday_policy", "opens_at", "closes_at")
    list_filter = ("purpose", "kind", "holiday_policy", county_filter("station__county_adcode"))
    search_fields = ("station__name",)
    list_select_related = ("station",)
    autocomplete_fields = ("station",)
    readonly_fields = ("preview",)
    fields = ("station", "purpose", *RULE_FIELDS, "preview")
    show_full_result_count = False

    @admin.display(description=_("next ten dates"))
    def preview(self, obj: DutyRule) -> str:
        return preview_text(obj)


class MembershipInline(admin.TabularInline):
    model = StationMembership
    extra = 0
    autocomplete_fields = ("deputy", "station")
    fields = ("deputy", "station", "role", "since", "until")


class StationMembersInline(MembershipInline):
    verbose_name_plural = _("members")
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("deputy", "station")


@admin.register(Station)
class StationAdmin(DeferOnChangelistMixin, LeafletGeoAdmin):
    form = StationForm
    list_display = ("name", "kind", "region", "members", "geofence_radius_m", "sector")
    list_filter = ("kind", county_filter(), township_filter())
    search_fields = ("name", "address", "sector", "region__name", "adcode")
    list_select_related = ("region",)
    autocomplete_fields = ("region", "parent")
    readonly_fields = ("adcode", "county_adcode")
    inlines = (DutyRuleInline, StationMembersInline)
    changelist_defer = ("service_area", "region__boundary", "region__display_boundary")

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("region")
        return qs.annotate(
            member_count=Count("memberships", filter=Q(memberships__until__isnull=True))
        )

    @admin.display(description=_("members"), ordering="member_count")
    def members(self, obj: Station) -> int:
        return obj.member_count

    def save_model(self, request, obj: Station, form, change: bool) -> None:
        obj.adcode = obj.region.adcode
        obj.county_adcode = obj.region.adcode[:6]
        super().save_model(request, obj, form, change)


class MandateForm(forms.ModelForm):
    class Meta:
        model = Mandate
        fields = (
            "deputy",
            "level",
            "congress_region",
            "district_region",
            "district_cells",
            "term_number",
            "term_start",
            "term_end",
            "status",
        )

    def clean(self):
        cleaned = super().clean()
        needed = ("level", "congress_region", "term_start", "term_end")
        if all(cleaned.get(k) is not None for k in needed):
            try:
                mandate_check(
                    level=cleaned["level"],
                    congress_region=cleaned["congress_region"],
                    district_region=cleaned.get("district_region"),
                    district_cell_adcodes=[c.adcode for c in cleaned.get("district_cells", [])],
                    term_start=cleaned["term_start"],
                    term_end=cleaned["term_end"],
                )
            except DomainError as error:
                raise _as_validation_error(error) from error
        return cleaned


class MandateInline(admin.StackedInline):
    model = Mandate
    form = MandateForm
    extra = 0
    autocomplete_fields = ("congress_region", "district_region", "district_cells")


@admin.register(Deputy)
class DeputyAdmin(admin.ModelAdmin):
    list_display = ("name", "gender", "region", "levels", "occupation", "user")
    list_filter = (
        county_filter(),
        township_filter(),
        "mandates__level",
        "mandates__status",
        "gender",
    )
    search_fields = ("name", "phone", "occupation", "user__username")
    list_select_related = ("region", "user")
    autocomplete_fields = ("region", "user")
    readonly_fields = ("adcode", "county_adcode")
    inlines = (MandateInline, MembershipInline)
    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("region", "user")
            .defer("region__boundary", "region__display_boundary")
            .prefetch_related("mandates")
        )

    @admin.display(description=_("mandates"))
    def levels(self, obj: Deputy) -> str:
        return "、".join(str(m.get_level_display()) for m in obj.mandates.all())

    def save_model(self, request, obj: Deputy, form, change: bool) -> None:
        obj.adcode = obj.region.adcode
        obj.county_adcode = obj.region.adcode[:6]
        super().save_model(request, obj, form, change)


@admin.register(Mandate)
class MandateAdmin(admin.ModelAdmin):
    form = MandateForm
    list_display = (
        "deputy",
        "level",
        "congress_region",
        "district_region",
        "term_number",
        "term_start",
        "term_end",
        "status",
    )
    list_filter = ("level", "status", county_filter("deputy__county_adcode"), "term_number")
    search_fields = ("deputy__name", "congress_region__name", "district_region__name")
    list_select_related = ("deputy", "congress_region", "district_region")
    autocomplete_fields = ("deputy", "congress_region", "district_region", "district_cells")
    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            # The changelist skips list_select_related once a select_related is set: name all.
            .select_related("deputy", "congress_region", "district_region")
            .defer(
                "congress_region__boundary",
                "congress_region__display_boundary",
                "district_region__boundary",
                "district_region__display_boundary",
            )
        )


@admin.register(StationMembership)
class StationMembershipAdmin(admin.ModelAdmin):
    list_display = ("deputy", "station", "role", "since", "until")
    list_filter = (
        "role",
        county_filter("station__county_adcode"),
        ("until", admin.EmptyFieldListFilter),
    )
    search_fields = ("deputy__name", "station__name")
    list_select_related = ("deputy", "station")
    autocomplete_fields = ("deputy", "station")
    show_full_result_count = False


class StationLinkForm(forms.ModelForm):
    cadences = forms.MultipleChoiceField(
        label=_("required cadences"),
        choices=LinkCadence.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = StationLink
        fields = ("station_a", "station_b", "agreement_date", "cadences", "rules")

    def clean_cadences(self) -> list[str]:
        try:
            return cadences_normalise(self.cleaned_data["cadences"])
        except DomainError as error:
            raise _as_validation_error(error) from error

    def clean(self):
        cleaned = super().clean()
        a, b = cleaned.get("station_a"), cleaned.get("station_b")
        if a is not None and b is not None:
            if a.pk == b.pk:
                raise ValidationError(
                    _("A link joins two different stations."),
                    code=codes.STATION_LINK_SAME_STATION.code,
                )
            if a.adcode[:2] == b.adcode[:2]:
                raise ValidationError(
                    _("Linked stations must be in different provinces."),
                    code=codes.STATION_LINK_SAME_PROVINCE.code,
                )
            reverse = StationLink.objects.filter(station_a=b, station_b=a)
            if reverse.exclude(pk=self.instance.pk).exists():
                raise ValidationError(
                    _("These two stations are already linked."),
                    code=codes.STATION_LINK_DUPLICATE.code,
                )
        return cleaned


@admin.register(StationLink)
class StationLinkAdmin(SimpleHistoryAdmin):
    form = StationLinkForm
    list_display = ("station_a", "station_b", "agreement_date", "cadence_list")
    list_filter = ("agreement_date",)
    search_fields = ("station_a__name", "station_b__name")
    list_select_related = ("station_a", "station_b")
    autocomplete_fields = ("station_a", "station_b")

    @admin.display(description=_("required cadences"))
    def cadence_list(self, obj: StationLink) -> str:
        labels = dict(LinkCadence.choices)
        return "、".join(str(labels.get(c, c)) for c in obj.cadences)


class _ServiceWrittenAdmin(admin.ModelAdmin):
    """Rota changes, requests and receptions are written by backend.liaison.services (the map
    and phone APIs check who may): the admin shows them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RotaChange)
class RotaChangeAdmin(_ServiceWrittenAdmin):
    list_display = ("day", "station", "deputy", "action", "changed_by", "changed_at")
    list_filter = ("action", county_filter("station__county_adcode"))
    search_fields = ("deputy__name", "station__name")
    list_select_related = ("deputy", "station", "changed_by")
    date_hierarchy = "day"
    show_full_result_count = False


@admin.register(DutyRequest)
class DutyRequestAdmin(_ServiceWrittenAdmin):
    list_display = ("day", "station", "deputy", "kind", "substitute", "status", "decided_at")
    list_filter = ("kind", "status", county_filter("station__county_adcode"))
    search_fields = ("deputy__name", "station__name")
    list_select_related = ("deputy", "station", "substitute")
    date_hierarchy = "day"
    show_full_result_count = False


@admin.register(Reception)
class ReceptionAdmin(_ServiceWrittenAdmin):
    list_display = ("day", "station", "citizens_received", "recorded_by", "updated_at")
    list_filter = (county_filter("station__county_adcode"),)
    search_fields = ("station__name",)
    list_select_related = ("station", "recorded_by")
    date_hierarchy = "day"
    show_full_result_count = False

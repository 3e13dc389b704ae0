"""Admin for opinions: view-only (status changes go through the opinion services, which keep the
history), the citizen's contact masked as on every read, the location on a map."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from backend.core.privacy import mask_contact
from backend.regions.admin import (
    PrivateFieldsAdminMixin,
    ReadonlyMapAdminMixin,
    county_filter,
    readonly_map,
)

from .models import CalendarDay, Opinion, OpinionTransition


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


@admin.register(Opinion)
class OpinionAdmin(PrivateFieldsAdminMixin, ReadonlyMapAdminMixin, admin.ModelAdmin):
    list_display = ("recorded_at", "category", "status", "deputy", "cell", "due_at", "rating")
    list_filter = ("status", "category", county_filter(), "recorded_at")
    search_fields = ("text", "deputy__name", "cell__code")
    list_select_related = ("deputy", "cell")
    date_hierarchy = "recorded_at"
    show_full_result_count = False
    fields = (
        "deputy",
        "visit",
        "category",
        "status",
        "text",
        "recorded_at",
        "created_at",
        "due_at",
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

    def get_queryset(self, request):
        return super().get_queryset(request).defer("cell__boundary", "cell__display_boundary")

    @admin.display(description=_("citizen contact"))
    def contact(self, obj: Opinion) -> str:
        return mask_contact(obj.citizen_contact) or "-"

    @admin.display(description=_("location"))
    def location_map(self, obj: Opinion):
        return readonly_map("location", obj.location)


@admin.register(OpinionTransition)
class OpinionTransitionAdmin(PrivateFieldsAdminMixin, admin.ModelAdmin):
    list_display = ("opinion", "from_status", "to_status", "by", "at")
    list_filter = ("to_status", county_filter("opinion__county_adcode"))
    search_fields = ("opinion__text", "note")
    list_select_related = ("opinion", "by")
    fields = ("opinion", "from_status", "to_status", "by", "at", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The year's holidays and make-up working days (国务院办公厅 arrangement), for deadlines."""

    list_display = ("day", "workday", "name")
    list_filter = ("workday",)
    search_fields = ("name",)
    date_hierarchy = "day"

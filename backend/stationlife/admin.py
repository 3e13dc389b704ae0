"""Admin for station life: deliberation days (read with their topics, resolutions and actions;
written through the services and the deliberation page), joint activities, cross-border
problems and each station's registers (一表两卡三簿, edited here)."""

from django.contrib import admin

from .models import (
    ActionItem,
    CrossBorderProblem,
    Deliberation,
    DeliberationTopic,
    JointActivity,
    Resolution,
    StationRegisters,
)


class TopicInline(admin.TabularInline):
    model = DeliberationTopic
    fields = ("title", "importance", "urgency", "impact", "chosen")
    readonly_fields = fields
    extra = 0
    can_delete = False


class ResolutionInline(admin.TabularInline):
    model = Resolution
    fields = ("text",)
    readonly_fields = fields
    extra = 0
    can_delete = False


class ActionInline(admin.TabularInline):
    model = ActionItem
    fields = ("text", "owner", "due_on", "status", "done_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Deliberation)
class DeliberationAdmin(admin.ModelAdmin):
    list_display = ("date", "station", "status", "notice_sent_at")
    list_filter = ("status", "date")
    search_fields = ("station__name", "adcode")
    list_select_related = ("station",)
    fields = ("station", "date", "opens_at", "place", "status", "minutes", "notice_sent_at")
    readonly_fields = fields
    inlines = (TopicInline, ResolutionInline, ActionInline)

    def has_add_permission(self, request):
        return False


@admin.register(JointActivity)
class JointActivityAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "link", "suggestions", "problems_solved")
    list_filter = ("kind", "date")
    list_select_related = ("link__station_a", "link__station_b")
    raw_id_fields = ("link", "created_by")


@admin.register(CrossBorderProblem)
class CrossBorderProblemAdmin(admin.ModelAdmin):
    list_display = ("raised_at", "place", "raised_by", "handled_by", "status")
    list_filter = ("status",)
    list_select_related = ("raised_by", "handled_by")
    readonly_fields = ("link", "raised_by", "handled_by", "place_adcode", "raised_at")


@admin.register(StationRegisters)
class StationRegistersAdmin(admin.ModelAdmin):
    list_display = ("station", "checked_on")
    list_select_related = ("station",)
    raw_id_fields = ("station",)

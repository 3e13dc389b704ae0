"""Admin for campaigns: view-only (the services keep the rules; staff use /campaigns/)."""

from django.contrib import admin

from backend.core.admin import ReadonlyAdminMixin

from .models import Campaign


@admin.register(Campaign)
class CampaignAdmin(ReadonlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "region", "starts_on", "ends_on")
    list_select_related = ("region",)

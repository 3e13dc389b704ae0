from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Device


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "platform", "registered_at", "last_login_at", "revoked_at")
    list_filter = ("platform", "revoked_at")
    search_fields = ("user__username", "name", "device_uid")
    readonly_fields = ("registered_at", "last_login_at", "session")
    actions = ("revoke",)

    @admin.action(description=_("Revoke selected devices (their tokens stop working at once)"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, _("%d devices revoked.") % count, messages.SUCCESS)

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import Device
from .services import device_revoke


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "platform", "registered_at", "last_login_at", "revoked_at")
    list_filter = ("platform", "revoked_at")
    search_fields = ("user__username", "name", "device_uid")
    readonly_fields = ("registered_at", "last_login_at", "session")
    actions = ("revoke",)

    @admin.action(description=_("Revoke selected devices (their tokens stop working at once)"))
    def revoke(self, request, queryset):
        devices = list(queryset.filter(revoked_at__isnull=True))
        for device in devices:
            device_revoke(user=device.user, device_id=device.id)
        self.message_user(request, _("%d devices revoked.") % len(devices), messages.SUCCESS)

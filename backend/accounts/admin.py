"""Admin for accounts: role and jurisdiction beside Django's usual user fields."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from backend.core.admin import county_filter

from .models import User
from .services import user_deactivate


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "full_name",
        "role",
        "jurisdiction",
        "is_active",
        "is_staff",
        "last_login",
    )
    list_filter = (
        "role",
        county_filter("jurisdiction__adcode"),
        "is_active",
        "is_staff",
        "is_superuser",
    )
    search_fields = (
        "username",
        "first_name",
        "last_name",
        "email",
        "jurisdiction__name",
        "jurisdiction__adcode",
    )
    list_select_related = ("jurisdiction",)
    autocomplete_fields = ("jurisdiction",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Role and jurisdiction"), {"fields": ("role", "jurisdiction", "department")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Role and jurisdiction"), {"fields": ("role", "jurisdiction", "department")}),
    )

    def save_model(self, request, obj, form, change):
        """Unticking "active" deactivates through the service, so the account's tokens end."""
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            user_deactivate(user=obj)

    @admin.display(description=_("name"))
    def full_name(self, obj: User) -> str:
        return obj.get_full_name()

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("jurisdiction")
            .defer("jurisdiction__boundary", "jurisdiction__display_boundary")
        )

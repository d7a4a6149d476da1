from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from trm.accounts.models import Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "type", "country", "region", "is_active")
    list_filter = ("type", "country", "is_active")
    search_fields = ("name", "short_name")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "organisation", "role_list", "is_active")
    list_filter = ("organisation", "groups", "is_active")
    list_select_related = ("organisation",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Organisation"), {"fields": ("organisation",)}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Organisation and roles"), {"fields": ("email", "organisation", "groups")}),
    )

    @admin.display(description=_("roles"))
    def role_list(self, obj: User) -> str:
        return ", ".join(str(r.label) for r in obj.roles)

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Only a superuser may grant superuser or staff rights.
        if request.user.is_superuser:
            return ()
        return ("is_superuser", "user_permissions", "last_login", "date_joined")

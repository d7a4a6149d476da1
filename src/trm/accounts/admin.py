from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Model
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from trm.accounts.models import Organisation, User
from trm.audit import record
from trm.audit.events import Action

if TYPE_CHECKING:
    # The admin classes are generic in django-stubs only.
    _ModelAdmin = admin.ModelAdmin[Any]
    _DjangoUserAdmin = DjangoUserAdmin[User]
else:
    _ModelAdmin = admin.ModelAdmin
    _DjangoUserAdmin = DjangoUserAdmin


class AuditedAdmin(_ModelAdmin):
    """Every change made in the admin site goes into the audit chain too (field names only)."""

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm[Any], change: bool) -> None:
        super().save_model(request, obj, form, change)
        record.record(
            request.user, Action.UPDATE if change else Action.CREATE, obj,
            fields=form.changed_data, note="admin", request=request,
        )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        record.record(request.user, Action.DELETE, obj, note="admin", request=request)
        super().delete_model(request, obj)

    def save_related(
        self, request: HttpRequest, form: ModelForm[Any], formsets: Sequence[BaseFormSet[Any]], change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        if "groups" in form.changed_data:
            # Role changes are the most sensitive admin action: record them on their own.
            record.record(
                request.user, Action.ADMIN, form.instance, fields=["groups"], note="roles changed", request=request
            )


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ("name", "type", "country", "region", "is_active")
    list_filter = ("type", "country", "is_active")
    search_fields = ("name", "short_name")


@admin.register(User)
class UserAdmin(AuditedAdmin, _DjangoUserAdmin):
    list_display = ("username", "email", "organisation", "role_list", "is_active")
    list_filter = ("organisation", "groups", "is_active")
    list_select_related = ("organisation",)
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Organisation"), {"fields": ("organisation",)}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Organisation and roles"), {"fields": ("email", "organisation", "groups")}),
    )

    @admin.display(description=_("roles"))
    def role_list(self, obj: User) -> str:
        return ", ".join(str(r.label) for r in obj.roles)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Only a superuser may grant superuser rights; nobody else changes their own roles,
        # so a node administrator cannot give themselves access to case data.
        if request.user.is_superuser:
            return ()
        fixed: tuple[str, ...] = ("is_superuser", "user_permissions", "last_login", "date_joined")
        if obj is not None and obj.pk == request.user.pk:
            fixed = (*fixed, "groups", "is_staff", "is_active")
        return fixed

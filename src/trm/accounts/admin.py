"""The node administration site: the administrator administers, and never reads or impersonates.

- The site itself needs a verified second factor (``OTPAdminSite``), for every staff user.
- No second-factor secret is ever shown after enrolment: the django-otp device admins (with
  their key field, QR code and configuration pages) are replaced by read-only lists; those
  pages answer 404.
- Nobody's password is set here: a new account gets no password, and the administrator
  issues a one-time link that is e-mailed to the user (``trm.accounts.enrolment``). The
  link is never shown to the administrator. The same link resets a lost second factor.
- Every change goes into the audit chain: saves, deletions (one or many), role changes,
  links issued, and e-mail address changes (the old address is also told).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db.models import Model, QuerySet
from django.forms import BaseFormSet, ModelForm
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from trm.accounts import enrolment
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

# The whole admin site requires a verified second factor (django-otp's documented switch).
admin.site.__class__ = OTPAdminSite


class AuditedAdmin(_ModelAdmin):
    """Every change made in the admin site goes into the audit chain too (field names only)."""

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm[Any], change: bool) -> None:
        super().save_model(request, obj, form, change)
        record.record(
            request.user, Action.UPDATE if change else Action.CREATE, obj,
            fields=form.changed_data, note="admin", request=request,
        )  # fmt: skip

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        record.record(request.user, Action.DELETE, obj, note="admin", request=request)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # The "delete selected" action: one entry per object, like a single deletion.
        for obj in queryset:
            record.record(request.user, Action.DELETE, obj, note="admin", request=request)
        super().delete_queryset(request, queryset)

    def save_related(
        self, request: HttpRequest, form: ModelForm[Any], formsets: Sequence[BaseFormSet[Any]], change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        if "groups" in form.changed_data:
            # Role changes are the most sensitive admin action: record them on their own.
            record.record(
                request.user, Action.ADMIN, form.instance, fields=["groups"], note="roles changed", request=request
            )


def audit_every_model_admin(site: admin.AdminSite) -> None:
    """Make every registered model admin an audited one (groups, django-axes lock-outs …).

    Runs once all admin modules are loaded (``AccountsConfig.ready``), so that no change
    made in the admin site escapes the audit chain, whichever app registered the model.
    """
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, AuditedAdmin):
            continue
        base = type(model_admin)
        audited = type(f"Audited{base.__name__}", (AuditedAdmin, base), {"__module__": __name__})
        site.unregister(model)
        site.register(model, audited)


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ("name", "type", "country", "region", "is_active")
    list_filter = ("type", "country", "is_active")
    search_fields = ("name", "short_name")


class NewUserForm(forms.ModelForm):  # type: ignore[type-arg]  # generic only in the stubs
    """A new account has no password: its owner sets one through the one-time link."""

    class Meta:
        model = User
        fields = ("username", "email", "first_name", "last_name", "organisation", "groups")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = _("The one-time link to choose a password is sent here.")

    def save(self, commit: bool = True) -> User:
        user: User = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
            self._save_m2m()  # type: ignore[attr-defined]
        return user


def _without_password(fieldsets: Any) -> tuple[Any, ...]:
    out = []
    for name, options in fieldsets:
        fields = tuple(f for f in options["fields"] if f != "password")
        out.append((name, {**options, "fields": fields}))
    return tuple(out)


@admin.register(User)
class UserAdmin(AuditedAdmin, _DjangoUserAdmin):
    list_display = ("username", "email", "organisation", "role_list", "is_active")
    list_filter = ("organisation", "groups", "is_active")
    list_select_related = ("organisation",)
    fieldsets = (
        *_without_password(DjangoUserAdmin.fieldsets or ()),
        (_("Organisation"), {"fields": ("organisation",)}),
    )
    add_form = NewUserForm
    add_form_template = None  # Django's asks for a password first; there is none to give
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "email", "first_name", "last_name")}),
        (_("Organisation and roles"), {"fields": ("organisation", "groups")}),
    )
    actions = ("send_password_link", "send_enrolment_link")

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

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        # The administrator never sets another person's password: it sends a one-time link.
        raise PermissionDenied

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        old_email = User.objects.filter(pk=obj.pk).values_list("email", flat=True).first() if change else None
        super().save_model(request, obj, form, change)
        if change and old_email and "email" in form.changed_data:
            # Someone who changes the address could then send a link to themselves: tell the
            # old address (the change itself is in the audit chain like every other).
            send_mail(
                str(_("The e-mail address of your TRM account was changed")),
                str(_("An administrator changed the e-mail address of your account. If you did not ask for "
                      "this, tell your data protection officer.")),
                None, [old_email], fail_silently=True,
            )  # fmt: skip

    def response_add(self, request, obj, post_url_continue=None):  # type: ignore[no-untyped-def]
        self._send(request, [obj], enrolment.Kind.ENROL)
        return super().response_add(request, obj, post_url_continue)

    def _send(self, request: HttpRequest, users: Any, kind: enrolment.Kind) -> None:
        sent = 0
        for user in users:
            try:
                enrolment.issue(user, kind=kind, by=request.user, request=request)
            except ValidationError as exc:
                self.message_user(request, f"{user.get_username()}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                sent += 1
        if sent:
            self.message_user(
                request,
                _("A one-time link was sent by e-mail to %(count)d user(s). It is not shown here.") % {"count": sent},
                messages.SUCCESS,
            )

    @admin.action(description=_("Send a one-time link to choose a new password"), permissions=["change"])
    def send_password_link(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._send(request, queryset, enrolment.Kind.PASSWORD)

    @admin.action(
        description=_("Send a one-time link to set up the password and second factor again (lost device)"),
        permissions=["change"],
    )
    def send_enrolment_link(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._send(request, queryset, enrolment.Kind.ENROL)


# ----------------------------------------------------------------------------------------
# Second-factor devices: a read-only list. No key, no QR code, no configuration page, no
# way to add, change or delete a device here; a lost device is replaced through the link.

for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class DeviceAdmin(_ModelAdmin):
    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username",)
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("user")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        # django-otp's secret pages are gone; their addresses say so, for any device id.
        return [
            path("<path:object_id>/config/", self._gone),
            path("<path:object_id>/qrcode/", self._gone),
            *super().get_urls(),
        ]

    def _gone(self, request: HttpRequest, object_id: str) -> HttpResponse:
        raise Http404


admin.site.register(TOTPDevice, DeviceAdmin)
admin.site.register(StaticDevice, DeviceAdmin)

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, TypeAlias

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from trm.accounts import roles
from trm.accounts.roles import Cap, Role
from trm.vocab.countries import country_choices, validate_country
from trm.vocab.htcds import OrganisationType


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def active(self) -> OrganisationQuerySet:
        return self.filter(is_active=True)


class Organisation(models.Model):
    """A member of the national referral mechanism: a state body, an NGO, an IO."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    type = models.CharField(_("type"), max_length=40, choices=OrganisationType.choices)
    country = models.CharField(_("country"), max_length=2, choices=country_choices, validators=[validate_country])
    region = models.CharField(_("region"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True, help_text=_("E.164 format, e.g. +38111123456"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person working at a node. Roles are the groups named in roles.Role."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="members",
        null=True,
        blank=True,
    )

    if TYPE_CHECKING:
        # Set on each request's user by django_otp's OTPMiddleware.
        def is_verified(self) -> bool: ...

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @cached_property
    def role_names(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    @property
    def roles(self) -> list[Role]:
        return [roles.Role(r) for r in sorted(self.role_names) if r in roles.Role.values]

    @property
    def requires_two_factor(self) -> bool:
        # Staff reach the admin site, so they need the second factor whatever their roles.
        return self.is_superuser or self.is_staff or roles.requires_two_factor(set(self.role_names))

    def can(self, capability: Cap) -> bool:
        """True if one of the user's roles has the capability (superusers have none implicitly)."""
        if not self.is_active:
            return False
        return capability in roles.capabilities_of(set(self.role_names))


# Who makes a request (``request.user``): a signed-in user or the anonymous one. Access
# modules take a Viewer and refuse the anonymous one themselves.
Viewer: TypeAlias = User | AnonymousUser

"""The directory of service providers: list, update, search, and free places.

The node administrator and the national coordinator's office maintain the entries;
each provider keeps its own free places current (set_capacity). Search runs in Python
over the active entries: a national directory holds tens to a few hundred providers, and
the list fields (services, regions, languages) are JSON, which SQLite cannot search.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.accounts.models import User, Viewer
from trm.audit.events import Action
from trm.audit.record import record
from trm.referrals import access
from trm.referrals.models import Provider

EDITABLE = (
    "services",
    "regions",
    "languages",
    "accepts_children",
    "accepts_women",
    "accepts_men",
    "accepts_families",
    "capacity",
    "free_places",
    "contact_name",
    "contact_email",
    "contact_phone",
    "mou_reference",
    "mou_valid_from",
    "mou_valid_until",
    "description",
    "is_active",
)


def _check_sees(by: Viewer, provider: Provider) -> None:
    """A provider entry the actor may not see (an inactive one, for a non-maintainer) is a 404."""
    if not access.visible_providers(by).filter(pk=provider.pk).exists():
        raise Http404


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i.strip() for i in items if i and i.strip()))


@transaction.atomic
def add_provider(*, organisation: Any, by: User, **data: Any) -> Provider:
    if not access.may_maintain_directory(by):
        raise PermissionDenied(_("You may not maintain the directory."))
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("These details cannot be set here."))
    if Provider.objects.filter(organisation=organisation).exists():
        raise ValidationError({"organisation": _("This organisation is already in the directory.")})
    for key in ("services", "regions", "languages"):
        if key in data:
            data[key] = _unique(data[key])
    provider = Provider(organisation=organisation, **data)
    if provider.free_places is not None:
        provider.capacity_updated_at = timezone.now()
    provider.full_clean()
    provider.save()
    record(by, Action.CREATE, provider, fields=sorted({"organisation", *data}), note="directory entry")
    return provider


@transaction.atomic
def update_provider(provider: Provider, *, by: User, **changes: Any) -> Provider:
    _check_sees(by, provider)
    if not access.may_maintain_directory(by):
        raise PermissionDenied(_("You may not maintain the directory."))
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("These details cannot be changed here."))
    emptied = [key for key, value in changes.items() if value is None and not Provider._meta.get_field(key).null]
    if emptied:
        raise ValidationError({key: _("This detail cannot be empty.") for key in emptied})
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    changed = []
    for key, value in changes.items():
        if key in ("services", "regions", "languages"):
            value = _unique(value)
        if getattr(provider, key) != value:
            setattr(provider, key, value)
            changed.append(key)
    if not changed:
        return provider
    if "free_places" in changed or "capacity" in changed:
        provider.capacity_updated_at = timezone.now()
        changed.append("capacity_updated_at")
    provider.full_clean()
    provider.save(update_fields=[*changed, "updated_at"])
    record(by, Action.UPDATE, provider, fields=changed, note="directory entry")
    return provider


@transaction.atomic
def set_capacity(provider: Provider, *, by: User, free_places: int, capacity: int | None = None) -> Provider:
    """The provider (or a maintainer) states its free places now."""
    _check_sees(by, provider)
    if not access.may_update_capacity(by, provider):
        raise PermissionDenied(_("You may not change this provider's free places."))
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    if capacity is not None:
        provider.capacity = capacity
    if provider.capacity is None:
        raise ValidationError({"capacity": _("Give the places in total when counting free places.")})
    if free_places < 0:
        raise ValidationError({"free_places": _("Free places cannot be negative.")})
    provider.free_places = free_places
    provider.capacity_updated_at = timezone.now()
    provider.full_clean()
    provider.save(update_fields=["capacity", "free_places", "capacity_updated_at", "updated_at"])
    record(by, Action.UPDATE, provider, fields=["free_places", "capacity"], note="capacity")
    return provider


@dataclass(frozen=True)
class Filters:
    q: str = ""
    service: str = ""
    region: str = ""
    language: str = ""
    accepts: str = ""  # children | women | men | families
    free_only: bool = False


def matches(provider: Provider, f: Filters, *, today: dt.date) -> bool:
    if f.service and not provider.offers(f.service):
        return False
    if f.region and not any(f.region.casefold() in r.casefold() for r in provider.regions):
        return False
    if f.language and f.language not in provider.languages:
        return False
    if f.accepts and not getattr(provider, f"accepts_{f.accepts}", False):
        return False
    if f.free_only and provider.is_full:
        return False
    if f.q:
        text = " ".join([str(provider.organisation), provider.organisation.short_name, provider.description])
        if f.q.casefold() not in text.casefold():
            return False
    return True


def search(user: Viewer, filters: Filters) -> list[Provider]:
    today = timezone.localdate()
    providers = access.visible_providers(user).select_related("organisation").order_by("organisation__name")
    return [p for p in providers if matches(p, filters, today=today)]

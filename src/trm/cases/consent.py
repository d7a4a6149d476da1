"""Informed consent: record it, carry it from another country, withdraw it, and ask what it covers.

``covering(case, purpose=..., recipient_org=..., at=...)`` is what referrals and exchanges
check before anything leaves the case (``covers`` says whether there is one). A consent
given here with no recipients named covers any member organisation of the national referral
mechanism; one with recipients covers only those. A withdrawn or expired consent covers
nothing from the moment of withdrawal or from the day it expires (``expires_on``).

A **carried** consent was given in another country and came with a referral from there
(``carry``). It covers an organisation here only within the scope the person agreed to:
one of its ``purposes``, this country among its ``recipient_countries``, the organisation's
kind among its ``recipient_kinds`` (when it names any), before ``expires_on``.
``scope_gap`` says which part of that scope a disclosure misses. It ends when the person
withdraws it here (``withdraw``) or when its country says so (``withdrawn_abroad``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from trm.audit.events import Action
from trm.audit.record import record
from trm.cases import access
from trm.cases.models import ABROAD_PURPOSES, RECIPIENT_KINDS, Case, Consent, ConsentGiver, ConsentPurpose
from trm.lib.refusals import Conflict
from trm.vocab.countries import country_name
from trm.vocab.htcds import OrganisationType


def _in_force(case: Case, at: dt.datetime) -> QuerySet[Consent]:
    """The case's consents given by ``at``, neither withdrawn nor expired then."""
    return (
        Consent.objects.filter(case=case, given_at__lte=at)
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=at))
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=timezone.localdate(at)))
    )


def _carried_covers(item: Consent, purpose: str, recipient_org: Any) -> bool:
    if purpose not in item.purposes or settings.TRM_COUNTRY not in item.recipient_countries:
        return False
    if not item.recipient_kinds:
        return True
    return recipient_org is not None and recipient_org.type in item.recipient_kinds


def covering(case: Case, *, purpose: str, recipient_org: Any = None, at: dt.datetime | None = None) -> Consent | None:
    """The consent in force at ``at`` (default now) that covers this purpose and recipient, or None.

    One given here naming the recipient first, then one given here naming none, then a
    carried consent whose scope covers it.
    """
    at = at or timezone.now()
    general = carried = None
    for item in _in_force(case, at).prefetch_related("recipients").order_by("-given_at", "-id"):
        if item.is_carried:
            if carried is None and _carried_covers(item, purpose, recipient_org):
                carried = item
            continue
        if item.purpose != purpose:
            continue
        recipients = {r.pk for r in item.recipients.all()}
        if recipient_org is not None and recipient_org.pk in recipients:
            return item
        if not recipients and general is None:
            general = item
    return general or carried


def covers(case: Case, *, purpose: str, recipient_org: Any = None, at: dt.datetime | None = None) -> bool:
    """True if a consent in force at ``at`` (default now) covers this purpose and recipient."""
    return covering(case, purpose=purpose, recipient_org=recipient_org, at=at) is not None


def _day(day: dt.date) -> str:
    return date_format(day, "j M Y")


def _why_not(item: Consent, *, purpose: str, recipient_org: Any, at: dt.datetime) -> str | None:
    if item.withdrawn_at is not None and item.withdrawn_at <= at:
        return _("it was withdrawn on %(day)s") % {"day": _day(timezone.localdate(item.withdrawn_at))}
    if item.expires_on is not None and timezone.localdate(at) >= item.expires_on:
        return _("it expired on %(day)s") % {"day": _day(item.expires_on)}
    labels = dict(ConsentPurpose.choices)
    if purpose not in item.purposes:
        return _("it covers %(purposes)s, not %(purpose)s") % {
            "purposes": get_text_list([str(labels[p]).lower() for p in item.purposes], _("and")),
            "purpose": str(labels.get(purpose, purpose)).lower(),
        }
    if settings.TRM_COUNTRY not in item.recipient_countries:
        return _("it does not name %(country)s among the countries that may act on it") % {
            "country": country_name(settings.TRM_COUNTRY)
        }
    if item.recipient_kinds and (recipient_org is None or recipient_org.type not in item.recipient_kinds):
        kinds = dict(OrganisationType.choices)
        return _("it covers only these kinds of organisation: %(kinds)s; not %(kind)s") % {
            "kinds": get_text_list([str(kinds[k]) for k in item.recipient_kinds], _("and")),
            "kind": str(kinds.get(recipient_org.type, "—")) if recipient_org is not None else "—",
        }
    return None


def scope_gap(case: Case, *, purpose: str, recipient_org: Any = None, at: dt.datetime | None = None) -> str | None:
    """Why the latest carried consent does not cover this disclosure (a sentence); None if it does or none is there.

    It names the part of the scope missed, in the order a caseworker can check it:
    withdrawn, expired, purpose, country, kind of organisation.
    """
    at = at or timezone.now()
    item = Consent.objects.filter(case=case).exclude(origin_country="").order_by("-given_at", "-id").first()
    if item is None:
        return None
    why = _why_not(item, purpose=purpose, recipient_org=recipient_org, at=at)
    if why is None:
        return None
    return _("The consent the person gave in %(country)s does not cover this: %(why)s.") % {
        "country": country_name(item.origin_country),
        "why": why,
    }


def _check_scope_abroad(
    purpose: str,
    *,
    purposes: list[str],
    countries: list[str],
    kinds: list[str],
    expires_on: dt.date | None,
    given_on: dt.date,
) -> None:
    """The scope abroad of a consent: only for a transnational referral, and complete."""
    if purpose != ConsentPurpose.TRANSNATIONAL:
        if purposes or countries or kinds or expires_on:
            raise ValidationError(
                {"purposes": _("Only a consent to a transnational referral states what another country may do.")}
            )
        return
    if any(p not in ABROAD_PURPOSES for p in purposes):
        raise ValidationError({"purposes": _("Unknown purpose.")})
    if any(k not in RECIPIENT_KINDS for k in kinds):
        raise ValidationError({"recipient_kinds": _("Unknown kind of organisation.")})
    if purposes and not countries:
        raise ValidationError({"recipient_countries": _("Name the countries whose organisations may act on it.")})
    if countries and not purposes:
        raise ValidationError({"purposes": _("Say what the receiving country may do under this consent.")})
    if (kinds or expires_on) and not purposes:
        raise ValidationError({"purposes": _("Say what the receiving country may do under this consent.")})
    if settings.TRM_COUNTRY in countries:
        raise ValidationError({"recipient_countries": _("Name other countries than this one.")})
    if expires_on is not None and expires_on <= given_on:
        raise ValidationError({"expires_on": _("A consent must expire after the day it is given.")})


@transaction.atomic
def give(
    case: Case,
    *,
    purpose: str,
    language: str,
    by: Any,
    recipients: Iterable[Any] = (),
    scope: Iterable[str] = (),
    interpreter: bool = False,
    given_by: str = ConsentGiver.PERSON,
    given_at: dt.datetime | None = None,
    purposes: Iterable[str] = (),
    recipient_countries: Iterable[str] = (),
    recipient_kinds: Iterable[str] = (),
    expires_on: dt.date | None = None,
) -> Consent:
    """Record a consent (as given and explained to the person, in their language).

    A consent to a transnational referral may state what the receiving country may do under
    it: ``purposes`` there, ``recipient_countries`` (other countries), ``recipient_kinds``
    (none: any kind) and ``expires_on``; the referral carries that scope.
    """
    access.check("give_consent", by, case)
    at = given_at or timezone.now()
    if at > timezone.now():
        raise ValidationError({"given_at": _("Consent cannot be recorded for a future time.")})
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": _("Unknown purpose.")})
    if not language:
        raise ValidationError({"language": _("Say in which language the person was informed.")})
    wanted_purposes, wanted_kinds = set(purposes), set(recipient_kinds)
    abroad_purposes = [p for p in ABROAD_PURPOSES if p in wanted_purposes]
    kinds = [k for k in RECIPIENT_KINDS if k in wanted_kinds]
    countries = sorted(set(recipient_countries))
    _check_scope_abroad(
        purpose,
        purposes=[*abroad_purposes, *sorted(wanted_purposes - set(abroad_purposes))],
        countries=countries,
        kinds=[*kinds, *sorted(wanted_kinds - set(kinds))],
        expires_on=expires_on,
        given_on=timezone.localdate(at),
    )
    if case.is_child and given_by == ConsentGiver.PERSON and purpose != ConsentPurpose.RESEARCH:
        # A child's views are heard, but the guardian or parent gives the legal consent.
        given_by = ConsentGiver.GUARDIAN
    item = Consent(
        case=case,
        purpose=purpose,
        language=language,
        scope=sorted(set(scope)),
        interpreter=interpreter,
        given_by=given_by,
        given_at=at,
        recorded_by=by,
        purposes=abroad_purposes,
        recipient_countries=countries,
        recipient_kinds=kinds,
        expires_on=expires_on,
    )
    item.full_clean()
    item.save()
    item.recipients.set(list(recipients))
    fields = ["consent", *(["consent_scope_abroad"] if abroad_purposes else [])]
    record(by, Action.CREATE, case, fields=fields, note=f"consent given: {purpose}")
    return item


@transaction.atomic
def carry(
    case: Case,
    *,
    by: Any,
    origin_country: str,
    origin_node: str,
    origin_ref: str,
    given_on: dt.date,
    purposes: Iterable[str],
    recipient_countries: Iterable[str],
    recipient_kinds: Iterable[str] = (),
    expires_on: dt.date | None = None,
    given_by: str = ConsentGiver.PERSON,
    language: str = "",
    interpreter: bool = False,
) -> Consent:
    """Keep a consent given in another country, received with a referral from there.

    ``by`` is whoever accepted the referral here; the consent is not theirs (``recorded_by``
    stays empty): it is the person's consent as given and recorded abroad, with its scope.
    """
    access.check("record_abroad", by, case)
    if not origin_country or origin_country == settings.TRM_COUNTRY:
        raise ValidationError({"origin_country": _("A carried consent was given in another country.")})
    if given_on > timezone.localdate() + dt.timedelta(days=1):  # a day's grace: the countries' clocks differ
        raise ValidationError({"given_on": _("Consent cannot be given in the future.")})
    wanted_purposes, wanted_kinds = set(purposes), set(recipient_kinds)
    if not wanted_purposes or wanted_purposes - set(ABROAD_PURPOSES) or wanted_kinds - set(RECIPIENT_KINDS):
        raise ValidationError({"purposes": _("The consent received states no purpose this node knows.")})
    item = Consent(
        case=case,
        purpose=ConsentPurpose.TRANSNATIONAL,
        language=language,
        interpreter=interpreter,
        given_by=ConsentGiver.GUARDIAN if case.is_child and given_by == ConsentGiver.PERSON else given_by,
        given_at=timezone.make_aware(dt.datetime.combine(given_on, dt.time.min)),
        recorded_by=None,
        purposes=[p for p in ABROAD_PURPOSES if p in wanted_purposes],
        recipient_countries=sorted(set(recipient_countries)),
        recipient_kinds=[k for k in RECIPIENT_KINDS if k in wanted_kinds],
        expires_on=expires_on,
        origin_country=origin_country,
        origin_node=origin_node,
        origin_ref=origin_ref[:64],
    )
    item.full_clean()
    item.save()
    record(by, Action.CREATE, case, fields=["consent_carried"], note=f"consent carried from {origin_country}")
    return item


WithdrawalHook = Callable[[Consent, Any], object]
_withdrawal_hooks: list[WithdrawalHook] = []


def on_withdrawal(hook: WithdrawalHook) -> WithdrawalHook:
    """Register what must happen in the same transaction when a consent is withdrawn.

    Apps that rely on consent register here (in AppConfig.ready): national referrals end
    the provider's access, the exchange tells the other country to erase what it received.
    """
    if hook not in _withdrawal_hooks:
        _withdrawal_hooks.append(hook)
    return hook


def _end(consent: Consent, *, by: Any, at: dt.datetime, note: str) -> Consent:
    consent.withdrawn_at = at
    consent.withdrawn_recorded_by = by
    consent.full_clean()
    consent.save(update_fields=["withdrawn_at", "withdrawn_recorded_by"])
    record(by, Action.UPDATE, consent.case, fields=["consent"], note=note)
    for hook in _withdrawal_hooks:
        hook(consent, by)
    return consent


@transaction.atomic
def withdraw(consent: Consent, *, by: Any, at: dt.datetime | None = None) -> Consent:
    consent = Consent.objects.select_for_update(of=("self",)).select_related("case").get(pk=consent.pk)
    access.check("withdraw_consent", by, consent.case)
    if consent.withdrawn_at is not None:
        raise Conflict(_("This consent has already been withdrawn."), code="withdrawn")
    return _end(consent, by=by, at=at or timezone.now(), note=f"consent withdrawn: {consent.purpose}")


@transaction.atomic
def withdrawn_abroad(case: Case, *, node: str) -> list[Consent]:
    """End, now, the consents carried from ``node`` on this case: the country where they were given says so.

    Run by the node itself when the other country's withdrawal arrives (no user acts), in
    that message's transaction; the withdrawal hooks end what relied on them here (national
    referrals). Consents already ended stay as they are.
    """
    ended = []
    for item in (
        Consent.objects.select_for_update()
        .select_related("case")
        .filter(case=case, origin_node=node, withdrawn_at__isnull=True)
        .exclude(origin_country="")
    ):
        ended.append(_end(item, by=None, at=timezone.now(), note="carried consent withdrawn abroad"))
    return ended

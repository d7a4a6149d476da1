"""Informed consent: record it, withdraw it, and ask whether it covers a disclosure.

``covers(case, purpose=..., recipient_org=..., at=...)`` is what referrals and exchanges
check before anything leaves the case. A consent with no recipients named covers any
member organisation of the national referral mechanism; one with recipients covers only
those. A withdrawn consent covers nothing from the moment of withdrawal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.audit.events import Action
from trm.audit.record import record
from trm.cases import access
from trm.cases.models import Case, Consent, ConsentGiver, ConsentPurpose
from trm.lib.refusals import Conflict


def covers(case: Case, *, purpose: str, recipient_org: Any = None, at: dt.datetime | None = None) -> bool:
    """True if a consent active at ``at`` (default now) covers this purpose and recipient."""
    at = at or timezone.now()
    candidates = Consent.objects.filter(case=case, purpose=purpose, given_at__lte=at).filter(
        Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=at)
    )
    for item in candidates.prefetch_related("recipients"):
        recipients = list(item.recipients.all())
        if not recipients:
            return True
        if recipient_org is not None and any(r.pk == recipient_org.pk for r in recipients):
            return True
    return False


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
) -> Consent:
    """Record a consent (as given and explained to the person, in their language)."""
    access.check("give_consent", by, case)
    at = given_at or timezone.now()
    if at > timezone.now():
        raise ValidationError({"given_at": _("Consent cannot be recorded for a future time.")})
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": _("Unknown purpose.")})
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
    )
    item.full_clean()
    item.save()
    item.recipients.set(list(recipients))
    record(by, Action.CREATE, case, fields=["consent"], note=f"consent given: {purpose}")
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


@transaction.atomic
def withdraw(consent: Consent, *, by: Any, at: dt.datetime | None = None) -> Consent:
    consent = Consent.objects.select_for_update().select_related("case").get(pk=consent.pk)
    access.check("withdraw_consent", by, consent.case)
    if consent.withdrawn_at is not None:
        raise Conflict(_("This consent has already been withdrawn."), code="withdrawn")
    consent.withdrawn_at = at or timezone.now()
    consent.withdrawn_recorded_by = by
    consent.full_clean()
    consent.save(update_fields=["withdrawn_at", "withdrawn_recorded_by"])
    record(by, Action.UPDATE, consent.case, fields=["consent"], note=f"consent withdrawn: {consent.purpose}")
    for hook in _withdrawal_hooks:
        hook(consent, by)
    return consent

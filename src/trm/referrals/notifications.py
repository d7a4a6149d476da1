"""Notifications inside the application, and the same by e-mail (Django's mail backend).

A notification names the referral by its reference and the kind of event, never the person.
The e-mail carries the same sentence and a link; it is sent after the transaction commits,
so a refused or rolled-back step sends nothing. A notification links to its referral only
while its recipient may open it (a provider's access ends with the referral): ``rows``
asks ``access`` whenever notifications are shown, and an e-mail to someone who can no
longer open the referral links to the notifications page instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.accounts.access import signed_in
from trm.accounts.models import User, Viewer
from trm.accounts.roles import Role
from trm.referrals import access
from trm.referrals.models import Notification, NotificationKind, Referral

log = logging.getLogger(__name__)


def message(kind: str, reference: str) -> str:
    texts = {
        NotificationKind.OFFERED: _("New referral %(ref)s awaits your answer."),
        NotificationKind.ACCEPTED: _("Referral %(ref)s was accepted."),
        NotificationKind.DECLINED: _("Referral %(ref)s was declined."),
        NotificationKind.STARTED: _("Services started on referral %(ref)s."),
        NotificationKind.SERVICE: _("Services were recorded on referral %(ref)s."),
        NotificationKind.COMPLETED: _("Referral %(ref)s was completed; the report is available."),
        NotificationKind.WITHDRAWN: _("Referral %(ref)s was withdrawn; your access to it has ended."),
        NotificationKind.OVERDUE: _("Referral %(ref)s has not been answered in time."),
    }
    return texts[NotificationKind(kind)] % {"ref": reference}


def provider_staff(referral: Referral) -> list[User]:
    """The case managers of the receiving organisation."""
    return list(
        User.objects.filter(organisation_id=referral.to_org_id, is_active=True, groups__name=Role.PROVIDER).distinct()
    )


def referring_staff(referral: Referral) -> list[User]:
    """The worker who referred (the case owner too, when another person)."""
    ids = {referral.referred_by_id, referral.case.owner_id}
    return list(User.objects.filter(pk__in=[i for i in ids if i], is_active=True))


def notify(recipients: Iterable[User], *, kind: str, referral: Referral) -> list[Notification]:
    users = {u.pk: u for u in recipients}
    items = Notification.objects.bulk_create(
        [Notification(recipient=u, referral=referral, kind=kind) for u in users.values()]
    )
    # Each address gets the link its owner may open now: the referral, or the notifications page.
    by_url: dict[str, list[str]] = {}
    for user in users.values():
        if user.email:
            opens = access.visible_referrals(user).filter(pk=referral.pk).exists()
            url = (
                reverse("referrals:detail", args=[referral.reference]) if opens else reverse("referrals:notifications")
            )
            by_url.setdefault(settings.TRM_PUBLIC_URL + url, []).append(user.email)
    if by_url:
        text = message(kind, referral.reference)
        subject = f"[TRM {settings.TRM_NODE_ID}] {text}"
        mails = [(subject, f"{text}\n\n{link}\n", None, sorted(to)) for link, to in by_url.items()]

        def _send() -> None:
            try:
                send_mass_mail(mails)
            except Exception:  # the notification inside the application stays
                log.warning("referral notification e-mail failed kind=%s referral=%s", kind, referral.pk)

        transaction.on_commit(_send)
    return items


def unread_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, read_at__isnull=True)


def for_user(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("referral")


def rows(user: User, items: Iterable[Notification]) -> list[dict[str, object]]:
    """Notifications as shown: each with its sentence, and its referral only if the user may open it now."""
    listed = list(items)
    opens = set(
        access.visible_referrals(user).filter(pk__in={n.referral_id for n in listed}).values_list("pk", flat=True)
    )
    return [{"n": n, "text": message(n.kind, n.referral.reference), "open": n.referral_id in opens} for n in listed]


def mark_read(user: Viewer, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all, or those ``ids``); another's is a 404."""
    if not signed_in(user):
        raise PermissionDenied(_("Sign in to read your notifications."))
    qs = unread_for(user)
    if ids is not None:
        wanted = set(ids)
        own = set(Notification.objects.filter(recipient=user, pk__in=wanted).values_list("pk", flat=True))
        if wanted - own:
            raise Http404
        qs = qs.filter(pk__in=wanted)
    return int(qs.update(read_at=timezone.now()))

"""Notifications of what arrives in a conversation: inside the application, and by e-mail.

Who is told: every active person of this node who handles transnational conversations
(a role with ``Cap.SEND_TRANSNATIONAL``; each of them sees every conversation). What they
are told: the kind of event, the message type, the other country and the conversation's
short id, with a link; never the person nor anything from the message's body. The e-mail
leaves after the transaction commits, so a handler that fails sends nothing.

A notice links to its conversation only while its recipient may open it: ``rows`` asks
``access`` each time notices are shown, and says "You no longer have access to this
conversation" instead of linking to a page that would answer 404.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.accounts.models import User
from trm.accounts.roles import CAPABILITIES, Cap
from trm.exchange.models import InboxMessage
from trm.transnational import access, kinds
from trm.transnational.models import Link, Notice, NoticeEvent, NoticeQuerySet
from trm.vocab.countries import country_label

log = logging.getLogger(__name__)

# Types whose arrival is an event of its own; any other type is classified by its Kind below.
_EVENTS = {
    "case_notification": NoticeEvent.STARTED,
    "referral_offer": NoticeEvent.STARTED,
    "referral_accept": NoticeEvent.ACCEPTED,
    "referral_decline": NoticeEvent.DECLINED,
    "referral_withdraw": NoticeEvent.WITHDRAWN,
    "consent_withdrawn": NoticeEvent.ERASE,
    "urgent_alert": NoticeEvent.ALERT,
    "route_alert": NoticeEvent.ALERT,
}
# Free questions and their answers, named by type so that they count once they exist.
QUESTION_TYPES = frozenset({"information_request"})
ANSWER_TYPES = frozenset({"information_response"})


def event_for(type_: str) -> str:
    """The event a received message is: answers declare what they answer, questions are what is answered."""
    if type_ in _EVENTS:
        return _EVENTS[type_]
    kind = kinds.KINDS.get(type_)
    if type_ in ANSWER_TYPES or (kind is not None and kind.answers is not None):
        return NoticeEvent.ANSWER
    asked = {k.answers for k in kinds.KINDS.values() if k.answers is not None}
    if type_ in QUESTION_TYPES or type_ in asked:
        return NoticeEvent.QUESTION
    return NoticeEvent.MESSAGE


def recipients() -> QuerySet[User]:
    """The active people who handle transnational conversations on this node."""
    roles = [role.value for role, caps in CAPABILITIES.items() if Cap.SEND_TRANSNATIONAL in caps]
    return User.objects.filter(is_active=True, groups__name__in=roles).distinct()


def sentence(event: str, *, type_: str, country: str, conversation: Any) -> str:
    """What a notice says: the event, the message type, the country (a code; named here), the conversation."""
    texts = {
        NoticeEvent.STARTED: _("New from %(country)s: %(type)s (conversation %(ref)s)."),
        NoticeEvent.ACCEPTED: _("%(country)s accepted the referral (conversation %(ref)s)."),
        NoticeEvent.DECLINED: _("%(country)s declined the referral (conversation %(ref)s)."),
        NoticeEvent.WITHDRAWN: _("%(country)s withdrew the referral (conversation %(ref)s)."),
        NoticeEvent.ERASE: _(
            "%(country)s reports that consent was withdrawn: erase the shared data (conversation %(ref)s)."
        ),
        NoticeEvent.QUESTION: _("Question from %(country)s: %(type)s (conversation %(ref)s)."),
        NoticeEvent.ANSWER: _("Answer from %(country)s: %(type)s (conversation %(ref)s)."),
        NoticeEvent.ALERT: _("Urgent alert from %(country)s (conversation %(ref)s)."),
        NoticeEvent.MESSAGE: _("Message from %(country)s: %(type)s (conversation %(ref)s)."),
    }
    return texts[NoticeEvent(event)] % {
        "country": country_label(country),
        "type": kinds.label(type_),
        "ref": short_ref(conversation),
    }


def short_ref(conversation: Any) -> str:
    return str(conversation)[:8]


def text_of(notice: Notice) -> str:
    return sentence(
        notice.event, type_=notice.message_type, country=notice.link.peer_country, conversation=notice.link.conversation
    )


def on_arrival(link: Link, row: InboxMessage) -> list[Notice]:
    """Tell the people who handle ``link``'s conversation that ``row`` arrived in it (in the caller's transaction)."""
    event = event_for(row.type)
    people = list(recipients())
    if event == NoticeEvent.STARTED:
        # A notification and its offer start one conversation: one unread notice is enough.
        told = set(Notice.objects.unread().filter(link=link, event=event).values_list("recipient_id", flat=True))
        people = [u for u in people if u.pk not in told]
    items = Notice.objects.bulk_create(
        [Notice(recipient=u, link=link, event=event, message_type=row.type) for u in people]
    )
    addresses = sorted({u.email for u in people if u.email})
    if addresses:
        text = sentence(event, type_=row.type, country=link.peer_country, conversation=link.conversation)
        url = settings.TRM_PUBLIC_URL + reverse("transnational:detail", args=[link.conversation])
        subject = f"[TRM {settings.TRM_NODE_ID}] {text}"
        body = f"{text}\n\n{url}\n"
        # One e-mail per address: no recipient learns who else was told.
        mails = [(subject, body, None, [address]) for address in addresses]

        def _send() -> None:
            try:
                send_mass_mail(mails)
            except Exception:  # the notice inside the application stays
                log.warning("transnational notification e-mail failed event=%s message=%s", event, row.message_id)

        transaction.on_commit(_send)
    return items


def for_user(user: Any) -> NoticeQuerySet:
    return Notice.objects.filter(recipient=user).select_related("link")


def unread_for(user: Any) -> NoticeQuerySet:
    return for_user(user).unread()


def rows(user: Any, notices: Iterable[Notice]) -> list[dict[str, Any]]:
    """Notices as shown: each with its sentence and a link only if the user may open the conversation now."""
    items = list(notices)
    open_now = set(access.visible_links(user).filter(pk__in={n.link_id for n in items}).values_list("pk", flat=True))
    return [
        {
            "notice": n,
            "text": text_of(n),
            "url": reverse("transnational:detail", args=[n.link.conversation]) if n.link_id in open_now else None,
        }
        for n in items
    ]


def mark_read(user: Any, *, link: Link | None = None) -> int:
    """Mark the user's own unread notices read: all of them, or those of one conversation."""
    qs = Notice.objects.filter(recipient=user, read_at__isnull=True)
    if link is not None:
        qs = qs.filter(link=link)
    return int(qs.update(read_at=timezone.now()))

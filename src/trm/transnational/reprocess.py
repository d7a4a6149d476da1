"""Received messages whose processing failed or was set aside, and running one again.

The exchange keeps such a message ``failed`` (a handler raised: the exception's class is
kept, never its text) or ``unhandled`` (no handler for its type, or a handler refused it,
e.g. a conversation unknown here: a fixed reason is kept). The focal point sees them with
that reason and runs one again once the cause is fixed; ``trm exchange retry`` does the
same for the node's operators. The exchange's ``inbox.retry`` makes the run happen once
and audits it; this module adds who may ask (the exchange knows no roles).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trm.accounts.access import require_capability
from trm.accounts.roles import Cap
from trm.exchange import inbox
from trm.exchange.models import InboxMessage
from trm.lib.refusals import Conflict, Http404
from trm.transnational import access, handlers, kinds


def waiting(user: Any) -> QuerySet[InboxMessage]:
    """The received messages waiting for a retry, for whoever handles transnational conversations."""
    if not access.may_use(user):
        return InboxMessage.objects.none()
    fields = ("message_id", "sender", "type", "conversation", "received_at", "processed_at", "status", "last_error")
    return inbox.waiting_for_retry().only(*fields, "attempts")


def reason(row: InboxMessage) -> str:
    """Why a message was not processed, in words; never anything from the message itself."""
    explained = inbox.explanation(row.last_error)
    if explained is not None:
        return str(explained)
    if row.last_error == inbox.NO_HANDLER:
        return _("This node does not process messages of this type.")
    if row.last_error == handlers.UNKNOWN_CONVERSATION:
        return _("This node holds no conversation with this id with the sending node.")
    if row.last_error and row.attempts > 1:
        # A passing database error that did not pass: the exchange tried it again, then gave up.
        return ngettext(
            "Processing failed %(n)d time (%(error)s).", "Processing failed %(n)d times (%(error)s).", row.attempts
        ) % {"n": row.attempts, "error": row.last_error}
    if row.last_error:
        return _("Processing failed (%(error)s).") % {"error": row.last_error}
    return _("Processing failed.")


def label(row: InboxMessage) -> Any:
    """The message's type in words: registered by its handler's part (``inbox.explain``), or a case kind's."""
    return inbox.type_label(row.type) or kinds.label(row.type)


def retry(message_id: Any, *, by: Any) -> str:
    """Run one failed or set-aside message again, now; returns its new status.

    403 without the capability, 404 for an id not received here, 409 when the message
    does not wait for a retry (processed, or retried by someone else a moment ago).
    """
    require_capability(by, Cap.SEND_TRANSNATIONAL)
    if not InboxMessage.objects.filter(message_id=message_id).exists():
        raise Http404
    status = inbox.retry(str(message_id), by=by)
    if status is None:
        raise Conflict(_("This message does not wait for a retry."))
    return status

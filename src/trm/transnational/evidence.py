"""Delivery evidence in words: each message's chain on the conversation page and its own page.

The exchange gathers the facts (``trm.exchange.evidence``: submitted, delivered with the
signed receipt, acted upon at the recipient as the peer's exchange summary states it,
answered); this module gives every step, state and finding its label for the focal point.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from trm.exchange import evidence as facts

STEPS = {
    (facts.SENT, facts.SUBMITTED): _("Submission"),
    (facts.SENT, facts.DELIVERY): _("Delivery"),
    (facts.SENT, facts.ACTED): _("Processing by the recipient"),
    (facts.SENT, facts.ANSWERED): _("Answer"),
    (facts.RECEIVED, facts.SUBMITTED): _("Submission by the sender"),
    (facts.RECEIVED, facts.DELIVERY): _("Receipt here"),
    (facts.RECEIVED, facts.ACTED): _("Processing here"),
    (facts.RECEIVED, facts.ANSWERED): _("Answer"),
}
STATUSES = {
    "submitted": _("submitted"),
    "delivered": _("delivered, signed receipt"),
    "accepted": _("received, signed receipt returned"),
    "received": _("not processed yet"),
    "rejected": _("refused by the recipient"),
    "expired": _("expired undelivered"),
    "pending": _("not delivered yet"),
    "processed": _("processed"),
    "failed": _("processing failed"),
    "unhandled": _("set aside"),
    facts.UNKNOWN: _("not reported yet"),
    facts.MISSING: _("not held by the recipient"),
    "answered": _("answered"),
    "not_answered": _("no reply"),
}
# The other node's states as its exchange summary gives them (trm/1 §5.21).
PEER_STATUSES = {
    "": _("not listed"),
    "pending": _("sent, no receipt yet"),
    "delivered": _("sent, holds the signed receipt"),
    "rejected": _("sent, holds a refusal"),
    "expired": _("expired undelivered"),
    "received": _("received, not yet processed"),
    "processed": _("processed"),
    "failed": _("processing failed"),
    "unhandled": _("set aside"),
}
FINDINGS = {
    "only_here": _("held here only"),
    "only_there": _("held by the other node only"),
    "mismatch": _("both hold it, but they disagree"),
}
DETAILS = {
    "status": _("delivery state"),
    "type": _("message type"),
    "created": _("time of creation"),
    "token_sha256": _("token digest"),
}


def label(codes: Mapping[str, Any], code: str) -> Any:
    return codes.get(code, code)


def steps(chain: facts.Evidence) -> list[dict[str, Any]]:
    """The chain's steps, each with its label, state, time and the node that says so."""
    return [
        {
            "name": step.name,
            "label": STEPS[chain.direction, step.name],
            "state": step.state,
            "status": label(STATUSES, step.status),
            "at": step.at,
            "by": step.by,
            "here": step.by == settings.TRM_NODE_ID,
            "note": step.note,
        }
        for step in chain.steps
    ]


def findings(chain: facts.Evidence) -> list[dict[str, Any]]:
    return [
        {
            "kind": label(FINDINGS, f.kind),
            "here": label(PEER_STATUSES, f.here),
            "there": label(PEER_STATUSES, f.there),
            "detail": label(DETAILS, f.detail) if f.detail else "",
            "summary_id": f.summary_id,
            "at": f.found_at,
        }
        for f in chain.findings
    ]


def tally(chains: Mapping[str, facts.Evidence]) -> facts.Tally:
    return facts.tally(chains.values())


def for_conversation(conversation: Any) -> dict[str, facts.Evidence]:
    return facts.for_conversation(conversation, us=settings.TRM_NODE_ID)


def for_message(conversation: Any, message_id: Any) -> facts.Evidence | None:
    return facts.for_message(message_id, conversation=conversation, us=settings.TRM_NODE_ID)

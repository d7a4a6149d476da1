"""The TRM workflows: send (start a conversation or add to one), accept, decline, withdraw; consent withdrawal.

Every message this node sends is drafted by ``_draft`` — the one place that computes its
purpose (the kind's, or the sender's choice among the kind's purposes), its legal basis,
the conversation's handling restrictions, its body and the kind's rules — and queued by
``_enqueue``. ``plan`` returns the drafts without storing anything (the send page's
preview shows them); ``send`` queues them. Each verb checks its actor (the focal point's
capability: ``PermissionDenied``; a conversation or case the actor may not see:
``Http404``) and the conversation's state (``Conflict``), runs in one transaction, moves
the link only through ``states.move`` and writes its audit entry.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.accounts.access import require_capability
from trm.accounts.roles import Cap
from trm.audit.events import Action
from trm.audit.record import record
from trm.cases.access import get_case_for
from trm.cases.models import BestInterests, Case, Consent, ConsentPurpose
from trm.exchange import keys, outbox, protocol, schemas
from trm.exchange.errors import ProtocolError
from trm.exchange.messages import Handling
from trm.exchange.models import InboxMessage
from trm.lib.refusals import Conflict, Http404, PermissionDenied, ValidationError
from trm.transnational import access, handlers, history, protection, received, roles, states
from trm.transnational.kinds import FOLLOW_UPS, KINDS, STARTS, Kind
from trm.transnational.models import Direction, Link

HANDLING_CODES = tuple(schemas.HANDLING_CODES)


def peers(*, now: dt.datetime | None = None) -> list[Any]:
    """The other nodes of the current trust list (empty when none is imported)."""
    now = now or timezone.now()
    try:
        trust_list = keys.current_trust_list(now=now)
    except keys.NoTrustList:
        return []
    return [n for n in trust_list.nodes if n.node_id != settings.TRM_NODE_ID and not n.is_revoked(now)]


def _peer(node_id: str) -> Any:
    for node in peers():
        if node.node_id == node_id:
            return node
    raise ValidationError({"to_node": [_("That node is not on the current trust list.")]})


def basis_for(case: Case, country: str = "") -> dict[str, Any]:
    """The legal basis of a transnational disclosure (to ``country``), or a ``Conflict`` saying what is missing.

    Adults: an active consent to a transnational referral given here (a consent carried
    from another country is never a basis to send the case on) that names no recipient
    organisation (another country's node is no member of this NRM) and, when it names
    receiving countries, names ``country``. Children: a best-interests record.
    """
    if case.is_child:
        bi = BestInterests.objects.filter(case=case).order_by("-decided_on", "-id").first()
        if bi is None:
            raise Conflict(_("A child's case needs a best-interests assessment or determination first."))
        return {"legal_basis": "best_interests", "best_interests_ref": f"BI-{bi.pk}", "consent": None}
    now = timezone.now()
    given_here = Consent.objects.filter(case=case, purpose=ConsentPurpose.TRANSNATIONAL, origin_country="")
    named_others = False
    for item in given_here.prefetch_related("recipients"):
        if not item.active_at(now) or item.recipients.exists():
            continue
        if country and item.recipient_countries and country not in item.recipient_countries:
            named_others = True
            continue
        return {"legal_basis": "consent", "consent_ref": f"CONSENT-{item.pk}", "consent": item}
    if named_others:
        raise Conflict(_("The person's consent to a transnational referral does not name this country."))
    raise Conflict(_("The person has not consented to a transnational referral (or withdrew consent)."))


def _refs(basis: Mapping[str, Any]) -> dict[str, str]:
    return {k: v for k, v in basis.items() if k in ("legal_basis", "consent_ref", "best_interests_ref")}


def handling_of(codes: list[str] | tuple[str, ...] | None, text: str = "") -> Handling:
    """The handling restrictions of a conversation (H2, no onward transmission, unless chosen)."""
    chosen = tuple(c for c in HANDLING_CODES if c in (codes or ())) or ("H2",)
    if "H3" in chosen and not text.strip():
        raise ValidationError({"handling_text": [_("Handling code H3 needs the conditions written out.")]})
    return Handling(chosen, text.strip() or None)


def _handling(link: Link) -> Handling:
    return Handling(tuple(link.handling_codes) or ("H2",), link.handling_text or None)


def _conversation_basis(link: Link, kind: Kind) -> dict[str, str]:
    """The legal basis of a message in a live conversation.

    Urgent alerts go on vital interests. The sender of the referral names its case's
    current basis, or the one the conversation started on (a withdrawal or an erasure
    request discloses nothing new). The receiver answers on the basis the sender named.
    """
    if kind.vital_interests:
        return {"legal_basis": "vital_interests"}
    if link.direction == Direction.INCOMING:
        return history.reply_basis(link)
    assert link.case is not None  # an outgoing conversation always started from a case here
    try:
        return _refs(basis_for(link.case, link.peer_country))
    except ValidationError:
        if link.consent_id:
            return {"legal_basis": "consent", "consent_ref": f"CONSENT-{link.consent_id}"}
        return {"legal_basis": "best_interests", "best_interests_ref": "BI-withdrawn"}


@dataclass(frozen=True)
class Draft:
    """One message exactly as it will leave: nothing is stored until ``_enqueue``."""

    kind: Kind
    to: str
    purpose: str
    basis: dict[str, str]
    handling: Handling
    body: dict[str, Any]
    in_reply_to: str | None = None

    @property
    def type(self) -> str:
        return self.kind.type

    def envelope(self) -> dict[str, Any]:
        """The envelope members a person checks before sending (the preview)."""
        handling = " ".join(self.handling.codes) + (f" — {self.handling.text}" if self.handling.text else "")
        return {"purpose": self.purpose, **self.basis, "handling": handling}


def _draft(
    kind: Kind,
    *,
    to: str,
    case: Case | None,
    link: Link | None,
    case_ref: str,
    data: Mapping[str, Any],
    basis: Mapping[str, str],
    handling: Handling,
    purpose: str = "",
    to_country: str = "",
    safe_reason: str = "",
) -> Draft:
    """The one computation of a message: purpose rule, the kind's rules, basis, handling and body.

    Every message, of every type, then passes ``protection.check``: nothing identifying an
    applicant for protection goes to the country of origin (``to_country``, or the
    conversation's other country and its recorded role).
    """
    if kind.purposes:
        if purpose not in kind.purposes:
            raise ValidationError({"purpose": [_("Choose the purpose of the referral.")]})
    else:
        purpose = kind.purpose
    is_child = case.is_child if case is not None else bool(link and link.is_child)
    if kind.children_only and not is_child:
        raise ValidationError(_("Family tracing is for children only."))
    if kind.needs_case and case is None:
        raise ValidationError(_("Only a node holding the case may send this message."))
    if kind.not_for_asylum_seekers and case is not None and case.asylum_seeker:
        # Never tell the authorities of the country of origin that a person sought protection.
        raise ValidationError(_("Identity verification is never requested for an applicant for protection."))
    values = dict(data)
    in_reply_to = None
    if kind.answers is not None:
        assert link is not None
        request = history.latest(link, kind.answers)
        if request is None:
            raise Conflict(_("There is no request to answer in this conversation."))
        in_reply_to = str(request.message_id)
    if kind.rule is not None:
        kind.rule(case, link, values)
    body = kind.build(case_ref, case, values)
    country = to_country or (link.peer_country if link is not None else _peer(to).country)
    protection.check(
        kind,
        case=case,
        country=country,
        role=link.peer_role if link is not None else "",
        body=body,
        safe_reason=safe_reason,
    )
    own_ref = receiver_case_ref(kind, link)
    if own_ref:
        body["receiver_case_ref"] = own_ref
    return Draft(
        kind=kind,
        to=to,
        purpose=purpose,
        basis=dict(basis),
        handling=handling,
        body=body,
        in_reply_to=in_reply_to,
    )


def receiver_case_ref(kind: Kind, link: Link | None) -> str:
    """This node's own case reference, carried by what it sends in a conversation it received.

    Only on the types whose schema has ``receiver_case_ref`` (the answers, trm/1 §5), and
    only once a case is open here: the other node then knows which case answers it. Read
    from the link as it is at drafting time, so a case opened just before (``accept``) counts.
    """
    if link is None or link.direction != Direction.INCOMING or link.case is None:
        return ""
    if "receiver_case_ref" not in schemas.BODY_SCHEMAS[kind.type].get("properties", {}):
        return ""
    return str(link.case.reference)


def _enqueue(draft: Draft, *, conversation: uuid.UUID, by: Any, ttl: dt.timedelta | None = None) -> Any:
    try:
        return outbox.enqueue(
            draft.type,
            recipient=draft.to,
            body=draft.body,
            purpose=draft.purpose,
            by=by,
            conversation=conversation,
            in_reply_to=draft.in_reply_to,
            handling=draft.handling,
            legal_basis=draft.basis["legal_basis"],
            consent_ref=draft.basis.get("consent_ref"),
            best_interests_ref=draft.basis.get("best_interests_ref"),
            ttl=ttl or protocol.DEFAULT_TTL,
        )
    except ProtocolError as err:
        raise ValidationError(
            _("The message is incomplete or not allowed (%(code)s).") % {"code": err.code}, code=str(err.code)
        ) from err


def _start(case: Case, *, kind: str, data: Mapping[str, Any]) -> tuple[list[Draft], dict[str, Any]]:
    """The drafts that start a conversation about ``case``: a notification, then the offer if ``kind`` is one."""
    if kind not in STARTS:
        raise ValidationError(_("This message type does not start a conversation."))
    if not case.is_open:
        raise Conflict(_("The case is closed."))
    peer = _peer(str(data.get("to_node", "")))
    handling = handling_of(data.get("handling_codes"), data.get("handling_text", ""))
    basis = basis_for(case, peer.country)
    common = {
        "to": peer.node_id,
        "case": case,
        "link": None,
        "case_ref": case.reference,
        # The notification carries the scope of the consent it goes on, for the receiving country.
        "data": {**data, "basis_consent": basis["consent"], "to_country": peer.country},
        "basis": _refs(basis),
        "handling": handling,
        "to_country": peer.country,
    }
    drafts = [_draft(KINDS["case_notification"], **common)]
    if kind == "referral_offer":
        drafts.append(_draft(KINDS["referral_offer"], purpose=str(data.get("purpose") or "assistance"), **common))
    return drafts, {"peer": peer, "basis": basis, "handling": handling}


def _locked(link: Link, by: Any) -> Link:
    """The link again, locked for this transaction; 403 without the capability, 404 if not visible."""
    require_capability(by, Cap.SEND_TRANSNATIONAL)
    locked = access.visible_links(by).select_for_update(of=("self",)).filter(pk=link.pk).first()
    if locked is None:
        raise Http404
    return locked


def _visible_case(case: Case, by: Any) -> Case:
    require_capability(by, Cap.SEND_TRANSNATIONAL)
    return get_case_for(by, case.reference, write=True)


def plan(case: Case, *, kind: str, data: Mapping[str, Any], by: Any) -> list[Draft]:
    """Exactly the messages ``send(case, …)`` would queue, with every check, storing nothing (the preview)."""
    drafts, _context = _start(_visible_case(case, by), kind=kind, data=data)
    return drafts


def _follow_up(link: Link, kind: str, data: Mapping[str, Any]) -> Draft:
    if not link.is_live:
        raise Conflict(_("This conversation is closed: nothing more can be sent in it."))
    return _in_conversation(link, KINDS[kind], data)


def _in_conversation(link: Link, kind: Kind, data: Mapping[str, Any], *, basis: dict[str, str] | None = None) -> Draft:
    return _draft(
        kind,
        to=link.peer,
        case=link.case,
        link=link,
        case_ref=case_ref_of(link),
        data=data,
        basis=basis or _conversation_basis(link, kind),
        handling=_handling(link),
    )


@protection.audited
@transaction.atomic
def send(target: Case | Link, *, kind: str, data: Mapping[str, Any], by: Any) -> Link:
    """Send a message of ``kind``: to start a conversation about a case, or in a live one.

    With a case, ``kind`` is ``case_notification`` (a request for cooperation) or
    ``referral_offer`` (the notification and the offer, in one new conversation) and
    ``data`` holds the send form's fields (``to_node``, ``services``, ``purpose``,
    ``handling_codes`` …). With a link, ``kind`` is one of the follow-ups and ``data``
    holds the fields its ``Kind`` declares. Returns the conversation's link.
    """
    if isinstance(target, Link):
        if kind not in FOLLOW_UPS:
            raise ValidationError({"type": [_("This message type cannot be sent from here.")]})
        link = _locked(target, by)
        draft = _follow_up(link, kind, data)
        row = _enqueue(draft, conversation=link.conversation, by=by)
        if draft.kind.after_send is not None:
            draft.kind.after_send(link, row.envelope["body"])
        record(by, Action.SEND, link, fields=[kind], note=kind)
        return link
    case = _visible_case(target, by)
    drafts, context = _start(case, kind=kind, data=data)
    conversation = uuid.uuid4()
    rows = {d.type: _enqueue(d, conversation=conversation, by=by) for d in drafts}
    peer, handling = context["peer"], context["handling"]
    link = Link(
        conversation=conversation,
        direction=Direction.OUTGOING,
        peer=peer.node_id,
        peer_country=peer.country,
        case=case,
        services=list(data.get("services") or []),
        is_child=case.is_child,
        consent=context["basis"]["consent"],
        decided_by=by,
        handling_codes=list(handling.codes),
        handling_text=handling.text or "",
        peer_role=roles.propose(case, peer.country),
    )
    for type_, row in rows.items():
        states.move(link, "notify" if type_ == "case_notification" else "offer")
        if type_ == "referral_offer":
            link.offer_message_id = row.message_id
    link.full_clean()
    link.save()
    record(by, Action.SEND, link, fields=list(rows), note=f"to {peer.node_id}")
    return link


@transaction.atomic
def tell(case: Case, *, kind: str, country: str, data: Mapping[str, Any], by: Any) -> list[Link]:
    """Send a message of a kind no menu offers in every live conversation about ``case`` with ``country``.

    For the node's own duties towards the person (the part that calls it checked its actor:
    ``justice.notices`` for ``proceeding_outcome``). A ``Conflict`` when no conversation about
    the case with a node of that country is live.
    """
    spec = KINDS[kind]
    if spec.action is not None or kind in STARTS:
        raise ValidationError({"type": [_("This message type cannot be sent from here.")]})
    links = [
        link
        for link in Link.objects.select_for_update(of=("self",)).filter(case=case, peer_country=country)
        if link.is_live
    ]
    if not links:
        raise Conflict(_("No live conversation about this case with a node of that country."), code="no_conversation")
    for link in links:
        draft = _in_conversation(link, spec, data)
        _enqueue(draft, conversation=link.conversation, by=by)
        record(by, Action.SEND, link, fields=[kind], note=kind)
    return links


def send_referral(case: Case, *, by: Any, offer: bool = True, **data: Any) -> Link:
    """``send`` with the send form's fields as keyword arguments (commands and tests)."""
    return send(case, kind="referral_offer" if offer else "case_notification", data=data, by=by)


@transaction.atomic
def withdraw(link: Link, *, by: Any, reason: str = "circumstances_changed") -> Link:
    """Withdraw the referral this node offered; the other node is told."""
    link = _locked(link, by)
    if link.direction != Direction.OUTGOING:
        raise PermissionDenied
    if link.offer_message_id is None:
        raise Conflict(_("No referral was offered in this conversation: send a case closure instead."))
    states.move(link, "withdraw")
    draft = _in_conversation(link, KINDS["referral_withdraw"], {"offer_id": link.offer_message_id, "reason": reason})
    _enqueue(draft, conversation=link.conversation, by=by)
    link.decided_by = by
    link.save(update_fields=["status", "decided_by", "updated_at"])
    record(by, Action.SEND, link, fields=["referral_withdraw"], note="withdrawn")
    return link


@transaction.atomic
def accept(link: Link, *, by: Any) -> Link:
    """Accept a received offer: open a linked case here with everything shared, and answer.

    In one transaction: the link moves to accepted (a ``Conflict`` if the offer was already
    answered or the sender withdrew it), the case opens with what the sender shared
    (``received.open_case``: route, the other country's decision, the counterpart, the
    carried consent …) and ``referral_accept`` is queued with this node's case reference.
    Any refusal on the way stores nothing.
    """
    link = _locked(link, by)
    if link.direction != Direction.INCOMING:
        raise PermissionDenied
    states.move(link, "accept")
    # Before drafting: the acceptance carries the new case's reference.
    link.case = received.open_case(link, by=by)
    # A guardian hand-over received before the acceptance joins the new case now.
    for row in InboxMessage.objects.filter(conversation=link.conversation, type="guardian_handover", sender=link.peer):
        handlers.record_handover(link, row)
    draft = _in_conversation(
        link,
        KINDS["referral_accept"],
        {
            "accepted_services": link.services or ["reintegration"],
            "reception_organisation": by.organisation.name if by.organisation else settings.TRM_NODE_NAME,
        },
    )
    link.decided_by = by
    link.save(update_fields=["status", "case", "decided_by", "updated_at"])
    _enqueue(draft, conversation=link.conversation, by=by)
    record(by, Action.DECIDE, link, fields=["status", "case"], note="accepted")
    return link


@transaction.atomic
def decline(link: Link, *, by: Any, reason: str, reason_text: str = "") -> Link:
    """Decline a received offer with a reason; the other node is told."""
    link = _locked(link, by)
    if link.direction != Direction.INCOMING:
        raise PermissionDenied
    states.move(link, "decline")
    draft = _in_conversation(link, KINDS["referral_decline"], {"reason": reason, "reason_text": reason_text})
    _enqueue(draft, conversation=link.conversation, by=by)
    link.decided_by = by
    link.save(update_fields=["status", "decided_by", "updated_at"])
    record(by, Action.DECIDE, link, fields=["status"], note=f"declined: {reason}")
    return link


def on_consent_withdrawn(row: Consent, by: Any) -> None:
    """Tell every node that received this case on the withdrawn consent to erase what it holds.

    Runs in the transaction of ``cases.consent.withdraw`` (whoever records the withdrawal):
    the request to erase is the node's own duty, not a focal point's choice.
    """
    links = Link.objects.select_for_update().filter(direction=Direction.OUTGOING, consent=row)
    for link in links:
        if not states.may(link, "erase"):
            continue
        states.move(link, "erase")
        draft = _in_conversation(
            link,
            KINDS["consent_withdrawn"],
            {"date": timezone.localdate()},
            basis={"legal_basis": "consent", "consent_ref": f"CONSENT-{row.pk}"},
        )
        _enqueue(draft, conversation=link.conversation, by=None)
        link.save(update_fields=["status", "updated_at"])
        record(by, Action.SEND, link, fields=["consent_withdrawn"], note="erase requested")


def case_ref_of(link: Link) -> str:
    """The conversation's case reference: always the sending node's."""
    if link.direction == Direction.OUTGOING:
        assert link.case is not None  # an outgoing conversation always started from a case here
        return link.case.reference
    return link.remote_case_ref


def follow_ups_for(link: Link) -> list[str]:
    """The follow-up kinds offered on this conversation's page (``send`` checks every rule again)."""
    if not link.is_live:
        return []
    case = link.case
    is_child = case.is_child if case is not None else link.is_child
    asylum = bool(case is not None and case.asylum_seeker)
    return [
        t
        for t in FOLLOW_UPS
        if (is_child or not KINDS[t].children_only)
        and (link.case_id or not KINDS[t].needs_case)
        and not (asylum and KINDS[t].not_for_asylum_seekers)
    ]


@transaction.atomic
def send_own(link: Link, *, kind: str, data: Mapping[str, Any], by: Any, in_reply_to: str | None = None) -> Any:
    """Send, in a live conversation, a message that another part of TRM sends by its own verb.

    For the kinds without a menu entry whose verbs live elsewhere (justice: compensation
    claims, group references). The sender's capability, the conversation's visibility and
    state, the kind's rules, basis and handling are checked as for ``send``; ``in_reply_to``
    names the message answered when the kind answers one of several. Returns the outbox row.
    """
    if KINDS[kind].action is not None:
        raise ValidationError({"type": [_("This message type cannot be sent from here.")]})
    link = _locked(link, by)
    draft = _follow_up(link, kind, data)
    if in_reply_to is not None:
        draft = dataclasses.replace(draft, in_reply_to=in_reply_to)
    row = _enqueue(draft, conversation=link.conversation, by=by)
    record(by, Action.SEND, link, fields=[kind], note=kind)
    return row

"""trm/1 message types, envelopes and receipts as frozen dataclasses; pure.

``MESSAGE_TYPES`` is the table of the protocol's message types: for each, the purposes
it may serve, whether it answers an earlier message, and whether it may be sent on the
``vital_interests`` legal basis without a consent or best-interests reference. Body
field sets and their JSON Schemas live in ``schemas.BODY_SCHEMAS``.

``check_message`` applies every rule that depends only on the message itself (not on
keys, time or the trust list) and raises ``LocalProtocolError``; ``open_`` turns these
into ``RemoteProtocolError`` when the message came from a peer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from trm.exchange import schemas
from trm.exchange.errors import Code, LocalProtocolError

VERSION = "trm/1"


@dataclass(frozen=True)
class TypeSpec:
    purposes: frozenset[str]
    is_reply: bool = False
    vital_interests_allowed: bool = False
    # False for a message about the sending node itself (``audit_head``): it carries no
    # personal data, so it has no safeguard reference and a public-law legal basis.
    about_a_case: bool = True


# A question and its answer may be asked in a conversation held for any of these.
QUESTION_PURPOSES = frozenset({"assistance", "case_management", "identification", "protection"})

MESSAGE_TYPES: dict[str, TypeSpec] = {
    "case_notification": TypeSpec(frozenset({"assistance", "identification", "protection", "case_management"})),
    "identity_verification_request": TypeSpec(frozenset({"identification", "return"})),
    "identity_verification_response": TypeSpec(frozenset({"identification", "return"}), is_reply=True),
    "risk_assessment_request": TypeSpec(frozenset({"risk_assessment", "return"})),
    "risk_assessment_response": TypeSpec(frozenset({"risk_assessment", "return"}), is_reply=True),
    "family_tracing_request": TypeSpec(frozenset({"family_tracing"})),
    "family_tracing_response": TypeSpec(frozenset({"family_tracing"}), is_reply=True),
    "referral_offer": TypeSpec(frozenset({"assistance", "return"})),
    "referral_accept": TypeSpec(frozenset({"assistance", "return"}), is_reply=True),
    "referral_decline": TypeSpec(frozenset({"assistance", "return"}), is_reply=True),
    "referral_withdraw": TypeSpec(frozenset({"assistance", "return"})),
    "return_arrangements": TypeSpec(frozenset({"return"})),
    "arrival_confirmation": TypeSpec(frozenset({"return", "monitoring"})),
    "post_return_report": TypeSpec(frozenset({"monitoring"})),
    "case_closure": TypeSpec(frozenset({"case_management", "monitoring"})),
    "consent_withdrawn": TypeSpec(frozenset({"case_management"})),
    "urgent_alert": TypeSpec(frozenset({"protection"}), vital_interests_allowed=True),
    "information_request": TypeSpec(QUESTION_PURPOSES),
    "information_response": TypeSpec(QUESTION_PURPOSES, is_reply=True),
    "route_alert": TypeSpec(frozenset({"protection"}), vital_interests_allowed=True),
    "route_alert_ack": TypeSpec(frozenset({"protection"}), is_reply=True, vital_interests_allowed=True),
    "guardian_handover": TypeSpec(frozenset({"protection", "case_management"})),
    "proceeding_outcome": TypeSpec(frozenset({"case_management", "monitoring"})),
    "compensation_claim": TypeSpec(frozenset({"case_management"})),
    "compensation_claim_answer": TypeSpec(frozenset({"case_management"}), is_reply=True),
    "group_reference": TypeSpec(frozenset({"case_management"})),
    "audit_head": TypeSpec(frozenset({"accountability"}), about_a_case=False),
    "exchange_summary": TypeSpec(frozenset({"accountability"}), about_a_case=False),
    # Shared under a joint investigation team's agreement, outside any case conversation.
    "jit_item": TypeSpec(frozenset({"joint_investigation"}), about_a_case=False),
    "regional_aggregate": TypeSpec(frozenset({"monitoring"}), about_a_case=False),
}

# A child's guardian and best-interests records: only on the best-interests record they carry (§5.25).
HANDOVER_TYPE = "guardian_handover"
# The type that lists the others between two nodes (trm/1 §5.21); it never lists itself.
SUMMARY_TYPE = "exchange_summary"

# A node's protected figures for the network secretariat (trm/1 §5.22).
REGIONAL_TYPE = "regional_aggregate"

# The types about a case: what TRM's transnational workflows send and receive.
CASE_TYPES: frozenset[str] = frozenset(name for name, spec in MESSAGE_TYPES.items() if spec.about_a_case)
# Legal bases for a message about no case (no personal data, no consent to refer to).
NODE_LEGAL_BASES = frozenset({"legal_obligation", "public_task"})

assert set(MESSAGE_TYPES) == set(schemas.BODY_SCHEMAS)

_UUID = re.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with second precision and a ``Z``: ``2026-03-01T09:30:00Z``."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """A trm/1 timestamp: ASCII digits, a real date (years 0001-9999) and a real second."""
    if not schemas.real_timestamp(text):
        raise ValueError("not a trm/1 timestamp")
    return _checked_time(text)


def _checked_time(text: str) -> datetime:
    # real_timestamp checked the shape YYYY-MM-DDTHH:MM:SSZ in ASCII digits and the values.
    fields = (text[0:4], text[5:7], text[8:10], text[11:13], text[14:16], text[17:19])
    year, month, day, hour, minute, second = (int(field) for field in fields)
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@dataclass(frozen=True)
class Handling:
    """Handling restrictions (SIENA-like): H0 purpose-bound, H1 not in court without
    permission, H2 no onward transmission without permission, H3 free-text conditions."""

    codes: tuple[str, ...] = ("H2",)
    text: str | None = None


@dataclass(frozen=True)
class Message:
    id: str
    type: str
    sender: str
    recipient: str
    created: datetime
    expires: datetime
    conversation: str
    purpose: str
    legal_basis: str
    body: Mapping[str, Any]
    handling: Handling = Handling()
    consent_ref: str | None = None
    best_interests_ref: str | None = None
    in_reply_to: str | None = None
    # Set by open_ on a received message: kid of the sender's key and SHA-256 (hex) of
    # the exact token received, which the receipt quotes.
    sender_kid: str | None = field(default=None, compare=False)
    token_sha256: str | None = field(default=None, compare=False)

    def to_envelope(self) -> dict[str, Any]:
        """The JSON envelope (absent optional members are omitted)."""
        handling: dict[str, Any] = {"codes": list(self.handling.codes)}
        if self.handling.text is not None:
            handling["text"] = self.handling.text
        envelope: dict[str, Any] = {
            "v": VERSION,
            "id": self.id,
            "type": self.type,
            "from": self.sender,
            "to": self.recipient,
            "created": format_time(self.created),
            "expires": format_time(self.expires),
            "conversation": self.conversation,
            "purpose": self.purpose,
            "legal_basis": self.legal_basis,
            "handling": handling,
            "body": dict(self.body),
        }
        optional = {
            "in_reply_to": self.in_reply_to,
            "consent_ref": self.consent_ref,
            "best_interests_ref": self.best_interests_ref,
        }
        envelope.update({k: v for k, v in optional.items() if v is not None})
        return envelope


def _fail(code: Code, detail: str, message_id: str | None = None) -> LocalProtocolError:
    return LocalProtocolError(code, detail, message_id=message_id)


def message_from_envelope(envelope: Any) -> Message:
    """Parse and check an envelope (a decoded JSON value) into a Message."""
    if not isinstance(envelope, dict):
        raise _fail(Code.MALFORMED_ENVELOPE, "envelope is not a JSON object")
    raw_id = envelope.get("id")
    message_id = raw_id if isinstance(raw_id, str) and _UUID.fullmatch(raw_id) else None
    if envelope.get("v") != VERSION:
        raise _fail(Code.UNSUPPORTED_VERSION, "envelope v is not trm/1", message_id)
    kind = envelope.get("type")
    if isinstance(kind, str) and kind not in MESSAGE_TYPES:
        raise _fail(Code.UNKNOWN_TYPE, "message type not defined in trm/1", message_id)
    errors = schemas.validate(envelope, schemas.ENVELOPE_SCHEMA)
    if errors:
        where = ", ".join(f"{e.path} ({e.keyword})" for e in errors[:5])
        raise _fail(Code.MALFORMED_ENVELOPE, f"envelope: {where}", message_id)
    handling = envelope["handling"]
    # Real times: the schema checked their format (trm/1 §2), so they are not checked again.
    created = _checked_time(envelope["created"])
    expires = _checked_time(envelope["expires"])
    message = Message(
        id=envelope["id"],
        type=envelope["type"],
        sender=envelope["from"],
        recipient=envelope["to"],
        created=created,
        expires=expires,
        conversation=envelope["conversation"],
        purpose=envelope["purpose"],
        legal_basis=envelope["legal_basis"],
        body=envelope["body"],
        handling=Handling(tuple(handling["codes"]), handling.get("text")),
        consent_ref=envelope.get("consent_ref"),
        best_interests_ref=envelope.get("best_interests_ref"),
        in_reply_to=envelope.get("in_reply_to"),
    )
    check_message(message)
    return message


def check_message(message: Message) -> None:
    """Rules that depend on the message alone; raises LocalProtocolError."""
    mid = message.id
    spec = MESSAGE_TYPES.get(message.type)
    if spec is None:
        raise _fail(Code.UNKNOWN_TYPE, "message type not defined in trm/1", mid)
    if message.expires <= message.created:
        raise _fail(Code.MALFORMED_ENVELOPE, "expires is not after created", mid)
    if message.sender == message.recipient:
        raise _fail(Code.MALFORMED_ENVELOPE, "from and to are the same node", mid)
    if "H3" in message.handling.codes and not message.handling.text:
        raise _fail(Code.MALFORMED_ENVELOPE, "handling code H3 needs a text", mid)
    if spec.is_reply and message.in_reply_to is None:
        raise _fail(Code.MALFORMED_ENVELOPE, f"{message.type} needs in_reply_to", mid)
    if message.purpose not in spec.purposes:
        raise _fail(Code.PURPOSE_NOT_ALLOWED, f"purpose {message.purpose} for {message.type}", mid)
    _check_safeguard(message, spec)
    _check_body(message)


def _check_safeguard(message: Message, spec: TypeSpec) -> None:
    mid = message.id
    if not spec.about_a_case:
        if message.consent_ref is not None or message.best_interests_ref is not None:
            raise _fail(Code.MALFORMED_ENVELOPE, f"{message.type} carries no safeguard reference", mid)
        if message.legal_basis not in NODE_LEGAL_BASES:
            raise _fail(Code.MALFORMED_ENVELOPE, f"legal basis {message.legal_basis} for {message.type}", mid)
        return
    if message.consent_ref is not None and message.best_interests_ref is not None:
        raise _fail(Code.MALFORMED_ENVELOPE, "both consent_ref and best_interests_ref", mid)
    if message.legal_basis == "consent" and message.consent_ref is None:
        raise _fail(Code.MISSING_SAFEGUARD, "legal basis consent needs consent_ref", mid)
    if message.legal_basis == "best_interests" and message.best_interests_ref is None:
        raise _fail(Code.MISSING_SAFEGUARD, "legal basis best_interests needs best_interests_ref", mid)
    if message.type == HANDOVER_TYPE and message.legal_basis != "best_interests":
        raise _fail(Code.MISSING_SAFEGUARD, f"{message.type} goes on best_interests", mid)
    has_ref = message.consent_ref is not None or message.best_interests_ref is not None
    if has_ref:
        return
    if message.legal_basis == "vital_interests" and spec.vital_interests_allowed:
        return
    raise _fail(Code.MISSING_SAFEGUARD, "consent_ref or best_interests_ref required", mid)


def _check_body(message: Message) -> None:
    mid = message.id
    body = message.body
    if not isinstance(body, Mapping):
        raise _fail(Code.SCHEMA_VIOLATION, "body is not an object", mid)
    errors = schemas.validate(body if isinstance(body, dict) else dict(body), schemas.BODY_SCHEMAS[message.type])
    extra = [e.path for e in errors if e.keyword == "additionalProperties"]
    if extra:
        raise _fail(Code.BODY_FIELD_NOT_ALLOWED, f"{message.type}: {', '.join(extra[:5])}", mid)
    if errors:
        where = ", ".join(f"{e.path} ({e.keyword})" for e in errors[:5])
        raise _fail(Code.SCHEMA_VIOLATION, f"{message.type}: {where}", mid)
    if message.type == "identity_verification_request" and body["asylum_seeker"]:
        raise _fail(
            Code.ASYLUM_SEEKER_IDENTITY_REQUEST,
            "identity verification is never requested for an asylum seeker",
            mid,
        )
    if message.type.startswith("family_tracing_") and not body["is_child"]:
        raise _fail(Code.FAMILY_TRACING_NOT_CHILD, "family tracing is for children only", mid)
    if message.type == SUMMARY_TYPE:
        problem = _summary_problem(message)
        if problem:
            raise _fail(Code.SCHEMA_VIOLATION, f"{message.type}: {problem}", mid)
    if message.type == REGIONAL_TYPE:
        problem = _regional_problem(message)
        if problem:
            raise _fail(Code.SCHEMA_VIOLATION, f"{message.type}: {problem}", mid)


def _summary_problem(message: Message) -> str | None:
    """The rules of an ``exchange_summary`` no schema states (trm/1 §5.21), or None."""
    body = message.body
    start, end = parse_time(body["period_start"]), parse_time(body["period_end"])
    if not start < end <= message.created:
        return "the period does not end after it starts, by the summary's created"
    if len(body["sent"]) + len(body["received"]) > schemas.SUMMARY_MAX_ENTRIES:
        return f"more than {schemas.SUMMARY_MAX_ENTRIES} entries"
    if body.get("reply_requested") and message.in_reply_to is not None:
        return "a reply asks for no reply"
    for name in ("sent", "received"):
        entries = body[name]
        if len({entry["id"] for entry in entries}) != len(entries):
            return f"an id twice in {name}"
        for entry in entries:
            if entry["type"] == SUMMARY_TYPE:
                return f"{name} lists a summary"
            if not start <= parse_time(entry["created"]) < end:
                return f"{name} lists a message created outside the period"
    return None


def _regional_problem(message: Message) -> str | None:
    """The rules of a ``regional_aggregate`` no schema states (trm/1 §5.22), or None."""
    body = message.body
    k = body["k"]
    computed = parse_time(body["computed"])
    if computed > message.created:
        return "computed after the message was created"
    if body["year"] > computed.year:
        return "a year after the figures were computed"
    tables = [table["table"] for table in body["tables"]]
    if len(set(tables)) != len(tables):
        return "a table twice"
    if sum(len(table["cells"]) for table in body["tables"]) > schemas.REGIONAL_MAX_CELLS:
        return f"more than {schemas.REGIONAL_MAX_CELLS} cells"
    for table in body["tables"]:
        arity = {"victims": 1, "flows": 3}.get(table["table"], 2)
        seen: set[tuple[str, ...]] = set()
        for cell in table["cells"]:
            at = tuple(cell["at"])
            if len(at) != arity or at[0] not in schemas.REGIONAL_CATEGORIES:
                return f"a cell of {table['table']} not at a category and {arity - 1} other value(s)"
            if at in seen:
                return f"a cell twice in {table['table']}"
            seen.add(at)
            if 0 < cell.get("n", 0) < k:
                return "a count below k"
    return None


ReceiptStatus = Literal["accepted", "duplicate", "rejected"]


@dataclass(frozen=True)
class Receipt:
    """A receiver's signed statement about one received token (no personal data)."""

    token_sha256: str
    receiver: str
    received: datetime
    status: ReceiptStatus
    message_id: str | None = None
    code: str | None = None
    kid: str | None = field(default=None, compare=False)

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "v": VERSION,
            "type": "receipt",
            "token_sha256": self.token_sha256,
            "receiver": self.receiver,
            "received": format_time(self.received),
            "status": self.status,
        }
        if self.message_id is not None:
            payload["message_id"] = self.message_id
        if self.code is not None:
            payload["code"] = self.code
        return payload

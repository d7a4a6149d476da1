"""The trm/1 test vectors (docs/vectors/*.json), built deterministically; pure.

Keys come from fixed seeds, times are fixed, message ids are UUIDv5 of fixed names and
Ed25519 signatures are deterministic, so trust lists and receipts are exact strings.
A JWE with ECDH-ES carries a fresh ephemeral key and IV, so a sealed token cannot be
reproduced bit for bit: ``generate`` reuses the token stored in the previous vectors
when the case that produced it (its ``fingerprint``) is unchanged, and seals a new one
otherwise. Every value here is synthetic.

``tools/make_vectors.py`` writes the files; ``tests/exchange/test_vectors.py`` reads them.
"""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from trm.exchange import jose, protocol, schemas
from trm.exchange.errors import Code, ProtocolError
from trm.exchange.messages import MESSAGE_TYPES, Handling, Message, format_time
from trm.exchange.trustlist import TrustList, canonical_json, load_trust_list, sign_trust_list

NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)
NAMESPACE = uuid.UUID("6f1c3a52-9a3e-5d7e-8b4c-1e2f3a4b5c6d")
CONVERSATION = str(uuid.uuid5(NAMESPACE, "conversation 1"))


def message_id(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"message {name}"))


def _t(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


# name -> use; the seed of each key is SHA-256("trm/1 test vector key: " + name).
KEY_NAMES: dict[str, jose.KeyUse] = {
    "authority": "sig",
    "al.sig.2025": "sig",
    "al.sig.2026": "sig",
    "al.enc.2025": "enc",
    "al.enc.2026": "enc",
    "xk.sig": "sig",
    "xk.sig.2027": "sig",
    "xk.enc": "enc",
    "rs.sig.revoked": "sig",
    "rs.sig": "sig",
    "rs.enc": "enc",
    "me.sig": "sig",
    "me.enc": "enc",
    "zz.sig": "sig",
    "zz.enc": "enc",
}


def seed(name: str) -> bytes:
    return hashlib.sha256(f"trm/1 test vector key: {name}".encode()).digest()


def keys() -> dict[str, jose.PrivateKey]:
    return {name: jose.key_from_seed(seed(name), use) for name, use in KEY_NAMES.items()}


def _key(keyset: Mapping[str, jose.PrivateKey], name: str, not_before: str, **extra: Any) -> dict[str, Any]:
    key = keyset[name]
    entry: dict[str, Any] = {
        "kid": key.kid,
        "use": key.use,
        "jwk": jose.public_jwk(key),
        "not_before": not_before,
        "revoked": False,
    }
    entry.update(extra)
    return entry


def trust_list_doc(keyset: Mapping[str, jose.PrivateKey], *, sequence: int = 7) -> dict[str, Any]:
    """The synthetic network used by the vectors and the tests."""
    return {
        "v": "trm/1",
        "type": "trust_list",
        "network": "Synthetic TRM test network",
        "sequence": sequence,
        "issued": "2026-03-01T00:00:00Z",
        "next_update": "2026-03-08T00:00:00Z",
        "expires": "2026-03-15T00:00:00Z",
        "nodes": [
            {
                "node_id": "al.nrm",
                "country": "AL",
                "organisation": "Anti-Trafficking Coordinator's Office (test)",
                "endpoint": "https://al.trm.example",
                "revoked": False,
                "keys": [
                    # Rotation: the 2025 keys overlap the 2026 keys until 10 March.
                    _key(keyset, "al.sig.2025", "2025-03-01T00:00:00Z", not_after="2026-03-10T00:00:00Z"),
                    _key(keyset, "al.sig.2026", "2026-02-25T00:00:00Z", not_after="2027-03-01T00:00:00Z"),
                    _key(keyset, "al.enc.2025", "2025-03-01T00:00:00Z", not_after="2026-03-10T00:00:00Z"),
                    _key(keyset, "al.enc.2026", "2026-02-25T00:00:00Z", not_after="2027-03-01T00:00:00Z"),
                ],
            },
            {
                "node_id": "xk.nrm",
                "country": "XK",
                "organisation": "National Coordinator against Trafficking (test)",
                "endpoint": "https://xk.trm.example/",
                "revoked": False,
                "keys": [
                    _key(keyset, "xk.sig", "2026-01-01T00:00:00Z"),
                    _key(keyset, "xk.sig.2027", "2026-06-01T00:00:00Z"),
                    _key(keyset, "xk.enc", "2026-01-01T00:00:00Z"),
                ],
            },
            {
                "node_id": "rs.nrm",
                "country": "RS",
                "organisation": "Centre for Protection of Trafficking Victims (test)",
                "endpoint": "https://rs.trm.example",
                "revoked": False,
                "keys": [
                    _key(
                        keyset,
                        "rs.sig.revoked",
                        "2026-01-01T00:00:00Z",
                        revoked=True,
                        revoked_at="2026-02-20T00:00:00Z",
                    ),
                    _key(keyset, "rs.sig", "2026-02-20T00:00:00Z"),
                    _key(keyset, "rs.enc", "2026-01-01T00:00:00Z"),
                ],
            },
            {
                "node_id": "me.nrm",
                "country": "ME",
                "organisation": "Office for Combating Trafficking (test)",
                "endpoint": "https://me.trm.example",
                "revoked": True,
                "revoked_at": "2026-02-15T00:00:00Z",
                "keys": [
                    _key(keyset, "me.sig", "2026-01-01T00:00:00Z"),
                    _key(keyset, "me.enc", "2026-01-01T00:00:00Z"),
                ],
            },
        ],
    }


# --- bodies ------------------------------------------------------------------------------

SAMPLE_BODIES: dict[str, dict[str, Any]] = {
    "case_notification": {
        "case_ref": "XK-2026-0042",
        "nationality": "AL",
        "is_child": False,
        "age_band": "18-24",
        "gender": "female",
        "exploitation_types": ["labour", "forced_criminality"],
        "urgency": "priority",
        "requested_actions": ["risk_assessment", "service_continuity"],
        "languages": ["sq"],
    },
    "identity_verification_request": {
        "case_ref": "XK-2026-0042",
        "asylum_seeker": False,
        "identity": {
            "family_name": "Testova",
            "given_names": "Ana",
            "date_of_birth": "2004-05-17",
            "claimed_nationality": "AL",
        },
        "documents": [{"kind": "id_card", "number": "T0000000", "issuing_country": "AL"}],
        "travel_document_needed": True,
    },
    "identity_verification_response": {
        "case_ref": "AL-2026-0117",
        "outcome": "confirmed",
        "verified_nationality": "AL",
        "travel_document_possible": True,
    },
    "risk_assessment_request": {
        "case_ref": "XK-2026-0042",
        "is_child": False,
        "topics": ["family_environment", "trafficker_links", "retaliation_risk"],
        "due_date": "2026-03-20",
    },
    "risk_assessment_response": {
        "case_ref": "AL-2026-0117",
        "overall_risk": "medium",
        "retaliation_risk": "low",
        "trafficker_links": "none_known",
        "recommendation": "return_possible",
        "assessed_on": "2026-03-01",
    },
    "family_tracing_request": {
        "case_ref": "XK-2026-0051",
        "is_child": True,
        "guardian_ref": "XK-GUARD-17",
        "family_members": [{"relationship": "mother", "last_known_locality": "Test Town"}],
        "due_date": "2026-03-31",
    },
    "family_tracing_response": {
        "case_ref": "AL-2026-0121",
        "is_child": True,
        "outcome": "traced",
        "caregiver_willing": True,
        "caregiver_able": False,
        "safety_concerns": "some",
        "assessed_on": "2026-03-01",
    },
    "referral_offer": {
        "case_ref": "XK-2026-0042",
        "services": ["shelter", "psychological", "reintegration"],
        "needs_summary": "Safe accommodation on arrival and counselling.",
        "health": {"needs": ["follow_up_care"]},
        "health_consent": True,
        "travel_plan": {"planned_date": "2026-04-02", "arrival_point": "Test Airport", "escort": True},
        "respond_by": "2026-03-16",
    },
    "referral_accept": {
        "case_ref": "AL-2026-0117",
        "accepted_services": ["shelter", "psychological"],
        "reception_organisation": "Test Reception Shelter",
        "reception_contact": "Duty case manager",
    },
    "referral_decline": {"case_ref": "AL-2026-0117", "reason": "no_capacity"},
    "referral_withdraw": {
        "case_ref": "XK-2026-0042",
        "offer_id": message_id("referral_offer"),
        "reason": "person_declined",
    },
    "return_arrangements": {
        "case_ref": "XK-2026-0042",
        "travel_plan": {"planned_date": "2026-04-02", "arrival_point": "Test Airport", "escort": True},
        "travel_document": "emergency_travel_document",
        "reception_organisation": "Test Reception Shelter",
        "risk_assessment_ref": message_id("risk_assessment_response"),
        "voluntary": True,
    },
    "arrival_confirmation": {
        "case_ref": "AL-2026-0117",
        "arrived_on": "2026-04-02",
        "received_by": "Test Reception Shelter",
    },
    "post_return_report": {
        "case_ref": "AL-2026-0117",
        "months_after_return": 3,
        "reintegration_status": "progressing",
        "re_trafficking_alert": False,
        "services_received": ["shelter", "vocational"],
    },
    "proceeding_outcome": {
        "case_ref": "XK-2026-0042",
        "proceeding_ref": "PR-2026-0007",
        "stage": "judgment",
        "outcome": "convicted",
        "decided_on": "2026-11-20",
        "person_role": "injured_party",
        "testimony_expected": False,
    },
    "case_closure": {
        "case_ref": "XK-2026-0042",
        "reason": "reintegrated",
        "closed_on": "2027-04-02",
        "retain_until": "2032-04-02",
    },
    "consent_withdrawn": {
        "case_ref": "XK-2026-0042",
        "withdrawn_on": "2026-03-02",
        "instruction": "erase",
        "scope": "conversation",
    },
    "urgent_alert": {
        "case_ref": "XK-2026-0060",
        "alert_kind": "missing_child",
        "is_child": True,
        "last_seen_on": "2026-03-01",
        "last_seen_country": "XK",
        "contact_point": "Duty officer, national coordinator's office",
    },
    # A 15-year-old missing from a reception centre in al.nrm's country: the alert goes to every
    # country on her route (and those chosen), each in its own conversation.
    "route_alert": {
        "alert_id": str(uuid.uuid5(NAMESPACE, "route alert 1")),
        "case_ref": "XK-2026-0061",
        "alert_kind": "missing_child",
        "is_child": True,
        "age_band": "15-17",
        "gender": "female",
        "last_seen_on": "2026-03-01",
        "last_seen_country": "XK",
        "countries_alerted": ["AL", "MK", "RS"],
        "identity": {"family_name": "Testova", "given_names": "Mira", "date_of_birth": "2010-09-14"},
        "description": "Left the reception centre at night with two adults; dark jacket.",
        "police_report_ref": "PR-2026-0301",
        "contact_point": "Duty officer, national coordinator's office",
    },
    "route_alert_ack": {
        "alert_id": str(uuid.uuid5(NAMESPACE, "route alert 1")),
        "case_ref": "XK-2026-0061",
        "acknowledged_at": "2026-03-01T22:15:00Z",
        "action": "alert_circulated",
        "contact_point": "Border police duty desk",
        "remarks": "Circulated to the border crossings.",
    },
    "guardian_handover": {
        "case_ref": "XK-2026-0060",
        "is_child": True,
        "guardian": {
            "kind": "guardian",
            "name": "Test Guardian",
            "organisation": "Test Centre for Social Work",
            "decision_ref": "CSW-2026-118",
            "appointed_on": "2026-02-20",
            "contact": "+000 00 000 000",
        },
        "best_interests": {
            "kind": "determination",
            "decided_on": "2026-02-27",
            "durable_solution": "third_country",
            "child_views_heard": True,
            "summary": "Reunification with her aunt in the receiving country.",
        },
        "handed_over_on": "2026-03-02",
    },
    "information_request": {
        "case_ref": "XK-2026-0042",
        "question": "Can the shelter on arrival take a person who needs a ground-floor room?",
        "topics": ["needs", "services"],
    },
    "information_response": {
        "case_ref": "XK-2026-0042",
        "receiver_case_ref": "AL-2026-0117",
        "answer": "Yes: the reception shelter has two accessible rooms.",
    },
    "compensation_claim": {
        "case_ref": "XK-2026-0042",
        "receiver_case_ref": "AL-2026-0117",
        "claim_ref": "CC-AL-5E1F0A2B",
        "currency": "EUR",
        "amount_claimed": "12500.00",
        "submitted_on": "2026-05-04",
        "crime_country": "XK",
        "back_pay": True,
        "deciding_authority": "Crime Victims Compensation Board",
        "proceeding_ref": "P.nr. 117/2026",
    },
    "compensation_claim_answer": {
        "case_ref": "XK-2026-0042",
        "receiver_case_ref": "AL-2026-0117",
        "claim_ref": "CC-AL-5E1F0A2B",
        "decider_claim_ref": "CC-XK-91C2D3E4",
        "outcome": "paid_in_part",
        "currency": "EUR",
        "decided_on": "2026-09-15",
        "amount_awarded": "8000.00",
        "payments": [{"paid_on": "2026-10-01", "amount": "3000.00"}],
    },
    "group_reference": {
        "case_ref": "XK-2026-0042",
        "group_ref": "G-" + uuid.uuid5(NAMESPACE, "group employer 1").hex,
        "group_kind": "employer",
        "sector": "agriculture",
        "country": "XK",
    },
    "audit_head": {
        "seq": 1042,
        "hash": hashlib.sha256(b"trm/1 test vector audit entry 1042").hexdigest(),
        "at": "2026-03-02T09:59:58Z",
    },
    "jit_item": {
        "operation_ref": "JIT-7Q2M-K4RD",
        "item_ref": str(uuid.uuid5(NAMESPACE, "jit item 1")),
        "origin_country": "XK",
        "source_reliability": "B",
        "information_accuracy": "2",
        "permitted_uses": ["analysis", "operational"],
        "title": "Vehicle used for transport",
        "content": "A white van with foreign plates collected the workers at 05:00 each day (synthetic).",
    },
    # xk.nrm's day of 1 March 2026 with al.nrm: one message sent (answered, delivered) and
    # two received, one of them processed and one whose handler failed.
    "exchange_summary": {
        "period_start": "2026-03-01T00:00:00Z",
        "period_end": "2026-03-02T00:00:00Z",
        "sent": [
            {
                "id": str(uuid.uuid5(NAMESPACE, "summary sent 1")),
                "type": "referral_accept",
                "created": "2026-03-01T14:05:09Z",
                "token_sha256": hashlib.sha256(b"trm/1 test vector summary token 1").hexdigest(),
                "status": "delivered",
            }
        ],
        "received": [
            {
                "id": str(uuid.uuid5(NAMESPACE, "summary received 1")),
                "type": "referral_offer",
                "created": "2026-03-01T09:30:00Z",
                "token_sha256": hashlib.sha256(b"trm/1 test vector summary token 2").hexdigest(),
                "status": "processed",
                "status_at": "2026-03-01T09:30:02Z",
            },
            {
                "id": str(uuid.uuid5(NAMESPACE, "summary received 2")),
                "type": "information_request",
                "created": "2026-03-01T16:45:30Z",
                "token_sha256": hashlib.sha256(b"trm/1 test vector summary token 3").hexdigest(),
                "status": "failed",
                "status_at": "2026-03-01T16:45:31Z",
            },
        ],
    },
    # xk.nrm's victims of 2025 as its statistics protect them (k = 11). Absent cells are 0;
    # "hidden" cells were suppressed, and so were enough others that none can be worked out.
    "regional_aggregate": {
        "year": 2025,
        "k": 11,
        "computed": "2026-03-02T09:00:00Z",
        "tables": [
            {
                "table": "victims",
                "cells": [
                    {"at": ["*"], "n": 57},
                    {"at": ["presumed"], "n": 31},
                    {"at": ["identified"], "n": 26},
                ],
            },
            {
                "table": "sex",
                "cells": [
                    {"at": ["*", "*"], "n": 57},
                    {"at": ["*", "female"], "n": 41},
                    {"at": ["*", "male"], "n": 16},
                    {"at": ["presumed", "*"], "n": 31},
                    {"at": ["presumed", "female"], "hidden": True},
                    {"at": ["presumed", "male"], "hidden": True},
                    {"at": ["identified", "*"], "n": 26},
                    {"at": ["identified", "female"], "hidden": True},
                    {"at": ["identified", "male"], "hidden": True},
                ],
            },
            {
                "table": "flows",
                "cells": [
                    {"at": [category, origin, destination], "n": n}
                    for category, n in (("*", 57), ("presumed", 31), ("identified", 26))
                    for origin in ("*", "AL")
                    for destination in ("*", "XK")
                ],
            },
        ],
    },
}

_PURPOSE = {
    "case_notification": "assistance",
    "identity_verification_request": "identification",
    "identity_verification_response": "identification",
    "risk_assessment_request": "risk_assessment",
    "risk_assessment_response": "risk_assessment",
    "family_tracing_request": "family_tracing",
    "family_tracing_response": "family_tracing",
    "referral_offer": "assistance",
    "referral_accept": "assistance",
    "referral_decline": "assistance",
    "referral_withdraw": "assistance",
    "return_arrangements": "return",
    "arrival_confirmation": "return",
    "post_return_report": "monitoring",
    "case_closure": "case_management",
    "proceeding_outcome": "case_management",
    "consent_withdrawn": "case_management",
    "urgent_alert": "protection",
    "route_alert": "protection",
    "route_alert_ack": "protection",
    "guardian_handover": "protection",
    "information_request": "case_management",
    "information_response": "case_management",
    "compensation_claim": "case_management",
    "compensation_claim_answer": "case_management",
    "group_reference": "case_management",
    "audit_head": "accountability",
    "exchange_summary": "accountability",
    "jit_item": "joint_investigation",
    "regional_aggregate": "monitoring",
}


def sample_message(type_: str, *, sender: str = "xk.nrm", recipient: str = "al.nrm", **overrides: Any) -> Message:
    """A valid synthetic message of ``type_`` (keyword overrides go to ``protocol.build``)."""
    body = copy.deepcopy(SAMPLE_BODIES[type_])
    child = bool(body.get("is_child"))
    arguments: dict[str, Any] = {
        "sender": sender,
        "recipient": recipient,
        "body": body,
        "message_id": message_id(type_),
        "conversation": CONVERSATION,
        "now": NOW,
        "purpose": _PURPOSE[type_],
        "handling": Handling(("H0", "H2")),
    }
    if type_ in ("urgent_alert", "route_alert", "route_alert_ack"):
        arguments["legal_basis"] = "vital_interests"
    elif not MESSAGE_TYPES[type_].about_a_case:
        arguments.update(legal_basis="public_task", handling=Handling(("H0",)))
    elif child:
        arguments.update(legal_basis="best_interests", best_interests_ref="BID-2026-0007")
    else:
        arguments.update(legal_basis="consent", consent_ref="CONSENT-2026-0042")
    if MESSAGE_TYPES[type_].is_reply:
        asked = "route_alert" if type_ == "route_alert_ack" else type_.rsplit("_", 1)[0] + "_request"
        arguments["in_reply_to"] = message_id(asked)
    arguments.update(overrides)
    return protocol.build(type_, **arguments)


def craft(
    envelope: Mapping[str, Any],
    *,
    signer: jose.PrivateKey,
    recipient: jose.PublicKey,
    jws_typ: str = protocol.JWS_TYP,
    jwe_typ: str = protocol.JWE_TYP,
) -> str:
    """Sign and encrypt any envelope without checks (to build refused tokens)."""
    signed = jose.sign(canonical_json(dict(envelope)), typ=jws_typ, key=signer)
    return jose.encrypt(signed.encode("ascii"), typ=jwe_typ, cty=protocol.JWS_TYP, recipient=recipient)


def tamper(token: str, part: int) -> str:
    """Flip one base64url character in the middle of compact-serialisation part ``part``."""
    parts = token.split(".")
    segment = parts[part]
    middle = len(segment) // 2
    flipped = "A" if segment[middle] != "A" else "B"
    parts[part] = segment[:middle] + flipped + segment[middle + 1 :]
    return ".".join(parts)


# --- generation ------------------------------------------------------------------------


def _fingerprint(definition: Any) -> str:
    return hashlib.sha256(canonical_json(definition)).hexdigest()[:16]


class _Network:
    def __init__(self) -> None:
        self.keys = keys()
        self.doc = trust_list_doc(self.keys)
        self.trust_list_token = sign_trust_list(self.doc, authority_key=self.keys["authority"], now=NOW)
        self.trust_list: TrustList = load_trust_list(
            self.trust_list_token, authority_public_key=self.keys["authority"].public(), now=NOW
        )

    def pub(self, name: str) -> jose.PublicKey:
        return self.keys[name].public()


def _open_result(net: _Network, case: Mapping[str, Any]) -> dict[str, Any]:
    try:
        message = protocol.open_(
            case["token"],
            our_node_id=case["our_node_id"],
            our_keys=[net.keys[name] for name in case["our_keys"]],
            trust_list=net.trust_list,
            now=_t(case["now"]),
            seen=seen_pairs(case["seen"]),
            max_bytes=case.get("max_bytes", protocol.DEFAULT_MAX_BYTES),
        )
    except ProtocolError as err:
        return {"error": str(err.code)}
    return {"envelope": message.to_envelope(), "sender_kid": message.sender_kid, "token_sha256": message.token_sha256}


def seen_pairs(seen: list[Mapping[str, str]]) -> set[tuple[str, str]]:
    """The ``seen`` member of a vector case: the (from, id) pairs already accepted."""
    return {(entry["from"], entry["id"]) for entry in seen}


def _message_cases(net: _Network, previous: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    al_enc = net.pub("al.enc.2026")
    cases: list[dict[str, Any]] = []

    def add(name: str, definition: Any, make_token: Any, **params: Any) -> None:
        case: dict[str, Any] = {
            "name": name,
            "fingerprint": _fingerprint([name, definition, params]),
            "our_node_id": params.pop("our_node_id", "al.nrm"),
            "our_keys": params.pop("our_keys", ["al.enc.2025", "al.enc.2026"]),
            "now": params.pop("now", format_time(NOW)),
            "seen": params.pop("seen", []),
            **params,
        }
        old = previous.get(name)
        if old is not None and old.get("fingerprint") == case["fingerprint"]:
            case["token"] = old["token"]
        else:
            case["token"] = make_token()
        case["expect"] = _open_result(net, case)
        cases.append(case)

    def sealed(message: Message, signer: str, to: jose.PublicKey = al_enc) -> Any:
        return lambda: protocol.seal(message, sender_key=net.keys[signer], recipient_key=to, now=NOW)

    # Every message type, accepted.
    for type_ in sorted(SAMPLE_BODIES):
        message = sample_message(type_)
        add(f"accept_{type_}", message.to_envelope(), sealed(message, "xk.sig"))

    base = sample_message("case_notification", message_id=message_id("base"))
    envelope = base.to_envelope()

    def crafted(env: Mapping[str, Any], signer: str = "xk.sig", **kw: Any) -> Any:
        return lambda: craft(env, signer=net.keys[signer], recipient=kw.pop("to", al_enc), **kw)

    # Rotation: the old al key still verifies during the overlap; encryption to the old
    # al key still opens while we hold it.
    to_xk = sample_message("risk_assessment_response", sender="al.nrm", recipient="xk.nrm")
    add(
        "accept_old_signing_key_in_overlap",
        to_xk.to_envelope(),
        sealed(to_xk, "al.sig.2025", net.pub("xk.enc")),
        our_node_id="xk.nrm",
        our_keys=["xk.enc"],
    )
    add("accept_encrypted_to_previous_key", envelope, sealed(base, "xk.sig", net.pub("al.enc.2025")))
    # Refusals, in the order of docs/protocol.md section 7 (negative.json has one or more
    # refusal for every check; these are one per code).
    no_consent = {k: v for k, v in envelope.items() if k != "consent_ref"}
    extra_body = {**envelope, "body": {**envelope["body"], "religion": "any"}}
    bad_body = {**envelope, "body": {**envelope["body"], "urgency": "whenever"}}
    ivr = sample_message("identity_verification_request").to_envelope()
    asylum = {**ivr, "body": {**ivr["body"], "asylum_seeker": True}}
    add("reject_no_current_trust_list", envelope, sealed(base, "xk.sig"), now="2026-03-15T00:00:00Z")
    add("reject_oversized", envelope, sealed(base, "xk.sig"), max_bytes=1024)
    add("reject_malformed_token", "garbage", lambda: "this.is.not.a.jwe")
    add("reject_unsupported_version_typ", envelope, crafted(envelope, jwe_typ="trm2+jwe"))
    add("reject_unknown_recipient_key", envelope, sealed(base, "xk.sig", net.pub("zz.enc")))
    add("reject_undecryptable", envelope, lambda: tamper(sealed(base, "xk.sig")(), 3))
    add("reject_unknown_sender", envelope, crafted({**envelope, "from": "zz.nrm"}, "zz.sig"))
    add("reject_sender_revoked", envelope, crafted({**envelope, "from": "me.nrm"}, "me.sig"))
    add("reject_unknown_sender_key", envelope, crafted(envelope, "rs.sig"))
    add("reject_key_revoked", envelope, crafted({**envelope, "from": "rs.nrm"}, "rs.sig.revoked"))
    add("reject_bad_signature", envelope, lambda: _forge(net, envelope, al_enc))
    add("reject_unsupported_version", envelope, crafted({**envelope, "v": "trm/2"}))
    add("reject_unknown_type", envelope, crafted({**envelope, "type": "invoice"}))
    add("reject_malformed_envelope", envelope, crafted({k: v for k, v in envelope.items() if k != "conversation"}))
    add("reject_purpose_not_allowed", envelope, crafted({**envelope, "purpose": "monitoring"}))
    add("reject_missing_safeguard", envelope, crafted(no_consent))
    add("reject_body_field_not_allowed", envelope, crafted(extra_body))
    add("reject_schema_violation", envelope, crafted(bad_body))
    add("reject_asylum_seeker_identity_request", asylum, crafted(asylum))
    ftr = sample_message("family_tracing_request").to_envelope()
    adult = {**ftr, "body": {**ftr["body"], "is_child": False}}
    add("reject_family_tracing_not_child", adult, crafted(adult))
    add("reject_wrong_recipient", envelope, crafted({**envelope, "to": "rs.nrm"}))
    add("reject_key_not_valid", envelope, crafted(envelope, "xk.sig.2027"))
    add("reject_lifetime_too_long", envelope, crafted({**envelope, "expires": format_time(NOW + timedelta(days=31))}))
    add("reject_created_in_future", envelope, sealed(base, "xk.sig"), now="2026-03-02T09:54:59Z")
    add("reject_expired", envelope, sealed(base, "xk.sig"), now="2026-03-09T10:05:01Z")
    add("reject_replayed", envelope, sealed(base, "xk.sig"), seen=[{"from": "xk.nrm", "id": base.id}])
    return cases


def _forge(net: _Network, envelope: Mapping[str, Any], to: jose.PublicKey) -> str:
    # A JWS whose header names xk's key but whose signature is zz's, then encrypted.
    signed = jose.sign(canonical_json(dict(envelope)), typ=protocol.JWS_TYP, key=net.keys["zz.sig"])
    header = jose.sign(b"", typ=protocol.JWS_TYP, key=net.keys["xk.sig"]).split(".")[0]
    forged = ".".join([header, *signed.split(".")[1:]])
    return jose.encrypt(forged.encode("ascii"), typ=protocol.JWE_TYP, cty=protocol.JWS_TYP, recipient=to)


def _trust_list_cases(net: _Network) -> list[dict[str, Any]]:
    token = net.trust_list_token
    later = trust_list_doc(net.keys, sequence=8)
    other_authority = jose.key_from_seed(seed("not the authority"), "sig")
    return [
        {"name": "accept", "token": token, "now": format_time(NOW), "previous_sequence": 7, "expect": {"sequence": 7}},
        {
            "name": "accept_newer",
            "token": sign_trust_list(later, authority_key=net.keys["authority"], now=NOW),
            "now": format_time(NOW),
            "previous_sequence": 7,
            "expect": {"sequence": 8},
        },
        {
            "name": "reject_rollback",
            "token": token,
            "now": format_time(NOW),
            "previous_sequence": 8,
            "expect": {"error": "trust_list_rollback"},
        },
        {
            "name": "reject_expired",
            "token": token,
            "now": "2026-03-15T00:00:00Z",
            "previous_sequence": None,
            "expect": {"error": "trust_list_expired"},
        },
        {
            "name": "reject_not_yet_valid",
            "token": token,
            "now": "2026-02-28T23:54:59Z",
            "previous_sequence": None,
            "expect": {"error": "trust_list_not_yet_valid"},
        },
        {
            "name": "reject_bad_signature",
            "token": tamper(token, 1),
            "now": format_time(NOW),
            "previous_sequence": None,
            "expect": {"error": "trust_list_bad_signature"},
        },
        {
            "name": "reject_other_signer",
            "token": jose.sign(canonical_json(net.doc), typ="trm1-trustlist+jws", key=other_authority),
            "now": format_time(NOW),
            "previous_sequence": None,
            "expect": {"error": "trust_list_bad_signature"},
        },
        {
            "name": "reject_malformed",
            "token": "not a trust list",  # a malformed test vector, not a secret  # nosec B105
            "now": format_time(NOW),
            "previous_sequence": None,
            "expect": {"error": "trust_list_malformed"},
        },
    ]


def _receipt_cases(net: _Network, message_cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_name = {case["name"]: case for case in message_cases}
    accepted = by_name["accept_case_notification"]
    tampered = by_name["reject_undecryptable"]
    message = protocol.open_(
        accepted["token"],
        our_node_id="al.nrm",
        our_keys=[net.keys["al.enc.2026"]],
        trust_list=net.trust_list,
        now=NOW,
        seen=(),
    )
    received = NOW + timedelta(seconds=2)
    error = ProtocolError(Code.UNDECRYPTABLE)
    out = []
    for name, token in [
        ("accepted", protocol.receipt_for(message, key=net.keys["al.sig.2026"], now=received)),
        ("duplicate", protocol.receipt_for(message, key=net.keys["al.sig.2026"], now=received, status="duplicate")),
        (
            "rejected",
            protocol.receipt_for_error(
                tampered["token"], error, receiver="al.nrm", key=net.keys["al.sig.2026"], now=received
            ),
        ),
    ]:
        sent = tampered["token"] if name == "rejected" else accepted["token"]
        out.append(
            {
                "name": name,
                "sent_token": sent,
                "receiver": "al.nrm",
                "signed_with": "al.sig.2026",
                "received": format_time(received),
                "expected_token": token,
                "expected_payload": json.loads(jose.jws_parts(token)[1]),
            }
        )
    return out


def generate(previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """All vector files as {file name: JSON value}; ``previous`` is the old messages.json."""
    net = _Network()
    old_cases = {case["name"]: case for case in (previous or {}).get("cases", [])}
    message_cases = _message_cases(net, old_cases)
    private = {name: jose.private_jwk(key) for name, key in net.keys.items()}
    return {
        "keys.json": {
            "description": "Fixed synthetic keys of the trm/1 test vectors (never use them elsewhere).",
            "seed_rule": "d = SHA-256('trm/1 test vector key: ' + name)",
            "keys": private,
            "authority_public_jwk": jose.public_jwk(net.keys["authority"]),
        },
        "trust_list.json": {
            "description": "Signing this document with the authority key at 'now' gives exactly 'token'.",
            "now": format_time(NOW),
            "document": net.doc,
            "canonical_payload": canonical_json(net.doc).decode(),
            "token": net.trust_list_token,
            "cases": _trust_list_cases(net),
        },
        "messages.json": {
            "description": (
                "Open 'token' as node 'our_node_id' holding 'our_keys' at 'now', with the ids in 'seen' "
                "already received, against trust_list.json; expect the envelope or the error code."
            ),
            "cases": message_cases,
        },
        "receipts.json": {
            "description": "Receipts are deterministic: signing 'expected_payload' gives 'expected_token'.",
            "cases": _receipt_cases(net, message_cases),
        },
        "schemas.json": schemas.published(),
        **_negative_files(net, message_cases),
    }


def _negative_files(net: _Network, message_cases: list[dict[str, Any]]) -> dict[str, Any]:
    from trm.exchange import negative  # negative builds on this module's samples

    accepted = next(case for case in message_cases if case["name"] == "accept_case_notification")
    setting = negative.setting(net.keys, now=NOW, message_id=message_id, sample=sample_message)
    return {
        "negative.json": {
            "description": (
                "Request bodies for node al.nrm holding al.enc.2025 and al.enc.2026, at 'now', with the "
                "trust list of trust_list.json and a token limit of 'max_bytes'; 'seen' lists the (from, id) "
                "pairs accepted before. Each case names the check of docs/protocol.md it exercises and the "
                "receipt expected: status, code, HTTP status, message_id (null: absent) and token_sha256."
            ),
            "now": format_time(NOW),
            "max_bytes": negative.MAX_BYTES,
            "cases": negative.message_cases(setting, net.keys, net.trust_list),
        },
        "receipts_negative.json": {
            "description": (
                "Verify 'receipt' as the sender of 'sent_token' (message 'sent_message_id') to 'receiver', at "
                "'now', with the trust list of trust_list.json: expect the status or the error code."
            ),
            "cases": negative.receipt_cases(
                net.keys, net.trust_list, accepted["token"], accepted["expect"]["envelope"]["id"], NOW
            ),
        },
        "trustlist_negative.json": {
            "description": (
                "Load 'token' with the pinned authority key of keys.json at 'now', having accepted "
                "'previous_sequence' before (and with 'max_bytes' as the limit when given): expect the "
                "sequence or the error code."
            ),
            "cases": negative.trust_list_cases(net.keys, net.doc, NOW),
        },
    }

"""JSON Schemas (draft 2020-12 subset) of the trm/1 envelope and message bodies; pure.

The schemas are plain dicts so that they can be published as JSON
(``docs/vectors/schemas.json``) and used by any JSON Schema validator. ``validate``
implements exactly the keywords used here (type, enum, const, properties, required,
additionalProperties, dependentRequired, if, then, else, not, items, minItems,
maxItems, uniqueItems, minLength, maxLength, pattern, format, minimum, maximum); a
schema using any other keyword is refused when this module is imported.

trm/1 §2 fixes what a validator may otherwise choose:

* ``pattern`` is an ECMA-262 regular expression written in the subset that Java, .NET,
  Go (RE2) and Python read alike: ASCII literals and ranges, groups, alternation and
  counted repetition, anchored with ``^`` and ``$``; no ``\\d``, ``\\w``, ``\\s``, no
  look-around. ``[0-9]`` is an ASCII digit and nothing else.
* ``minLength`` and ``maxLength`` count Unicode code points (not UTF-16 code units).
* ``format`` is asserted: ``date`` and ``date-time`` values are real dates of the
  proleptic Gregorian calendar, years 0001 to 9999, without a leap second.
* ``integer`` is a JSON number written without fraction or exponent (the parser,
  ``wire.parse_json``, refuses any other number before a schema is applied).

Data minimisation: every object schema is closed (``additionalProperties: false``), so
a body carrying a field outside its type's field set is refused.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

DIALECT = "https://json-schema.org/draft/2020-12/schema"

# --- shared pieces ----------------------------------------------------------------

NODE_ID = {"type": "string", "pattern": "^[a-z0-9][a-z0-9.-]{1,62}$"}
UUID = {
    "type": "string",
    "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
}
_DAY = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
TIMESTAMP = {"type": "string", "pattern": f"^{_DAY}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$", "format": "date-time"}
DATE = {"type": "string", "pattern": f"^{_DAY}$", "format": "date"}
# An RFC 7638 thumbprint (SHA-256) or an X25519/Ed25519 public key: 32 octets in
# canonical base64url (the last character carries two unused, zero bits).
B64URL_32 = {"type": "string", "pattern": "^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$"}
COUNTRY = {"type": "string", "pattern": "^[A-Z]{2}$"}
REF = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$"}
CASE_REF = REF
SHORT_TEXT = {"type": "string", "minLength": 1, "maxLength": 200}
TEXT = {"type": "string", "minLength": 1, "maxLength": 4000}
LANGUAGE = {"type": "string", "pattern": "^[a-z]{2,3}$"}

AGE_BAND = {"enum": ["0-11", "12-14", "15-17", "18-24", "25-34", "35-44", "45-54", "55+", "unknown"]}
EXPLOITATION = {
    "enum": [
        "sexual",
        "labour",
        "domestic_servitude",
        "forced_marriage",
        "forced_criminality",
        "forced_begging",
        "organ_removal",
        "illegal_adoption",
        "other",
    ]
}
SERVICE = {
    "enum": [
        "shelter",
        "medical",
        "psychological",
        "legal",
        "education",
        "vocational",
        "financial",
        "reintegration",
        "interpretation",
        "family_reunification",
    ]
}
GENDER = {"enum": ["female", "male", "other", "unknown"]}
RISK = {"enum": ["low", "medium", "high", "unknown"]}


def _list(items: dict[str, Any], *, max_items: int = 20, min_items: int = 1) -> dict[str, Any]:
    return {
        "type": "array",
        "items": items,
        "minItems": min_items,
        "maxItems": max_items,
        "uniqueItems": True,
    }


def _object(
    properties: dict[str, Any],
    required: list[str],
    *,
    dependent: dict[str, list[str]] | None = None,
    when: tuple[dict[str, Any], dict[str, Any], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    if dependent:
        schema["dependentRequired"] = dependent
    if when:
        schema["if"], schema["then"], schema["else"] = when
    return schema


IDENTITY = _object(
    {
        "family_name": SHORT_TEXT,
        "given_names": SHORT_TEXT,
        "date_of_birth": DATE,
        "place_of_birth": SHORT_TEXT,
        "claimed_nationality": COUNTRY,
        "sex": GENDER,
    },
    ["family_name", "given_names"],
)

DOCUMENT = _object(
    {
        "kind": {"enum": ["passport", "id_card", "birth_certificate", "residence_permit", "other"]},
        "number": {"type": "string", "minLength": 1, "maxLength": 40},
        "issuing_country": COUNTRY,
        "expiry_date": DATE,
    },
    ["kind", "issuing_country"],
)

# A scan of an identity document: canonical standard base64 with padding (one encoding per
# octet string). One copy of the maximal length fits in a token (trm/1 §12); several
# copies together are bounded by the token size limit, which the sender checks.
DOCUMENT_COPY_MAX = 140000
DOCUMENT_COPY = _object(
    {
        "kind": {"enum": ["passport", "id_card", "birth_certificate", "residence_permit", "other"]},
        "media_type": {"enum": ["image/jpeg", "image/png", "application/pdf"]},
        "data": {
            "type": "string",
            "minLength": 4,
            "maxLength": DOCUMENT_COPY_MAX,
            "pattern": "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$",
        },
    },
    ["kind", "media_type", "data"],
)

TRAVEL_PLAN = _object(
    {
        "planned_date": DATE,
        "arrival_point": SHORT_TEXT,
        "escort": {"type": "boolean"},
    },
    ["planned_date"],
)

HEALTH = _object(
    {
        "needs": _list({"enum": ["medication", "follow_up_care", "mental_health", "disability", "other"]}),
        "summary": TEXT,
    },
    ["needs"],
)

FAMILY_MEMBER = _object(
    {
        "relationship": {"enum": ["mother", "father", "sibling", "grandparent", "aunt_uncle", "other"]},
        "family_name": SHORT_TEXT,
        "given_names": SHORT_TEXT,
        "last_known_locality": SHORT_TEXT,
    },
    ["relationship"],
)

# One stage of the route as the sending node recorded it (no place names: countries and periods).
ROUTE_STAGE = _object(
    {
        "stage": {"enum": ["recruitment", "transit", "exploitation"]},
        "country": COUNTRY,
        "start_date": DATE,
        "end_date": DATE,
        "exploitation_type": EXPLOITATION,
    },
    ["stage", "country"],
)

# The sending country's identification decision: its status, when and by which authority.
IDENTIFICATION = _object(
    {
        "status": {"enum": ["not_decided", "rg_pending", "rg_positive", "rg_negative", "identified", "not_identified"]},
        "decided_on": DATE,
        "authority": SHORT_TEXT,
    },
    ["status"],
)

PERMIT = _object(
    {
        "kind": {"enum": ["reflection", "personal_situation", "cooperation"]},
        "issued_on": DATE,
        "valid_until": DATE,
    },
    ["kind", "valid_until"],
)

ORGANISATION_KIND = {
    "enum": [
        "ngo",
        "law_enforcement",
        "health",
        "central_government",
        "local_government",
        "immigration",
        "legal",
        "social_services",
        "labour_inspectorate",
        "prosecution",
        "international_organisation",
        "other",
    ]
}

# The person's consent as given in the sending country: what the receiving country may do under
# it (purposes), with whom (countries, kinds of organisation), until when, and how it was given.
CONSENT_SCOPE = _object(
    {
        "given_on": DATE,
        "given_by": {"enum": ["person", "guardian", "parent"]},
        "language": LANGUAGE,
        "interpreter": {"type": "boolean"},
        "purposes": _list({"enum": ["assistance", "identification", "return_risk_assessment", "family_tracing"]}),
        "recipient_countries": _list(COUNTRY, max_items=60),
        "recipient_kinds": _list(ORGANISATION_KIND),
        "expires_on": DATE,
    },
    ["given_on", "purposes", "recipient_countries"],
)

# --- message bodies ----------------------------------------------------------------


# The entries of an ``exchange_summary`` (trm/1 §5.21). A message's type is written as a
# name, not an enumeration, so that a summary may list a message of a type the reader
# refused as unknown.
# Money (compensation claims, trm/1 §5.27-5.28): an ISO 4217 code and a decimal amount as a
# string, never a float, with at most two decimals.
CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$"}
AMOUNT = {"type": "string", "pattern": "^(0|[1-9][0-9]{0,11})([.][0-9]{1,2})?$"}
PAYMENT = _object({"paid_on": DATE, "amount": AMOUNT}, ["paid_on", "amount"])
CLAIM_OUTCOMES = ["filed", "awarded", "rejected", "paid_in_part", "paid", "written_off"]
GROUP_REF = {"type": "string", "pattern": "^G-[0-9a-f]{32}$"}
SECTORS = [
    "agriculture",
    "construction",
    "manufacturing",
    "hospitality",
    "domestic_work",
    "cleaning",
    "transport",
    "begging",
    "sex_industry",
    "other",
]

SUMMARY_MAX_ENTRIES = 500
SHA256_HEX = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_TYPE_NAME = {"type": "string", "pattern": "^[a-z][a-z_]{0,39}$"}
SENT_STATUSES = ["pending", "delivered", "rejected", "expired"]
RECEIVED_STATUSES = ["received", "processed", "failed", "unhandled"]
SUMMARY_SENT = _object(
    {
        "id": UUID,
        "type": _TYPE_NAME,
        "created": TIMESTAMP,
        "token_sha256": SHA256_HEX,
        "status": {"enum": SENT_STATUSES},
    },
    ["id", "type", "created", "token_sha256", "status"],
)
SUMMARY_RECEIVED = _object(
    {
        "id": UUID,
        "type": _TYPE_NAME,
        "created": TIMESTAMP,
        "token_sha256": SHA256_HEX,
        "status": {"enum": RECEIVED_STATUSES},
        "status_at": TIMESTAMP,
    },
    ["id", "type", "created", "token_sha256", "status"],
    # A message still waiting for its handler has no time of processing; the others have one.
    when=(
        {"properties": {"status": {"const": "received"}}},
        {"not": {"required": ["status_at"]}},
        {"required": ["status_at"]},
    ),
)

# Joint investigation teams (trm/1 §5.30): the 4x4 grading of an item, and what it may be used for.
JIT_RELIABILITY = ["A", "B", "C", "X"]
JIT_ACCURACY = ["1", "2", "3", "4"]
JIT_USES = ["analysis", "operational", "evidence"]
# The protected tables of a ``regional_aggregate`` (trm/1 §5.22): one year of a node's victims
# by category and one breakdown (two for the flows), as disclosure control left them.
REGIONAL_TABLES = [
    "victims",
    "sex",
    "age_group",
    "citizenship",
    "form",
    "scope",
    "flows",
    "reflection",
    "permit",
    "returned",
]
REGIONAL_MAX_CELLS = 3000
REGIONAL_CATEGORIES = ["presumed", "identified", "*"]
_CELL_VALUE = {"type": "string", "pattern": "^([A-Za-z0-9][A-Za-z0-9_+-]{0,39}|[*])$"}
REGIONAL_CELL = _object(
    {
        "at": {"type": "array", "items": _CELL_VALUE, "minItems": 1, "maxItems": 3},
        "n": {"type": "integer", "minimum": 0},
        "hidden": {"const": True},
    },
    ["at"],
    # A cell is either shown (its count) or hidden (no count at all).
    when=({"required": ["hidden"]}, {"not": {"required": ["n"]}}, {"required": ["n"]}),
)
REGIONAL_TABLE = _object(
    {
        "table": {"enum": REGIONAL_TABLES},
        "cells": {"type": "array", "items": REGIONAL_CELL, "minItems": 1, "maxItems": REGIONAL_MAX_CELLS},
    },
    ["table", "cells"],
)

BODY_SCHEMAS: dict[str, dict[str, Any]] = {
    "case_notification": _object(
        {
            "case_ref": CASE_REF,
            "nationality": COUNTRY,
            "is_child": {"type": "boolean"},
            "age_band": AGE_BAND,
            "gender": GENDER,
            "exploitation_types": _list(EXPLOITATION),
            "urgency": {"enum": ["routine", "priority", "urgent"]},
            "requested_actions": _list(
                {
                    "enum": [
                        "identity_verification",
                        "risk_assessment",
                        "family_tracing",
                        "service_continuity",
                        "return_arrangements",
                    ]
                }
            ),
            "languages": _list(LANGUAGE, max_items=5),
            "identity": IDENTITY,
            "identity_consent": {"const": True},
            "summary": TEXT,
            "detected_on": DATE,
            "detection_country": COUNTRY,
            "route": _list(ROUTE_STAGE),
            "identification": IDENTIFICATION,
            "permits": _list(PERMIT, max_items=5),
            "consent": CONSENT_SCOPE,
        },
        ["case_ref", "nationality", "is_child", "age_band", "exploitation_types", "urgency"],
        dependent={"identity": ["identity_consent"]},
    ),
    "identity_verification_request": _object(
        {
            "case_ref": CASE_REF,
            "asylum_seeker": {"type": "boolean"},
            "identity": IDENTITY,
            "documents": _list(DOCUMENT, max_items=5),
            "document_copies": _list(DOCUMENT_COPY, max_items=4),
            "travel_document_needed": {"type": "boolean"},
            "due_date": DATE,
        },
        ["case_ref", "asylum_seeker", "identity"],
    ),
    "identity_verification_response": _object(
        {
            "case_ref": CASE_REF,
            "receiver_case_ref": CASE_REF,
            "outcome": {"enum": ["confirmed", "partially_confirmed", "not_confirmed", "unable_to_verify"]},
            "verified_nationality": COUNTRY,
            "travel_document_possible": {"type": "boolean"},
            "remarks": TEXT,
        },
        ["case_ref", "outcome"],
    ),
    "risk_assessment_request": _object(
        {
            "case_ref": CASE_REF,
            "is_child": {"type": "boolean"},
            "topics": _list(
                {
                    "enum": [
                        "family_environment",
                        "trafficker_links",
                        "retaliation_risk",
                        "reintegration_services",
                        "caregiver_capacity",
                    ]
                }
            ),
            "home_locality": SHORT_TEXT,
            "due_date": DATE,
        },
        ["case_ref", "is_child", "topics"],
    ),
    "risk_assessment_response": _object(
        {
            "case_ref": CASE_REF,
            "receiver_case_ref": CASE_REF,
            "overall_risk": RISK,
            "retaliation_risk": RISK,
            "trafficker_links": {"enum": ["none_known", "suspected", "confirmed"]},
            "family_environment": TEXT,
            "recommendation": {"enum": ["return_possible", "return_not_advised", "further_assessment_needed"]},
            "assessed_on": DATE,
            "remarks": TEXT,
        },
        ["case_ref", "overall_risk", "recommendation", "assessed_on"],
    ),
    "family_tracing_request": _object(
        {
            "case_ref": CASE_REF,
            "is_child": {"type": "boolean"},
            "guardian_ref": REF,
            "family_members": _list(FAMILY_MEMBER, max_items=10),
            "due_date": DATE,
        },
        ["case_ref", "is_child", "guardian_ref", "family_members"],
    ),
    "family_tracing_response": _object(
        {
            "case_ref": CASE_REF,
            "receiver_case_ref": CASE_REF,
            "is_child": {"type": "boolean"},
            "outcome": {"enum": ["traced", "not_traced", "in_progress"]},
            "caregiver_willing": {"type": "boolean"},
            "caregiver_able": {"type": "boolean"},
            "safety_concerns": {"enum": ["none", "some", "serious"]},
            "assessment_summary": TEXT,
            "assessed_on": DATE,
        },
        ["case_ref", "is_child", "outcome"],
    ),
    "referral_offer": _object(
        {
            "case_ref": CASE_REF,
            "services": _list(SERVICE),
            "needs_summary": TEXT,
            "health": HEALTH,
            "health_consent": {"const": True},
            "travel_plan": TRAVEL_PLAN,
            "reception_contact": SHORT_TEXT,
            "respond_by": DATE,
        },
        ["case_ref", "services"],
        dependent={"health": ["health_consent"]},
    ),
    "referral_accept": _object(
        {
            "case_ref": CASE_REF,
            "receiver_case_ref": CASE_REF,
            "accepted_services": _list(SERVICE),
            "reception_organisation": SHORT_TEXT,
            "reception_contact": SHORT_TEXT,
        },
        ["case_ref", "accepted_services", "reception_organisation"],
    ),
    "referral_decline": _object(
        {
            "case_ref": CASE_REF,
            "reason": {"enum": ["no_capacity", "not_eligible", "safety", "consent_missing", "other"]},
            "reason_text": TEXT,
        },
        ["case_ref", "reason"],
    ),
    "referral_withdraw": _object(
        {
            "case_ref": CASE_REF,
            "offer_id": UUID,
            "reason": {"enum": ["person_declined", "circumstances_changed", "duplicate", "other"]},
            "reason_text": TEXT,
        },
        ["case_ref", "offer_id", "reason"],
    ),
    "return_arrangements": _object(
        {
            "case_ref": CASE_REF,
            "travel_plan": TRAVEL_PLAN,
            "travel_document": {"enum": ["passport", "laissez_passer", "emergency_travel_document", "none_needed"]},
            "reception_organisation": SHORT_TEXT,
            "risk_assessment_ref": UUID,
            "voluntary": {"type": "boolean"},
        },
        ["case_ref", "travel_plan", "reception_organisation", "risk_assessment_ref", "voluntary"],
    ),
    "arrival_confirmation": _object(
        {
            "case_ref": CASE_REF,
            "receiver_case_ref": CASE_REF,
            "arrived_on": DATE,
            "received_by": SHORT_TEXT,
            "remarks": TEXT,
        },
        ["case_ref", "arrived_on", "received_by"],
    ),
    "post_return_report": _object(
        {
            "case_ref": CASE_REF,
            "receiver_case_ref": CASE_REF,
            "months_after_return": {"enum": [1, 3, 6, 12, 24]},
            "reintegration_status": {"enum": ["stable", "progressing", "at_risk", "re_trafficked", "lost_contact"]},
            "re_trafficking_alert": {"type": "boolean"},
            "services_received": _list(SERVICE, min_items=0),
            "remarks": TEXT,
        },
        ["case_ref", "months_after_return", "reintegration_status", "re_trafficking_alert"],
    ),
    "case_closure": _object(
        {
            "case_ref": CASE_REF,
            "reason": {
                "enum": [
                    "reintegrated",
                    "person_request",
                    "lost_contact",
                    "transferred",
                    "deceased",
                    "other",
                ]
            },
            "closed_on": DATE,
            "retain_until": DATE,
        },
        ["case_ref", "reason", "closed_on"],
    ),
    "consent_withdrawn": _object(
        {
            "case_ref": CASE_REF,
            "withdrawn_on": DATE,
            "instruction": {"const": "erase"},
            "scope": {"enum": ["conversation", "listed_messages"]},
            "message_ids": _list(UUID, max_items=500),
        },
        ["case_ref", "withdrawn_on", "instruction", "scope"],
        # message_ids names the messages to erase: with scope listed_messages and only then.
        when=(
            {"properties": {"scope": {"const": "listed_messages"}}},
            {"required": ["message_ids"]},
            {"not": {"required": ["message_ids"]}},
        ),
    ),
    "urgent_alert": _object(
        {
            "case_ref": CASE_REF,
            "alert_kind": {"enum": ["immediate_danger", "missing_person", "missing_child", "re_trafficking"]},
            "is_child": {"type": "boolean"},
            "last_seen_on": DATE,
            "last_seen_country": COUNTRY,
            "description": TEXT,
            "contact_point": SHORT_TEXT,
        },
        ["case_ref", "alert_kind", "is_child", "contact_point"],
    ),
    # An alert about a missing child or a person in immediate danger, sent at once to every
    # country on the person's route and those the sender chooses: one message, in its own
    # conversation, to each node (trm/1 §5.23); ``alert_id`` is the same in all of them.
    "route_alert": _object(
        {
            "alert_id": UUID,
            "case_ref": CASE_REF,
            "alert_kind": {"enum": ["missing_child", "missing_person", "immediate_danger"]},
            "is_child": {"type": "boolean"},
            "age_band": AGE_BAND,
            "gender": GENDER,
            "last_seen_on": DATE,
            "last_seen_country": COUNTRY,
            "countries_alerted": _list(COUNTRY, max_items=60),
            "identity": IDENTITY,
            "description": TEXT,
            "police_report_ref": REF,
            "contact_point": SHORT_TEXT,
        },
        ["alert_id", "case_ref", "alert_kind", "is_child", "countries_alerted", "contact_point"],
    ),
    # The receiving node's acknowledgement of a route alert, by a person there (trm/1 §5.24).
    "route_alert_ack": _object(
        {
            "alert_id": UUID,
            "case_ref": CASE_REF,
            "acknowledged_at": TIMESTAMP,
            "action": {"enum": ["alert_circulated", "searching", "person_found", "no_information"]},
            "contact_point": SHORT_TEXT,
            "remarks": TEXT,
        },
        ["alert_id", "case_ref", "acknowledged_at", "action"],
    ),
    # A child's guardian and best-interests records, handed over to the next country on the
    # child's route in a conversation about the child (trm/1 §5.25).
    "guardian_handover": _object(
        {
            "case_ref": CASE_REF,
            "is_child": {"const": True},
            "guardian": _object(
                {
                    "kind": {"enum": ["provisional", "guardian"]},
                    "name": SHORT_TEXT,
                    "organisation": SHORT_TEXT,
                    "decision_ref": REF,
                    "appointed_on": DATE,
                    "contact": SHORT_TEXT,
                },
                ["kind", "name", "appointed_on"],
            ),
            "best_interests": _object(
                {
                    "kind": {"enum": ["assessment", "determination"]},
                    "decided_on": DATE,
                    "durable_solution": {"enum": ["integration", "return", "third_country"]},
                    "child_views_heard": {"type": "boolean"},
                    "summary": TEXT,
                },
                ["kind", "decided_on", "child_views_heard"],
                # A determination names the durable solution.
                when=(
                    {"properties": {"kind": {"const": "determination"}}},
                    {"required": ["durable_solution"]},
                    {},
                ),
            ),
            "handed_over_on": DATE,
        },
        ["case_ref", "is_child", "guardian", "best_interests", "handed_over_on"],
    ),
    # A question in a live conversation, and its answer (either node may ask).
    "information_request": _object(
        {
            "case_ref": CASE_REF,
            "question": TEXT,
            "topics": _list({"enum": ["identity", "exploitation", "needs", "services", "safety", "travel", "other"]}),
        },
        ["case_ref", "question"],
    ),
    "information_response": _object(
        {
            "case_ref": CASE_REF,
            "receiver_case_ref": CASE_REF,
            "answer": TEXT,
        },
        ["case_ref", "answer"],
    ),
    # What became of criminal proceedings in which the person takes part, for the node of the
    # country where she lives now to tell her (trm/1 §5.26); codes and dates, never file numbers.
    "proceeding_outcome": _object(
        {
            "case_ref": CASE_REF,
            "proceeding_ref": REF,
            "stage": {"enum": ["investigation", "prosecution", "trial", "judgment", "appeal", "closed"]},
            "outcome": {
                "enum": [
                    "investigation_opened",
                    "investigation_discontinued",
                    "charged",
                    "trial_opened",
                    "convicted",
                    "acquitted",
                    "appeal_lodged",
                    "appeal_decided",
                    "closed",
                ]
            },
            "decided_on": DATE,
            "person_role": {"enum": ["injured_party", "witness", "civil_party"]},
            "testimony_expected": {"type": "boolean"},
            "next_hearing_on": DATE,
            "remarks": TEXT,
        },
        ["case_ref", "proceeding_ref", "stage", "outcome", "decided_on", "testimony_expected"],
    ),
    # A cross-border compensation claim (Directive 2004/80/EC): the assisting node, where the
    # person lives, passes it to the deciding node, where the crime happened (trm/1 §5.27).
    "compensation_claim": _object(
        {
            "case_ref": CASE_REF,
            "receiver_case_ref": CASE_REF,
            "claim_ref": REF,
            "currency": CURRENCY,
            "amount_claimed": AMOUNT,
            "submitted_on": DATE,
            "crime_country": COUNTRY,
            "back_pay": {"type": "boolean"},
            "deciding_authority": SHORT_TEXT,
            "proceeding_ref": SHORT_TEXT,
        },
        ["case_ref", "claim_ref", "currency", "amount_claimed", "submitted_on"],
    ),
    # The deciding node's answer: the claim's state, the award and every payment so far (§5.28).
    "compensation_claim_answer": _object(
        {
            "case_ref": CASE_REF,
            "receiver_case_ref": CASE_REF,
            "claim_ref": REF,
            "decider_claim_ref": REF,
            "outcome": {"enum": CLAIM_OUTCOMES},
            "currency": CURRENCY,
            "decided_on": DATE,
            "amount_awarded": AMOUNT,
            "payments": _list(PAYMENT, min_items=0, max_items=100),
            "ended_on": DATE,
        },
        ["case_ref", "claim_ref", "outcome", "currency"],
        # An award carries its amount and date; nothing else does.
        when=(
            {"properties": {"outcome": {"enum": ["awarded", "paid_in_part", "paid", "written_off"]}}},
            {"required": ["amount_awarded", "decided_on"]},
            {"not": {"required": ["amount_awarded"]}},
        ),
    ),
    # A pseudonymous reference to a group (employer, workplace, recruiter, begging network)
    # the person's case belongs to, so that the other node can link its own victims (§5.29).
    "group_reference": _object(
        {
            "case_ref": CASE_REF,
            "receiver_case_ref": CASE_REF,
            "group_ref": GROUP_REF,
            "group_kind": {"enum": ["employer", "workplace", "recruiter", "begging_network"]},
            "sector": {"enum": SECTORS},
            "country": COUNTRY,
        },
        ["case_ref", "group_ref", "group_kind"],
    ),
    # About the sending node itself, never about a case: the head of its audit chain.
    "audit_head": _object(
        {
            "seq": {"type": "integer", "minimum": 1},
            "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "at": TIMESTAMP,
        },
        ["seq", "hash", "at"],
    ),
    # An item of information shared in a joint investigation team (trm/1 §5.30): under the
    # team's agreement, never inside a case conversation. Its handling codes are the envelope's.
    "jit_item": _object(
        {
            "operation_ref": {"type": "string", "pattern": "^JIT-[A-Z0-9]{4}-[A-Z0-9]{4}$"},
            "item_ref": UUID,
            "origin_country": COUNTRY,
            "source_reliability": {"enum": JIT_RELIABILITY},
            "information_accuracy": {"enum": JIT_ACCURACY},
            "permitted_uses": _list({"enum": JIT_USES}, max_items=len(JIT_USES)),
            "title": SHORT_TEXT,
            "content": TEXT,
            "forwarded_by": NODE_ID,
        },
        [
            "operation_ref",
            "item_ref",
            "origin_country",
            "source_reliability",
            "information_accuracy",
            "permitted_uses",
            "title",
            "content",
        ],
    ),
    # About the two nodes' exchange, never about a case: what each sent and received in a
    # period, as ids, types, times, digests and states (trm/1 §5.21).
    "exchange_summary": _object(
        {
            "period_start": TIMESTAMP,
            "period_end": TIMESTAMP,
            "sent": _list(SUMMARY_SENT, min_items=0, max_items=SUMMARY_MAX_ENTRIES),
            "received": _list(SUMMARY_RECEIVED, min_items=0, max_items=SUMMARY_MAX_ENTRIES),
            "reply_requested": {"type": "boolean"},
        },
        ["period_start", "period_end", "sent", "received"],
    ),
    # About a node's figures, never about a case: one year of its victims in protected tables,
    # sent to the network secretariat's node (trm/1 §5.22).
    "regional_aggregate": _object(
        {
            "year": {"type": "integer", "minimum": 2000, "maximum": 9999},
            "k": {"type": "integer", "minimum": 2, "maximum": 100},
            "computed": TIMESTAMP,
            "tables": {"type": "array", "items": REGIONAL_TABLE, "minItems": 1, "maxItems": len(REGIONAL_TABLES)},
        },
        ["year", "k", "computed", "tables"],
    ),
}

HANDLING_CODES = ["H0", "H1", "H2", "H3"]
PURPOSES = [
    "assistance",
    "identification",
    "risk_assessment",
    "family_tracing",
    "return",
    "monitoring",
    "protection",
    "case_management",
    "accountability",
    "joint_investigation",
]
LEGAL_BASES = ["consent", "best_interests", "vital_interests", "legal_obligation", "public_task"]

ENVELOPE_SCHEMA: dict[str, Any] = _object(
    {
        "v": {"const": "trm/1"},
        "id": UUID,
        "type": {"enum": sorted(BODY_SCHEMAS)},
        "from": NODE_ID,
        "to": NODE_ID,
        "created": TIMESTAMP,
        "expires": TIMESTAMP,
        "in_reply_to": UUID,
        "conversation": UUID,
        "purpose": {"enum": PURPOSES},
        "legal_basis": {"enum": LEGAL_BASES},
        "consent_ref": REF,
        "best_interests_ref": REF,
        "handling": _object(
            {
                "codes": _list({"enum": HANDLING_CODES}, max_items=4),
                "text": {"type": "string", "minLength": 1, "maxLength": 500},
            },
            ["codes"],
        ),
        "body": {"type": "object"},
    },
    [
        "v",
        "id",
        "type",
        "from",
        "to",
        "created",
        "expires",
        "conversation",
        "purpose",
        "legal_basis",
        "handling",
        "body",
    ],
)

RECEIPT_SCHEMA: dict[str, Any] = _object(
    {
        "v": {"const": "trm/1"},
        "type": {"const": "receipt"},
        "message_id": UUID,
        "token_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "receiver": NODE_ID,
        "received": TIMESTAMP,
        "status": {"enum": ["accepted", "duplicate", "rejected"]},
        "code": {"type": "string", "pattern": "^[a-z_]{1,40}$"},
    },
    ["v", "type", "token_sha256", "receiver", "received", "status"],
    # A refusal carries its code; an accepted or duplicate message its id and no code.
    when=(
        {"properties": {"status": {"const": "rejected"}}},
        {"required": ["code"]},
        {"required": ["message_id"], "not": {"required": ["code"]}},
    ),
)

_JWK_PUBLIC = _object(
    {
        "kty": {"const": "OKP"},
        "crv": {"enum": ["Ed25519", "X25519"]},
        "x": B64URL_32,
        "kid": B64URL_32,
        "use": {"enum": ["sig", "enc"]},
    },
    ["kty", "crv", "x"],
)

TRUST_LIST_SCHEMA: dict[str, Any] = _object(
    {
        "v": {"const": "trm/1"},
        "type": {"const": "trust_list"},
        "network": SHORT_TEXT,
        "sequence": {"type": "integer", "minimum": 1},
        "issued": TIMESTAMP,
        "next_update": TIMESTAMP,
        "expires": TIMESTAMP,
        "nodes": {
            "type": "array",
            "maxItems": 1000,
            "items": _object(
                {
                    "node_id": NODE_ID,
                    "country": COUNTRY,
                    "organisation": SHORT_TEXT,
                    "endpoint": {"type": "string", "minLength": 8, "maxLength": 500},
                    "revoked": {"type": "boolean"},
                    "revoked_at": TIMESTAMP,
                    "keys": {
                        "type": "array",
                        "maxItems": 20,
                        "items": _object(
                            {
                                "kid": B64URL_32,
                                "use": {"enum": ["sig", "enc"]},
                                "jwk": _JWK_PUBLIC,
                                "not_before": TIMESTAMP,
                                "not_after": TIMESTAMP,
                                "revoked": {"type": "boolean"},
                                "revoked_at": TIMESTAMP,
                            },
                            ["kid", "use", "jwk", "not_before", "revoked"],
                        ),
                    },
                },
                ["node_id", "country", "organisation", "endpoint", "revoked", "keys"],
            ),
        },
    },
    ["v", "type", "network", "sequence", "issued", "next_update", "expires", "nodes"],
)


# --- validator ------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemaError:
    """One violation: where (a JSON pointer) and which keyword failed."""

    path: str
    keyword: str


_KNOWN_KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "const",
        "properties",
        "required",
        "additionalProperties",
        "dependentRequired",
        "items",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "if",
        "then",
        "else",
        "not",
    }
)

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
}


def _type_ok(value: Any, expected: str) -> bool:
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, _TYPES[expected])


# The pattern of base64 document copies (canonical, padded) and a matcher for exactly the
# same strings in linear time: the regular expression's repeated group backtracks, and a
# 64 KB document took milliseconds per check.
BASE64_PATTERN = "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$"
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _base64_characters(text: str) -> bool:
    # Deleting the alphabet leaves nothing: a byte operation, far faster than a regex scan.
    return text.isascii() and not text.encode("ascii").translate(None, _BASE64_ALPHABET)


class _Base64Match:
    """``re.compile(BASE64_PATTERN)`` for ``search``: True when it matches, else None."""

    def search(self, text: str) -> bool | None:
        if len(text) % 4:
            return None
        if text.endswith("=="):
            ok = text[-3] in "AQgw" and _base64_characters(text[:-2])
        elif text.endswith("="):
            ok = text[-2] in "AEIMQUYcgkosw048" and _base64_characters(text[:-1])
        else:
            ok = _base64_characters(text)
        return True if ok else None


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str] | _Base64Match:
    if pattern == BASE64_PATTERN:
        return _Base64Match()
    # ECMA-262 "$" (no multiline) matches only at the very end; Python's "$" also matches
    # before a final newline, so anchor with "\Z" instead.
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


_DATE_SHAPE = re.compile("([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TIME_SHAPE = re.compile("T([0-9]{2}):([0-9]{2}):([0-9]{2})Z")


def real_date(text: str) -> bool:
    """``YYYY-MM-DD`` naming a day of the proleptic Gregorian calendar, years 0001-9999."""
    shape = _DATE_SHAPE.fullmatch(text)
    if shape is None:
        return False
    try:
        date(*(int(part) for part in shape.groups()))
    except ValueError:
        return False
    return True


def real_timestamp(text: str) -> bool:
    """``YYYY-MM-DDTHH:MM:SSZ`` naming a real second in UTC (no leap second ``:60``)."""
    clock = _TIME_SHAPE.fullmatch(text[10:])
    if not real_date(text[:10]) or clock is None:
        return False
    hour, minute, second = (int(part) for part in clock.groups())
    return hour < 24 and minute < 60 and second < 60


_FORMATS = {"date": real_date, "date-time": real_timestamp}


def _same(a: Any, b: Any) -> bool:
    # JSON equality: true is not 1.
    return type(a) is type(b) and a == b


def _unique(items: list[Any]) -> bool:
    seen: list[Any] = []
    for item in items:
        if any(_same(item, other) for other in seen):
            return False
        seen.append(item)
    return True


Validator = Callable[[Any, str], list[SchemaError]]
# Each schema object is compiled once into a validator: a closure over its keywords, so
# that checking a message looks at the keywords it has, not at every keyword it might
# have. Keyed by the object's id; the entry holds the schema, so the id stays its own.
# Schemas are constants: one changed after its first use would keep its old validator.
_validators: dict[int, tuple[dict[str, Any], Validator]] = {}
_MAX_VALIDATORS = 4096


def validate(instance: Any, schema: dict[str, Any], path: str = "") -> list[SchemaError]:
    """Every violation of ``schema`` by ``instance`` (empty list when valid)."""
    return _validator(schema)(instance, path)


def _validator(schema: dict[str, Any]) -> Validator:
    cached = _validators.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    compiled = _compile(schema)
    if len(_validators) >= _MAX_VALIDATORS:
        _validators.clear()
    _validators[id(schema)] = (schema, compiled)
    return compiled


def _string_checks(schema: dict[str, Any]) -> list[tuple[str, Callable[[str], bool]]]:
    checks: list[tuple[str, Callable[[str], bool]]] = []
    if "minLength" in schema:
        low: int = schema["minLength"]
        checks.append(("minLength", lambda text: len(text) >= low))
    if "maxLength" in schema:
        high: int = schema["maxLength"]
        checks.append(("maxLength", lambda text: len(text) <= high))
    if "pattern" in schema:
        pattern = _compiled(schema["pattern"])
        checks.append(("pattern", lambda text: bool(pattern.search(text))))
    if "format" in schema:
        checks.append(("format", _FORMATS[schema["format"]]))
    return checks


def _number_checks(schema: dict[str, Any]) -> list[tuple[str, Callable[[int], bool]]]:
    checks: list[tuple[str, Callable[[int], bool]]] = []
    if "minimum" in schema:
        low: int = schema["minimum"]
        checks.append(("minimum", lambda number: number >= low))
    if "maximum" in schema:
        high: int = schema["maximum"]
        checks.append(("maximum", lambda number: number <= high))
    return checks


def _array_checks(schema: dict[str, Any]) -> list[tuple[str, Callable[[list[Any]], bool]]]:
    checks: list[tuple[str, Callable[[list[Any]], bool]]] = []
    if "minItems" in schema:
        low: int = schema["minItems"]
        checks.append(("minItems", lambda items: len(items) >= low))
    if "maxItems" in schema:
        high: int = schema["maxItems"]
        checks.append(("maxItems", lambda items: len(items) <= high))
    if schema.get("uniqueItems"):
        checks.append(("uniqueItems", _unique))
    return checks


_STRING_KEYWORDS = frozenset({"type", "minLength", "maxLength", "pattern", "format"})


def _compile(schema: dict[str, Any]) -> Validator:
    # Most nodes are strings with a few checks, or enums of strings: a closure of their own.
    if schema.get("type") == "string" and set(schema) <= _STRING_KEYWORDS:
        return _compile_string(schema)
    if set(schema) == {"enum"} and all(type(option) is str for option in schema["enum"]):
        return _compile_names(schema)
    return _compile_any(schema)


def _compile_string(schema: dict[str, Any]) -> Validator:
    checks = _string_checks(schema)

    def run(instance: Any, path: str) -> list[SchemaError]:
        if not isinstance(instance, str):
            return [SchemaError(path or "/", "type")]
        return [SchemaError(path or "/", keyword) for keyword, ok in checks if not ok(instance)]

    return run


def _compile_names(schema: dict[str, Any]) -> Validator:
    names = frozenset(schema["enum"])

    def run(instance: Any, path: str) -> list[SchemaError]:
        if type(instance) is str and instance in names:
            return []
        return [SchemaError(path or "/", "enum")]

    return run


def _compile_any(schema: dict[str, Any]) -> Validator:
    expected: str | None = schema.get("type")
    has_const, const = "const" in schema, schema.get("const")
    enum: list[Any] | None = schema.get("enum")
    # An enum of strings is a set look-up (JSON equality: only a string equals a string).
    names = frozenset(enum) if enum is not None and all(type(option) is str for option in enum) else None
    strings = _string_checks(schema)
    numbers = _number_checks(schema)
    arrays = _array_checks(schema)
    items = _validator(schema["items"]) if "items" in schema else None
    required: list[str] = schema.get("required", [])
    dependent: dict[str, list[str]] = schema.get("dependentRequired", {})
    properties = {name: _validator(sub) for name, sub in schema.get("properties", {}).items()}
    closed = schema.get("additionalProperties") is False
    if_ = _validator(schema["if"]) if "if" in schema else None
    then = _validator(schema["then"]) if "then" in schema else None
    else_ = _validator(schema["else"]) if "else" in schema else None
    not_ = _validator(schema["not"]) if "not" in schema else None

    def run(instance: Any, path: str) -> list[SchemaError]:
        where = path or "/"
        if expected is not None and not _type_ok(instance, expected):
            return [SchemaError(where, "type")]
        errors: list[SchemaError] = []
        if has_const and not _same(instance, const):
            errors.append(SchemaError(where, "const"))
        if names is not None:
            if type(instance) is not str or instance not in names:
                errors.append(SchemaError(where, "enum"))
        elif enum is not None and not any(_same(instance, option) for option in enum):
            errors.append(SchemaError(where, "enum"))
        if isinstance(instance, str):
            for keyword, text_ok in strings:
                if not text_ok(instance):
                    errors.append(SchemaError(where, keyword))
        elif isinstance(instance, int) and not isinstance(instance, bool):
            for keyword, number_ok in numbers:
                if not number_ok(instance):
                    errors.append(SchemaError(where, keyword))
        elif isinstance(instance, list):
            for keyword, items_ok in arrays:
                if not items_ok(instance):
                    errors.append(SchemaError(where, keyword))
            if items is not None:
                for index, item in enumerate(instance):
                    found = items(item, f"{path}/{index}")
                    if found:
                        errors += found
        elif isinstance(instance, dict):
            for name in required:
                if name not in instance:
                    errors.append(SchemaError(f"{path}/{name}", "required"))
            for name, needs in dependent.items():
                if name in instance and any(other not in instance for other in needs):
                    errors.append(SchemaError(f"{path}/{name}", "dependentRequired"))
            for name, value in instance.items():
                check = properties.get(name)
                if check is not None:
                    found = check(value, f"{path}/{name}")
                    if found:
                        errors += found
                elif closed:
                    errors.append(SchemaError(f"{path}/{name}", "additionalProperties"))
        if if_ is not None:
            branch = then if not if_(instance, path) else else_
            if branch is not None:
                errors.extend(branch(instance, path))
        if not_ is not None and not not_(instance, path):
            errors.append(SchemaError(where, "not"))
        return errors

    return run


# trm/1 §2: ASCII literals, classes, groups, alternation and repetition, and no backslash
# at all (so no \d, no look-around, no back-references): read alike by every engine.
_PORTABLE_PATTERN = re.compile(r"\^[A-Za-z0-9_:/.+=\[\]{}(),|*?-]*\$")


def _check_keywords(schema: dict[str, Any]) -> None:
    for keyword, value in schema.items():
        if keyword not in _KNOWN_KEYWORDS:
            raise ValueError(f"schema keyword not supported here: {keyword}")
        if keyword == "properties":
            for sub in value.values():
                _check_keywords(sub)
        elif keyword in ("items", "if", "then", "else", "not"):
            _check_keywords(value)
        elif keyword == "format" and value not in _FORMATS:
            raise ValueError(f"format not supported here: {value}")
        elif keyword == "pattern" and (not _PORTABLE_PATTERN.fullmatch(value) or "(?" in value):
            raise ValueError(f"pattern outside the portable dialect: {value}")


for _schema in (*BODY_SCHEMAS.values(), ENVELOPE_SCHEMA, RECEIPT_SCHEMA, TRUST_LIST_SCHEMA):
    _check_keywords(_schema)


def published() -> dict[str, Any]:
    """All schemas as one JSON-ready document (written to docs/vectors/schemas.json)."""

    def with_dialect(schema: dict[str, Any], title: str) -> dict[str, Any]:
        return {"$schema": DIALECT, "title": title, **schema}

    return {
        "envelope": with_dialect(ENVELOPE_SCHEMA, "trm/1 envelope"),
        "receipt": with_dialect(RECEIPT_SCHEMA, "trm/1 receipt"),
        "trust_list": with_dialect(TRUST_LIST_SCHEMA, "trm/1 trust list"),
        "bodies": {name: with_dialect(schema, f"trm/1 {name} body") for name, schema in sorted(BODY_SCHEMAS.items())},
    }

"""Every trm/1 message reads as labels: no code where a label exists, no Python repr, in English and Bulgarian."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import re
import uuid
from typing import Any

import pytest
from django.utils import formats, translation

from trm.exchange import schemas
from trm.exchange.vectors import SAMPLE_BODIES, message_id
from trm.transnational import kinds, rendering
from trm.transnational import vocabulary as v

IDENTITY = {
    "family_name": "Testova",
    "given_names": "Ana",
    "date_of_birth": "2004-05-17",
    "place_of_birth": "Test Town",
    "claimed_nationality": "AL",
    "sex": "female",
}
# What each sample body of the vectors lacks to hold every member its schema allows.
EXTRA: dict[str, dict[str, Any]] = {
    "case_notification": {
        "identity": IDENTITY,
        "identity_consent": True,
        "summary": "Recruited online with a false job offer.\nNeeds a safe place on arrival.",
        "detected_on": "2025-07-02",
        "detection_country": "SE",
        "route": [
            {
                "stage": "recruitment",
                "country": "AL",
                "start_date": "2025-06-01",
                "end_date": "2025-06-20",
                "exploitation_type": "labour",
            },
            {"stage": "transit", "country": "RS"},
            {
                "stage": "exploitation",
                "country": "XK",
                "start_date": "2025-07-01",
                "exploitation_type": "forced_begging",
            },
        ],
        "identification": {"status": "rg_positive", "decided_on": "2026-02-20", "authority": "Test Police Directorate"},
        "permits": [{"kind": "reflection", "issued_on": "2026-02-21", "valid_until": "2026-05-21"}],
        "consent": {
            "given_on": "2026-02-19",
            "given_by": "person",
            "language": "sq",
            "interpreter": True,
            "purposes": ["assistance", "return_risk_assessment"],
            "recipient_countries": ["AL", "MK"],
            "recipient_kinds": ["ngo", "social_services"],
            "expires_on": "2027-02-19",
        },
    },
    "identity_verification_request": {
        "identity": IDENTITY,
        "documents": [{"kind": "id_card", "number": "T0000000", "issuing_country": "AL", "expiry_date": "2030-01-01"}],
        "document_copies": [
            {
                "kind": "passport",
                "media_type": "application/pdf",
                "data": base64.b64encode(b"%PDF-1.4 x" * 300).decode(),
            }
        ],
        "due_date": "2026-03-20",
    },
    "identity_verification_response": {"receiver_case_ref": "AL-2026-0117", "remarks": "Confirmed by the registry."},
    "risk_assessment_request": {"home_locality": "Test Town"},
    "risk_assessment_response": {
        "receiver_case_ref": "AL-2026-0117",
        "family_environment": "Mother supportive.",
        "remarks": "Review in three months.",
    },
    "family_tracing_request": {
        "family_members": [
            {
                "relationship": "aunt_uncle",
                "family_name": "Testova",
                "given_names": "Drita",
                "last_known_locality": "Town",
            }
        ]
    },
    "family_tracing_response": {"receiver_case_ref": "AL-2026-0121", "assessment_summary": "Aunt willing to care."},
    "referral_offer": {
        "health": {"needs": ["follow_up_care", "mental_health"], "summary": "Weekly counselling."},
        "reception_contact": "Duty desk",
    },
    "referral_accept": {"receiver_case_ref": "AL-2026-0117"},
    "referral_decline": {"reason_text": "The shelter is full until May."},
    "referral_withdraw": {"reason_text": "The person chose to stay."},
    "arrival_confirmation": {"receiver_case_ref": "AL-2026-0117", "remarks": "Met at the airport."},
    "post_return_report": {"receiver_case_ref": "AL-2026-0117", "remarks": "Attends training."},
    "consent_withdrawn": {"scope": "listed_messages", "message_ids": [message_id("referral_offer")]},
    "urgent_alert": {"description": "Left the shelter at night."},
    "route_alert": {"identity": IDENTITY},
    "proceeding_outcome": {"next_hearing_on": "2027-01-15", "remarks": "The sentence is not yet final."},
    "compensation_claim_answer": {"ended_on": "2027-01-10"},
    "group_reference": {"receiver_case_ref": "AL-2026-0117"},
}
FULL = {t: {**copy.deepcopy(SAMPLE_BODIES[t]), **copy.deepcopy(EXTRA.get(t, {}))} for t in kinds.KINDS}
# The messages of the conversation the bodies refer to, as the timeline knows them.
KNOWN = rendering.Known(
    {
        message_id(t): (kinds.label(t), dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC))
        for t in ("referral_offer", "risk_assessment_response")
    }
)
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
A_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


def _missing(instance: Any, schema: dict[str, Any], path: str = "") -> list[str]:
    """Members the schema allows that the instance lacks, at any depth."""
    if schema.get("type") == "object":
        found = [f"{path}/{k}" for k in schema["properties"] if k not in instance]
        for key, sub in schema["properties"].items():
            if key in instance:
                found += _missing(instance[key], sub, f"{path}/{key}")
        return found
    if schema.get("type") == "array" and instance:
        # Each member in at least one item (items may differ: a stage without dates).
        per_item = [set(_missing(item, schema["items"], f"{path}/*")) for item in instance]
        return sorted(set.intersection(*per_item))
    return []


def _leaves(instance: Any, schema: dict[str, Any]) -> list[tuple[Any, dict[str, Any]]]:
    """Every scalar value of the instance with the schema that describes it."""
    if schema.get("type") == "object":
        return [pair for k, value in instance.items() for pair in _leaves(value, schema["properties"][k])]
    if schema.get("type") == "array":
        return [pair for item in instance for pair in _leaves(item, schema["items"])]
    return [(instance, schema)]


def _text(sections: list[rendering.Section]) -> str:
    return "\n".join(f"{s.title}\n" + "\n".join(f"{r.label}: {r.value}" for r in s.rows) for s in sections)


def _values(sections: list[rendering.Section]) -> list[str]:
    """Each single value shown: a row's value split at its separators."""
    return [part for s in sections for r in s.rows for part in re.split(r", | · | \(", r.value)]


def test_every_kind_has_a_renderer() -> None:
    assert all(kind.renderer is not None for kind in kinds.KINDS.values())


@pytest.mark.parametrize("type_", sorted(kinds.KINDS))
def test_a_renderer_shows_every_member_its_schema_allows(type_: str) -> None:
    schema = schemas.BODY_SCHEMAS[type_]
    renderer = kinds.KINDS[type_].renderer
    assert renderer is not None
    members = renderer.members
    assert set(members) == set(schema["properties"])
    for key, inner in members.items():
        sub = schema["properties"][key]
        sub = sub.get("items", sub)
        if inner is not None:
            assert inner == set(sub["properties"]), key


@pytest.mark.parametrize("type_", sorted(kinds.KINDS))
def test_the_full_sample_bodies_hold_every_member_and_are_valid(type_: str) -> None:
    schema = schemas.BODY_SCHEMAS[type_]
    assert _missing(FULL[type_], schema) == []
    assert schemas.validate(FULL[type_], schema) == []


@pytest.mark.parametrize("language", ["en", "bg"])
@pytest.mark.parametrize("type_", sorted(kinds.KINDS))
def test_a_full_body_reads_as_labels_never_codes_or_reprs(type_: str, language: str) -> None:
    with translation.override(language):
        sections = rendering.render(type_, FULL[type_], KNOWN)
        text = _text(sections)
        values = _values(sections)
        assert sections and all(s.rows for s in sections)
        for fragment in ("['", "{'", '["', '{"', "True", "False", "None"):
            assert fragment not in text, (fragment, text)
        assert not ISO_DATE.search(text), text  # dates in the locale's format
        assert not A_UUID.search(text), text  # message ids as the message's label and date
        for value, schema in _leaves(FULL[type_], schemas.BODY_SCHEMAS[type_]):
            if "enum" in schema and isinstance(value, str):
                assert value not in values, (value, text)
                assert "_" not in value or value not in text, (value, text)
            if schema is schemas.COUNTRY:
                assert value not in values and rendering.country(value, KNOWN) in text, (value, text)
            if schema is schemas.LANGUAGE:
                assert value not in values, (value, text)
            if schema in (schemas.TEXT, schemas.SHORT_TEXT) and "\n" not in value:
                assert value in text, value


def test_codes_read_as_the_vocabularies_labels() -> None:
    text = _text(rendering.render("case_notification", FULL["case_notification"], KNOWN))
    for label in (
        "Forced labour",  # the HTCDS label of the wire code ``labour``
        "Forced begging",
        "Albania · 1 June 2025 to 20 June 2025 · Forced labour",
        "Serbia",
        "Presumed victim (reasonable grounds)",
        "Decided by: Test Police Directorate",
        "Reflection-period permit: issued 21 February 2026 · valid until 21 May 2026",
        "Countries that may receive: Albania, North Macedonia",
        "Organisations that may receive: Non-governmental organisation, Social services / child protection",
        "Language of the information given: Albanian",
        "With an interpreter: Yes",
        "Child: No",
        "Age: 18 to 24 years",
        "Gender: Feminine",
        "Risk and security assessment, Continuity of services",
    ):
        assert label in text, label
    withdrawn = _text(rendering.render("referral_withdraw", FULL["referral_withdraw"], KNOWN))
    assert "Offer withdrawn: Referral offer of 2 March 2026" in withdrawn
    assert "Reason: The person declined" in withdrawn


def test_it_reads_in_bulgarian_where_translated() -> None:
    with translation.override("bg"):
        text = _text(rendering.render("case_notification", FULL["case_notification"], KNOWN))
        decided = formats.date_format(dt.date(2026, 2, 20), "j F Y")
    assert "Албания" in text and "Принудителен труд" in text and "Северна Македония" in text
    assert decided in text and "2026" in decided and "February" not in decided


def test_a_code_without_a_label_shows_as_it_is_and_an_erased_body_says_so() -> None:
    assert rendering.render("referral_decline", {"case_ref": "X-1", "reason": "later_revision"})[0].rows[0].value == (
        "later_revision"
    )
    (erased,) = rendering.render("referral_offer", {"erased": True})
    assert "withdrew consent" in erased.rows[0].value
    assert rendering.render("not_a_type", {"a": 1}) == []
    unknown = rendering.message(str(uuid.UUID(int=1)), rendering.Known())
    assert str(uuid.UUID(int=1)) in unknown  # whole, never truncated


@pytest.mark.parametrize(
    ("due", "expected"),
    [(3, "in 3 days"), (1, "in 1 day"), (0, "due today"), (-1, "1 day overdue"), (-2, "2 days overdue")],
)
def test_a_countdown_says_how_far_the_answer_is(due: int, expected: str) -> None:
    today = dt.date(2026, 3, 2)
    assert rendering.countdown(today + dt.timedelta(days=due), today) == expected


def test_every_code_of_every_schema_has_a_label() -> None:
    vocabularies = {
        id(schemas.EXPLOITATION): v.EXPLOITATION,
        id(schemas.SERVICE): v.SERVICE,
        id(schemas.GENDER): v.GENDER,
        id(schemas.RISK): v.RISK,
        id(schemas.AGE_BAND): v.AGE_BAND,
        id(schemas.ORGANISATION_KIND): v.ORGANISATION_KIND,
    }
    for type_ in kinds.KINDS:
        for value, schema in _leaves(FULL[type_], schemas.BODY_SCHEMAS[type_]):
            if "enum" in schema and isinstance(value, str) and id(schema) in vocabularies:
                assert set(schema["enum"]) == set(vocabularies[id(schema)])
    assert set(v.PURPOSE) == set(schemas.PURPOSES)
    assert set(v.LEGAL_BASIS) == set(schemas.LEGAL_BASES)
    assert set(v.HANDLING) == set(schemas.HANDLING_CODES)
    assert set(v.IDENTIFICATION) == set(schemas.IDENTIFICATION["properties"]["status"]["enum"])
    assert set(v.CONSENT_PURPOSE) == set(schemas.CONSENT_SCOPE["properties"]["purposes"]["items"]["enum"])


def test_a_summary_of_an_object_member_reads_as_its_labels_too() -> None:
    body = {"identification": {"status": "identified", "decided_on": "2026-02-20"}}
    assert rendering.summary("case_notification", ("identification",), body) == (
        "Formally identified victim · 20 February 2026"
    )
    assert rendering.summary("not_a_type", ("reason",), {"reason": "other"}) == "other"

"""One declaration per trm/1 message type: ``kinds.KINDS`` is what every part of TRM reads."""

from __future__ import annotations

import pytest

from trm.exchange import inbox, schemas
from trm.exchange.messages import CASE_TYPES, MESSAGE_TYPES
from trm.transnational import kinds, timeline
from trm.transnational.forms import FollowUpForm


def test_every_protocol_type_about_a_case_has_exactly_one_kind() -> None:
    assert set(kinds.KINDS) == CASE_TYPES
    assert {name for name, spec in MESSAGE_TYPES.items() if spec.about_a_case} == CASE_TYPES
    assert all(kind.type == name for name, kind in kinds.KINDS.items())


@pytest.mark.parametrize("kind", kinds.KINDS.values(), ids=lambda k: k.type)
def test_each_kind_is_sent_for_a_purpose_the_protocol_allows(kind: kinds.Kind) -> None:
    allowed = MESSAGE_TYPES[kind.type].purposes
    assert kind.purpose in allowed
    assert set(kind.purposes) <= allowed
    assert (kind.answers is not None) == MESSAGE_TYPES[kind.type].is_reply
    assert kind.vital_interests == MESSAGE_TYPES[kind.type].vital_interests_allowed


@pytest.mark.parametrize("type_", kinds.FOLLOW_UPS)
def test_each_follow_up_declares_a_form_the_form_can_build(type_: str) -> None:
    kind = kinds.KINDS[type_]
    form = FollowUpForm(type_=type_)
    assert {name for name in form.fields if name != "type"} == set(kind.fields)
    assert all(form.fields[name].required for name in kind.required)
    assert not any(form.fields[name].required for name in kind.optional)
    assert kind.action


def test_the_inbox_runs_each_kinds_receive_handler() -> None:
    for name in kinds.KINDS:
        assert inbox._handlers[name] is kinds.receive  # which runs the kind's own ``receive`` first


def test_the_timeline_shows_the_kinds_label_and_an_unknown_type_as_is() -> None:
    assert timeline.label("referral_offer") == kinds.KINDS["referral_offer"].label
    assert timeline.label("not_a_type") == "not_a_type"


@pytest.mark.parametrize("kind", kinds.KINDS.values(), ids=lambda k: k.type)
def test_a_summary_shows_only_coded_members_of_the_body(kind: kinds.Kind) -> None:
    properties = schemas.BODY_SCHEMAS[kind.type]["properties"]
    free_text = {
        "summary",
        "needs_summary",
        "remarks",
        "description",
        "reason_text",
        "assessment_summary",
        "contact_point",
        "reception_organisation",
        "received_by",
        "identity",
        "family_members",
    }
    assert set(kind.summary) <= set(properties)
    assert not set(kind.summary) & free_text


def test_a_summary_joins_the_labels_of_the_values_and_skips_what_is_absent() -> None:
    kind = kinds.KINDS["risk_assessment_response"]
    assert (
        kind.summarise({"overall_risk": "low", "recommendation": "return_possible", "remarks": "x"})
        == "Low · Return possible"
    )
    assert kinds.KINDS["referral_offer"].summarise({"services": ["shelter", "medical"]}) == "Shelter, Medical care"
    assert kinds.KINDS["arrival_confirmation"].summarise({"arrived_on": "2026-04-02"}) == "2 April 2026"
    assert kinds.KINDS["post_return_report"].summarise({"months_after_return": 3}) == "3 months"
    assert kind.summarise({"erased": True}) == ""

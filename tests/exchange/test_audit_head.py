"""trm/1 ``audit_head``: a message about the sending node, with no personal data and no safeguard."""

from __future__ import annotations

import pytest

from trm.exchange.errors import Code, LocalProtocolError
from trm.exchange.messages import CASE_TYPES, MESSAGE_TYPES
from trm.exchange.vectors import sample_message


def test_it_builds_an_audit_head_on_a_public_law_basis_without_safeguard() -> None:
    message = sample_message("audit_head")
    envelope = message.to_envelope()
    assert envelope["purpose"] == "accountability"
    assert envelope["legal_basis"] == "public_task"
    assert "consent_ref" not in envelope and "best_interests_ref" not in envelope
    assert "audit_head" in MESSAGE_TYPES and "audit_head" not in CASE_TYPES


@pytest.mark.parametrize(
    "overrides",
    [
        {"consent_ref": "CONSENT-1"},
        {"best_interests_ref": "BID-1"},
        {"legal_basis": "consent", "consent_ref": "CONSENT-1"},
        {"legal_basis": "vital_interests"},
    ],
)
def test_it_refuses_an_audit_head_with_a_safeguard_or_a_case_basis(overrides: dict[str, str]) -> None:
    with pytest.raises(LocalProtocolError) as err:
        sample_message("audit_head", **overrides)
    assert err.value.code == Code.MALFORMED_ENVELOPE


@pytest.mark.parametrize(
    "body",
    [
        {"seq": 0, "hash": "a" * 64, "at": "2026-03-02T09:59:58Z"},
        {"seq": 3, "hash": "A" * 64, "at": "2026-03-02T09:59:58Z"},
        {"seq": 3, "hash": "a" * 63, "at": "2026-03-02T09:59:58Z"},
        {"seq": 3, "hash": "a" * 64},
    ],
)
def test_it_refuses_a_malformed_head(body: dict[str, object]) -> None:
    with pytest.raises(LocalProtocolError) as err:
        sample_message("audit_head", body=body)
    assert err.value.code == Code.SCHEMA_VIOLATION


def test_it_refuses_a_head_with_any_other_member() -> None:
    body = {"seq": 3, "hash": "a" * 64, "at": "2026-03-02T09:59:58Z", "case_ref": "X-1"}
    with pytest.raises(LocalProtocolError) as err:
        sample_message("audit_head", body=body)
    assert err.value.code == Code.BODY_FIELD_NOT_ALLOWED


def test_it_refuses_an_audit_head_for_a_case_purpose() -> None:
    with pytest.raises(LocalProtocolError) as err:
        sample_message("audit_head", purpose="assistance")
    assert err.value.code == Code.PURPOSE_NOT_ALLOWED

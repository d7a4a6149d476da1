"""trm/1 ``exchange_summary`` (§5.21): its schema, the rules beyond it, and its size bound."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest

from trm.exchange import protocol, schemas
from trm.exchange.errors import Code, LocalProtocolError
from trm.exchange.messages import CASE_TYPES, MESSAGE_TYPES
from trm.exchange.vectors import NOW, SAMPLE_BODIES, _Network, sample_message


def body(**changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(SAMPLE_BODIES["exchange_summary"])
    out.update(changes)
    return out


def refused(code: Code, **overrides: Any) -> None:
    with pytest.raises(LocalProtocolError) as err:
        sample_message("exchange_summary", **overrides)
    assert err.value.code == code


def test_it_is_a_message_about_no_case_on_a_public_law_basis() -> None:
    envelope = sample_message("exchange_summary").to_envelope()
    assert (envelope["purpose"], envelope["legal_basis"]) == ("accountability", "public_task")
    assert "consent_ref" not in envelope and "exchange_summary" not in CASE_TYPES
    assert "exchange_summary" in MESSAGE_TYPES


def test_it_accepts_a_quiet_period_and_a_request_for_a_reply() -> None:
    sample_message("exchange_summary", body=body(sent=[], received=[], reply_requested=True))


def test_it_refuses_a_safeguard_reference() -> None:
    refused(Code.MALFORMED_ENVELOPE, consent_ref="CONSENT-1")


def test_it_refuses_any_member_outside_its_field_set_at_any_depth() -> None:
    refused(Code.BODY_FIELD_NOT_ALLOWED, body=body(case_ref="XK-1"))
    entry = {**SAMPLE_BODIES["exchange_summary"]["sent"][0], "case_ref": "XK-1"}
    refused(Code.BODY_FIELD_NOT_ALLOWED, body=body(sent=[entry]))


def received_entry(**changes: Any) -> dict[str, Any]:
    return {**SAMPLE_BODIES["exchange_summary"]["received"][0], **changes}


@pytest.mark.parametrize(
    "changes",
    [
        {"received": [received_entry(status="received")]},  # received has no status_at
        {"received": [received_entry(status="gone")]},
        {"received": [{k: v for k, v in received_entry().items() if k != "status_at"}]},
        {"sent": [{**SAMPLE_BODIES["exchange_summary"]["sent"][0], "status": "processed"}]},
        {"sent": [{**SAMPLE_BODIES["exchange_summary"]["sent"][0], "token_sha256": "A" * 64}]},
        {"period_end": "2026-03-01T00:00:00Z"},  # not after the start
        {"period_end": "2026-03-02T10:00:01Z", "sent": [], "received": []},  # after created
        {"received": [received_entry(created="2026-03-02T00:00:00Z")]},  # the end is excluded
        {"received": [received_entry(created="2026-02-28T23:59:59Z")]},
        {"received": [received_entry(), received_entry(status="processed", status_at="2026-03-01T09:40:00Z")]},
        {"sent": [{**SAMPLE_BODIES["exchange_summary"]["sent"][0], "type": "exchange_summary"}]},
    ],
)
def test_it_refuses_what_section_5_21_refuses(changes: dict[str, Any]) -> None:
    refused(Code.SCHEMA_VIOLATION, body=body(**changes))


def test_a_reply_asks_for_no_reply() -> None:
    refused(Code.SCHEMA_VIOLATION, body=body(reply_requested=True), in_reply_to=str(uuid.uuid4()))
    sample_message("exchange_summary", body=body(reply_requested=False), in_reply_to=str(uuid.uuid4()))


def longest_entries(count: int) -> list[dict[str, Any]]:
    return [
        received_entry(id=str(uuid.uuid4()), type="a" * 40, status="unhandled", token_sha256="f" * 64)
        for _ in range(count)
    ]


def test_it_holds_at_most_500_entries_in_both_lists_together() -> None:
    assert schemas.SUMMARY_MAX_ENTRIES == 500
    refused(Code.SCHEMA_VIOLATION, body=body(sent=[], received=longest_entries(501)))
    too_many = body(received=longest_entries(499))  # plus the one sent entry and ...
    too_many["sent"] = [{**too_many["sent"][0], "id": str(uuid.uuid4())} for _ in range(2)]
    refused(Code.SCHEMA_VIOLATION, body=too_many)


def test_500_entries_of_the_longest_form_seal_within_the_token_limit() -> None:
    net = _Network()
    message = sample_message("exchange_summary", body=body(sent=[], received=longest_entries(500)))
    token = protocol.seal(message, sender_key=net.keys["xk.sig"], recipient_key=net.pub("al.enc.2026"), now=NOW)
    assert 200_000 < len(token) < protocol.DEFAULT_MAX_BYTES

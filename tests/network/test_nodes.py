from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from tests.network import builders
from trm.exchange import jose, trustlist
from trm.network import nodes
from trm.network.models import NetworkNode

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _node(node_id: str = "bg-nrm", **kw):
    kw.setdefault("status", "active")
    return nodes.register_node(
        country=builders.country("BG"),
        node_id=node_id,
        organisation="NRM Bulgaria",
        endpoint="https://bg.trm.example",
        since=date(2026, 1, 1),
        by=None,
        **kw,
    )


def test_it_refuses_a_node_that_ends_before_it_starts(db):
    with pytest.raises(ValidationError):
        _node(until=date(2025, 1, 1))
    assert not NetworkNode.objects.exists()


def test_it_refuses_a_key_of_the_wrong_kind(db):
    enc = jose.public_jwk(jose.generate_encryption_key())
    with pytest.raises(ValidationError):
        _node(signing_jwk=enc)


def test_entries_are_in_the_trust_list_format_and_sign(db):
    sig, enc = jose.generate_signing_key(), jose.generate_encryption_key()
    _node(signing_jwk=jose.public_jwk(sig), encryption_jwk=jose.public_jwk(enc))
    _node("ro-nrm", status="suspended")
    _node("se-nrm", status="planned")
    doc = nodes.trust_list_document(NetworkNode.objects.all(), network="Network", sequence=3, now=NOW)
    assert [n["node_id"] for n in doc["nodes"]] == ["bg-nrm", "ro-nrm"]
    assert doc["nodes"][1]["revoked"] is True
    authority = jose.generate_signing_key()
    token = nodes.sign(doc, authority_key=authority, now=NOW)
    loaded = trustlist.load_trust_list(token, authority_public_key=authority.public(), now=NOW + timedelta(hours=1))
    assert loaded.node("bg-nrm", at=NOW).country == "BG"
    assert loaded.signing_key("bg-nrm", jose.public_key_from_jwk(jose.public_jwk(sig), "sig").kid, NOW)

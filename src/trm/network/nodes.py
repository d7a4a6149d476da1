"""Which country runs which node, and the trust list entries published from it.

``trust_list_entries`` renders the nodes in the format of ``trm.exchange.trustlist``
(the ``nodes`` array of a trust list document) and ``trust_list_document`` wraps them in a
whole, unsigned document that ``trustlist.parse_trust_list`` accepts. ``sign`` hands that
document to ``trustlist.sign_trust_list`` with the network authority key, which the caller
loads (the key never lives in this database).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from trm.accounts.models import User
from trm.audit.events import Action
from trm.audit.record import record
from trm.lib.changes import apply_changes
from trm.network import access
from trm.network.models import NetworkCountry, NetworkNode, NodeStatus

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from trm.exchange.jose import KeyUse, PrivateKey

NODE_FIELDS = (
    "country",
    "node_id",
    "organisation",
    "endpoint",
    "status",
    "since",
    "until",
    "signing_jwk",
    "encryption_jwk",
)
# Nodes in these states are on the published list (a suspended node is listed as revoked).
LISTED_STATUSES = (NodeStatus.ACTIVE, NodeStatus.SUSPENDED, NodeStatus.RETIRED)
DEFAULT_VALIDITY = timedelta(days=30)


def _check_keys(node: NetworkNode) -> None:
    from trm.exchange import jose

    uses: tuple[tuple[str, KeyUse], ...] = (("signing_jwk", "sig"), ("encryption_jwk", "enc"))
    for field, use in uses:
        value = getattr(node, field)
        if value in (None, {}, ""):
            setattr(node, field, None)
            continue
        try:
            jose.public_key_from_jwk(value, use)
        except jose.JoseFailure:
            raise ValidationError({field: _("Not a public key of the expected type.")}) from None


@transaction.atomic
def register_node(
    *, country: NetworkCountry, node_id: str, organisation: str, endpoint: str, since: date, by: User, **details: Any
) -> NetworkNode:
    access.check("register_node", by)
    unknown = set(details) - set(NODE_FIELDS)
    if unknown:
        raise TypeError(f"unknown node fields: {sorted(unknown)}")
    node = NetworkNode(
        country=country, node_id=node_id, organisation=organisation, endpoint=endpoint, since=since, **details
    )
    node.full_clean()
    _check_keys(node)
    node.save(force_insert=True)
    record(by, Action.CREATE, node, fields=["country", "node_id", "organisation", "endpoint", "status", "since"])
    return node


@transaction.atomic
def update_node(node: NetworkNode, *, by: User, **changes: Any) -> NetworkNode:
    access.check("update_node", by, node)
    changed = apply_changes(node, changes, NODE_FIELDS)
    if changed:
        node.full_clean()
        _check_keys(node)
        node.save(update_fields=changed)
        record(by, Action.UPDATE, node, fields=changed)
    return node


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _format(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _key_entry(jwk: dict[str, Any], use: KeyUse, since: date, until: date | None, revoked: bool) -> dict[str, Any]:
    from trm.exchange import jose

    key = jose.public_key_from_jwk(jwk, use)
    entry: dict[str, Any] = {
        "kid": key.kid,
        "use": use,
        "jwk": jose.public_jwk(key),
        "not_before": _format(_midnight(since)),
        "revoked": revoked,
    }
    if until is not None:
        entry["not_after"] = _format(_midnight(until + timedelta(days=1)))
    return entry


def trust_list_entries(nodes: QuerySet[NetworkNode], *, today: date) -> list[dict[str, Any]]:
    """The ``nodes`` array of a trust list document (trm.exchange.trustlist format)."""
    out = []
    for node in nodes.filter(status__in=LISTED_STATUSES).select_related("country").order_by("node_id"):
        ended = node.until is not None and node.until < today
        revoked = node.status in (NodeStatus.SUSPENDED, NodeStatus.RETIRED) or ended
        jwks: tuple[tuple[Any, KeyUse], ...] = ((node.signing_jwk, "sig"), (node.encryption_jwk, "enc"))
        keys = [_key_entry(jwk, use, node.since, node.until, False) for jwk, use in jwks if jwk]
        entry: dict[str, Any] = {
            "node_id": node.node_id,
            "country": node.country.code,
            "organisation": node.organisation,
            "endpoint": node.endpoint,
            "revoked": revoked,
            "keys": keys,
        }
        if revoked:
            entry["revoked_at"] = _format(_midnight(node.until + timedelta(days=1)) if node.until else _midnight(today))
        out.append(entry)
    return out


def trust_list_document(
    nodes: QuerySet[NetworkNode], *, network: str, sequence: int, now: datetime, validity: timedelta = DEFAULT_VALIDITY
) -> dict[str, Any]:
    """A whole unsigned trust list document; checked with ``trustlist.parse_trust_list``."""
    from trm.exchange import trustlist

    doc = {
        "v": "trm/1",
        "type": "trust_list",
        "network": network,
        "sequence": sequence,
        "issued": _format(now),
        "next_update": _format(now + validity / 2),
        "expires": _format(now + validity),
        "nodes": trust_list_entries(nodes, today=now.date()),
    }
    trustlist.parse_trust_list(doc)
    return doc


def sign(doc: dict[str, Any], *, authority_key: PrivateKey, now: datetime) -> str:
    """Sign a document from ``trust_list_document`` with the network authority's private key."""
    from trm.exchange import trustlist

    return trustlist.sign_trust_list(doc, authority_key=authority_key, now=now)

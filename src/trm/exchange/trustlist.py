"""The network's signed trust list of nodes and their keys; pure (no Django, no I/O).

The network authority signs the list (compact JWS, Ed25519, ``typ`` ``trm1-trustlist+jws``)
with the key that every node pins at set-up. ``load_trust_list`` refuses a list with a
bad signature, a malformed one, an expired one and a rollback to an older sequence
number. Lookups answer which key verifies a peer's signature and which key to encrypt
to; they raise ``LocalProtocolError`` (``open_`` re-raises them as remote errors).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from trm.exchange import jose, schemas, wire
from trm.exchange.errors import Code, LocalProtocolError
from trm.exchange.messages import VERSION, format_time, parse_time

TYP = "trm1-trustlist+jws"
DEFAULT_MAX_BYTES = 1024 * 1024
BODY_SLACK = 1024  # as for every token: trm/1 §2
DEFAULT_CLOCK_SKEW = timedelta(minutes=5)
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class KeyEntry:
    kid: str
    use: jose.KeyUse
    key: jose.PublicKey
    not_before: datetime
    not_after: datetime | None = None
    revoked: bool = False
    revoked_at: datetime | None = None

    def is_revoked(self, at: datetime) -> bool:
        return self.revoked and (self.revoked_at is None or self.revoked_at <= at)

    def is_valid_at(self, at: datetime) -> bool:
        return self.not_before <= at and (self.not_after is None or at < self.not_after)


@dataclass(frozen=True)
class NodeEntry:
    node_id: str
    country: str
    organisation: str
    endpoint: str
    keys: tuple[KeyEntry, ...]
    revoked: bool = False
    revoked_at: datetime | None = None

    def is_revoked(self, at: datetime) -> bool:
        return self.revoked and (self.revoked_at is None or self.revoked_at <= at)

    @property
    def inbox_url(self) -> str:
        return self.endpoint.rstrip("/") + "/trm/1/inbox"


@dataclass(frozen=True)
class TrustList:
    network: str
    sequence: int
    issued: datetime
    next_update: datetime
    expires: datetime
    nodes: tuple[NodeEntry, ...]
    _index: dict[str, NodeEntry] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({node.node_id: node for node in self.nodes})

    def node(self, node_id: str, *, at: datetime) -> NodeEntry:
        """The node, unless unknown or revoked at ``at``."""
        node = self._index.get(node_id)
        if node is None:
            raise LocalProtocolError(Code.UNKNOWN_SENDER, f"node {node_id} not on the trust list")
        if node.is_revoked(at):
            raise LocalProtocolError(Code.SENDER_REVOKED, f"node {node_id} is revoked")
        return node

    def find_signing_key(self, node_id: str, kid: str, *, at: datetime) -> KeyEntry:
        """The node's signature key ``kid`` if neither it nor the node is revoked at ``at``
        (its validity period is not checked: see ``signing_key``)."""
        node = self.node(node_id, at=at)
        for entry in node.keys:
            if entry.kid == kid and entry.use == "sig":
                if entry.is_revoked(at):
                    raise LocalProtocolError(Code.KEY_REVOKED, f"key {kid} of {node_id} revoked")
                return entry
        raise LocalProtocolError(Code.UNKNOWN_SENDER_KEY, f"no signature key {kid} for {node_id}")

    def signing_key(self, node_id: str, kid: str, at: datetime) -> jose.PublicKey:
        """The key that verifies ``node_id``'s signatures made with ``kid`` at ``at``."""
        entry = self.find_signing_key(node_id, kid, at=at)
        if not entry.is_valid_at(at):
            raise LocalProtocolError(Code.KEY_NOT_VALID, f"key {kid} of {node_id} not valid then")
        return entry.key

    def encryption_key(self, node_id: str, at: datetime) -> jose.PublicKey:
        """The newest encryption key of ``node_id`` valid and not revoked at ``at``."""
        node = self._index.get(node_id)
        if node is None or node.is_revoked(at):
            raise LocalProtocolError(Code.NO_ENCRYPTION_KEY, f"{node_id} unknown or revoked")
        usable = [
            entry for entry in node.keys if entry.use == "enc" and entry.is_valid_at(at) and not entry.is_revoked(at)
        ]
        if not usable:
            raise LocalProtocolError(Code.NO_ENCRYPTION_KEY, f"no usable encryption key for {node_id}")
        return max(usable, key=lambda entry: (entry.not_before, entry.kid)).key


# --- parsing -----------------------------------------------------------------------


def _malformed(detail: str) -> LocalProtocolError:
    return LocalProtocolError(Code.TRUST_LIST_MALFORMED, detail)


def _endpoint_ok(url: str) -> bool:
    # trm/1 §10.1: lower-case scheme as written, a host, no user information, no query,
    # no fragment (not even an empty "?" or "#"), ASCII only.
    if not url.isascii() or "?" in url or "#" in url or "@" in url or any(c in url for c in " \t\r\n\\"):
        return False
    if not url.startswith(("https://", "http://")):
        return False
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    if not hostname:
        return False
    if parts.scheme == "https":
        return True
    return hostname in _LOOPBACK_HOSTS


def published_url_ok(url: str) -> bool:
    """Whether ``url`` may be a trust list's published address (trm/1 §10.4): the endpoint rule."""
    return _endpoint_ok(url)


def _optional_time(data: Mapping[str, Any], name: str) -> datetime | None:
    return parse_time(data[name]) if name in data else None


def _key_entry(data: Mapping[str, Any], where: str) -> KeyEntry:
    use = data["use"]
    try:
        key = jose.public_key_from_jwk(data["jwk"], use)
    except jose.JoseFailure as err:
        raise _malformed(f"{where}: {err.detail}") from err
    if key.kid != data["kid"]:
        raise _malformed(f"{where}: kid is not the key's thumbprint")
    entry = KeyEntry(
        kid=data["kid"],
        use=use,
        key=key,
        not_before=parse_time(data["not_before"]),
        not_after=_optional_time(data, "not_after"),
        revoked=data["revoked"],
        revoked_at=_optional_time(data, "revoked_at"),
    )
    if entry.not_after is not None and entry.not_after <= entry.not_before:
        raise _malformed(f"{where}: not_after is not after not_before")
    return entry


def _node_entry(data: Mapping[str, Any], where: str) -> NodeEntry:
    if not _endpoint_ok(data["endpoint"]):
        raise _malformed(f"{where}: endpoint must be https (http only on loopback)")
    keys = tuple(_key_entry(k, f"{where}/keys/{i}") for i, k in enumerate(data["keys"]))
    if len({(k.kid, k.use) for k in keys}) != len(keys):
        raise _malformed(f"{where}: duplicate kid")
    return NodeEntry(
        node_id=data["node_id"],
        country=data["country"],
        organisation=data["organisation"],
        endpoint=data["endpoint"],
        keys=keys,
        revoked=data["revoked"],
        revoked_at=_optional_time(data, "revoked_at"),
    )


def parse_trust_list(doc: Any) -> TrustList:
    """Check a trust list document's structure (not its signature or dates)."""
    errors = schemas.validate(doc, schemas.TRUST_LIST_SCHEMA)
    if errors:
        where = ", ".join(f"{e.path} ({e.keyword})" for e in errors[:5])
        raise _malformed(f"trust list: {where}")
    # Every time is real: the schema asserted the format (trm/1 §2).
    nodes = tuple(_node_entry(n, f"/nodes/{i}") for i, n in enumerate(doc["nodes"]))
    trust_list = TrustList(
        network=doc["network"],
        sequence=doc["sequence"],
        issued=parse_time(doc["issued"]),
        next_update=parse_time(doc["next_update"]),
        expires=parse_time(doc["expires"]),
        nodes=nodes,
    )
    if len(trust_list._index) != len(nodes):
        raise _malformed("trust list: duplicate node_id")
    if not trust_list.issued <= trust_list.next_update <= trust_list.expires:
        raise _malformed("trust list: need issued <= next_update <= expires")
    return trust_list


def trust_list_document(trust_list: TrustList) -> dict[str, Any]:
    """The JSON document of a TrustList (inverse of ``parse_trust_list``)."""

    def key_doc(entry: KeyEntry) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kid": entry.kid,
            "use": entry.use,
            "jwk": entry.key.jwk,
            "not_before": format_time(entry.not_before),
            "revoked": entry.revoked,
        }
        if entry.not_after is not None:
            out["not_after"] = format_time(entry.not_after)
        if entry.revoked_at is not None:
            out["revoked_at"] = format_time(entry.revoked_at)
        return out

    def node_doc(node: NodeEntry) -> dict[str, Any]:
        out: dict[str, Any] = {
            "node_id": node.node_id,
            "country": node.country,
            "organisation": node.organisation,
            "endpoint": node.endpoint,
            "revoked": node.revoked,
            "keys": [key_doc(k) for k in node.keys],
        }
        if node.revoked_at is not None:
            out["revoked_at"] = format_time(node.revoked_at)
        return out

    return {
        "v": VERSION,
        "type": "trust_list",
        "network": trust_list.network,
        "sequence": trust_list.sequence,
        "issued": format_time(trust_list.issued),
        "next_update": format_time(trust_list.next_update),
        "expires": format_time(trust_list.expires),
        "nodes": [node_doc(n) for n in trust_list.nodes],
    }


def canonical_json(value: object) -> bytes:
    """UTF-8 JSON with sorted members and no insignificant white space."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# --- signing and loading ----------------------------------------------------------


def _check_dates(trust_list: TrustList, now: datetime, skew: timedelta) -> None:
    if trust_list.expires <= now:
        raise LocalProtocolError(Code.TRUST_LIST_EXPIRED, "trust list expired")
    if trust_list.issued > now + skew:
        raise LocalProtocolError(Code.TRUST_LIST_NOT_YET_VALID, "trust list issued in the future")


def sign_trust_list(
    doc: Mapping[str, Any],
    *,
    authority_key: jose.PrivateKey,
    now: datetime,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> str:
    """Sign a trust list document (checked first) with the network authority key."""
    trust_list = parse_trust_list(dict(doc))
    _check_dates(trust_list, now, clock_skew)
    payload = canonical_json(trust_list_document(trust_list))
    return jose.sign(payload, typ=TYP, key=authority_key)


def load_trust_list(
    token: str | bytes,
    *,
    authority_public_key: jose.PublicKey,
    now: datetime,
    previous_sequence: int | None = None,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> TrustList:
    """Verify and parse a signed trust list; raises RemoteProtocolError."""
    try:
        return _load(token, authority_public_key, now, previous_sequence, clock_skew, max_bytes)
    except LocalProtocolError as err:
        err._reraise_as_remote_protocol_error()


def _load(
    token: str | bytes,
    authority: jose.PublicKey,
    now: datetime,
    previous_sequence: int | None,
    skew: timedelta,
    max_bytes: int,
) -> TrustList:
    # 1. Size, after removing the white space around the token (trm/1 §2).
    body = token if isinstance(token, bytes) else token.encode("utf-8")
    if len(body) > max_bytes + BODY_SLACK or len(wire.strip(body)) > max_bytes:
        raise LocalProtocolError(Code.OVERSIZED, f"trust list over {max_bytes} bytes")
    # 2. A compact JWS with the canonical header {alg, kid, typ}.
    try:
        text = wire.strip(body).decode("ascii")
        parts = jose.parse_jws(text)
    except (UnicodeDecodeError, jose.JoseFailure) as err:
        raise _malformed("not a compact JWS") from err
    kid = parts.header.get("kid")
    if parts.header.get("typ") != TYP or not isinstance(kid, str):
        raise _malformed(f"typ is not {TYP}")
    if parts.header_bytes != jose.canonical_jws_header(kid=kid, typ=TYP):
        raise _malformed("protected header is not the canonical {alg, kid, typ}")
    # 3-4. The pinned authority key.
    if kid != authority.kid:
        raise LocalProtocolError(Code.TRUST_LIST_BAD_SIGNATURE, "not signed by the authority key")
    try:
        payload = jose.verify(text, authority, parts=parts)
    except jose.JoseFailure as err:
        raise LocalProtocolError(Code.TRUST_LIST_BAD_SIGNATURE, "signature does not verify") from err
    # 5. The document; 6-8. dates and rollback.
    try:
        doc = wire.parse_json_object(payload)
    except wire.WireError as err:
        raise _malformed(f"payload: {err}") from err
    trust_list = parse_trust_list(doc)
    _check_dates(trust_list, now, skew)
    if previous_sequence is not None and trust_list.sequence < previous_sequence:
        raise LocalProtocolError(
            Code.TRUST_LIST_ROLLBACK,
            f"sequence {trust_list.sequence} is older than {previous_sequence}",
        )
    return trust_list

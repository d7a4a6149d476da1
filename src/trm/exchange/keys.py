"""This node's identity in trm/1: its keys, their rotation, its public entry, its trust list.

A node holds one Ed25519 signing key and one X25519 encryption key, plus, during a
rotation, the previous pair. ``init`` creates the first pair; ``rotate`` adds a new pair
and gives the old one a ``not_after`` (the overlap), so that peers can still verify what
we signed and still reach us with tokens sealed to the old encryption key; ``export_entry``
is what the network authority puts on the trust list for us. Private JWKs are stored only
in ``NodeKey.private_jwk`` (encrypted at rest) and never leave this module's callers.

Which signing key signs: the newest of our keys that the current trust list publishes
for us (valid and not revoked) and that has been listed for at least one update interval
(trm/1 §11: every peer has fetched it by then); before that, the newest listed one;
without a trust list naming us (set-up), the newest local key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from trm.audit.events import Action
from trm.audit.record import record
from trm.exchange import jose, wire
from trm.exchange.errors import Code, ProtocolError
from trm.exchange.messages import format_time
from trm.exchange.models import KeyUse, NodeKey, TrustListState
from trm.exchange.protocol import DEFAULT_MAX_LIFETIME
from trm.exchange.trustlist import TrustList, load_trust_list

DEFAULT_OVERLAP = timedelta(days=37)  # a weekly update interval + the 30-day maximum lifetime

_cache: dict[tuple[str, str], jose.PrivateKey] = {}


class NoKeys(Exception):
    """This node has no usable key of the kind needed (run `trm keys init`)."""


@dataclass(frozen=True)
class _KeyInfo:
    """A key of ours without its private part: what choosing a key needs."""

    pk: int
    kid: str
    use: str
    not_before: datetime
    not_after: datetime | None

    def is_valid_at(self, at: datetime) -> bool:
        return self.not_before <= at and (self.not_after is None or at < self.not_after)


def _active(use: str | None = None) -> list[_KeyInfo]:
    """Our keys that are not retired, read without their (encrypted) private parts.

    Every request reads these few columns afresh, so a rotation or a retirement by another
    process counts at once; the private keys come from ``_cache``.
    """
    rows = NodeKey.objects.active()
    if use is not None:
        rows = rows.filter(use=use)
    return [_KeyInfo(*row) for row in rows.values_list("pk", "kid", "use", "not_before", "not_after")]


def _private(row: _KeyInfo | NodeKey) -> jose.PrivateKey:
    # A kid is the thumbprint of the key, so a cached key can never be stale; its private
    # part is read (and decrypted) once per process.
    cached = _cache.get((row.kid, row.use))
    if cached is None:
        stored = row if isinstance(row, NodeKey) else NodeKey.objects.get(pk=row.pk)
        cached = _cache[(row.kid, row.use)] = stored.private_key()
    return cached


def _store(key: jose.PrivateKey, *, now: datetime) -> NodeKey:
    row = NodeKey(kid=key.kid, use=key.use, private_jwk=jose.private_key_to_json(key), created=now, not_before=now)
    row.full_clean()
    row.save(force_insert=True)
    record(None, Action.CREATE, row, object_type="exchange.nodekey", note=f"{row.use} key generated")
    return row


@transaction.atomic
def init(*, now: datetime) -> list[NodeKey]:
    """Generate a signing and an encryption key unless this node already has active ones."""
    created = []
    for use, generate in ((KeyUse.SIG, jose.generate_signing_key), (KeyUse.ENC, jose.generate_encryption_key)):
        if not NodeKey.objects.active().filter(use=use).exists():
            created.append(_store(generate(), now=now))
    return created


@transaction.atomic
def rotate(*, now: datetime, overlap: timedelta = DEFAULT_OVERLAP) -> list[NodeKey]:
    """Add a new key pair; the current keys stay valid (and published) for ``overlap``.

    Keys whose ``not_after`` lies more than the maximum message lifetime in the past are
    retired here: their private part is erased.
    """
    if overlap <= timedelta(0):
        raise ValueError("the overlap must be positive")
    retire_expired(now=now)
    end = now + overlap
    for row in NodeKey.objects.active().select_for_update():
        if row.not_after is None or row.not_after > end:
            row.not_after = end
            row.save(update_fields=["not_after"])
            record(None, Action.UPDATE, row, object_type="exchange.nodekey", fields=["not_after"], note="rotated")
    return [_store(jose.generate_signing_key(), now=now), _store(jose.generate_encryption_key(), now=now)]


def retire_expired(*, now: datetime, grace: timedelta = DEFAULT_MAX_LIFETIME) -> int:
    """Retire (and erase) keys past ``not_after`` + ``grace``: no token for them can be current."""
    count = 0
    for row in NodeKey.objects.active().filter(not_after__lte=now - grace):
        row.retired = True
        row.private_jwk = ""
        row.save(update_fields=["retired", "private_jwk"])
        record(None, Action.UPDATE, row, object_type="exchange.nodekey", fields=["retired"], note="retired")
        count += 1
    return count


def decryption_keys() -> list[jose.PrivateKey]:
    """Every encryption key we still hold (current and previous)."""
    return [_private(row) for row in _active(KeyUse.ENC)]


def receiving_keys(*, now: datetime, trust_list: TrustList | None) -> tuple[list[jose.PrivateKey], jose.PrivateKey]:
    """``decryption_keys()`` and ``signing_key()`` from one read: what the inbox needs."""
    rows = _active()
    enc = [_private(row) for row in rows if row.use == KeyUse.ENC]
    return enc, _choose_signing_key([row for row in rows if row.use == KeyUse.SIG], now, trust_list)


def _listed(trust_list: TrustList | None, now: datetime) -> dict[str, datetime]:
    """kid -> listed not_before of our signing keys the trust list publishes, usable now."""
    if trust_list is None:
        return {}
    node = next((n for n in trust_list.nodes if n.node_id == settings.TRM_NODE_ID), None)
    if node is None or node.is_revoked(now):
        return {}
    return {
        entry.kid: entry.not_before
        for entry in node.keys
        if entry.use == "sig" and entry.is_valid_at(now) and not entry.is_revoked(now)
    }


def signing_key(*, now: datetime, trust_list: TrustList | None) -> jose.PrivateKey:
    """The key we sign messages and receipts with now (see the module docstring)."""
    return _choose_signing_key(_active(KeyUse.SIG), now, trust_list)


def _choose_signing_key(sig_rows: list[_KeyInfo], now: datetime, trust_list: TrustList | None) -> jose.PrivateKey:
    rows = [row for row in sig_rows if row.is_valid_at(now)]
    if not rows:
        raise NoKeys("no valid signing key")
    listed = _listed(trust_list, now)
    candidates = [row for row in rows if row.kid in listed]
    if not candidates:
        return _private(max(rows, key=lambda row: (row.not_before, row.kid)))
    assert trust_list is not None
    interval = trust_list.next_update - trust_list.issued
    mature = [row for row in candidates if listed[row.kid] + interval <= now]
    pool = mature or candidates
    return _private(max(pool, key=lambda row: (listed[row.kid], row.kid)))


def _key_entry(row: NodeKey) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "kid": row.kid,
        "use": row.use,
        "jwk": jose.public_jwk(_private(row)),
        "not_before": format_time(row.not_before),
        "revoked": False,
    }
    if row.not_after is not None:
        entry["not_after"] = format_time(row.not_after)
    return entry


def export_entry(*, organisation: str | None = None, endpoint: str | None = None) -> dict[str, Any]:
    """This node's trust-list entry (public keys only), for the network authority."""
    rows: Iterable[NodeKey] = NodeKey.objects.active().order_by("use", "not_before", "kid")
    keys = [_key_entry(row) for row in rows]
    if not keys:
        raise NoKeys("no keys: run `trm keys init` first")
    return {
        "node_id": settings.TRM_NODE_ID,
        "country": settings.TRM_COUNTRY,
        "organisation": organisation or settings.TRM_NODE_NAME,
        "endpoint": endpoint or settings.TRM_PUBLIC_URL,
        "revoked": False,
        "keys": keys,
    }


# --- the trust list -----------------------------------------------------------------------
#
# One row holds the pinned authority key and the newest list this node verified. The
# parsed list is cached per process by its token (parsing verifies a signature); its
# dates are checked again on every use, so an expired list stops being used on time.

_trust_cache: dict[tuple[str, str], TrustList] = {}


class NoTrustList(Exception):
    """No current trust list (none imported, or the imported one expired)."""


def _state() -> TrustListState:
    state, _created = TrustListState.objects.get_or_create(id=1)
    return state


def pinned_authority() -> jose.PublicKey | None:
    state = TrustListState.objects.filter(id=1).first()
    if state is None or not state.authority_jwk:
        return None
    return jose.public_key_from_jwk(state.authority_jwk, "sig")


@transaction.atomic
def pin_authority(jwk: Any, *, replace: bool = False) -> jose.PublicKey:
    """Pin the network authority's public key (refuses a private JWK and silent re-pinning)."""
    key = jose.public_key_from_jwk(jwk, "sig")  # raises JoseFailure for anything else
    state = TrustListState.objects.select_for_update().filter(id=1).first() or _state()
    if state.authority_jwk and not replace:
        current = jose.public_key_from_jwk(state.authority_jwk, "sig")
        if current.kid != key.kid:
            raise ValueError("another authority key is pinned; re-pinning needs --replace")
        return current
    state.authority_jwk = key.jwk
    state.save(update_fields=["authority_jwk"])
    record(None, Action.UPDATE, state, object_type="exchange.trustlist", object_ref=key.kid, note="authority pinned")
    return key


@transaction.atomic
def import_trust_list(token: str, *, now: datetime) -> TrustList:
    """Verify ``token`` with the pinned key and make it current; raises RemoteProtocolError
    (bad signature, expired, rolled back, malformed) or ValueError (nothing pinned)."""
    state = TrustListState.objects.select_for_update().filter(id=1).first() or _state()
    if not state.authority_jwk:
        raise ValueError("no authority key pinned: run `trm trustlist pin-authority` first")
    authority = jose.public_key_from_jwk(state.authority_jwk, "sig")
    token = wire.strip(token.encode("utf-8")).decode("utf-8")  # SP, HT, CR, LF only (trm/1 §2)
    trust_list = load_trust_list(token, authority_public_key=authority, now=now, previous_sequence=state.sequence)
    state.token = token
    state.sequence = trust_list.sequence
    state.network = trust_list.network
    state.issued = trust_list.issued
    state.expires = trust_list.expires
    state.imported_at = now
    state.save(update_fields=["token", "sequence", "network", "issued", "expires", "imported_at"])
    record(
        None,
        Action.UPDATE,
        state,
        object_type="exchange.trustlist",
        object_ref=str(trust_list.sequence),
        note="trust list imported",
    )
    return trust_list


def current_trust_list(*, now: datetime) -> TrustList:
    """The imported trust list, verified; raises NoTrustList when none is current.

    Each call reads the pinned key and the token (two columns, no model); the list parsed
    from them is kept per process, so a refresh or a re-pinning by another process counts
    from the next call on.
    """
    row = TrustListState.objects.filter(id=1).values_list("authority_jwk", "token").first()
    if row is None or not row[1] or not row[0]:
        raise NoTrustList("no trust list imported")
    authority_jwk: dict[str, Any] = row[0]
    token: str = row[1]
    cache_key = (str(authority_jwk.get("x")), token)
    trust_list = _trust_cache.get(cache_key)
    if trust_list is None:
        authority = jose.public_key_from_jwk(authority_jwk, "sig")
        try:
            trust_list = load_trust_list(token, authority_public_key=authority, now=now)
        except ProtocolError as err:
            raise NoTrustList(str(err.code)) from err
        _trust_cache.clear()
        _trust_cache[cache_key] = trust_list
    if trust_list.expires <= now:
        raise NoTrustList(str(Code.TRUST_LIST_EXPIRED))
    return trust_list

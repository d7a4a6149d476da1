"""Keeping the trust list current: fetch it from its published address, apply a newer one.

The network authority publishes the signed trust list at an address every node configures
(``TRM_TRUST_LIST_URL``, trm/1 §10.4); every node also serves the list it holds at
``/trm/1/trust-list`` (``views.trust_list_view``), so the authority's own node can be that
address, and so can any static web server.

``refresh`` fetches the list (a conditional GET with the last ETag, a bounded read, no
redirects) and ``apply`` verifies it with the pinned authority key (trm/1 §10.2; the
address and TLS add no trust). A higher sequence replaces the held list in one transaction,
audited by the system with the sequence change and the nodes added, removed, revoked and
reinstated; the cached parse in ``keys.current_trust_list`` is keyed by the token, so every
process uses the new list for the next message it opens or seals. The same sequence is no
change. A lower sequence, an expired list, one not yet valid, one not signed by the pinned
key or a malformed one is refused and audited (once per distinct list: the same refusal at
every interval would flood the audit log) and the held list stays in use. A failure of the
network is logged with its reason code only (never the address or the body) and tried again
at the next interval; neither changes the held list.

``refresh_due`` is the exchange worker's chore; ``health`` says whether the list is getting
stale, for ``trm trustlist status`` and the dashboard.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction

from trm.audit.events import Action
from trm.audit.record import record
from trm.exchange import jose, keys, transport, trustlist, wire
from trm.exchange.errors import ProtocolError
from trm.exchange.models import TrustListState
from trm.exchange.trustlist import TrustList

logger = logging.getLogger("trm.exchange.refresh")

MEDIA_TYPE = "application/trm1-trustlist+jws"
# One octet more than a list may have with its white space (trm/1 §10.2 step 1): enough
# to refuse an oversized list as ``oversized`` without reading all of it.
READ_LIMIT = trustlist.DEFAULT_MAX_BYTES + trustlist.BODY_SLACK + 1
FAILURES_WARN = 3  # the dashboard warns after this many failed fetches in a row

APPLIED, UNCHANGED, REFUSED, FAILED = "applied", "unchanged", "refused", "failed"


class NotConfigured(Exception):
    """No published address: set TRM_TRUST_LIST_URL (or pass one)."""


class FetchError(Exception):
    """The list could not be fetched; ``reason`` is a short code (``connect``, ``http_404`` …)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Fetched:
    body: bytes | None  # None: not modified since the ETag we sent
    etag: str


@dataclass(frozen=True)
class Changes:
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    revoked: tuple[str, ...] = ()
    reinstated: tuple[str, ...] = ()
    keys_revoked: tuple[str, ...] = ()  # nodes with a key revoked since the held list

    def summary(self) -> str:
        parts = [
            (label, ids)
            for label, ids in (
                ("added", self.added),
                ("removed", self.removed),
                ("revoked", self.revoked),
                ("reinstated", self.reinstated),
                ("keys revoked", self.keys_revoked),
            )
            if ids
        ]
        text = "; ".join(f"{label}: {', '.join(ids)}" for label, ids in parts)
        if len(text) > 150:  # the audit note holds 200 characters: counts instead of ids
            text = ", ".join(f"{label} {len(ids)}" for label, ids in parts)
        return text


@dataclass(frozen=True)
class Outcome:
    result: str  # applied | unchanged | refused | failed
    sequence: int | None = None  # the sequence held afterwards
    previous: int | None = None  # the sequence held before
    code: str = ""  # why it was refused or failed
    detail: str = ""
    changes: Changes = Changes()


# --- fetching -----------------------------------------------------------------------


def fetch(client: httpx.Client, url: str, *, etag: str = "") -> Fetched:
    """GET the signed list at ``url``; raises FetchError for anything but 200 (or 304)."""
    headers = {"Accept": MEDIA_TYPE}
    if etag:
        headers["If-None-Match"] = etag
    try:
        with client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            if status == 304 and etag:
                return Fetched(None, etag)
            if status != 200:
                raise FetchError(f"http_{status}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) >= READ_LIMIT:
                    del body[READ_LIMIT:]
                    break
            return Fetched(bytes(body), response.headers.get("ETag", "")[:200])
    except httpx.TimeoutException as err:
        raise FetchError("timeout") from err
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as err:
        raise FetchError("bad_url") from err
    except httpx.TransportError as err:
        raise FetchError("connect" if isinstance(err, httpx.ConnectError) else "network") from err
    except httpx.StreamError as err:
        raise FetchError("network") from err


# --- applying -----------------------------------------------------------------------


def _locked_state() -> TrustListState:
    state = TrustListState.objects.select_for_update().filter(id=1).first()
    if state is None:
        TrustListState.objects.get_or_create(id=1)
        state = TrustListState.objects.select_for_update().get(id=1)
    return state


def _held(state: TrustListState) -> TrustList | None:
    """The list held now, parsed without checking its signature again (it was checked when
    it was applied) nor its dates (an expired list still tells what changed)."""
    if not state.token:
        return None
    try:
        _header, payload = jose.jws_parts(state.token)
        return trustlist.parse_trust_list(wire.parse_json_object(payload))
    except Exception:  # a list we cannot read again only loses the audit's detail
        return None


def changes_between(old: TrustList | None, new: TrustList, *, now: datetime) -> Changes:
    before = {node.node_id: node for node in (old.nodes if old is not None else ())}
    after = {node.node_id: node for node in new.nodes}
    revoked, reinstated, keys_revoked = [], [], []
    for node_id, node in after.items():
        earlier = before.get(node_id)
        if earlier is None:
            continue
        if node.is_revoked(now) and not earlier.is_revoked(now):
            revoked.append(node_id)
        elif earlier.is_revoked(now) and not node.is_revoked(now):
            reinstated.append(node_id)
        was_revoked = {(k.kid, k.use) for k in earlier.keys if k.is_revoked(now)}
        if any(k.is_revoked(now) and (k.kid, k.use) not in was_revoked for k in node.keys):
            keys_revoked.append(node_id)
    return Changes(
        added=tuple(sorted(set(after) - set(before))),
        removed=tuple(sorted(set(before) - set(after))),
        revoked=tuple(sorted(revoked)),
        reinstated=tuple(sorted(reinstated)),
        keys_revoked=tuple(sorted(keys_revoked)),
    )


def _succeeded(state: TrustListState, *, now: datetime, url: str, etag: str) -> list[str]:
    state.source_url = url[:500]
    state.etag = etag
    state.fetched_at = now
    state.fetch_attempted_at = now
    state.fetch_error = ""
    state.fetch_failures = 0
    state.refused_digest = ""
    return ["source_url", "etag", "fetched_at", "fetch_attempted_at", "fetch_error", "fetch_failures", "refused_digest"]


def apply(body: bytes, *, now: datetime, url: str = "", etag: str = "") -> Outcome:
    """Verify a fetched list with the pinned key and make it current if it is newer."""
    try:
        with transaction.atomic():
            state = _locked_state()
            if not state.authority_jwk:
                raise FetchError("no_authority_pinned")
            authority = jose.public_key_from_jwk(state.authority_jwk, "sig")
            new = trustlist.load_trust_list(
                body, authority_public_key=authority, now=now, previous_sequence=state.sequence
            )
            token = wire.strip(body).decode("ascii")  # the JWS is ASCII: load_trust_list checked it
            previous = state.sequence
            if previous is not None and new.sequence == previous:
                # trm/1 §10.4: the same sequence is the same list; keep the one held.
                fields = _succeeded(state, now=now, url=url, etag=etag if token == state.token else "")
                state.save(update_fields=fields)
                return Outcome(UNCHANGED, sequence=previous, previous=previous)
            changes = changes_between(_held(state), new, now=now)
            state.token = token
            state.sequence = new.sequence
            state.network = new.network
            state.issued = new.issued
            state.expires = new.expires
            state.imported_at = now
            fields = _succeeded(state, now=now, url=url, etag=etag)
            state.save(update_fields=["token", "sequence", "network", "issued", "expires", "imported_at", *fields])
            note = f"trust list {previous if previous is not None else '-'} → {new.sequence}"
            summary = changes.summary()
            record(
                None,
                Action.UPDATE,
                object_type="exchange.trustlist",
                object_ref=str(new.sequence),
                fields=["sequence", "nodes"],
                note=f"{note}; {summary}" if summary else note,
            )
    except ProtocolError as err:
        return _refused(body, code=str(err.code), detail=err.detail, now=now, url=url)
    except FetchError as err:
        return _failed(err.reason, now=now, url=url)
    logger.info("trust list %s applied (was %s)", new.sequence, previous)
    return Outcome(APPLIED, sequence=new.sequence, previous=previous, changes=changes)


@transaction.atomic
def _refused(body: bytes, *, code: str, detail: str, now: datetime, url: str) -> Outcome:
    state = _locked_state()
    digest = hashlib.sha256(body).hexdigest()
    first_time = state.refused_digest != digest
    state.source_url = url[:500]
    state.fetch_attempted_at = now
    state.fetch_error = code[:64]
    state.fetch_failures += 1
    state.refused_digest = digest
    state.save(update_fields=["source_url", "fetch_attempted_at", "fetch_error", "fetch_failures", "refused_digest"])
    if first_time:
        # The detail names checks, node ids, kids and sequences: no personal data (errors.py).
        record(
            None,
            Action.REFUSED,
            object_type="exchange.trustlist",
            object_ref=str(state.sequence or ""),
            note=f"fetched trust list refused: {code}: {detail}",
        )
    logger.warning("fetched trust list refused: %s (%d failures in a row)", code, state.fetch_failures)
    return Outcome(REFUSED, sequence=state.sequence, previous=state.sequence, code=code, detail=detail)


@transaction.atomic
def _failed(reason: str, *, now: datetime, url: str) -> Outcome:
    state = _locked_state()
    if state.source_url != url[:500]:
        state.etag = ""
    state.source_url = url[:500]
    state.fetch_attempted_at = now
    state.fetch_error = reason[:64]
    state.fetch_failures += 1
    state.save(update_fields=["etag", "source_url", "fetch_attempted_at", "fetch_error", "fetch_failures"])
    logger.warning("trust list fetch failed: %s (%d in a row)", reason, state.fetch_failures)
    return Outcome(FAILED, sequence=state.sequence, previous=state.sequence, code=reason)


def refresh(*, now: datetime, url: str | None = None, client: httpx.Client | None = None) -> Outcome:
    """Fetch the list from ``url`` (default ``TRM_TRUST_LIST_URL``) and apply it if newer."""
    url = url or settings.TRM_TRUST_LIST_URL
    if not url:
        raise NotConfigured("TRM_TRUST_LIST_URL is not set")
    if not trustlist.published_url_ok(url):
        return _failed("bad_url", now=now, url="")  # not stored: it might carry a password
    state = TrustListState.objects.filter(id=1).first()
    if state is None or not state.authority_jwk:
        return _failed("no_authority_pinned", now=now, url=url)
    etag = state.etag if state.source_url == url and state.token else ""
    try:
        if client is None:
            with transport.make_client() as own:
                fetched = fetch(own, url, etag=etag)
        else:
            fetched = fetch(client, url, etag=etag)
    except FetchError as err:
        return _failed(err.reason, now=now, url=url)
    if fetched.body is None:
        with transaction.atomic():
            state = _locked_state()
            state.save(update_fields=_succeeded(state, now=now, url=url, etag=etag))
        return Outcome(UNCHANGED, sequence=state.sequence, previous=state.sequence)
    return apply(fetched.body, now=now, url=url, etag=fetched.etag)


def refresh_due(now: datetime) -> Outcome | None:
    """The worker's chore: refresh when the last attempt is older than the interval.

    The attempt is claimed with a conditional update, so that of several workers only
    one fetches in an interval.
    """
    if not settings.TRM_TRUST_LIST_URL:
        return None
    state, _created = TrustListState.objects.get_or_create(id=1)
    last = state.fetch_attempted_at
    if last is not None and now - last < timedelta(seconds=settings.TRM_TRUST_LIST_REFRESH_EVERY):
        return None
    if not TrustListState.objects.filter(id=1, fetch_attempted_at=last).update(fetch_attempted_at=now):
        return None
    return refresh(now=now)


def register() -> None:
    """Called once at start-up by the exchange app."""
    from trm.exchange import chores

    every = min(float(settings.TRM_TRUST_LIST_REFRESH_EVERY), 60.0)
    chores.register("refresh trust list", refresh_due, every_seconds=every)


# --- health -------------------------------------------------------------------------

NO_CURRENT_LIST, EXPIRING, OLD, OVERDUE, FAILING = "no_current_list", "expiring", "old", "overdue", "failing"
STALE = frozenset({EXPIRING, OLD, OVERDUE})  # the held list itself, as opposed to fetching it


@dataclass(frozen=True)
class Health:
    """What ``trm trustlist status`` prints and the dashboard warns about."""

    now: datetime
    sequence: int | None
    network: str
    issued: datetime | None
    next_update: datetime | None
    expires: datetime | None
    applied_at: datetime | None
    fetched_at: datetime | None
    attempted_at: datetime | None
    url: str
    last_error: str
    failures: int
    current: bool
    problems: tuple[str, ...]

    @property
    def age(self) -> timedelta | None:
        return self.now - self.issued if self.issued is not None else None

    def as_dict(self) -> dict[str, Any]:
        def when(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment is not None else None

        return {
            "sequence": self.sequence,
            "network": self.network,
            "issued": when(self.issued),
            "age_seconds": int(self.age.total_seconds()) if self.age is not None else None,
            "next_update": when(self.next_update),
            "expires": when(self.expires),
            "applied_at": when(self.applied_at),
            "fetched_at": when(self.fetched_at),
            "attempted_at": when(self.attempted_at),
            "url": self.url,
            "last_error": self.last_error,
            "failures": self.failures,
            "current": self.current,
            "problems": list(self.problems),
        }


def health(*, now: datetime) -> Health:
    state = TrustListState.objects.filter(id=1).first() or TrustListState(id=1)
    try:
        held: TrustList | None = keys.current_trust_list(now=now)
    except keys.NoTrustList:
        held = None
    problems = []
    if held is None:
        # A node that has not joined a network yet (nothing pinned, held or configured) runs
        # without the exchange: nothing has gone stale there.
        if state.authority_jwk or state.token or settings.TRM_TRUST_LIST_URL:
            problems.append(NO_CURRENT_LIST)
    else:
        if held.expires - now <= timedelta(hours=settings.TRM_TRUST_LIST_WARN_EXPIRY_HOURS):
            problems.append(EXPIRING)
        if now - held.issued > timedelta(hours=settings.TRM_TRUST_LIST_WARN_AGE_HOURS):
            problems.append(OLD)
        # A newer list was announced by next_update; one interval for the fetch itself.
        if now > held.next_update + timedelta(seconds=settings.TRM_TRUST_LIST_REFRESH_EVERY):
            problems.append(OVERDUE)
    if state.fetch_failures >= FAILURES_WARN:
        problems.append(FAILING)
    return Health(
        now=now,
        sequence=state.sequence if state.token else None,
        network=state.network,
        issued=state.issued,
        next_update=held.next_update if held is not None else None,
        expires=state.expires,
        applied_at=state.imported_at,
        fetched_at=state.fetched_at,
        attempted_at=state.fetch_attempted_at,
        url=settings.TRM_TRUST_LIST_URL or state.source_url,
        last_error=state.fetch_error,
        failures=state.fetch_failures,
        current=held is not None,
        problems=tuple(problems),
    )

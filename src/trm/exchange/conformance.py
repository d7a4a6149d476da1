"""Test any node's trm/1 inbox over HTTP with the conformance suite (``trm conformance``).

A node under test is a test deployment (never a production node) that trusts the
conformance network:

1. its operators export its trust-list entry (``trm keys export``, or the same JSON from
   their own software);
2. ``trm conformance trust-list ENTRY`` writes a trust list that names the node under
   test and the suite's peers, signed by the *test vector* authority key (its private
   key is public: docs/vectors/keys.json), and that authority's public JWK;
3. the node pins that authority and imports the list (``trm trustlist import LIST
   --authority JWK``);
4. ``trm conformance INBOX_URL --trust-list LIST`` plays every case of ``suite.cases``
   against the inbox and prints a pass/fail table.

A case passes when the answer is exactly the one docs/protocol.md requires: the HTTP
status, a receipt that passes section 8.3 from the node under test, its ``status``,
``code``, ``message_id`` (present or absent) and ``token_sha256``. The peers' ids end in
``.conformance.test``, so they never collide with a real node's id.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from trm.exchange import jose, protocol, suite, transport, vectors, wire
from trm.exchange.errors import ProtocolError
from trm.exchange.messages import format_time
from trm.exchange.trustlist import TrustList, load_trust_list, sign_trust_list

SENDER = "sender.conformance.test"
SECOND = "second.conformance.test"
REVOKED = "revoked.conformance.test"
STRANGER = "stranger.conformance.test"
PEERS = (SENDER, SECOND, REVOKED)
NETWORK = "trm/1 conformance network (public test keys: never trust it in production)"
# Sequence numbers grow with time, so that a newer conformance list never rolls back.
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def authority() -> jose.PrivateKey:
    """The vector authority (its private key is published: test networks only)."""
    return vectors.keys()["authority"]


def authority_jwk() -> dict[str, str]:
    return jose.public_jwk(authority())


def trust_list_doc(entry: Mapping[str, Any], *, now: datetime) -> dict[str, Any]:
    """A trust list with the node under test (``entry``) and the suite's peers around ``now``."""
    keys = vectors.keys()
    if entry.get("node_id") in (*PEERS, STRANGER):
        raise ValueError("the node under test cannot use a conformance peer's id")
    now = now.replace(microsecond=0)

    def key(name: str, not_before: datetime, **extra: Any) -> dict[str, Any]:
        private = keys[name]
        doc = {
            "kid": private.kid,
            "use": private.use,
            "jwk": jose.public_jwk(private),
            "not_before": format_time(not_before),
            "revoked": False,
        }
        return doc | extra

    def peer(node_id: str, key_docs: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        return {
            "node_id": node_id,
            "country": "XK" if node_id == SENDER else "RS" if node_id == SECOND else "ME",
            "organisation": f"trm/1 conformance peer ({node_id.split('.', 1)[0]})",
            "endpoint": f"https://{node_id}.invalid",
            "revoked": False,
            "keys": key_docs,
        } | extra

    month = timedelta(days=30)
    return {
        "v": "trm/1",
        "type": "trust_list",
        "network": NETWORK,
        "sequence": max(1, int((now - _EPOCH).total_seconds() // 60)),
        "issued": format_time(now - timedelta(hours=1)),
        "next_update": format_time(now + timedelta(days=7)),
        "expires": format_time(now + timedelta(days=14)),
        "nodes": [
            dict(entry),
            peer(
                SENDER,
                [key("xk.sig", now - month), key("xk.sig.2027", now + month), key("xk.enc", now - month)],
            ),
            peer(
                SECOND,
                [
                    key("rs.sig.revoked", now - month, revoked=True, revoked_at=format_time(now - timedelta(days=1))),
                    key("rs.sig", now - month),
                    key("rs.enc", now - month),
                ],
            ),
            peer(
                REVOKED,
                [key("me.sig", now - month), key("me.enc", now - month)],
                revoked=True,
                revoked_at=format_time(now - timedelta(days=1)),
            ),
        ],
    }


def signed_trust_list(entry: Mapping[str, Any], *, now: datetime) -> str:
    return sign_trust_list(trust_list_doc(entry, now=now), authority_key=authority(), now=now)


def load(token: str, *, now: datetime) -> TrustList:
    """The conformance list the node imported (verified with the vector authority)."""
    return load_trust_list(token, authority_public_key=authority().public(), now=now)


def node_under_test(trust_list: TrustList) -> str:
    others = [node.node_id for node in trust_list.nodes if node.node_id not in PEERS]
    if len(others) != 1:
        raise ValueError("not a conformance trust list: name the node with --node-id")
    return others[0]


def setting(trust_list: TrustList, node_id: str, *, now: datetime) -> suite.Setting:
    """The suite's setting for a live node: margins around time boundaries, fresh ids."""
    keys = vectors.keys()
    run = uuid.uuid4()
    return suite.Setting(
        now=now,
        receiver=node_id,
        receiver_enc=trust_list.encryption_key(node_id, now),
        sender=suite.Party(SENDER, keys["xk.sig"]),
        sender_future_sig=keys["xk.sig.2027"],
        sender_enc=keys["xk.enc"].public(),
        second=suite.Party(SECOND, keys["rs.sig"]),
        second_revoked_sig=keys["rs.sig.revoked"],
        revoked=suite.Party(REVOKED, keys["me.sig"]),
        stranger=suite.Party(STRANGER, keys["zz.sig"]),
        stranger_enc=keys["zz.enc"],
        max_bytes=protocol.DEFAULT_MAX_BYTES,
        exact=False,
        new_id=lambda name: str(uuid.uuid5(run, name)),
        make_message=vectors.sample_message,
        entropy=os.urandom,
    )


# --- running ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    case: suite.Case
    expected: str
    got: str
    passed: bool
    why: str = ""


def _expected(case: suite.Case, message_id: str | None) -> str:
    answer = case.receipt_status or "no receipt"
    if answer == "rejected":
        answer = case.expect
    return f"{case.http_status} {answer}" + (" +id" if message_id else "")


def _post(client: httpx.Client, url: str, body: str, content_type: str | None) -> tuple[int, str, bytes]:
    return transport.post_raw(client, url, body.encode("utf-8"), content_type=content_type or transport.CONTENT_TYPE)


def play(
    case: suite.Case,
    *,
    client: httpx.Client,
    url: str,
    trust_list: TrustList,
    node_id: str,
    clock: Clock = _utc_now,
) -> Result:
    """Build ``case`` for the node now, send it (after its prior tokens) and judge the answer."""
    built = case.build(setting(trust_list, node_id, now=clock()))
    quoted = case.quotes_id(built)
    expected = _expected(case, quoted)
    try:
        for prior in built.prior:
            status, _, answer = _post(client, url, prior.token, None)
            if status != 200 or _receipt(answer, prior.token, trust_list, node_id, clock).status != "accepted":
                return Result(
                    case, expected, f"{status} (an earlier token)", False, "the token before was not accepted"
                )
        status, media_type, answer = _post(client, url, built.body, built.content_type)
    except transport.DeliveryError as err:
        return Result(case, expected, f"no answer ({err.reason})", False, "the node did not answer")
    except ProtocolError as err:
        return Result(case, expected, "bad receipt", False, f"the receipt before fails section 8.3: {err.code}")
    if case.receipt_status is None:
        return Result(case, expected, f"{status}", status == case.http_status)
    if media_type != transport.RECEIPT_CONTENT_TYPE:
        return Result(case, expected, f"{status} without receipt", False, "no application/trm1-receipt+jws body")
    sent = wire.strip(built.body.encode("utf-8")).decode("utf-8")
    try:
        receipt = _receipt(answer, sent, trust_list, node_id, clock)
    except ProtocolError as err:
        return Result(case, expected, f"{status} bad receipt", False, f"the receipt fails section 8.3: {err.code}")
    got_answer = receipt.code if receipt.status == "rejected" and receipt.code else receipt.status
    got = f"{status} {got_answer}" + (" +id" if receipt.message_id else "")
    problems = []
    if status != case.http_status:
        problems.append(f"HTTP {status}, not {case.http_status}")
    if receipt.status != case.receipt_status:
        problems.append(f"status {receipt.status}")
    if case.receipt_status == "rejected" and receipt.code != case.expect:
        problems.append(f"code {receipt.code}")
    if receipt.message_id != quoted:
        problems.append("message_id " + ("absent" if receipt.message_id is None else "present") + " (section 8.2)")
    if receipt.token_sha256 != protocol.token_digest(built.body):
        problems.append("token_sha256 not that of section 8.1")
    return Result(case, expected, got, not problems, "; ".join(problems))


def _receipt(answer: bytes, sent: str, trust_list: TrustList, node_id: str, clock: Clock) -> Any:
    return protocol.verify_receipt(answer, sent_token=sent, receiver=node_id, trust_list=trust_list, now=clock())


def run(
    *,
    client: httpx.Client,
    url: str,
    trust_list: TrustList,
    node_id: str,
    only: Iterable[str] = (),
    clock: Clock = _utc_now,
) -> list[Result]:
    wanted = set(only)
    return [
        play(case, client=client, url=url, trust_list=trust_list, node_id=node_id, clock=clock)
        for case in suite.cases()
        if not wanted or case.name in wanted
    ]


def table(results: list[Result], *, url: str, node_id: str) -> str:
    """The pass/fail table ``trm conformance`` prints."""
    width = max((len(r.case.name) for r in results), default=10)
    lines = [
        f"trm/1 conformance of {url} (node {node_id}): {len(results)} cases",
        f"{'check':<6} {'case':<{width}}  {'expected':<28} {'got':<28} result",
    ]
    for r in results:
        verdict = "pass" if r.passed else f"FAIL {r.why}".rstrip()
        lines.append(f"{r.case.check:<6} {r.case.name:<{width}}  {r.expected:<28} {r.got:<28} {verdict}")
    failed = [r.case.name for r in results if not r.passed]
    lines.append(
        f"passed {len(results) - len(failed)} of {len(results)}" + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return "\n".join(lines) + "\n"

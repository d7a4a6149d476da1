"""A synthetic trm/1 network around this test node, for the exchange shell's tests.

This node (settings.TRM_NODE_ID) gets real keys through ``keys.init``; the peers' keys
come from fixed seeds. The trust list is signed by a test authority and imported through
``keys.import_trust_list``, valid around the real clock (the shell reads the clock).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.utils import timezone

from trm.exchange import jose, keys, protocol
from trm.exchange.errors import ProtocolError
from trm.exchange.messages import Message, format_time
from trm.exchange.trustlist import TrustList, sign_trust_list
from trm.exchange.vectors import sample_message

PEER = "xk.nrm"
REVOKED_NODE = "me.nrm"
KEY_REVOKED_NODE = "rs.nrm"


def seeded(name: str, use: jose.KeyUse) -> jose.PrivateKey:
    return jose.key_from_seed(hashlib.sha256(f"trm shell test key: {name}".encode()).digest(), use)


AUTHORITY = seeded("authority", "sig")
OTHER_AUTHORITY = seeded("other authority", "sig")
PEER_SIG = seeded("xk.sig", "sig")
PEER_OLD_SIG = seeded("xk.sig.old", "sig")
PEER_ENC = seeded("xk.enc", "enc")
ME_SIG, ME_ENC = seeded("me.sig", "sig"), seeded("me.enc", "enc")
RS_SIG, RS_ENC = seeded("rs.sig", "sig"), seeded("rs.enc", "enc")
RS_NEW_SIG = seeded("rs.sig.new", "sig")
STRANGER_SIG, STRANGER_ENC = seeded("zz.sig", "sig"), seeded("zz.enc", "enc")


def key_doc(key: jose.PrivateKey, not_before: datetime, **extra: Any) -> dict[str, Any]:
    doc = {
        "kid": key.kid,
        "use": key.use,
        "jwk": jose.public_jwk(key),
        "not_before": format_time(not_before),
        "revoked": False,
    }
    doc.update(extra)
    return doc


def peer_entry(node_id: str, country: str, keyset: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    entry = {
        "node_id": node_id,
        "country": country,
        "organisation": f"Test coordinator {node_id}",
        "endpoint": f"https://{node_id}.example",
        "revoked": False,
        "keys": keyset,
    }
    entry.update(extra)
    return entry


def trust_list_doc(
    now: datetime,
    *,
    sequence: int = 5,
    us: dict[str, Any] | None = None,
    issued: datetime | None = None,
    expires: datetime | None = None,
) -> dict[str, Any]:
    issued = issued or now - timedelta(hours=1)
    expires = expires or now + timedelta(days=14)
    month_ago = now - timedelta(days=30)
    us = us or keys.export_entry(endpoint="https://us.example")
    return {
        "v": "trm/1",
        "type": "trust_list",
        "network": "Synthetic shell test network",
        "sequence": sequence,
        "issued": format_time(issued),
        "next_update": format_time(min(issued + timedelta(days=7), expires)),
        "expires": format_time(expires),
        "nodes": [
            us,
            peer_entry(
                PEER,
                "XK",
                [
                    key_doc(PEER_OLD_SIG, month_ago, not_after=format_time(now + timedelta(days=1))),
                    key_doc(PEER_SIG, now - timedelta(days=2)),
                    key_doc(PEER_ENC, month_ago),
                ],
            ),
            peer_entry(
                REVOKED_NODE,
                "ME",
                [key_doc(ME_SIG, month_ago), key_doc(ME_ENC, month_ago)],
                revoked=True,
                revoked_at=format_time(now - timedelta(days=1)),
            ),
            peer_entry(
                KEY_REVOKED_NODE,
                "RS",
                [
                    key_doc(RS_SIG, month_ago, revoked=True, revoked_at=format_time(now - timedelta(days=1))),
                    key_doc(RS_NEW_SIG, now - timedelta(days=1)),
                    key_doc(RS_ENC, month_ago),
                ],
            ),
        ],
    }


def signed(doc: dict[str, Any], *, authority: jose.PrivateKey = AUTHORITY, now: datetime | None = None) -> str:
    return sign_trust_list(doc, authority_key=authority, now=now or timezone.now())


@dataclass
class Net:
    now: datetime
    trust_list: TrustList

    @property
    def us(self) -> str:
        return settings.TRM_NODE_ID

    def message(self, type_: str = "case_notification", *, sender: str = PEER, **overrides: Any) -> Message:
        overrides.setdefault("now", timezone.now())
        overrides.setdefault("message_id", uuid.uuid4())
        return sample_message(type_, sender=sender, recipient=self.us, **overrides)

    def seal(self, message: Message, *, signer: jose.PrivateKey = PEER_SIG, to: jose.PublicKey | None = None) -> str:
        to = to or self.trust_list.encryption_key(self.us, timezone.now())
        return protocol.seal(message, sender_key=signer, recipient_key=to, now=timezone.now())

    def token(self, type_: str = "case_notification", **overrides: Any) -> str:
        return self.seal(self.message(type_, **overrides))


def setup_network(**doc_options: Any) -> Net:
    now = timezone.now()
    keys.init(now=now - timedelta(days=1))
    keys.pin_authority(jose.public_jwk(AUTHORITY))
    trust_list = keys.import_trust_list(signed(trust_list_doc(now, **doc_options)), now=now)
    return Net(now=now, trust_list=trust_list)


@dataclass
class PeerInbox:
    """The peer's side of the wire for httpx.MockTransport: opens tokens, answers receipts.

    ``script`` is a list of actions for the next requests: ``"ok"`` (default when empty),
    an int (that HTTP status, no receipt), ``"drop"`` (a connection error), ``"timeout"``,
    ``"store_then_drop"`` (stores, then the answer is lost), ``"garbage"`` (200 with a
    body that is no receipt), ``("reject", code)`` (a signed rejection with that code),
    ``("retry_after", seconds)`` (503 with Retry-After).
    """

    net: Net
    seen: dict[tuple[str, str], str] = field(default_factory=dict)
    script: list[Any] = field(default_factory=list)
    requests: int = 0
    stored: list[str] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        action = self.script.pop(0) if self.script else "ok"
        if action == "drop":
            raise httpx.ConnectError("connection refused", request=request)
        if action == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if isinstance(action, int):
            return httpx.Response(action, text="unavailable")
        if isinstance(action, tuple) and action[0] == "retry_after":
            return httpx.Response(503, headers={"Retry-After": str(action[1])})
        if isinstance(action, tuple) and action[0] == "reject":
            err = ProtocolError(action[1], "scripted refusal")
            receipt = protocol.receipt_for_error(request.content, err, receiver=PEER, key=PEER_SIG, now=timezone.now())
            return httpx.Response(
                err.http_status, content=receipt.encode(), headers={"Content-Type": "application/trm1-receipt+jws"}
            )
        if action == "garbage":
            return httpx.Response(200, content=b"x.y.z", headers={"Content-Type": "application/trm1-receipt+jws"})
        token = request.content
        now = timezone.now()
        try:
            message = protocol.open_(
                token, our_node_id=PEER, our_keys=[PEER_ENC], trust_list=self.net.trust_list, now=now, seen=self.seen
            )
        except ProtocolError as err:
            receipt = protocol.receipt_for_error(token, err, receiver=PEER, key=PEER_SIG, now=now)
            return httpx.Response(
                err.http_status, content=receipt.encode(), headers={"Content-Type": "application/trm1-receipt+jws"}
            )
        receipt = protocol.receipt_for(message, key=PEER_SIG, now=now)
        self.seen[(message.sender, message.id)] = receipt
        self.stored.append(message.id)
        if action == "store_then_drop":
            raise httpx.ReadError("connection reset after the peer stored the message", request=request)
        return httpx.Response(200, content=receipt.encode(), headers={"Content-Type": "application/trm1-receipt+jws"})

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handler))

"""/trm/1/ skips the middleware that serves people, and still refuses what it must.

The inbox and the trust list go from the security middleware straight to the input guard
and their view (``core.middleware.MachineEndpointMiddleware``); the keys and the trust list
it opens tokens with are cached per process and read afresh enough that a rotation, a
retirement, a refresh or a re-pinning by another process counts from the next request on.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.exchange.shell_support import PEER, Net, setup_network, signed, trust_list_doc
from trm.exchange import jose, keys
from trm.exchange.models import InboxMessage, NodeKey, TrustListState

pytestmark = pytest.mark.django_db

URL = "/trm/1/inbox"
CT = "application/trm1+jwe"


@pytest.fixture
def net(db) -> Net:
    return setup_network()


def post(body: str, **extra: str):
    return Client().post(URL, data=body, content_type=CT, **extra)


def code_of(response) -> str | None:
    _header, payload = jose.jws_parts(response.content.decode())
    code: str | None = json.loads(payload).get("code")
    return code


def test_the_inbox_answers_without_session_language_or_html_headers(net: Net) -> None:
    response = post(net.token(), HTTP_COOKIE="sessionid=whatever", HTTP_ACCEPT_LANGUAGE="bg")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"  # the security middleware still runs
    assert "Set-Cookie" not in response and not response.cookies
    assert "Cookie" not in response.get("Vary", "") and "Accept-Language" not in response.get("Vary", "")
    assert "Content-Language" not in response and "Content-Security-Policy" not in response


@override_settings(TRM_MACHINE_FAST_PATH=False)
def test_the_whole_stack_gives_the_same_answers(net: Net) -> None:
    assert post(net.token()).status_code == 200
    assert Client().get(URL).status_code == 405
    assert InboxMessage.objects.count() == 1


def test_it_still_refuses_what_it_must(net: Net) -> None:
    assert Client().get(URL).status_code == 405
    assert Client().post(URL, data=net.token(), content_type="application/json").status_code == 415
    assert Client().post("/trm/1/nothing", data=net.token(), content_type=CT).status_code == 404
    assert Client().post(URL + "/", data=net.token(), content_type=CT).status_code == 404
    # The input guard still refuses text no person types, before the view reads anything.
    assert Client().post(URL + "?x=%00", data=net.token(), content_type=CT).status_code == 400
    assert post("not a token").status_code == 400
    assert InboxMessage.objects.count() == 0


def test_a_crashing_view_is_a_500_not_a_leak(net: Net, monkeypatch: pytest.MonkeyPatch) -> None:
    from trm.exchange import views

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(views.TrustListState.objects, "filter", boom)
    response = Client(raise_request_exception=False).get("/trm/1/trust-list")
    assert response.status_code == 500
    assert b"secret detail" not in response.content


def test_the_private_keys_are_read_once_per_process(net: Net) -> None:
    post(net.token())
    with CaptureQueriesContext(connection) as queries:
        assert post(net.token()).status_code == 200
    reads = [q["sql"] for q in queries.captured_queries if "exchange_nodekey" in q["sql"]]
    assert len(reads) == 1 and "private_jwk" not in reads[0]


def test_a_key_retired_by_another_process_stops_opening_tokens_at_once(net: Net) -> None:
    to_old = net.trust_list.encryption_key(net.us, timezone.now())
    keys.rotate(now=timezone.now(), overlap=timedelta(days=3))
    assert post(net.seal(net.message(), to=to_old)).status_code == 200  # cached now
    NodeKey.objects.filter(kid=to_old.kid).update(retired=True, private_jwk="")  # as `trm` would elsewhere
    response = post(net.seal(net.message(), to=to_old))
    assert code_of(response) == "unknown_recipient_key"
    assert InboxMessage.objects.count() == 1


def test_a_new_receipt_key_is_used_once_it_is_listed(net: Net) -> None:
    before = keys.signing_key(now=timezone.now(), trust_list=net.trust_list)
    post(net.token())
    keys.rotate(now=timezone.now(), overlap=timedelta(days=3))
    new = NodeKey.objects.filter(use="sig").exclude(kid=before.kid).get()
    NodeKey.objects.filter(kid=before.kid).update(retired=True)
    received, signer = keys.receiving_keys(now=timezone.now(), trust_list=net.trust_list)
    assert signer.kid == new.kid
    assert len(received) == 2


def test_a_list_written_by_another_process_counts_from_the_next_request(net: Net) -> None:
    assert post(net.token()).status_code == 200
    now = timezone.now()
    doc = trust_list_doc(now, sequence=2)
    peer = next(node for node in doc["nodes"] if node["node_id"] == PEER)
    peer.update(revoked=True, revoked_at=doc["issued"])
    TrustListState.objects.update(token=signed(doc), sequence=2)  # a refresh in the worker's process
    assert code_of(post(net.token())) == "sender_revoked"
    assert InboxMessage.objects.count() == 1

"""transport.post: HTTP outcomes mapped to a receipt, a retry or a permanent failure."""

from __future__ import annotations

import httpx
import pytest

from trm.exchange import transport

URL = "https://peer.example/trm/1/inbox"
RECEIPT_HEADERS = {"Content-Type": "application/trm1-receipt+jws"}


def client_for(handler) -> httpx.Client:
    return transport.make_client(transport=httpx.MockTransport(handler))


def answer(status: int, body: bytes = b"a.b.c", headers: dict | None = None):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers=RECEIPT_HEADERS if headers is None else headers)

    return handler


def test_it_posts_the_token_as_trm1_jwe_and_returns_the_receipt() -> None:
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.update(ct=request.headers["Content-Type"], accept=request.headers["Accept"], body=request.content)
        return httpx.Response(200, content=b"r.e.c", headers=RECEIPT_HEADERS)

    with client_for(handler) as client:
        assert transport.post(client, URL, "t.o.k.e.n") == "r.e.c"
    assert seen == {"ct": "application/trm1+jwe", "accept": "application/trm1-receipt+jws", "body": b"t.o.k.e.n"}


@pytest.mark.parametrize("status", [400, 403, 413, 421, 422, 451])
def test_it_returns_a_rejection_receipt_for_the_caller_to_verify(status: int) -> None:
    with client_for(answer(status)) as client:
        assert transport.post(client, URL, "t") == "a.b.c"


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504])
def test_it_retries_server_errors_and_throttling(status: int) -> None:
    with client_for(answer(status, headers={})) as client, pytest.raises(transport.DeliveryError) as info:
        transport.post(client, URL, "t")
    assert (info.value.reason, info.value.retryable) == (f"http_{status}", True)


def test_it_reads_retry_after_in_seconds() -> None:
    with (
        client_for(answer(503, headers={"Retry-After": "120"})) as client,
        pytest.raises(transport.DeliveryError) as info,
    ):
        transport.post(client, URL, "t")
    assert info.value.retry_after == 120


def test_it_ignores_a_retry_after_date() -> None:
    headers = {"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}
    with client_for(answer(503, headers=headers)) as client, pytest.raises(transport.DeliveryError) as info:
        transport.post(client, URL, "t")
    assert info.value.retry_after is None


@pytest.mark.parametrize("status", [404, 405, 415, 301])
def test_a_status_without_a_receipt_is_permanent(status: int) -> None:
    with (
        client_for(answer(status, headers={"Content-Type": "text/html"})) as client,
        pytest.raises(transport.DeliveryError) as info,
    ):
        transport.post(client, URL, "t")
    assert (info.value.reason, info.value.retryable) == (f"http_{status}", False)


def test_a_200_without_a_receipt_is_retried() -> None:
    with (
        client_for(answer(200, headers={"Content-Type": "text/html"})) as client,
        pytest.raises(transport.DeliveryError) as info,
    ):
        transport.post(client, URL, "t")
    assert info.value.retryable


def test_it_refuses_an_oversized_receipt() -> None:
    with (
        client_for(answer(200, body=b"x" * (transport.MAX_RECEIPT_BYTES + 1024 + 1))) as client,
        pytest.raises(transport.DeliveryError) as info,
    ):
        transport.post(client, URL, "t")
    assert (info.value.reason, info.value.retryable) == ("receipt_too_large", True)


def test_it_refuses_a_non_ascii_receipt() -> None:
    with client_for(answer(200, body="é".encode())) as client, pytest.raises(transport.DeliveryError) as info:
        transport.post(client, URL, "t")
    assert info.value.reason == "receipt_not_ascii"


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (httpx.ConnectError("refused"), "connect"),
        (httpx.ConnectTimeout("slow"), "timeout"),
        (httpx.ReadTimeout("slow"), "timeout"),
        (httpx.ReadError("reset"), "network"),
        (httpx.RemoteProtocolError("bad"), "network"),
    ],
)
def test_network_failures_are_retryable(error: Exception, reason: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    with client_for(handler) as client, pytest.raises(transport.DeliveryError) as info:
        transport.post(client, URL, "t")
    assert (info.value.reason, info.value.retryable) == (reason, True)


def test_a_url_that_cannot_be_used_is_permanent() -> None:
    with transport.make_client() as client, pytest.raises(transport.DeliveryError) as info:
        transport.post(client, "ftp://peer.example/trm/1/inbox", "t")
    assert (info.value.reason, info.value.retryable) == ("bad_url", False)


def test_it_reuses_one_connection_for_a_burst_and_drops_it_when_idle() -> None:
    """A real HTTP/1.1 server on loopback: three posts, one TCP connection."""
    import http.server
    import threading
    import time

    connections: list[tuple[str, int]] = []

    class Inbox(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            connections.append(self.client_address)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Type", "application/trm1-receipt+jws")
            self.send_header("Content-Length", "5")
            self.end_headers()
            self.wfile.write(b"r.e.c")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Inbox)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/trm/1/inbox"
    try:
        with transport.make_client() as client:
            assert [transport.post(client, url, "t.o.k.e.n") for _ in range(3)] == ["r.e.c"] * 3
            assert len(connections) == 1
            time.sleep(transport.DEFAULT_LIMITS.keepalive_expiry + 0.3)  # idle longer than the expiry
            assert transport.post(client, url, "t.o.k.e.n") == "r.e.c"
            assert len(connections) == 2
    finally:
        server.shutdown()
        server.server_close()

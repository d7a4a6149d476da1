"""The one seam for outgoing trm/1 HTTP: POST a sealed token, get the receipt back.

``post`` returns the body of a response that carries a receipt (``200`` or ``4xx`` with
``Content-Type: application/trm1-receipt+jws``); the caller verifies it (trm/1 §8.3).
Everything else raises ``DeliveryError``:

* ``retryable=True``: connection failures, time-outs, ``408``, ``425``, ``429``, any ``5xx``,
  and a response too large to be a receipt. ``retry_after`` carries a ``Retry-After``
  given in seconds.
* ``retryable=False``: any other status without a receipt (``404``, ``405``, ``415``, a
  redirect …): a configuration problem that retrying soon will not fix. trm/1 §3.3 still
  asks the sender to keep the message until it holds a receipt or the message expires,
  so the outbox retries these too, at its slowest pace.

The error's ``reason`` is a short code (``connect``, ``timeout``, ``http_503`` …); neither
it nor anything logged here contains the token, whose content is encrypted anyway.
"""

from __future__ import annotations

import httpx

CONTENT_TYPE = "application/trm1+jwe"
RECEIPT_CONTENT_TYPE = "application/trm1-receipt+jws"
MAX_RECEIPT_BYTES = 16 * 1024
# A receipt of at most MAX_RECEIPT_BYTES may come with white space around it (trm/1 §2).
_RECEIPT_READ_LIMIT = MAX_RECEIPT_BYTES + 1024
_RETRYABLE_STATUSES = frozenset({408, 425, 429})
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
# Connections to a peer are kept and reused (one TCP and HTTP set-up per burst, not per
# message). An idle one is dropped after a second: a node's web server (gunicorn) closes
# it after two, and a request sent on a connection the server is closing fails.
DEFAULT_LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=16, keepalive_expiry=1.0)


class DeliveryError(Exception):
    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None) -> None:
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after
        super().__init__(reason)


def make_client(
    *, timeout: httpx.Timeout = DEFAULT_TIMEOUT, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """The client a worker keeps open (connections kept alive and reused); never follows redirects."""
    return httpx.Client(
        timeout=timeout,
        transport=transport,
        limits=DEFAULT_LIMITS,
        follow_redirects=False,
        headers={"User-Agent": "trm-node (trm/1)"},
    )


def _retry_after(response: httpx.Response) -> float | None:
    raw: str = response.headers.get("Retry-After", "").strip()
    if raw.isdigit():
        return float(min(int(raw), 24 * 3600))
    return None


def _is_receipt(response: httpx.Response) -> bool:
    media_type: str = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    return media_type == RECEIPT_CONTENT_TYPE


def post(client: httpx.Client, url: str, token: str) -> str:
    """Deliver ``token`` to the inbox at ``url``; the receipt token, or DeliveryError."""
    headers = {"Content-Type": CONTENT_TYPE, "Accept": RECEIPT_CONTENT_TYPE}
    try:
        with client.stream("POST", url, content=token.encode("ascii"), headers=headers) as response:
            status = response.status_code
            if status >= 500 or status in _RETRYABLE_STATUSES:
                raise DeliveryError(f"http_{status}", retryable=True, retry_after=_retry_after(response))
            if not (status == 200 or 400 <= status < 500) or not _is_receipt(response):
                raise DeliveryError(f"http_{status}", retryable=status == 200)
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > _RECEIPT_READ_LIMIT:
                    raise DeliveryError("receipt_too_large", retryable=True)
    except httpx.TimeoutException as err:
        raise DeliveryError("timeout", retryable=True) from err
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as err:
        raise DeliveryError("bad_url", retryable=False) from err
    except httpx.TransportError as err:  # connect, read, write, protocol errors
        raise DeliveryError("connect" if isinstance(err, httpx.ConnectError) else "network", retryable=True) from err
    except httpx.StreamError as err:
        raise DeliveryError("network", retryable=True) from err
    try:
        return body.decode("ascii")
    except UnicodeDecodeError as err:
        raise DeliveryError("receipt_not_ascii", retryable=True) from err


def post_raw(
    client: httpx.Client, url: str, body: bytes, *, content_type: str = CONTENT_TYPE, method: str = "POST"
) -> tuple[int, str, bytes]:
    """Send any body (the conformance runner tests refusals); (status, media type, body).

    Reads at most ``_RECEIPT_READ_LIMIT`` + 1 bytes of the answer; raises DeliveryError
    only for failures of the network.
    """
    headers = {"Content-Type": content_type, "Accept": RECEIPT_CONTENT_TYPE}
    try:
        with client.stream(method, url, content=body, headers=headers) as response:
            media_type: str = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
            answer = bytearray()
            for chunk in response.iter_bytes():
                answer += chunk
                if len(answer) > _RECEIPT_READ_LIMIT:
                    break
            return response.status_code, media_type, bytes(answer)
    except httpx.TimeoutException as err:
        raise DeliveryError("timeout", retryable=True) from err
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as err:
        raise DeliveryError("bad_url", retryable=False) from err
    except (httpx.TransportError, httpx.StreamError) as err:
        raise DeliveryError("network", retryable=True) from err

"""The node's trm/1 endpoint: bytes in, signed receipt out (the logic is in inbox.py).

``POST /trm/1/inbox`` with ``Content-Type: application/trm1+jwe``. The size is checked
from ``Content-Length`` before the body is read, and the body is read with a bound. The
view never answers 500: a database that is busy or down, missing keys or trust list,
or an unexpected failure answer 503 without a receipt, which the sender retries.
"""

from __future__ import annotations

import hashlib
import logging

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import http_date, parse_etags
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from trm.exchange import inbox, keys, protocol
from trm.exchange.errors import Code, RemoteProtocolError
from trm.exchange.models import TrustListState
from trm.exchange.refresh import MEDIA_TYPE as TRUST_LIST_CONTENT_TYPE
from trm.exchange.transport import CONTENT_TYPE, RECEIPT_CONTENT_TYPE

logger = logging.getLogger("trm.exchange.inbox")

# trm/1 §3.1: white space around a token of at most MAX_BYTES is removed first; a body
# longer than MAX_BYTES + BODY_SLACK is refused unread.
_READ_LIMIT = inbox.MAX_BYTES + protocol.BODY_SLACK


def _unavailable() -> HttpResponse:
    response = HttpResponse(status=503, content_type="text/plain")
    response["Retry-After"] = "30"
    return response


@csrf_exempt
@require_POST
def inbox_view(request: HttpRequest) -> HttpResponse:
    media_type = request.content_type.split(";", 1)[0].strip().lower() if request.content_type else ""
    if media_type != CONTENT_TYPE:
        return HttpResponse(status=415, content_type="text/plain")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    try:
        if length > _READ_LIMIT:
            answer = inbox.refuse_unread(RemoteProtocolError(Code.OVERSIZED, "token too large"))
        else:
            body = request.read(_READ_LIMIT + 1)
            if len(body) > _READ_LIMIT:
                answer = inbox.refuse_unread(RemoteProtocolError(Code.OVERSIZED, "token too large"))
            else:
                answer = inbox.receive(body)
    except inbox.Unavailable as err:
        logger.warning("inbox unavailable: %s", err)
        return _unavailable()
    except DatabaseError as err:
        logger.warning("inbox database error %s at %s", type(err).__name__, inbox.where(err))
        return _unavailable()
    except Exception as err:
        logger.error("inbox failure %s at %s", type(err).__name__, inbox.where(err))
        return _unavailable()
    return HttpResponse(answer.receipt.encode("ascii"), status=answer.status, content_type=RECEIPT_CONTENT_TYPE)


@require_safe
def trust_list_view(request: HttpRequest) -> HttpResponse:
    """``GET /trm/1/trust-list``: the signed trust list this node holds (trm/1 §10.4).

    The list is public and signed, so any node may serve it; the authority's own node (or
    any static web server) is the address the other nodes fetch from. Only a list that is
    current under the pinned authority key is served. ``Cache-Control: no-cache`` with an
    ETag lets caches keep it but makes them ask again every time, so a revocation is never
    held back by a cache.
    """
    now = timezone.now()
    try:
        state = TrustListState.objects.filter(id=1).first()
        if state is None or not state.token:
            return _unavailable()
        keys.current_trust_list(now=now)  # verified with the pinned key, not expired
    except keys.NoTrustList:
        return _unavailable()
    except DatabaseError as err:
        logger.warning("trust list database error %s", type(err).__name__)
        return _unavailable()
    etag = '"' + hashlib.sha256(state.token.encode("ascii")).hexdigest()[:32] + '"'
    wanted = {tag.removeprefix("W/") for tag in parse_etags(request.headers.get("If-None-Match", ""))}
    if etag in wanted or "*" in wanted:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(state.token.encode("ascii"), content_type=TRUST_LIST_CONTENT_TYPE)
    response["ETag"] = etag
    response["Cache-Control"] = "public, no-cache"
    if state.imported_at is not None:
        response["Last-Modified"] = http_date(state.imported_at.timestamp())
    return response

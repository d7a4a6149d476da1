"""The node's trm/1 endpoint: bytes in, signed receipt out (the logic is in inbox.py).

``POST /trm/1/inbox`` with ``Content-Type: application/trm1+jwe``. The size is checked
from ``Content-Length`` before the body is read, and the body is read with a bound. The
view never answers 500: a database that is busy or down, missing keys or trust list,
or an unexpected failure answer 503 without a receipt, which the sender retries.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from trm.exchange import inbox, protocol
from trm.exchange.errors import Code, RemoteProtocolError
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

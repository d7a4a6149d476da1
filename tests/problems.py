"""assert_problem(): the API answered this status as an RFC 9457 problem (docs/api.md)."""

from __future__ import annotations

from typing import Any


def assert_problem(response: Any, status: int, *, fields: set[str | None] | None = None) -> dict[str, Any]:
    """The response is a problem with this status; with ``fields``, exactly those fields are at fault."""
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "about:blank"
    assert body["status"] == status
    assert body["title"] and body["detail"]
    if fields is not None:
        assert {e["field"] for e in body["errors"]} == fields, body["errors"]
        assert all(e["message"] and e["code"] for e in body["errors"])
    else:
        assert "errors" not in body or status == 400
    return body


def field_errors(response: Any) -> dict[str | None, list[str]]:
    """The field errors of a 400 problem, as {field: [messages]}."""
    out: dict[str | None, list[str]] = {}
    for error in response.json().get("errors") or []:
        out.setdefault(error["field"], []).append(error["message"])
    return out

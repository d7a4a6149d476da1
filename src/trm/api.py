"""The node's JSON API (django-ninja): each app adds its router here.

Every error is answered here, once, as an RFC 9457 problem (trm.lib.problems, docs/api.md):
routers let a verb's refusal propagate and never build error bodies themselves.

| raised                                         | status | audited as refused |
|------------------------------------------------|--------|--------------------|
| ninja schema ValidationError, malformed body   | 400 (with ``errors``) | no   |
| django ValidationError                         | 400 (with ``errors``) | no   |
| trm.lib.refusals.Conflict                      | 409    | yes                |
| PermissionDenied                               | 403    | yes                |
| Http404                                        | 404    | yes                |
| ninja AuthenticationError (no session)         | 401    | no                 |
| ninja HttpError(status)                        | status | if 403, 404 or 409 |
| RequestDataTooBig (over DATA_UPLOAD_MAX_MEMORY_SIZE) | 413 | no           |
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError
from ninja.security import django_auth

from trm import __version__
from trm.audit import refusals as audit_refusals
from trm.lib import problems
from trm.lib.refusals import Conflict


class TRMApi(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """Describe the problem shape once and let every operation's 4XX answer refer to it."""
        schema = super().get_openapi_schema(**kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        definition = problems.ProblemSchema.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(definition.pop("$defs", {}))
        components["Problem"] = definition
        problem = {
            "description": "A problem (RFC 9457); see docs/api.md for what each status means.",
            "content": {problems.PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for item in schema["paths"].values():
            for operation in item.values():
                operation.setdefault("responses", {}).setdefault("4XX", problem)
        return schema


api = TRMApi(
    title="TRM node API",
    version=__version__,
    description="Case management and referral API of one TRM node. Session authentication "
    "with CSRF; two-factor verification is required for roles that see case data.",
    auth=django_auth,
    urls_namespace="api",
)


def _mount_routers() -> None:
    from trm.cases.api import router as cases_router
    from trm.justice.api import router as justice_router
    from trm.justice.api_compensation import groups_router as justice_groups_router
    from trm.justice.api_compensation import router as justice_compensation_router
    from trm.network.api import router as network_router
    from trm.referrals.api import router as referrals_router
    from trm.transnational.api import router as transnational_router

    api.add_router("/cases/", cases_router)
    api.add_router("/justice/", justice_router)
    api.add_router("/network/", network_router)
    api.add_router("/referrals/", referrals_router)
    api.add_router("/transnational/", transnational_router)
    api.add_router("/justice/compensation/", justice_compensation_router)
    api.add_router("/justice/groups/", justice_groups_router)


_mount_routers()


# ------------------------------------------------------------------------------------------
# Errors: one handler per kind of exception, each answering a problem.


def _refused(request: HttpRequest, status: int, detail: str = "", *, code: str = "") -> HttpResponse:
    """A refusal (403, 404, 409): audited once for a signed-in user, then answered."""
    if request.user.is_authenticated:
        audit_refusals.record_refusal(request, status=status)
    return problems.problem_response(status, detail, code=code)


@api.exception_handler(SchemaError)
def _schema_invalid(request: HttpRequest, exc: SchemaError) -> HttpResponse:
    errors = problems.errors_from_schema(exc.errors)
    return problems.problem_response(400, problems.detail_of(errors), errors=errors)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = problems.errors_from_django(exc)
    return problems.problem_response(400, problems.detail_of(errors), errors=errors)


@api.exception_handler(Conflict)
def _conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
    return _refused(request, 409, " ".join(exc.messages), code=problems.first_code(exc))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _refused(request, 403, str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # One fixed text: whether the object exists or is hidden from this user must not show.
    return _refused(request, 404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problems.problem_response(401, headers={"WWW-Authenticate": 'Session realm="TRM node"'})


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code in audit_refusals.AUDITED_STATUSES:
        return _refused(request, exc.status_code, exc.message)
    return problems.problem_response(exc.status_code, exc.message)


@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return problems.problem_response(413)


class NodeInfo(Schema):
    node_id: str
    country: str
    version: str


class Me(Schema):
    username: str
    organisation: str | None
    roles: list[str]


@api.get("/node", response=NodeInfo, auth=None, tags=["node"])
def node_info(request: HttpRequest) -> dict[str, Any]:
    from django.conf import settings

    return {"node_id": settings.TRM_NODE_ID, "country": settings.TRM_COUNTRY, "version": __version__}


@api.get("/me", response=Me, tags=["node"])
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "username": user.get_username(),
        "organisation": str(user.organisation) if user.organisation else None,  # type: ignore[union-attr]
        "roles": sorted(user.role_names),  # type: ignore[union-attr]
    }

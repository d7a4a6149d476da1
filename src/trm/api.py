"""The node's JSON API (django-ninja): each app adds its router here."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI, Schema
from ninja.security import django_auth

from trm import __version__

api = NinjaAPI(
    title="TRM node API",
    version=__version__,
    description="Case management and referral API of one TRM node. Session authentication "
    "with CSRF; two-factor verification is required for roles that see case data.",
    auth=django_auth,
    urls_namespace="api",
)


def _mount_routers() -> None:
    from trm.cases.api import router as cases_router
    from trm.network.api import router as network_router
    from trm.referrals.api import router as referrals_router
    from trm.transnational.api import router as transnational_router

    api.add_router("/cases/", cases_router)
    api.add_router("/network/", network_router)
    api.add_router("/referrals/", referrals_router)
    api.add_router("/transnational/", transnational_router)


_mount_routers()


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

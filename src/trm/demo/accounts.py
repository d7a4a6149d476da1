"""Demo accounts: one per role, with a fixed password and TOTP keys derived from the user name.

Used only when TRM_MODE=demo (the login page lists them, see demo.login) and by the test suite.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django_otp.oath import totp

from trm.accounts.roles import Role

DEMO_PASSWORD = "demo-Synthetic-2026"  # noqa: S105 - synthetic demo data only  # nosec B105


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    org_key: str
    first_name: str = ""
    last_name: str = ""


# org_key refers to demo.synthetic.ORGANISATIONS.
ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("responder", Role.FIRST_RESPONDER, "police"),
    DemoAccount("outreach", Role.FIRST_RESPONDER, "ngo_outreach"),
    DemoAccount("authority", Role.COMPETENT_AUTHORITY, "authority"),
    DemoAccount("focal", Role.FOCAL_POINT, "coordinator"),
    DemoAccount("shelter", Role.PROVIDER, "ngo_shelter"),
    DemoAccount("legalaid", Role.PROVIDER, "legal_aid"),
    DemoAccount("guardian", Role.GUARDIAN, "social_services"),
    DemoAccount("prosecutor", Role.LAW_ENFORCEMENT, "prosecution"),
    DemoAccount("rapporteur", Role.RAPPORTEUR, "rapporteur"),
    DemoAccount("dpo", Role.DPO, "coordinator"),
    DemoAccount("admin", Role.NODE_ADMIN, "coordinator"),
    DemoAccount("secretariat", Role.SECRETARIAT, "coordinator"),
)


def totp_key(username: str) -> str:
    """Hex TOTP key for a demo account on this node (deterministic, so codes survive restarts)."""
    from django.conf import settings

    return hashlib.sha256(f"trm-demo-totp:{settings.TRM_NODE_ID}:{username}".encode()).hexdigest()[:40]


def current_code(username: str) -> str:
    return f"{totp(bytes.fromhex(totp_key(username))):06d}"


def demo_accounts() -> list[dict[str, Any]]:
    from trm.accounts.models import User

    names = [a.username for a in ACCOUNTS]
    users = {u.username: u for u in User.objects.filter(username__in=names).select_related("organisation")}
    out = []
    for account in ACCOUNTS:
        user = users.get(account.username)
        if user is None:
            continue
        out.append(
            {
                "username": account.username,
                "role": account.role.label,
                "organisation": user.organisation.name if user.organisation else "",
                "code": current_code(account.username),
            }
        )
    return out

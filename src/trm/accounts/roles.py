"""Roles and what each may do, as data.

Each role is a Django group named by its value; each capability is a permission
``accounts.<capability>``. ``sync_groups`` makes the database follow this table (it runs
after every migrate). Object-level rules (which case a role may open) live in each
app's access.py; this table only says which kinds of action a role may take.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    FIRST_RESPONDER = "first_responder", _("First responder")
    COMPETENT_AUTHORITY = "competent_authority", _("Competent authority")
    FOCAL_POINT = "focal_point", _("NRM focal point / national coordinator's office")
    PROVIDER = "provider_case_manager", _("Service provider case manager")
    GUARDIAN = "guardian", _("Guardian")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement / prosecutor")
    RAPPORTEUR = "national_rapporteur", _("National rapporteur")
    DPO = "data_protection_officer", _("Data protection officer")
    NODE_ADMIN = "node_admin", _("Node administrator")
    SECRETARIAT = "network_secretariat", _("Network secretariat")


class Cap(models.TextChoices):
    SEE_CASE_DATA = "see_case_data", _("See personal data of cases")
    CREATE_CASE = "create_case", _("Record detections and screenings")
    VIEW_ORG_CASES = "view_org_cases", _("See the cases of one's organisation")
    VIEW_ALL_CASES = "view_all_cases", _("See all cases of the node")
    DECIDE_IDENTIFICATION = "decide_identification", _("Take identification decisions")
    ROUTE_CASES = "route_cases", _("Route cases and oversee deadlines")
    SEND_TRANSNATIONAL = "send_transnational", _("Send and receive transnational referrals")
    REFER_NATIONALLY = "refer_nationally", _("Refer cases to service providers")
    HANDLE_REFERRALS = "handle_referrals", _("Accept referrals and run support plans")
    MAINTAIN_DIRECTORY = "maintain_directory", _("Maintain the directory of service providers")
    REPRESENT_CHILD = "represent_child", _("Represent a child as guardian")
    CRIMINAL_TRACK = "criminal_track", _("Work on the criminal-justice track")
    VIEW_STATISTICS = "view_statistics", _("See aggregate statistics")
    VIEW_AUDIT_LOG = "view_audit_log", _("Read the audit log")
    MANAGE_USERS = "manage_users", _("Manage users and organisations")
    MANAGE_KEYS = "manage_keys", _("Manage node keys and peers")
    MANAGE_NETWORK = "manage_network", _("Manage the network directory and meetings")


C = Cap
CAPABILITIES: dict[Role, frozenset[Cap]] = {
    Role.FIRST_RESPONDER: frozenset({C.SEE_CASE_DATA, C.CREATE_CASE}),
    Role.COMPETENT_AUTHORITY: frozenset({C.SEE_CASE_DATA, C.DECIDE_IDENTIFICATION, C.VIEW_ORG_CASES}),
    Role.FOCAL_POINT: frozenset(
        {
            C.SEE_CASE_DATA,
            C.CREATE_CASE,
            C.VIEW_ALL_CASES,
            C.ROUTE_CASES,
            C.SEND_TRANSNATIONAL,
            C.REFER_NATIONALLY,
            C.MAINTAIN_DIRECTORY,
            C.VIEW_STATISTICS,
        }
    ),
    Role.PROVIDER: frozenset({C.SEE_CASE_DATA, C.HANDLE_REFERRALS}),
    Role.GUARDIAN: frozenset({C.SEE_CASE_DATA, C.REPRESENT_CHILD}),
    Role.LAW_ENFORCEMENT: frozenset({C.SEE_CASE_DATA, C.CREATE_CASE, C.CRIMINAL_TRACK}),
    Role.RAPPORTEUR: frozenset({C.VIEW_STATISTICS}),
    Role.DPO: frozenset({C.VIEW_AUDIT_LOG}),
    Role.NODE_ADMIN: frozenset({C.MANAGE_USERS, C.MANAGE_KEYS}),
    Role.SECRETARIAT: frozenset({C.MANAGE_NETWORK, C.VIEW_STATISTICS}),
}

# Roles that must log in with a second factor: all that see case data, the audit log,
# or hold the keys to the node. Only aggregate-only roles may be exempt.
TWO_FACTOR_CAPABILITIES = frozenset({C.SEE_CASE_DATA, C.VIEW_AUDIT_LOG, C.MANAGE_USERS, C.MANAGE_KEYS})

# Django model permissions the node administrator needs in the admin site.
ADMIN_MODEL_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.NODE_ADMIN: (
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_user",
        "accounts.add_organisation",
        "accounts.change_organisation",
        "accounts.view_organisation",
        "auth.view_group",
        # Devices are listed read-only; a lost one is replaced through a one-time link.
        "otp_totp.view_totpdevice",
    ),
}


def requires_two_factor(roles: set[str]) -> bool:
    return any(CAPABILITIES[Role(r)] & TWO_FACTOR_CAPABILITIES for r in roles if r in Role.values)


def capabilities_of(roles: set[str]) -> frozenset[Cap]:
    caps: set[Cap] = set()
    for r in roles:
        if r in Role.values:
            caps |= CAPABILITIES[Role(r)]
    return frozenset(caps)


def sync_groups(using: str = "default") -> None:
    """Create or update one group per role with exactly the permissions of the table."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    from trm.accounts.models import User

    ct = ContentType.objects.db_manager(using).get_for_model(User)
    perms = {}
    for cap in Cap:
        perm, _created = Permission.objects.using(using).get_or_create(
            codename=cap.value, content_type=ct, defaults={"name": str(cap.label)[:255]}
        )
        perms[cap] = perm
    for role in Role:
        group, _created = Group.objects.using(using).get_or_create(name=role.value)
        wanted = [perms[c] for c in CAPABILITIES[role]]
        for dotted in ADMIN_MODEL_PERMISSIONS.get(role, ()):
            app_label, codename = dotted.split(".")
            found = Permission.objects.using(using).filter(content_type__app_label=app_label, codename=codename).first()
            if found is not None:
                wanted.append(found)
        group.permissions.set(wanted)

"""Builders for referral tests: state is made through the verb functions (synthetic data only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.cases.builders import authority, detect, referred
from tests.factories import make_org, make_user
from trm.accounts.roles import Role
from trm.cases import casework, children, consent, identification
from trm.cases.models import Case
from trm.referrals import directory, routing
from trm.referrals.models import Provider, Referral
from trm.vocab.htcds import OrganisationType


def add_provider(org: Any, *, by: Any, **overrides: Any) -> Provider:
    data: dict[str, Any] = {
        "services": ["shelter", "psychological"],
        "regions": ["Capital region"],
        "languages": ["ro", "en"],
        "accepts_women": True,
        "accepts_men": True,
        "accepts_children": False,
        "capacity": 10,
        "free_places": 3,
        "contact_name": "Intake desk",
        "contact_email": "intake@shelter.example.org",
        "mou_reference": "MoU-2025-007",
        "mou_valid_from": dt.date(2025, 1, 1),
        "mou_valid_until": dt.date(2099, 12, 31),
    }
    data.update(overrides)
    return directory.add_provider(organisation=org, by=by, **data)


class World:
    """One persona per role for referrals, with a comment on what each may see."""

    def __init__(self) -> None:
        self.outreach = make_org(name="Outreach NGO")
        self.authority = authority()
        self.coordinator = make_org(name="Coordinator Office", type=OrganisationType.CENTRAL_GOVERNMENT)
        self.shelter_org = make_org(name="Safe House NGO")
        self.other_org = make_org(name="Legal Aid NGO", type=OrganisationType.LEGAL)
        # Detects; sees the case until it goes to the competent authority.
        self.responder = make_user(Role.FIRST_RESPONDER, org=self.outreach)
        # The state case worker: the competent authority the case is routed to; may refer it.
        self.ca = make_user(Role.COMPETENT_AUTHORITY, org=self.authority)
        # Focal point: sees and may refer every case; maintains the directory.
        self.focal = make_user(Role.FOCAL_POINT, org=self.coordinator)
        # The shelter's case manager: only referrals to the shelter, only shared fields.
        self.shelter = make_user(Role.PROVIDER, org=self.shelter_org, email="worker@shelter.example.org")
        # A case manager at another provider: gets 404s for the shelter's referrals.
        self.other_provider = make_user(Role.PROVIDER, org=self.other_org)
        # No case content.
        self.admin = make_user(Role.NODE_ADMIN, org=self.coordinator)
        self.dpo = make_user(Role.DPO, org=self.coordinator)
        self.rapporteur = make_user(Role.RAPPORTEUR, org=self.coordinator)
        self.guardian = make_user(Role.GUARDIAN, org=self.coordinator)
        self.police = make_user(Role.LAW_ENFORCEMENT, org=self.coordinator)
        self.shelter_provider = add_provider(self.shelter_org, by=self.focal)
        self.legal_provider = add_provider(
            self.other_org, by=self.focal, services=["legal"], capacity=None, free_places=None
        )

    def presumed_victim(self, **overrides: Any) -> Case:
        """A case detected, referred to the competent authority and found a presumed victim."""
        case = detect(self.responder, gender="Feminine", **overrides)
        case = referred(case, self.responder, self.authority)
        identification.decide(case, event=identification.RG_POSITIVE, by=self.ca, reasons="Indicators")
        case.refresh_from_db()
        casework.record_risk_assessment(case, by=self.ca, level="high", assessed_on=case.detected_on)
        return case

    def consent_for(self, case: Case, *, recipients: list[Any] | None = None, scope: tuple[str, ...] = ()) -> Any:
        return consent.give(
            case,
            purpose="assistance",
            language="ro",
            by=self.ca,
            recipients=recipients if recipients is not None else [self.shelter_org],
            scope=scope,
        )

    def refer(self, case: Case | None = None, **overrides: Any) -> Referral:
        if case is None:
            case = self.presumed_victim()
            self.consent_for(case)
        data: dict[str, Any] = {
            "to": self.shelter_provider,
            "service": "shelter",
            "field_set": "shelter",
            "by": self.ca,
            "needs": "Needs a quiet room; speaks little English.",
        }
        data.update(overrides)
        return routing.refer(case, **data)

    def child_case(self) -> Case:
        case = detect(self.responder, date_of_birth=dt.date.today().replace(year=dt.date.today().year - 15))
        case = referred(case, self.responder, self.authority)
        return case

    def best_interests(self, case: Case) -> Any:
        return children.record_best_interests(case, by=self.ca, kind="assessment", decided_on=case.detected_on)

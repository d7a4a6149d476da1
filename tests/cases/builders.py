"""Builders for case tests: state is made through the verb functions (synthetic data only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from tests.factories import make_org, make_user
from trm.accounts.roles import Role
from trm.cases import casework, consent, identification
from trm.cases.models import Case, IdentificationState
from trm.vocab.htcds import OrganisationType


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def detect(by: Any, **overrides: Any) -> Case:
    data: dict[str, Any] = {
        "detected_on": days_ago(3),
        "detection_country": "SE",
        "given_name": "Ana",
        "family_name": "Testova",
        "date_of_birth": dt.date(1995, 4, 2),
        "citizenships": ["MD"],
        "languages": ["ro"],
        "detection_place": "Bus station",
    }
    data.update(overrides)
    return casework.record_detection(by=by, **data)


PRESUMED_HITS = [
    "dr.deceived_nature_of_job",
    "dr.deceived_conditions_of_work",
    "ec.excessive_hours",
    "ec.bad_living_conditions",
    "cd.confiscation_of_documents",
    "cd.debt_bondage",
]


def screened(case: Case, by: Any, hits: list[str] | None = None) -> Case:
    """Screen the case with the adults' (or children's) labour list."""
    from trm.cases import screening

    set_key = "delphi-children-labour" if case.is_child else "delphi-adults-labour"
    screening.record_screening(case, set_key=set_key, hits=hits or [], by=by)
    case.refresh_from_db()
    return case


def authority(name: str = "Identification Commission") -> Any:
    return make_org(name=name, type=OrganisationType.CENTRAL_GOVERNMENT)


def referred(case: Case, by: Any, to: Any) -> Case:
    if case.state == IdentificationState.DETECTED:
        screened(case, by)
    if not case.is_child:
        consent.give(case, purpose="identification", language="ro", by=by, recipients=[to])
    identification.refer(case, to=to, by=by)
    case.refresh_from_db()
    return case


class World:
    """One persona per role, with a comment on what each may see."""

    def __init__(self) -> None:
        self.ngo = make_org(name="Outreach NGO")
        self.other_ngo = make_org(name="Other NGO")
        self.authority = authority()
        self.other_authority = authority("Other Commission")
        self.coordinator = make_org(name="Coordinator Office", type=OrganisationType.CENTRAL_GOVERNMENT)
        # Records detections; sees them until referred.
        self.responder = make_user(Role.FIRST_RESPONDER, org=self.ngo)
        # Another first responder: never sees the first one's cases.
        self.other_responder = make_user(Role.FIRST_RESPONDER, org=self.ngo)
        # Competent authority: cases routed to its organisation.
        self.ca = make_user(Role.COMPETENT_AUTHORITY, org=self.authority)
        # Competent authority elsewhere: gets 404s.
        self.other_ca = make_user(Role.COMPETENT_AUTHORITY, org=self.other_authority)
        # Focal point: every case of the node.
        self.focal = make_user(Role.FOCAL_POINT, org=self.coordinator)
        # Guardian: only the child cases they are appointed to.
        self.guardian = make_user(Role.GUARDIAN, org=self.other_ngo)
        # Service provider: cases reach them through referrals (not yet): nothing here.
        self.provider = make_user(Role.PROVIDER, org=self.other_ngo)
        # No case content at all.
        self.dpo = make_user(Role.DPO, org=self.coordinator)
        self.rapporteur = make_user(Role.RAPPORTEUR, org=self.coordinator)
        self.admin = make_user(Role.NODE_ADMIN, org=self.coordinator)
        self.secretariat = make_user(Role.SECRETARIAT, org=self.coordinator)
        self.police = make_user(Role.LAW_ENFORCEMENT, org=self.other_ngo)

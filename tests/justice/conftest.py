from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.cases.builders import World, detect
from tests.factories import make_org, make_user
from tests.transnational.conftest import two  # noqa: F401 - the two-node fixture, shared
from trm.accounts.roles import Role
from trm.cases import casework
from trm.justice import proceedings
from trm.vocab.htcds import OrganisationType


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


class Justice(World):
    """The cases' personas, plus the criminal track of two offices.

    - ``police``: law enforcement in the investigating office; reads the content of the
      office's proceedings, and sees the cases it recorded itself until referred.
    - ``prosecutor``: law enforcement / prosecution in the same office: reads the same.
    - ``other_police``: law enforcement in another office: gets 404s for them.
    - ``focal``, ``ca``, ``responder``: caseworkers: see that proceedings exist, their stage
      and next hearing on the cases they see, never their content.
    """

    def __init__(self) -> None:
        super().__init__()
        self.office = make_org(name="Investigation Unit", type=OrganisationType.LAW_ENFORCEMENT)
        self.other_office = make_org(name="Other Police", type=OrganisationType.LAW_ENFORCEMENT)
        self.police = make_user(Role.LAW_ENFORCEMENT, org=self.office)
        self.prosecutor = make_user(Role.LAW_ENFORCEMENT, org=self.office)
        self.other_police = make_user(Role.LAW_ENFORCEMENT, org=self.other_office)

    def case(self, **overrides: Any) -> Any:
        """A case of the focal point, with support data (a health risk and a support plan)."""
        case = detect(self.focal, **overrides)
        casework.record_risk_assessment(case, by=self.focal, level="high", assessed_on=days_ago(1), risks=["health"])
        casework.record_support_plan(case, by=self.focal, type="Health", starts_on=days_ago(1), goals="Trauma therapy")
        return case

    def proceeding(self, case: Any = None, **overrides: Any) -> Any:
        """Proceedings held by ``office``, opened by the focal point on a case it manages."""
        case = case or self.case()
        return proceedings.open_proceeding(
            case,
            by=self.focal,
            person_role=overrides.pop("person_role", "injured_party"),
            opened_on=overrides.pop("opened_on", days_ago(30)),
            organisation=self.office,
        )


@pytest.fixture
def j(db):
    return Justice()


@pytest.fixture
def world(db):
    return World()

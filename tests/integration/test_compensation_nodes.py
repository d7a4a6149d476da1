"""A cross-border compensation claim and a group reference between two real nodes (trm/1 §5.27–5.29).

Sweden (where the crime happened) refers a person to Romania (where she lives); Romania
accepts, then passes her compensation claim to Sweden as the assisting authority
(Directive 2004/80/EC). Sweden's node records it against its own case, Sweden's focal point
awards it and records a partial payment, and Romania's node shows the award, the payment
and the unpaid gap. Sweden also shares the reference of the employer's group, and Romania's
case joins a group with the same reference. Each node is its own gunicorn process and
exchange worker with its own database and keys; every wait is bounded.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.localnet import LocalNet

pytestmark = pytest.mark.integration

SWEDEN, ROMANIA = "se-nrm", "ro-nrm"

SETUP = """
import json
from django.contrib.auth.models import Group
from trm.accounts.models import Organisation, User
org = Organisation.objects.create(name="Coordinator's office", type="CentralGovernment", country="{country}")
user = User.objects.create_user("focal", password="x-synthetic-password-42", organisation=org)
user.groups.add(Group.objects.get(name="focal_point"))
"""
FOCAL = "from trm.accounts.models import User; focal = User.objects.get(username='focal')\n"

REFER = (
    FOCAL
    + """
import datetime as dt, json
from django.utils import timezone
from trm.cases import casework, consent
from trm.transnational import workflows
from trm.justice import group_cases
case = casework.record_detection(by=focal, detected_on=timezone.localdate() - dt.timedelta(days=30),
    detection_country="SE", given_name="Ana", family_name="Testova", date_of_birth=dt.date(1995, 4, 2),
    citizenships=["RO"], languages=["ro"], detection_place="Farm")
consent.give(case, purpose="transnational_referral", language="ro", by=focal)
link = workflows.send_referral(case, by=focal, to_node="ro-nrm", services=["shelter"])
group = group_cases.record_group(by=focal, kind="employer", sector="agriculture", name="Synthetic Farms",
    country="SE", wages_owed="48000", currency="SEK")
group_cases.link_case(group, case, by=focal)
print(json.dumps({"conversation": str(link.conversation), "case": case.reference, "group": group.shared_ref}))
"""
)
LINK_STATUS = """
import json
from trm.transnational.models import Link
link = Link.objects.filter(conversation="{conversation}").first()
print(json.dumps(link.status if link else None))
"""
ACCEPT_AND_CLAIM = (
    FOCAL
    + """
import json
from trm.transnational import workflows
from trm.transnational.models import Link
from trm.justice import compensation, compensation_abroad
link = workflows.accept(Link.objects.get(conversation="{conversation}"), by=focal)
claim = compensation.open_claim(link.case, kind="cross_border", currency_code="EUR", amount_claimed="12500.00",
    authority="Crime Victims Compensation Authority", by=focal)
compensation_abroad.send_claim(claim, link=link, by=focal)
print(json.dumps({"claim": claim.reference, "case": link.case.reference}))
"""
)
RECEIVED_CLAIM = """
import json
from trm.justice.models import Claim
c = Claim.objects.filter(remote_ref="{claim}").select_related("case").first()
print(json.dumps(c and {"reference": c.reference, "case": c.case.reference, "status": c.status,
    "amount": str(c.amount_claimed), "role": c.abroad_role}))
"""
DECIDE_AND_PAY = (
    FOCAL
    + """
import datetime as dt, json
from django.utils import timezone
from trm.justice import compensation, group_cases
from trm.justice.models import Claim, Group
claim = Claim.objects.get(reference="{reference}")
today = timezone.localdate()
compensation.decide(claim, awarded=True, decided_on=today, amount_awarded="8000.00", by=focal)
compensation.record_payment(claim, amount_paid="3000.00", paid_on=today, by=focal)
group_cases.share(Group.objects.get(), link=claim.link, by=focal)
print(json.dumps("ok"))
"""
)
MIRRORED = """
import json
from trm.justice.models import Claim, Group
c = Claim.objects.get(reference="{claim}")
groups = [(g.shared_ref, g.shared_by, [m.case.reference for m in g.members.all()]) for g in Group.objects.all()]
print(json.dumps({"status": c.status, "awarded": str(c.amount_awarded), "paid": str(c.amount_paid),
    "unpaid": str(c.unpaid), "remote": c.remote_ref, "groups": groups, "name": [g.name for g in Group.objects.all()]}))
"""


def fill(code: str, **values: str) -> str:
    """The snippet with ``{name}`` replaced (the snippets' own braces stay as they are)."""
    for name, value in values.items():
        code = code.replace("{" + name + "}", value)
    return code


def wait(what: str, check: Callable[[], Any], timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def two_nodes(tmp_path) -> Iterator[LocalNet]:
    net = LocalNet(tmp_path, {SWEDEN: "SE", ROMANIA: "RO"})
    try:
        net.prepare()
        for node, country in ((SWEDEN, "SE"), (ROMANIA, "RO")):
            net.trm(node, "shell", "--no-imports", "-c", fill(SETUP, country=country))
            net.start(node, workers=1)
            net.start_worker(node, "--retry-base", "0.2", "--retry-cap", "1")
        yield net
    finally:
        net.close()


def test_a_cross_border_claim_is_decided_and_paid_in_part_across_two_nodes(two_nodes: LocalNet) -> None:
    net = two_nodes
    sent = net.python(SWEDEN, REFER)
    conversation = sent["conversation"]
    wait("the offer", lambda: net.python(ROMANIA, fill(LINK_STATUS, conversation=conversation)) == "offered")

    claimed = net.python(ROMANIA, fill(ACCEPT_AND_CLAIM, conversation=conversation))
    received = wait("the claim", lambda: net.python(SWEDEN, fill(RECEIVED_CLAIM, claim=claimed["claim"])))
    # Sweden recorded it against its own case, the one it referred: filed, as the deciding authority.
    assert received["case"] == sent["case"]
    assert (received["status"], received["amount"], received["role"]) == ("filed", "12500.00", "deciding")

    assert net.python(SWEDEN, fill(DECIDE_AND_PAY, reference=received["reference"])) == "ok"

    def mirrored() -> Any:
        state = net.python(ROMANIA, fill(MIRRORED, claim=claimed["claim"]))
        return state if state["status"] == "paid_in_part" and state["groups"] else None

    state = wait("the decision, the payment and the group reference", mirrored)
    assert (state["awarded"], state["paid"], state["unpaid"]) == ("8000.00", "3000.00", "5000.00")
    assert state["remote"] == received["reference"]
    # Romania's case joined a group with Sweden's reference; nothing else about the group travelled.
    assert state["groups"] == [[sent["group"], SWEDEN, [claimed["case"]]]]
    assert state["name"] == [""]
    assert json.dumps(state).count("Synthetic Farms") == 0

"""Two real nodes on 127.0.0.1: Sweden refers a person home to Bulgaria, Bulgaria accepts, and the
outcome of the criminal proceedings in Sweden reaches Bulgaria over trm/1 (``proceeding_outcome``).

Each node is its own web server and exchange worker with its own database and keys. Every
wait is bounded; every process is killed at the end.
"""

from __future__ import annotations

import time

import pytest

from tests.localnet import LocalNet

pytestmark = pytest.mark.integration

SE, BG = "se-nrm", "bg-nrm"

REFER = """
import datetime as dt, json
from django.utils import timezone
from tests.factories import make_org, make_user
from trm.accounts.roles import Role
from trm.cases import casework, consent
from trm.transnational import workflows
from trm.vocab.htcds import OrganisationType
focal = make_user(Role.FOCAL_POINT, org=make_org(name="Coordinator SE"), username="focal-se")
police = make_org(name="Police SE", type=OrganisationType.LAW_ENFORCEMENT)
make_user(Role.LAW_ENFORCEMENT, org=police, username="police-se")
case = casework.record_detection(by=focal, detected_on=timezone.localdate() - dt.timedelta(days=40),
    detection_country="SE", given_name="Ana", family_name="Synthetica", citizenships=["BG"], languages=["bg"])
consent.give(case, purpose="transnational_referral", language="bg", by=focal)
link = workflows.send_referral(case, by=focal, to_node="bg-nrm", services=["shelter"], purpose="return")
print(json.dumps({"conversation": str(link.conversation), "case": case.reference}))
"""

ACCEPT = """
import json
from tests.factories import make_org, make_user
from trm.accounts.roles import Role
from trm.transnational import workflows
from trm.transnational.models import Link
focal = make_user(Role.FOCAL_POINT, org=make_org(name="Coordinator BG"), username="focal-bg")
link = workflows.accept(Link.objects.get(conversation="{conversation}"), by=focal)
print(json.dumps({"status": link.status, "case": link.case.reference}))
"""

OUTCOME = """
import datetime as dt, json
from django.utils import timezone
from trm.accounts.models import User
from trm.cases.models import Case
from trm.justice import notices, proceedings
police = User.objects.get(username="police-se")
focal = User.objects.get(username="focal-se")
case = Case.objects.get(reference="{case}")
today = timezone.localdate()
p = proceedings.open_proceeding(case, by=focal, person_role="injured_party", opened_on=today - dt.timedelta(days=30),
    organisation=police.organisation)
proceedings.record_content(p, by=police, file_reference="K-2026-114", evidence="Synthetic statement")
proceedings.advance(p, by=police, event="charge", on=today - dt.timedelta(days=20))
proceedings.advance(p, by=police, event="open_trial", on=today - dt.timedelta(days=10))
proceedings.advance(p, by=police, event="judge", on=today - dt.timedelta(days=1), outcome="convicted")
notice = notices.notify(p, by=police, channel="trm")
print(json.dumps({"reference": p.reference, "country": notice.country}))
"""

RECEIVED = """
import json
from trm.exchange.models import InboxMessage
from trm.transnational import rendering
row = InboxMessage.objects.get(type="proceeding_outcome")
body = row.envelope["body"]
labels = [r.value for s in rendering.render(row.type, body) for r in s.rows]
print(json.dumps({"status": row.status, "conversation": str(row.conversation), "body": body, "labels": labels}))
"""


def wait_for(what: str, check, timeout: float) -> None:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    network = LocalNet(tmp_path_factory.mktemp("justice"), {SE: "SE", BG: "BG"})
    try:
        network.prepare()
        for node in (SE, BG):
            network.start(node, workers=1)
            network.start_worker(node)
        yield network
    finally:
        network.close()


def test_the_outcome_reaches_the_node_of_her_country_after_she_went_home(net: LocalNet) -> None:
    sent = net.python(SE, REFER)
    conversation = sent["conversation"]
    wait_for("the referral at BG", lambda: net.sql(BG, "SELECT COUNT(*) FROM transnational_link") == [(1,)], 60)
    accepted = net.python(BG, ACCEPT.replace("{conversation}", conversation))
    assert accepted["status"] == "accepted"
    wait_for(
        "the acceptance at SE",
        lambda: ("accepted",) in net.sql(SE, "SELECT status FROM transnational_link"),
        60,
    )
    told = net.python(SE, OUTCOME.replace("{case}", sent["case"]))
    assert told["country"] == "BG"
    wait_for(
        "the outcome at BG",
        lambda: (
            ("processed",) in net.sql(BG, "SELECT status FROM exchange_inboxmessage WHERE type = 'proceeding_outcome'")
        ),
        60,
    )
    received = net.python(BG, RECEIVED)
    assert received["status"] == "processed" and received["conversation"] == conversation
    body = received["body"]
    assert body["case_ref"] == sent["case"] and body["proceeding_ref"] == told["reference"]
    assert (body["stage"], body["outcome"], body["testimony_expected"]) == ("judgment", "convicted", False)
    assert "K-2026-114" not in str(body) and "Synthetic statement" not in str(body)
    assert "Conviction" in received["labels"] and "Judgment" in received["labels"]
    # The sender holds the signed receipt of its delivery.
    assert ("delivered",) in net.sql(SE, "SELECT status FROM exchange_outboxmessage WHERE type = 'proceeding_outcome'")

"""Three real nodes along a route (SE, BG, RO): a route alert reaches two nodes and each acknowledges;
a child's guardian and best-interests records are handed over from one node to the next.

Each node is its own server and exchange worker with its own database and keys, on 127.0.0.1;
the actions are the verbs the pages call, run in each node's Django (``LocalNet.python``).
Every wait is bounded; every process is killed at the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.localnet import LocalNet

pytestmark = pytest.mark.integration

SE, BG, RO = "se-nrm", "bg-nrm", "ro-nrm"

FOCAL = (
    "from tests.factories import make_org, make_user; from trm.accounts.models import User; "
    "from trm.accounts.roles import Role; "
    "focal = User.objects.filter(username='focal').first() or "
    "make_user(Role.FOCAL_POINT, org=make_org(name='Coordinator office'), username='focal'); "
)
CHILD = (
    "import datetime as dt; from django.utils import timezone; from tests.cases.builders import detect; "
    "from trm.cases import casework, children, guardians; today = timezone.localdate(); "
    "case = detect(focal, date_of_birth=today.replace(year=today.year - 15), citizenships=['MD'], "
    "detection_country='SE'); "
    "casework.add_event(case, by=focal, type='Transit', country='BG'); "
    "children.record_best_interests(case, by=focal, kind='determination', decided_on=today, "
    "durable_solution='third_country', child_views_heard=True); "
    "guardians.appoint(case, by=focal, name='Synthetic Guardian', organisation='Centre for Social Work SE', "
    "decision_ref='CSW-SE-1', appointed_on=case.detected_on); case.refresh_from_db(); "
)


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNet]:
    network = LocalNet(tmp_path_factory.mktemp("route"), {SE: "SE", BG: "BG", RO: "RO"})
    try:
        network.prepare()
        for node in (SE, BG, RO):
            network.start(node, workers=1)
            network.start_worker(node)
        yield network
    finally:
        network.close()


def wait(what: str, probe: Callable[[], Any], *, within: float = 90) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"not within {within:.0f} s: {what}")


def status(net: LocalNet, node: str, conversation: str) -> Any:
    """The state of the conversation's link at ``node`` (None before its first message arrived)."""
    return net.python(
        node,
        "import json; from trm.transnational.models import Link; "
        f"link = Link.objects.filter(conversation='{conversation}').first(); "
        "print(json.dumps(link and link.status))",
    )


def test_a_route_alert_reaches_two_nodes_each_acknowledges_and_the_sender_sees_it(net: LocalNet) -> None:
    sent = net.python(
        SE,
        FOCAL + CHILD + "import json; from trm.transnational import alerts; "
        "alert = alerts.send(case, by=focal, alert_kind='missing_child', countries=['RO'], "
        "contact_point='Duty officer SE', description='Left the reception centre at night.'); "
        "print(json.dumps({'alert': str(alert.alert_id), "
        "'to': sorted([r.node, r.on_route] for r in alert.recipients.all())}))",
    )
    assert sent["to"] == [[BG, True], [RO, False]]
    alert_id = sent["alert"]
    for node in (BG, RO):
        wait(
            f"the alert at {node}",
            lambda node=node: net.sql(node, "SELECT COUNT(*) FROM transnational_alertrecipient")[0][0] == 1,
        )
        done = net.python(
            node,
            FOCAL + "import json; from trm.transnational import alerts; "
            "from trm.transnational.models import AlertRecipient; "
            "r = AlertRecipient.objects.select_related('link', 'alert').get(); "
            "assert r.link.urgent and r.link.peer == 'se-nrm'; "
            "r = alerts.acknowledge(r.link, by=focal, action='alert_circulated'); "
            "print(json.dumps([str(r.alert.alert_id), r.acknowledged_by.username]))",
        )
        assert done == [alert_id, "focal"]

    def acknowledged() -> Any:
        rows = net.python(
            SE,
            "import json; from trm.transnational import alerts; from trm.transnational.models import RouteAlert; "
            f"a = RouteAlert.objects.get(alert_id='{alert_id}', direction='outgoing'); "
            "print(json.dumps(sorted([r.recipient.node, r.progress, r.recipient.action] for r in alerts.rows(a))))",
        )
        return rows if all(r[1] == "acknowledged" for r in rows) else None

    rows = wait("both acknowledgements at the sender", acknowledged)
    assert rows == [[BG, "acknowledged", "alert_circulated"], [RO, "acknowledged", "alert_circulated"]]


def test_the_guardian_and_best_interests_records_are_handed_over_to_the_next_country(net: LocalNet) -> None:
    conversation = net.python(
        SE,
        FOCAL + CHILD + "import json; from trm.transnational import workflows; "
        "link = workflows.send_referral(case, by=focal, to_node='bg-nrm', services=['shelter']); "
        "print(json.dumps(str(link.conversation)))",
    )
    wait("the offer at bg", lambda: status(net, BG, conversation) == "offered")
    accepted = net.python(
        BG,
        FOCAL + "import json; from trm.transnational import workflows; from trm.transnational.models import Link; "
        f"link = workflows.accept(Link.objects.get(conversation='{conversation}'), by=focal); "
        "print(json.dumps(link.case.reference))",
    )
    wait("the acceptance at se", lambda: status(net, SE, conversation) == "accepted")
    net.python(
        SE,
        FOCAL + "import json; from trm.transnational import workflows; from trm.transnational.models import Link; "
        f"workflows.send(Link.objects.get(conversation='{conversation}'), kind='guardian_handover', data={{}}, "
        "by=focal); print(json.dumps(True))",
    )
    record = wait(
        "the guardian at bg",
        lambda: net.python(
            BG,
            "import json; from trm.cases.models import BestInterests, GuardianAppointment; "
            f"g = GuardianAppointment.objects.filter(case__reference='{accepted}').select_related('person').first(); "
            f"b = BestInterests.objects.filter(case__reference='{accepted}').first(); "
            "print(json.dumps(g and b and [g.person.name, g.decision_ref, g.origin_country, g.origin_node, "
            "b.kind, b.durable_solution, b.origin_country]))",
        ),
    )
    assert record == [
        "Synthetic Guardian",
        "CSW-SE-1",
        "SE",
        SE,
        "determination",
        "third_country",
        "SE",
    ]

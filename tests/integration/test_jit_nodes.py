"""Three real nodes of one joint investigation team: items cross over trm/1 and their handling codes hold.

Sweden shares two items with Bulgaria, one under H2 and one under H0. Bulgaria's node
refuses to pass the H2 item on; it passes the H0 item on to Romania, which receives it with
Sweden as its origin, Bulgaria as the party that passed it on, and the same codes. Each
node is its own server and exchange worker with its own database; every wait is bounded.
"""

from __future__ import annotations

import time

import pytest

from tests.localnet import LocalNet

pytestmark = pytest.mark.integration

NODES = {"se-nrm": "SE", "bg-nrm": "BG", "ro-nrm": "RO"}
REF = "JIT-TEST-0001"

SET_UP = """
import json, datetime as dt
from django.conf import settings
from django.contrib.auth.models import Group
from trm.accounts.models import Organisation, User
from trm.justice import teams
org = Organisation.objects.create(name="Prosecution (synthetic)")
user = User.objects.create_user("prosecutor", password="x-Synthetic-2026", organisation=org)
user.groups.add(Group.objects.get(name="law_enforcement"))
team = teams.join_team(user, operation_ref="{ref}", agreement_ref="JIT 2026/1", purpose="Synthetic",
                       starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2027, 12, 31))
for node, country in {nodes!r}.items():
    if country != settings.TRM_COUNTRY:
        teams.add_party(user, team, country=country, node=node, authority="Prosecution " + country)
print(json.dumps(sorted(team.parties.values_list("country", flat=True))))
"""

SHARE = """
import json
from trm.accounts.models import User
from trm.justice import teams
from trm.justice.models.teams import JointTeam
user, team = User.objects.get(username="prosecutor"), JointTeam.objects.get(operation_ref="{ref}")
for codes, title in ((["H2"], "Restricted"), (["H0"], "Open")):
    teams.share_item(user, team, to=["BG"], title=title, content="Synthetic content.", source_reliability="B",
                     information_accuracy="2", permitted_uses=["analysis", "evidence"], handling_codes=codes)
print(json.dumps(True))
"""

PASS_ON = """
import json
from trm.accounts.models import User
from trm.justice import teams
from trm.justice.models.teams import SharedItem
from trm.lib.refusals import Conflict
user = User.objects.get(username="prosecutor")
out = {}
for item in sorted(SharedItem.objects.filter(direction="in"), key=lambda i: i.title):
    try:
        teams.forward_item(user, item, to="RO")
        out[item.title] = "sent"
    except Conflict:
        out[item.title] = "refused"
print(json.dumps(out))
"""

RECEIVED = """
import json
from trm.justice.models.teams import SharedItem
print(json.dumps(sorted([i.title, i.origin_country, i.forwarded_by, i.handling_codes, i.peer]
                        for i in SharedItem.objects.filter(direction="in"))))
"""


def wait_for(net: LocalNet, node: str, count: int, within: float = 60) -> list:
    deadline = time.monotonic() + within
    while True:
        got = net.python(node, RECEIVED)
        if len(got) >= count or time.monotonic() > deadline:
            return got
        time.sleep(0.5)


@pytest.fixture
def net(tmp_path):
    net = LocalNet(tmp_path, NODES)
    try:
        net.prepare()
        for node in NODES:
            net.start(node)
            net.start_worker(node, "--retry-base", "0.2", "--retry-cap", "1")
        yield net
    finally:
        net.close()


def test_an_h2_item_stops_at_the_first_receiver_and_an_h0_item_travels_on(net):
    for node in NODES:
        assert net.python(node, SET_UP.format(ref=REF, nodes=NODES)) == ["BG", "RO", "SE"]
    net.python("se-nrm", SHARE.format(ref=REF))
    received = wait_for(net, "bg-nrm", 2)
    assert received == [["Open", "SE", "", ["H0"], "se-nrm"], ["Restricted", "SE", "", ["H2"], "se-nrm"]]
    assert net.python("bg-nrm", PASS_ON) == {"Open": "sent", "Restricted": "refused"}
    assert wait_for(net, "ro-nrm", 1) == [["Open", "SE", "bg-nrm", ["H0"], "bg-nrm"]]
    # Kept encrypted at rest, like every free text.
    assert "Open" not in str(net.sql("ro-nrm", "SELECT title, content FROM justice_shareditem"))

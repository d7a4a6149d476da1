"""Two real nodes: Sweden sends its protected figures of a year to the network secretariat's node.

Each node is its own gunicorn process and exchange worker with its own database, keys and the
same trust list; both are configured with the secretariat's node id (TRM_STATS_SECRETARIAT).
Sweden's rapporteur sends a year (``regional.send``, as the page does); the secretariat's worker
keeps it, the secretariat's side-by-side page shows it, and a country update for a meeting is
pre-filled from it. The other way round, Sweden is not the secretariat: it sets the figures it
receives aside and keeps nothing. Every wait is bounded and every process is killed at the end.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.localnet import LocalNet

pytestmark = pytest.mark.integration

SWEDEN, SECRETARIAT = "se-nrm", "sec-nrm"


class RegionalNet(LocalNet):
    def env(self, node: str, **extra: str) -> dict[str, str]:
        return super().env(node, TRM_STATS_SECRETARIAT=SECRETARIAT, **extra)


SEND = """
import json
from django.utils import timezone
from tests.factories import make_org, make_user
from trm.accounts.roles import Role
from trm.demo.synthetic_history import seed_history
from trm.statistics import facts, figures, regional
from trm.statistics.disclosure import TOTAL
org = make_org(name="Synthetic Coordinator Office")
focal = make_user(Role.FOCAL_POINT, org=org, username="focal")
rapporteur = make_user(Role.RAPPORTEUR, org=org, username="rapporteur")
seed_history(400, seed=15, owner_org=org, by=focal, authority=None)
snapshot = facts.refresh()
year = timezone.localdate().year - 1
report = regional.send(by=rapporteur, year=year)
national = figures.deserialise(snapshot.figures["victims"]["total"], snapshot.k).get(year=str(year))
sent = {tuple(c["at"]): c.get("n") for t in report.figures["tables"] if t["table"] == "victims" for c in t["cells"]}
print(json.dumps({"year": year, "message_id": report.message_id, "national": national, "regional": sent[(TOTAL,)]}))
"""

RECEIVED = """
import json
from trm.statistics.models import RegionalReport
reports = RegionalReport.objects.filter(direction="received")
print(json.dumps([[r.node, r.country, r.year, r.message_id] for r in reports]))
"""

SHOW = """
import json
from datetime import date
from tests.factories import make_org, make_user, verified_client
from tests.network import builders
from trm.accounts.roles import Role
from trm.network.models import CountryUpdate
secretariat = make_user(Role.SECRETARIAT, org=make_org(name="Synthetic Secretariat"), username="secretariat")
client = verified_client(secretariat)
page = client.get("/statistics/regional/?year={year}")
meeting = builders.meeting(start=date({year} + 1, 3, 10))
builders.country("SE")
filled = client.post(f"/network/meetings/{{meeting.pk}}/updates/SE/statistics/")
update = CountryUpdate.objects.get(meeting=meeting, country__code="SE")
print(json.dumps({{
    "status": page.status_code,
    "html": page.content.decode(),
    "filled": filled.status_code,
    "trends": update.trends,
    "statistics": update.statistics["data"],
}}))
"""

REVERSE = """
import json
from django.utils import timezone
from trm.exchange import outbox
from trm.exchange.messages import format_time
from trm.statistics import regional
body = {{"year": 2025, "k": 11, "computed": format_time(timezone.now()), "tables": [
    {{"table": "victims", "cells": [{{"at": ["*"], "n": 40}}, {{"at": ["presumed"], "n": 40}}]}}]}}
row = outbox.enqueue("regional_aggregate", recipient="{to}", body=body, purpose="monitoring",
                     legal_basis="public_task", conversation=regional.conversation_for("{sender}", "{to}"))
print(json.dumps(str(row.message_id)))
"""

INBOX = """
import json
from trm.exchange.models import InboxMessage
from trm.statistics.models import RegionalReport
row = InboxMessage.objects.filter(message_id="{mid}").first()
print(json.dumps({{"status": row and row.status, "error": row and row.last_error,
                   "kept": RegionalReport.objects.filter(direction="received").count()}}))
"""


@pytest.fixture
def net(tmp_path):
    network = RegionalNet(tmp_path, {SWEDEN: "SE", SECRETARIAT: "SI"})
    try:
        network.prepare()
        for node in network.nodes:
            network.start(node)
            network.start_worker(node)
        yield network
    finally:
        network.close()


def wait_for(what: str, check: Any, timeout: float = 90) -> Any:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def test_a_country_sends_its_year_and_the_secretariat_shows_it_and_prefills_the_update(net: RegionalNet) -> None:
    sent = net.python(SWEDEN, SEND, timeout=300)
    year = sent["year"]
    assert sent["regional"] is not None and 11 <= sent["regional"] <= sent["national"]

    kept = wait_for("the secretariat to keep the figures", lambda: net.python(SECRETARIAT, RECEIVED))
    assert kept == [[SWEDEN, "SE", year, sent["message_id"]]]

    shown = net.python(SECRETARIAT, SHOW.format(year=year))
    assert shown["status"] == 200
    assert "Sweden" in shown["html"] and f"<td>{sent['regional']}</td>" in shown["html"]
    assert shown["filled"] == 302
    assert shown["statistics"]["figures"]["victims"] == sent["regional"]
    assert f"{sent['regional']} victims" in shown["trends"]

    # Sweden is not the secretariat: figures sent to it are set aside, nothing is kept.
    mid = net.python(SECRETARIAT, REVERSE.format(to=SWEDEN, sender=SECRETARIAT))
    state = wait_for(
        "Sweden to set the figures aside",
        lambda: (lambda s: s if s["status"] == "unhandled" else None)(net.python(SWEDEN, INBOX.format(mid=mid))),
    )
    assert state == {"status": "unhandled", "error": "not_the_secretariat", "kept": 0}

"""Regional figures over trm/1 (regional_aggregate): what leaves a node, what the secretariat keeps and shows."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.exchange.shell_support import PEER, PEER_SIG, Net, setup_network
from tests.factories import verified_client
from tests.network import builders as network_builders
from tests.statistics.builders import last_year, victims
from trm.audit.models import AuditEvent
from trm.cases.models import Counterpart
from trm.exchange import inbox, protocol
from trm.exchange.errors import LocalProtocolError
from trm.exchange.messages import format_time
from trm.exchange.models import InboxMessage, OutboxMessage
from trm.network import updates
from trm.network.models import CountryUpdate
from trm.statistics import facts, figures, regional
from trm.statistics.disclosure import TOTAL
from trm.statistics.models import RegionalReport

SECRETARIAT = PEER


@pytest.fixture
def net(db) -> Net:
    return setup_network()


@pytest.fixture
def caseload(world):
    """Last year: 25 Moldovan women, 12 Moldovan and 2 Ukrainian men presumed, 14 Moldovan men
    identified, 12 Ukrainian women presumed. 12 of the Moldovan women and the 12 Ukrainian women
    were referred here by another country's node (their case was opened from the referral)."""
    women = victims(world, 25, detected_on=last_year(), gender="Feminine")
    women += victims(world, 12, detected_on=last_year(), citizenships=["UA"], gender="Feminine")
    victims(world, 12, detected_on=last_year(), gender="Masculine")
    victims(world, 14, detected_on=last_year(), gender="Masculine", state="identified")
    victims(world, 2, detected_on=last_year(), citizenships=["UA"], gender="Masculine")
    for case in women[13:]:
        Counterpart.objects.create(
            case=case,
            country="AL",
            organisation="Synthetic office",
            node="al.nrm",
            opened_case=True,
            recorded_by=world.focal,
        )
    facts.refresh()
    return world


def cells(body: dict, table: str) -> dict[tuple[str, ...], int | None]:
    for entry in body["tables"]:
        if entry["table"] == table:
            return {tuple(c["at"]): (None if c.get("hidden") else c["n"]) for c in entry["cells"]}
    return {}


@override_settings(TRM_STATS_SECRETARIAT=SECRETARIAT)
def test_the_rapporteur_sends_the_year_without_the_received_cases_and_nothing_below_k(caseload, net):
    year = last_year().year
    client = verified_client(caseload.rapporteur)
    page = client.get("/statistics/").content.decode()
    assert "Send to the secretariat" in page
    response = client.post("/statistics/regional/send/", {"year": str(year)})
    assert response.status_code == 302
    sent = OutboxMessage.objects.get(type="regional_aggregate")
    assert sent.recipient == SECRETARIAT and sent.envelope["purpose"] == "monitoring"
    assert sent.envelope["legal_basis"] == "public_task" and "consent_ref" not in sent.envelope
    body = sent.envelope["body"]
    assert body["year"] == year and body["k"] == 11
    victims_ = cells(body, "victims")
    # 65 victims at home, 24 of them counted by the country that referred them: 41 here.
    assert victims_[(TOTAL,)] == 41
    assert victims_[("identified",)] == 14
    for entry in body["tables"]:
        for cell in entry["cells"]:
            assert "hidden" in cell or cell["n"] == 0 or cell["n"] >= 11, cell
    # The two Ukrainians counted here are hidden, and so is enough else that they cannot be
    # worked out, although the page shows the 14 Ukrainians of the node.
    citizenship = cells(body, "citizenship")
    assert citizenship.get((TOTAL, "UA"), 0) is None and citizenship.get((TOTAL, "MD"), 0) is None
    national = figures.deserialise(facts.current().figures["victims"]["citizenship"], 11)
    assert national.get(year=str(year), citizenship="UA") == 14
    report = RegionalReport.objects.get(direction="sent")
    assert report.year == year and report.message_id == str(sent.message_id)
    assert AuditEvent.objects.filter(action="export", object_type="statistics.regionalreport").exists()


@override_settings(TRM_STATS_SECRETARIAT=SECRETARIAT)
def test_regional_and_national_tables_cannot_be_subtracted(caseload):
    """National minus regional = the received cases of a cell: never a count from 1 to k - 1."""
    year = last_year().year
    snapshot = facts.current()
    body = regional.body_of(year, snapshot, regional.protect(year, snapshot))
    for name in regional.TABLES:
        national = figures.deserialise(snapshot.figures["victims"][regional.NATIONAL.get(name, name)], snapshot.k)
        sent = cells(body, name)
        for key, n in national.shown.items():
            if key[0] != str(year) or n is None:
                continue
            r = sent.get(key[1:], 0)
            if r is not None:
                assert n - r == 0 or n - r >= snapshot.k, (name, key, n, r)


@override_settings(TRM_STATS_SECRETARIAT="")
def test_without_a_secretariat_nothing_is_sent(caseload, net):
    client = verified_client(caseload.rapporteur)
    assert "Send to the secretariat" not in client.get("/statistics/").content.decode()
    response = client.post("/statistics/regional/send/", {"year": str(last_year().year)})
    assert response.status_code == 409
    assert not OutboxMessage.objects.exists() and not RegionalReport.objects.exists()


@override_settings(TRM_STATS_SECRETARIAT=SECRETARIAT)
def test_a_bad_year_is_a_400_and_roles_without_statistics_are_refused(caseload, net):
    client = verified_client(caseload.rapporteur)
    assert client.post("/statistics/regional/send/", {"year": "1999"}).status_code == 400
    assert client.post("/statistics/regional/send/", {}).status_code == 400
    for who in ("responder", "dpo", "admin", "provider"):
        response = verified_client(getattr(caseload, who)).post("/statistics/regional/send/", {"year": "2025"})
        assert response.status_code == 403
    assert not OutboxMessage.objects.exists() and not RegionalReport.objects.exists()


def test_the_protocol_refuses_a_count_below_k():
    body = {
        "year": 2025,
        "k": 11,
        "computed": "2026-01-02T00:00:00Z",
        "tables": [{"table": "sex", "cells": [{"at": ["*", "*"], "n": 20}, {"at": ["*", "male"], "n": 3}]}],
    }
    with pytest.raises(LocalProtocolError, match="a count below k"):
        protocol.build(
            "regional_aggregate",
            sender="se.nrm",
            recipient="secretariat.nrm",
            body=body,
            message_id=uuid.uuid4(),
            conversation=uuid.uuid4(),
            now=timezone.now(),
            purpose="monitoring",
            legal_basis="public_task",
        )


# --- the secretariat's side ---------------------------------------------------------------


def receive_from_peer(net: Net, body: dict, *, created_ago: timedelta = timedelta(0)) -> InboxMessage:
    now = timezone.now() - created_ago
    message = protocol.build(
        "regional_aggregate",
        sender=PEER,
        recipient=net.us,
        body=body,
        message_id=uuid.uuid4(),
        conversation=regional.conversation_for(PEER, net.us),
        now=now,
        purpose="monitoring",
        legal_basis="public_task",
    )
    token = protocol.seal(
        message, sender_key=PEER_SIG, recipient_key=net.trust_list.encryption_key(net.us, now), now=now
    )
    assert inbox.receive(token.encode()).status == 200
    inbox.process_received()
    return InboxMessage.objects.get(message_id=message.id)


def peer_body(total: int = 57, *, k: int = 11, year: int = 2025) -> dict:
    return {
        "year": year,
        "k": k,
        "computed": format_time(timezone.now() - timedelta(hours=1)),
        "tables": [
            {
                "table": "victims",
                "cells": [
                    {"at": ["*"], "n": total},
                    {"at": ["presumed"], "n": total - 26},
                    {"at": ["identified"], "n": 26},
                ],
            },
            {
                "table": "form",
                "cells": [
                    {"at": ["*", "*"], "n": total},
                    {"at": ["*", "SexualExploitation"], "hidden": True},
                    {"at": ["*", "ForcedLabour"], "hidden": True},
                ],
            },
        ],
    }


def test_the_secretariat_keeps_the_newest_figures_of_each_node_and_year(net):
    with override_settings(TRM_STATS_SECRETARIAT=net.us):
        older = receive_from_peer(net, peer_body(50), created_ago=timedelta(minutes=5))
        newer = receive_from_peer(net, peer_body(57))
        late = receive_from_peer(net, peer_body(40), created_ago=timedelta(minutes=10))
    assert {older.status, newer.status, late.status} == {"processed"}
    report = RegionalReport.objects.get(direction="received")
    assert (report.node, report.country, report.year) == (PEER, "XK", 2025)
    assert report.figures["tables"][0]["cells"][0]["n"] == 57
    assert report.message_id == str(newer.message_id)


def test_a_node_that_is_not_the_secretariat_sets_the_figures_aside(net):
    with override_settings(TRM_STATS_SECRETARIAT="other.nrm"):
        row = receive_from_peer(net, peer_body())
    assert row.status == "unhandled" and row.last_error == regional.NOT_THE_SECRETARIAT
    assert not RegionalReport.objects.exists()


def test_the_secretariat_refuses_figures_protected_with_a_smaller_k(net):
    with override_settings(TRM_STATS_SECRETARIAT=net.us, TRM_STATS_K=15):
        row = receive_from_peer(net, peer_body(k=11))
    assert row.status == "unhandled" and row.last_error == regional.K_BELOW_THRESHOLD
    assert not RegionalReport.objects.exists()


def test_the_page_of_messages_not_processed_says_why_figures_were_set_aside_in_words(net, world):
    with override_settings(TRM_STATS_SECRETARIAT="other.nrm"):
        receive_from_peer(net, peer_body())
    with override_settings(TRM_STATS_SECRETARIAT=net.us, TRM_STATS_K=15):
        receive_from_peer(net, peer_body(k=11))
    page = verified_client(world.focal).get(reverse("transnational:failed")).content.decode()
    assert page.count("Regional figures of a country") == 2
    assert "This node is not the network secretariat&#x27;s: it keeps no regional figures" in page
    assert "The figures were protected with a smaller threshold than this node&#x27;s" in page
    for code in ("regional_aggregate", regional.NOT_THE_SECRETARIAT, regional.K_BELOW_THRESHOLD):
        assert code not in page


def test_the_side_by_side_page_is_the_secretariats_and_keeps_hidden_cells_hidden(net, world):
    with override_settings(TRM_STATS_SECRETARIAT=net.us):
        receive_from_peer(net, peer_body(57))
        assert "/statistics/regional/" in verified_client(world.secretariat).get("/statistics/").content.decode()
        assert "/statistics/regional/" not in verified_client(world.rapporteur).get("/statistics/").content.decode()
        response = verified_client(world.secretariat).get("/statistics/regional/?year=2025")
        html = response.content.decode()
        assert response.status_code == 200
        assert "<td>57</td>" in html and "<svg" in html
        assert "—" in html  # the hidden forms stay hidden
        assert verified_client(world.secretariat).get("/statistics/regional/?year=1999").status_code == 400
        for who in ("rapporteur", "focal", "dpo", "responder"):
            assert verified_client(getattr(world, who)).get("/statistics/regional/").status_code == 403


def test_the_country_update_is_prefilled_from_the_latest_figures_and_stays_editable(net, world):
    meeting = network_builders.meeting()
    country = network_builders.country("XK")
    client = verified_client(world.secretariat)
    with override_settings(TRM_STATS_SECRETARIAT=net.us):
        receive_from_peer(net, peer_body(57, year=meeting.start_date.year - 1))
        url = f"/network/meetings/{meeting.pk}/updates/XK/statistics/"
        assert client.post(url).status_code == 302
    update = CountryUpdate.objects.get(meeting=meeting, country=country)
    assert update.statistics["data"]["figures"]["victims"] == 57
    assert "57 victims" in update.trends and "31 presumed" in update.trends
    edited = updates.save_update(meeting, country, by=world.secretariat, trends="Fewer victims than we feared.")
    assert (
        edited.trends == "Fewer victims than we feared."
        and edited.statistics["data"]["year"] == meeting.start_date.year - 1
    )


def test_only_who_writes_the_update_may_fill_it_in(net, world):
    meeting = network_builders.meeting()
    network_builders.country("XK")
    url = f"/network/meetings/{meeting.pk}/updates/XK/statistics/"
    for who in ("rapporteur", "focal", "dpo"):
        assert verified_client(getattr(world, who)).post(url).status_code in (403, 404)
    assert verified_client(world.secretariat).get(url).status_code == 405
    assert (
        verified_client(world.secretariat).post(f"/network/meetings/{meeting.pk}/updates/ZZ/statistics/").status_code
        == 404
    )
    assert not CountryUpdate.objects.exists()

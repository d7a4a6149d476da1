"""Joint investigation teams: who sees them, sharing graded items, and the handling codes enforced here."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from tests.cases.builders import detect
from tests.exchange.shell_support import PEER, setup_network
from tests.factories import make_org, make_user, verified_client
from trm.accounts.roles import Role
from trm.audit.models import AuditEvent
from trm.exchange import inbox, protocol
from trm.exchange.models import InboxMessage, OutboxMessage
from trm.justice import teams
from trm.justice.models.teams import ItemDirection, JointTeam, SharedItem
from trm.lib.refusals import Conflict


@pytest.fixture
def net(db):
    return setup_network()


@pytest.fixture
def police(db):
    return make_user(Role.LAW_ENFORCEMENT, org=make_org(name="Border police SE"))


@pytest.fixture
def team(net, police):
    team = teams.create_team(
        police,
        agreement_ref="JIT agreement 2026/14",
        purpose="Labour exploitation in agriculture (synthetic)",
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 12, 31),
    )
    teams.add_party(police, team, country="XK", node=PEER, authority="Prosecution XK")
    return team


def receive_item(net, team_ref: str, *, codes=("H0",), text=None, uses=("analysis",), sender=PEER, **body_extra):
    body = {
        "operation_ref": team_ref,
        "item_ref": str(uuid.uuid4()),
        "origin_country": "XK",
        "source_reliability": "B",
        "information_accuracy": "2",
        "permitted_uses": list(uses),
        "title": "Vehicle used for transport",
        "content": "A white van collected the workers at dawn (synthetic).",
        **body_extra,
    }
    message = protocol.build(
        "jit_item",
        sender=sender,
        recipient=net.us,
        body=body,
        message_id=uuid.uuid4(),
        conversation=uuid.uuid4(),
        now=timezone.now(),
        purpose="joint_investigation",
        legal_basis="legal_obligation",
        handling=protocol.Handling(tuple(codes), text),
    )
    assert inbox.receive(net.seal(message).encode()).status == 200
    inbox.process_received()
    return InboxMessage.objects.get(message_id=message.id)


def test_a_team_starts_with_this_country_and_its_creator(team, police, settings):
    assert team.operation_ref.startswith("JIT-") and len(team.operation_ref) == 13
    assert sorted(team.parties.values_list("country", flat=True)) == sorted([settings.TRM_COUNTRY, "XK"])
    assert team.members.get().user == police
    assert AuditEvent.objects.filter(object_ref=team.operation_ref, action="create").exists()


def test_a_period_that_ends_before_it_starts_is_refused(police):
    with pytest.raises(ValidationError):
        teams.create_team(police, agreement_ref="A", purpose="P", starts_on=date(2026, 5, 1), ends_on=date(2026, 4, 1))
    assert not JointTeam.objects.exists()


def test_a_party_node_must_be_on_the_trust_list_for_its_country(team, police):
    with pytest.raises(ValidationError, match="trust list"):
        teams.add_party(police, team, country="AL", node="nowhere.nrm", authority="X")
    with pytest.raises(ValidationError, match="another country"):
        teams.add_party(police, team, country="AL", node=PEER, authority="X")


def test_sharing_sends_one_graded_item_to_each_party_with_its_handling(team, police):
    (sent,) = teams.share_item(
        police,
        team,
        to=["XK"],
        title="Payments to recruiter",
        content="Transfers every Friday (synthetic).",
        source_reliability="A",
        information_accuracy="3",
        permitted_uses=["analysis", "evidence"],
        handling_codes=["H1", "H3"],
        handling_text="Not to be shared with the labour inspectorate.",
    )
    row = OutboxMessage.objects.get(type="jit_item")
    assert row.recipient == PEER and row.envelope["purpose"] == "joint_investigation"
    assert row.envelope["handling"] == {"codes": ["H1", "H3"], "text": "Not to be shared with the labour inspectorate."}
    assert row.envelope["body"]["operation_ref"] == team.operation_ref
    assert sent.direction == ItemDirection.OUT and sent.title == "Payments to recruiter"


def test_h3_without_its_conditions_is_refused_and_nothing_is_sent(team, police):
    with pytest.raises(ValidationError, match="H3"):
        teams.share_item(
            police,
            team,
            to=["XK"],
            title="T",
            content="C",
            source_reliability="A",
            information_accuracy="1",
            permitted_uses=["analysis"],
            handling_codes=["H3"],
        )
    assert not OutboxMessage.objects.exists() and not SharedItem.objects.exists()


def test_a_received_item_is_kept_with_its_grading_and_codes(net, team):
    receive_item(net, team.operation_ref, codes=("H0", "H2"), uses=("analysis", "operational"))
    item = SharedItem.objects.get(direction=ItemDirection.IN)
    assert item.handling_codes == ["H0", "H2"] and item.permitted_uses == ["analysis", "operational"]
    assert (item.source_reliability, item.information_accuracy, item.origin_country) == ("B", "2", "XK")


def test_an_item_for_an_unknown_operation_is_set_aside(net, team):
    row = receive_item(net, "JIT-AAAA-BBBB")
    assert row.status == "unhandled" and row.last_error == teams.UNKNOWN_OPERATION
    assert not SharedItem.objects.exists()
    from trm.transnational import reprocess

    assert "no joint investigation team" in reprocess.reason(row)
    assert str(reprocess.label(row)) == "Item of a joint investigation team"


def test_an_h2_item_is_never_passed_on_nor_exported(net, team, police, settings):
    teams.add_party(police, team, country="AL", node="", authority="Police AL")
    receive_item(net, team.operation_ref, codes=("H2",))
    item = SharedItem.objects.get(direction=ItemDirection.IN)
    with pytest.raises(Conflict, match="H2 or H3"):
        teams.forward_item(police, item, to="AL")
    assert not OutboxMessage.objects.filter(type="jit_item").exists()
    assert AuditEvent.objects.filter(action="refused", note="forward refused: handling").exists()
    text, withheld = teams.export_csv(police, team)
    assert withheld == 1 and len(list(csv.reader(io.StringIO(text)))) == 1  # the header only


def test_an_h0_item_is_passed_on_with_its_origin_and_codes(net, team, police, settings):
    receive_item(net, team.operation_ref, codes=("H0",))
    item = SharedItem.objects.get(direction=ItemDirection.IN)
    # The only other party with a node is the one it came from.
    with pytest.raises(ValidationError, match="came from"):
        teams.forward_item(police, item, to="XK")
    text, withheld = teams.export_csv(police, team)
    assert withheld == 0 and "Vehicle used for transport" in text


def test_evidence_needs_the_use_and_no_h1(net, team, police):
    receive_item(net, team.operation_ref, codes=("H1",), uses=("analysis", "evidence"))
    receive_item(net, team.operation_ref, codes=("H0",), uses=("analysis",))
    receive_item(net, team.operation_ref, codes=("H0",), uses=("evidence",))
    h1, no_use, fine = SharedItem.objects.filter(direction=ItemDirection.IN).order_by("id")
    for refused in (h1, no_use):
        with pytest.raises(Conflict):
            teams.record_as_evidence(police, refused)
        refused.refresh_from_db()
        assert refused.used_as_evidence_at is None
    assert teams.record_as_evidence(police, fine).used_as_evidence_at is not None


def test_a_refused_forward_or_evidence_on_the_page_is_audited_once(net, team, police):
    receive_item(net, team.operation_ref, codes=("H2",))
    receive_item(net, team.operation_ref, codes=("H1",), uses=("analysis", "evidence"))
    h2, h1 = SharedItem.objects.filter(direction=ItemDirection.IN).order_by("id")
    client = verified_client(police)
    forward = client.post(reverse("justice:team_item_forward", args=[team.operation_ref, h2.pk]), {"to": "XK"})
    assert forward.status_code == 409 and "H2 or H3" in forward.content.decode()
    evidence = client.post(reverse("justice:team_item_evidence", args=[team.operation_ref, h1.pk]))
    assert evidence.status_code == 409
    refused = AuditEvent.objects.filter(action="refused", actor_id=police.pk).order_by("id")
    assert [(e.object_type, e.note) for e in refused] == [
        ("justice.shareditem", "forward refused: handling"),
        ("justice.shareditem", "evidence refused: handling or use"),
    ]
    assert not OutboxMessage.objects.filter(type="jit_item").exists()


@pytest.mark.parametrize("role", [Role.FOCAL_POINT, Role.FIRST_RESPONDER, Role.PROVIDER, Role.RAPPORTEUR])
def test_nobody_off_the_criminal_track_sees_a_team(team, role, client):
    other = verified_client(make_user(role))
    assert other.get(reverse("justice:teams")).status_code == 404
    assert other.get(reverse("justice:team", args=[team.operation_ref])).status_code == 404
    with pytest.raises(Http404):
        teams.get_team_for(make_user(role), team.operation_ref)


def test_a_police_officer_who_is_no_member_gets_404(team):
    outsider = verified_client(make_user(Role.LAW_ENFORCEMENT))
    assert outsider.get(reverse("justice:team", args=[team.operation_ref])).status_code == 404
    assert outsider.get(reverse("justice:team_export", args=[team.operation_ref])).status_code == 404
    assert outsider.get(reverse("justice:teams")).status_code == 200


def test_the_pages_walk_a_team_through(net, team, police):
    client = verified_client(police)
    page = client.get(reverse("justice:team", args=[team.operation_ref]))
    assert page.status_code == 200 and team.operation_ref in page.content.decode()
    receive_item(net, team.operation_ref, codes=("H2",))
    item = SharedItem.objects.get(direction=ItemDirection.IN)
    url = reverse("justice:team_item", args=[team.operation_ref, item.pk])
    html = client.get(url).content.decode()
    assert "does not allow it to be passed on" in html and "B: the source has been reliable" in html
    refused = client.post(reverse("justice:team_item_forward", args=[team.operation_ref, item.pk]), {"to": "XK"})
    assert refused.status_code == 409
    bad = client.post(reverse("justice:team_item_new", args=[team.operation_ref]), {"title": ""})
    assert bad.status_code == 400 and not OutboxMessage.objects.exists()
    case = detect(police)
    linked = client.post(reverse("justice:team_case", args=[team.operation_ref]), {"reference": case.reference})
    assert linked.status_code == 302 and team.cases.filter(case=case).exists()
    unknown = client.post(reverse("justice:team_case", args=[team.operation_ref]), {"reference": "SE-ZZZZ-ZZZZ"})
    assert unknown.status_code == 400
    export = client.get(reverse("justice:team_export", args=[team.operation_ref]))
    assert export["X-TRM-Withheld"] == "1"


def test_another_partys_team_is_recorded_under_its_reference(net, police):
    client = verified_client(police)
    form = {
        "operation_ref": "JIT-7Q2M-K4RD",
        "agreement_ref": "A-1",
        "purpose": "P",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
    }
    assert client.post(reverse("justice:team_new"), form).status_code == 302
    assert JointTeam.objects.filter(operation_ref="JIT-7Q2M-K4RD").exists()
    assert client.post(reverse("justice:team_new"), form).status_code == 400
    assert client.post(reverse("justice:team_new"), {**form, "operation_ref": "jit-1"}).status_code == 400


SHARE = {
    "to": ["XK"],
    "title": "Payments to recruiter",
    "content": "Transfers every Friday (synthetic).",
    "source_reliability": "A",
    "information_accuracy": "3",
    "permitted_uses": ["analysis"],
    "handling_codes": ["H0"],
}


def _move_period(team, *, starts: int, ends: int) -> None:
    """Set the team's period to days from today (negative: past)."""
    today = timezone.localdate()
    team.starts_on, team.ends_on = today + timedelta(days=starts), today + timedelta(days=ends)
    team.save(update_fields=["starts_on", "ends_on"])


@pytest.mark.parametrize(("starts", "ends", "says"), [(-60, -1, "ended on"), (1, 60, "has not begun")])
def test_nothing_is_shared_outside_the_teams_period(team, police, starts, ends, says):
    _move_period(team, starts=starts, ends=ends)
    with pytest.raises(Conflict, match=says):
        teams.share_item(police, team, **SHARE)
    assert not OutboxMessage.objects.exists() and not SharedItem.objects.exists()
    assert AuditEvent.objects.filter(
        action="refused", object_ref=team.operation_ref, note="share refused: period"
    ).exists()
    client = verified_client(police)
    page = client.get(reverse("justice:team", args=[team.operation_ref])).content.decode()
    assert "Today is outside the team" in page
    assert reverse("justice:team_item_new", args=[team.operation_ref]) not in page
    posted = client.post(reverse("justice:team_item_new", args=[team.operation_ref]), SHARE)
    assert posted.status_code == 409 and says in posted.content.decode()
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(("starts", "ends", "says"), [(-60, -1, "ended on"), (1, 60, "has not begun")])
def test_nothing_is_passed_on_outside_the_teams_period(net, team, police, starts, ends, says):
    teams.add_party(police, team, country="AL", node="", authority="Police AL")
    receive_item(net, team.operation_ref, codes=("H0",))
    item = SharedItem.objects.get(direction=ItemDirection.IN)
    _move_period(team, starts=starts, ends=ends)
    item.refresh_from_db()
    with pytest.raises(Conflict, match=says):
        teams.forward_item(police, item, to="XK")
    assert AuditEvent.objects.filter(action="refused", note="forward refused: period").count() == 1
    client = verified_client(police)
    refused = client.post(reverse("justice:team_item_forward", args=[team.operation_ref, item.pk]), {"to": "XK"})
    assert refused.status_code == 409 and says in refused.content.decode()
    assert not OutboxMessage.objects.filter(type="jit_item").exists()
    assert AuditEvent.objects.filter(action="refused", note="forward refused: period").count() == 2


def test_a_received_h3_item_keeps_its_conditions_and_is_neither_passed_on_nor_exported(net, team, police):
    conditions = "Only for the analysis of payments; not to be shown to the employer (synthetic)."
    teams.add_party(police, team, country="AL", node="", authority="Police AL")
    receive_item(net, team.operation_ref, codes=("H0", "H3"), text=conditions)
    item = SharedItem.objects.get(direction=ItemDirection.IN)
    assert item.handling_codes == ["H0", "H3"] and item.handling_text == conditions
    client = verified_client(police)
    html = client.get(reverse("justice:team_item", args=[team.operation_ref, item.pk])).content.decode()
    assert "H3: other restrictions" in html and "not to be shown to the employer" in html
    assert "does not allow it to be passed on" in html
    with pytest.raises(Conflict, match="H2 or H3"):
        teams.forward_item(police, item, to="XK")
    refused = client.post(reverse("justice:team_item_forward", args=[team.operation_ref, item.pk]), {"to": "XK"})
    assert refused.status_code == 409
    assert not OutboxMessage.objects.filter(type="jit_item").exists()
    assert AuditEvent.objects.filter(action="refused", note="forward refused: handling").count() == 2
    export = client.get(reverse("justice:team_export", args=[team.operation_ref]))
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert export["X-TRM-Withheld"] == "1" and len(rows) == 1  # the header only
    assert "not to be shown" not in export.content.decode()


def test_the_team_page_says_how_many_items_the_export_leaves_out(net, team, police):
    client = verified_client(police)
    url = reverse("justice:team", args=[team.operation_ref])
    assert "not in the export" not in client.get(url).content.decode()
    receive_item(net, team.operation_ref, codes=("H2",))
    receive_item(net, team.operation_ref, codes=("H3",), text="Conditions (synthetic).")
    receive_item(net, team.operation_ref, codes=("H0",))
    page = client.get(url).content.decode()
    assert "2 items are not in the export: their handling code forbids it." in page
    assert client.get(reverse("justice:team_export", args=[team.operation_ref]))["X-TRM-Withheld"] == "2"

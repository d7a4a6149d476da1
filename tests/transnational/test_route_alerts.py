"""Alerts along the route: to every country of the route and those chosen, acknowledged by a person at each."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.cases.builders import detect
from tests.exchange.shell_support import KEY_REVOKED_NODE, PEER
from tests.factories import make_user, verified_client
from trm.accounts.roles import Role
from trm.audit.models import AuditEvent
from trm.cases import casework
from trm.exchange.models import OutboxMessage, OutboxStatus
from trm.lib.refusals import Conflict, PermissionDenied, ValidationError
from trm.transnational import alerts
from trm.transnational.models import AlertRecipient, CountryRole, Direction, Link, RouteAlert


def route_case(two: Any, *, route: tuple[str, ...] = ("XK",), nationality: str = "MD", **extra: Any) -> Any:
    """A 15-year-old's case met in transit, with a route through ``route``."""
    today = timezone.localdate()
    case = detect(two.focal, date_of_birth=today.replace(year=today.year - 15), citizenships=[nationality], **extra)
    for country in route:
        casework.add_event(case, by=two.focal, type="Transit", country=country)
    case.refresh_from_db()
    return case


def sent_alerts() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(type="route_alert").order_by("recipient"))


def refused(note: str) -> bool:
    return AuditEvent.objects.filter(action="refused", note__contains=note).exists()


def test_an_alert_goes_to_every_country_of_the_route_and_those_chosen(two):
    case = route_case(two, route=("XK",))
    alert = alerts.send(
        case,
        by=two.focal,
        alert_kind="missing_child",
        countries=["RS"],
        contact_point="Duty desk",
        last_seen_on=timezone.localdate(),
        description="Left the centre at night.",
    )
    rows = sent_alerts()
    assert [r.recipient for r in rows] == [KEY_REVOKED_NODE, PEER]
    assert len({r.conversation for r in rows}) == 2  # one conversation per node
    for row in rows:
        envelope = row.envelope
        assert envelope["legal_basis"] == "vital_interests" and envelope["purpose"] == "protection"
        assert envelope["body"]["alert_id"] == str(alert.alert_id)
        assert envelope["body"]["countries_alerted"] == ["RS", "XK"]
        assert envelope["body"]["is_child"] is True and "identity" not in envelope["body"]
        assert abs(row.expires - row.created - alerts.LIFETIME) < dt.timedelta(seconds=5)
    recipients = {r.country: r for r in alert.recipients.all()}
    assert recipients["XK"].on_route and not recipients["RS"].on_route
    assert all(r.link.urgent and r.link.direction == Direction.OUTGOING for r in recipients.values())
    assert recipients["XK"].link.peer_role == CountryRole.TRANSIT
    assert AuditEvent.objects.filter(action="send", object_ref=str(alert.alert_id)).exists()
    assert [r.progress for r in alerts.rows(alert)] == ["sent", "sent"]


def test_the_sender_sees_delivered_then_acknowledged_per_country(two):
    case = route_case(two, route=("XK", "RS"))
    alert = alerts.send(case, by=two.focal, alert_kind="missing_child", contact_point="Duty desk")
    xk = alert.recipients.get(country="XK")
    OutboxMessage.objects.filter(message_id=xk.message_id).update(
        status=OutboxStatus.DELIVERED, finished_at=timezone.now()
    )
    assert {r.recipient.country: r.progress for r in alerts.rows(alert)} == {"XK": "delivered", "RS": "sent"}
    two.receive(
        "route_alert_ack",
        {
            "alert_id": str(alert.alert_id),
            "case_ref": case.reference,
            "acknowledged_at": "2026-03-01T22:15:00Z",
            "action": "searching",
        },
        conversation=xk.link.conversation,
        purpose="protection",
        legal_basis="vital_interests",
        consent_ref=None,
        in_reply_to=str(xk.message_id),
    )
    xk.refresh_from_db()
    assert xk.acknowledged_at == dt.datetime(2026, 3, 1, 22, 15, tzinfo=dt.UTC)
    assert xk.action == "searching"
    assert {r.recipient.country: r.progress for r in alerts.rows(alert)} == {"XK": "acknowledged", "RS": "sent"}


def test_an_acknowledgement_of_another_alert_changes_nothing(two):
    case = route_case(two)
    alert = alerts.send(case, by=two.focal, alert_kind="missing_child", contact_point="Duty desk")
    xk = alert.recipients.get()
    body = {"alert_id": str(uuid.uuid4()), "case_ref": case.reference, "acknowledged_at": "2026-03-01T22:15:00Z"}
    two.receive(
        "route_alert_ack",
        {**body, "action": "searching"},
        conversation=xk.link.conversation,
        purpose="protection",
        legal_basis="vital_interests",
        consent_ref=None,
        in_reply_to=str(xk.message_id),
    )
    xk.refresh_from_db()
    assert xk.acknowledged_at is None


@pytest.mark.parametrize("country", ["FR", "ME"])  # no node at all; a revoked node
def test_an_alert_to_a_country_not_on_the_trust_list_is_refused_and_audited(two, country):
    case = route_case(two)
    with pytest.raises(ValidationError) as err:
        alerts.send(case, by=two.focal, alert_kind="missing_child", countries=[country], contact_point="Duty desk")
    assert "countries" in err.value.error_dict
    assert not sent_alerts() and not RouteAlert.objects.exists() and not Link.objects.exists()
    assert refused("route alert")


def test_a_route_country_without_a_node_is_reported_not_refused(two):
    case = route_case(two, route=("HU", "XK"))
    found, unreachable = alerts.targets(case, [])
    assert [t.country for t in found] == ["XK"] and unreachable == ["HU"]


def test_an_alert_with_no_country_to_alert_is_refused(two):
    case = route_case(two, route=())
    with pytest.raises(ValidationError):
        alerts.send(case, by=two.focal, alert_kind="missing_child", contact_point="Duty desk")
    assert not sent_alerts()


def test_a_missing_child_alert_is_refused_on_an_adults_case(two):
    case = two.case()
    casework.add_event(case, by=two.focal, type="Transit", country="XK")
    with pytest.raises(ValidationError):
        alerts.send(case, by=two.focal, alert_kind="missing_child", contact_point="Duty desk")
    alert = alerts.send(case, by=two.focal, alert_kind="immediate_danger", contact_point="Duty desk")
    assert alert.recipients.count() == 1


def test_the_origin_of_an_applicant_for_protection_needs_a_recorded_reason(two):
    case = route_case(two, route=("RS",), nationality="XK", asylum_seeker=True)
    with pytest.raises(ValidationError) as err:
        alerts.send(
            case,
            by=two.focal,
            alert_kind="missing_child",
            countries=["XK"],
            contact_point="Duty desk",
            share_identity=True,
        )
    assert "safe_reason" in err.value.error_dict
    assert not sent_alerts() and not RouteAlert.objects.exists()
    assert refused("route alert")
    # Without the origin: sent, identity included.
    alert = alerts.send(case, by=two.focal, alert_kind="missing_child", contact_point="Duty", share_identity=True)
    assert [r.country for r in alert.recipients.all()] == ["RS"]
    # With a reason: the origin is alerted, the reason kept encrypted and audited by name only.
    reason = "She asked us to tell her mother's police station; synthetic reason."
    alert = alerts.send(
        case,
        by=two.focal,
        alert_kind="missing_child",
        countries=["XK"],
        contact_point="Duty desk",
        share_identity=True,
        safe_reason=reason,
    )
    assert sorted(r.country for r in alert.recipients.all()) == ["RS", "XK"]
    assert RouteAlert.objects.get(pk=alert.pk).safe_reason == reason
    with connection.cursor() as cursor:
        cursor.execute("SELECT safe_reason FROM transnational_routealert WHERE id = %s", [alert.pk])
        assert "mother" not in str(cursor.fetchone()[0])
    entry = AuditEvent.objects.get(action="decide", object_ref=case.reference)
    assert entry.fields == ["safe_reason"] and "mother" not in entry.note


def test_only_the_focal_point_sends_and_acknowledges(two):
    case = route_case(two)
    with pytest.raises(PermissionDenied):
        alerts.send(case, by=two.responder, alert_kind="missing_child", contact_point="Duty desk")
    assert not sent_alerts()


def received_alert(two: Any, **body: Any) -> Link:
    conversation = uuid.uuid4()
    two.receive(
        "route_alert",
        {
            "alert_id": str(uuid.uuid4()),
            "case_ref": "XK-2026-0061",
            "alert_kind": "missing_child",
            "is_child": True,
            "countries_alerted": ["SE", "RS"],
            "contact_point": "Duty officer",
            **body,
        },
        conversation=conversation,
        purpose="protection",
        legal_basis="vital_interests",
        consent_ref=None,
    )
    return Link.objects.get(conversation=conversation)


def test_a_received_alert_opens_an_urgent_conversation_that_a_person_acknowledges(two):
    link = received_alert(two)
    assert link.urgent and link.direction == Direction.INCOMING and link.case is None
    recipient = AlertRecipient.objects.get(link=link)
    assert recipient.alert.direction == Direction.INCOMING and recipient.acknowledged_at is None
    alerts.acknowledge(link, by=two.focal, action="alert_circulated", contact_point="Border desk")
    recipient.refresh_from_db()
    assert recipient.acknowledged_by == two.focal and recipient.acknowledged_at is not None
    ack = OutboxMessage.objects.get(type="route_alert_ack")
    assert ack.recipient == PEER and ack.conversation == link.conversation
    assert ack.envelope["in_reply_to"] == str(two.net_inbox("route_alert").message_id)
    assert ack.envelope["body"]["alert_id"] == str(recipient.alert.alert_id)
    assert ack.envelope["legal_basis"] == "vital_interests"
    with pytest.raises(Conflict):
        alerts.acknowledge(link, by=two.focal, action="searching")
    assert OutboxMessage.objects.filter(type="route_alert_ack").count() == 1


def test_a_received_alert_without_route_or_nationality_proposes_no_role_for_its_sender(two):
    # The sender may be a transit country as well as the destination: nothing is guessed.
    assert received_alert(two).peer_role == ""
    shared = received_alert(two, identity={"family_name": "-", "given_names": "-", "claimed_nationality": "XK"})
    assert shared.peer_role == CountryRole.ORIGIN


def test_an_acknowledgement_needs_an_action_and_the_focal_points_role(two):
    link = received_alert(two)
    with pytest.raises(ValidationError):
        alerts.acknowledge(link, by=two.focal, action="nothing")
    with pytest.raises(PermissionDenied):
        alerts.acknowledge(link, by=two.responder, action="searching")
    assert not OutboxMessage.objects.filter(type="route_alert_ack").exists()
    assert AlertRecipient.objects.get(link=link).acknowledged_at is None


def test_a_conversation_without_an_alert_has_nothing_to_acknowledge(two):
    case = two.case()
    from trm.transnational import workflows

    link = workflows.send_referral(case, by=two.focal, to_node=PEER, services=["shelter"])
    with pytest.raises(Conflict):
        alerts.acknowledge(link, by=two.focal, action="searching")


# --- pages ---------------------------------------------------------------------------------------------


def test_the_alert_page_starts_from_a_case_and_shows_the_route(two):
    case = route_case(two, route=("HU", "XK"))
    client = verified_client(two.focal)
    page = client.get(reverse("transnational:alert_new", args=[case.reference]))
    assert page.status_code == 200
    assert page.context["route"] == ["HU", "XK"] and page.context["unreachable"] == ["HU"]
    assert page.context["form"].initial["alert_kind"] == "missing_child"
    answer = client.post(
        reverse("transnational:alert_new", args=[case.reference]),
        {"alert_kind": "missing_child", "countries": ["RS"], "contact_point": "Duty desk"},
    )
    alert = RouteAlert.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("transnational:alert", args=[alert.alert_id])
    page = client.get(answer["Location"])
    assert page.status_code == 200 and [r.progress for r in page.context["rows"]] == ["sent", "sent"]
    assert client.get(reverse("transnational:alerts")).status_code == 200


def test_the_alert_page_refuses_bad_input_and_stores_nothing(two):
    case = route_case(two)
    client = verified_client(two.focal)
    url = reverse("transnational:alert_new", args=[case.reference])
    assert client.post(url, {"alert_kind": "missing_child"}).status_code == 400  # no contact point
    assert client.post(url, {"alert_kind": "nope", "contact_point": "x"}).status_code == 400
    assert (
        client.post(url, {"alert_kind": "missing_child", "contact_point": "x", "countries": ["FR"]}).status_code == 400
    )
    future = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    answer = client.post(url, {"alert_kind": "missing_child", "contact_point": "x", "last_seen_on": future})
    assert answer.status_code == 400
    assert not RouteAlert.objects.exists() and not sent_alerts()


@pytest.mark.parametrize("role", [Role.FIRST_RESPONDER, Role.GUARDIAN, Role.COMPETENT_AUTHORITY, Role.NODE_ADMIN])
def test_the_alert_pages_refuse_other_roles(two, role):
    case = route_case(two)
    alert = alerts.send(case, by=two.focal, alert_kind="missing_child", contact_point="Duty desk")
    client = verified_client(make_user(role))
    for url in (
        reverse("transnational:alert_new", args=[case.reference]),
        reverse("transnational:alert", args=[alert.alert_id]),
        reverse("transnational:alerts"),
    ):
        assert client.get(url).status_code in (403, 404)
    link = alert.recipients.get().link
    answer = client.post(reverse("transnational:act", args=[link.conversation, "role"]), {"role": "origin"})
    assert answer.status_code in (403, 404)


def test_an_unknown_alert_or_case_is_a_404(two):
    client = verified_client(two.focal)
    assert client.get(reverse("transnational:alert", args=[uuid.uuid4()])).status_code == 404
    assert client.get(reverse("transnational:alert_new", args=["SE-NOPE-0000"])).status_code == 404


def test_the_conversation_page_acknowledges_a_received_alert(two):
    link = received_alert(two)
    client = verified_client(two.focal)
    page = client.get(reverse("transnational:detail", args=[link.conversation]))
    assert page.status_code == 200 and page.context["alert"] is not None
    html = page.content.decode()
    assert "<h1>Alert along the route received</h1>" in html and "Referral received" not in html
    assert 'id="h-answer"' not in html  # an alert is acknowledged, not accepted or questioned as a referral
    url = reverse("transnational:act", args=[link.conversation, "acknowledge"])
    assert client.post(url, {"action": "nope"}).status_code == 400
    assert not OutboxMessage.objects.filter(type="route_alert_ack").exists()
    assert client.post(url, {"action": "searching"}).status_code == 302
    assert client.post(url, {"action": "searching"}).status_code == 409
    assert OutboxMessage.objects.filter(type="route_alert_ack").count() == 1
    page = client.get(reverse("transnational:detail", args=[link.conversation]))
    assert b"alert-acknowledged" in page.content


# --- API ---------------------------------------------------------------------------------------------


def test_the_api_sends_an_alert_and_shows_its_progress(two):
    case = route_case(two)
    client = verified_client(two.focal)
    answer = client.post(
        "/api/transnational/alerts",
        {"case": case.reference, "alert_kind": "missing_child", "countries": ["RS"], "contact_point": "Duty desk"},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert sorted(r["country"] for r in data["recipients"]) == ["RS", "XK"]
    assert {r["progress"] for r in data["recipients"]} == {"sent"}
    again = client.get(f"/api/transnational/alerts/{data['alert_id']}")
    assert again.status_code == 200 and again.json()["alert_id"] == data["alert_id"]
    assert client.get(f"/api/transnational/alerts/{uuid.uuid4()}").status_code == 404


def test_the_api_refuses_bad_alerts_and_other_roles(two):
    case = route_case(two)
    client = verified_client(two.focal)
    body = {"case": case.reference, "alert_kind": "missing_child", "contact_point": "Duty desk"}
    assert (
        client.post(
            "/api/transnational/alerts", {**body, "countries": ["FR"]}, content_type="application/json"
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/api/transnational/alerts", {**body, "alert_kind": "nope"}, content_type="application/json"
        ).status_code
        == 400
    )
    other = verified_client(two.responder)
    assert other.post("/api/transnational/alerts", body, content_type="application/json").status_code == 403
    assert not RouteAlert.objects.exists()


def test_the_api_acknowledges_a_received_alert(two):
    link = received_alert(two)
    client = verified_client(two.focal)
    url = f"/api/transnational/{link.conversation}/acknowledge"
    assert client.post(url, {"action": "nope"}, content_type="application/json").status_code == 400
    assert (
        verified_client(two.responder).post(url, {"action": "searching"}, content_type="application/json").status_code
        == 403
    )
    assert client.post(url, {"action": "searching"}, content_type="application/json").status_code == 200
    assert client.post(url, {"action": "searching"}, content_type="application/json").status_code == 409


class _Episodes:
    """What ``alerts.prefill`` reads of a case's missing episodes (the cases app's relation)."""

    def __init__(self, *episodes: Any) -> None:
        self.episodes = list(episodes)

    def filter(self, **lookup: Any) -> _Episodes:
        return _Episodes(*[e for e in self.episodes if e.found_at is None])

    def first(self) -> Any:
        return self.episodes[0] if self.episodes else None


def test_the_alert_form_starts_from_the_open_missing_episode(two):
    from trm.cases import missing

    case = route_case(two)
    assert alerts.prefill(case) == {"alert_kind": "missing_child"}
    seen = timezone.now() - dt.timedelta(hours=5)
    episode = missing.record_missing(case, by=two.focal, last_seen_at=seen, last_seen_place="Bus station")
    missing.record_police_report(episode, by=two.focal, reference="PR-7")
    assert alerts.prefill(case) == {
        "alert_kind": "missing_child",
        "source_ref": f"missing-{episode.pk}",
        "last_seen_on": timezone.localdate(seen),
        "police_report_ref": "PR-7",
    }


def test_the_alert_page_says_in_words_what_the_alert_started_from(two):
    from trm.cases import missing

    case = route_case(two, route=("RS",))
    episode = missing.record_missing(
        case, by=two.focal, last_seen_at=timezone.now() - dt.timedelta(hours=1), last_seen_place="Bus station"
    )
    alert = alerts.send(
        case, by=two.focal, alert_kind="missing_child", contact_point="Duty desk", source_ref=f"missing-{episode.pk}"
    )
    page = verified_client(two.focal).get(reverse("transnational:alert", args=[alert.alert_id])).content.decode()
    assert "The record of the person going missing" in page
    assert f"missing-{episode.pk}" not in page
    assert alerts.source_label("") == ""
    assert alerts.source_label("other-7") == "Another record of the case"


def test_an_open_missing_episode_offers_the_alert_to_the_focal_point_only(two):
    from django.test import RequestFactory

    from tests.factories import verified_client
    from trm.cases import missing

    case = route_case(two)
    missing.record_missing(
        case, by=two.focal, last_seen_at=timezone.now() - dt.timedelta(hours=2), last_seen_place="Bus station"
    )
    alert_url = f"/transnational/alerts/new/{case.reference}/"
    page = verified_client(two.focal).get(f"/cases/{case.reference}/").content.decode()
    assert alert_url in page
    # Whoever may not send transnational messages is offered nothing (the factory checks it).
    request = RequestFactory().get("/")
    request.user = two.responder
    assert missing.offers_for(request, case.missing_episodes.get()) == []

"""Accepting a referral keeps everything or nothing; what the carried consent does not cover is refused."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.cases.builders import days_ago
from tests.factories import make_org, verified_client
from tests.referrals.builders import add_provider
from trm.audit.models import AuditEvent
from trm.cases import casework
from trm.cases.models import Case, Consent, Counterpart, ForeignDecision, Person, TraffickingEvent
from trm.exchange.models import OutboxMessage
from trm.lib.refusals import Conflict
from trm.referrals import routing
from trm.referrals.models import Referral
from trm.transnational import workflows
from trm.transnational.models import Link, LinkStatus


def notification(**extra: Any) -> dict[str, Any]:
    body = {
        "case_ref": "XK-REF-9",
        "nationality": "AL",
        "is_child": False,
        "age_band": "25-34",
        "gender": "female",
        "exploitation_types": ["forced_begging"],
        "urgency": "routine",
        "identity": {"family_name": "Synthetica", "given_names": "Era", "date_of_birth": "1996-02-03"},
        "identity_consent": True,
        "detected_on": days_ago(20).isoformat(),
        "route": [{"stage": "exploitation", "country": "XK", "exploitation_type": "forced_begging"}],
        "identification": {"status": "rg_positive", "decided_on": days_ago(5).isoformat(), "authority": "XK Board"},
        "consent": {
            "given_on": days_ago(6).isoformat(),
            "purposes": ["assistance"],
            "recipient_countries": ["SE"],
        },
    }
    body.update(extra)
    return {k: v for k, v in body.items() if v is not None}


def offered(two, **extra: Any) -> Link:
    conversation = uuid.uuid4()
    two.receive("case_notification", notification(**extra), conversation=conversation)
    two.receive("referral_offer", {"case_ref": "XK-REF-9", "services": ["shelter"]}, conversation=conversation)
    return Link.objects.get(conversation=conversation)


def nothing_kept() -> bool:
    return not (
        Case.objects.exists()
        or Person.objects.exists()
        or Consent.objects.exists()
        or Counterpart.objects.exists()
        or ForeignDecision.objects.exists()
        or TraffickingEvent.objects.exists()
        or OutboxMessage.objects.filter(type="referral_accept").exists()
    )


def test_a_route_that_cannot_be_kept_refuses_the_acceptance_and_keeps_nothing(two):
    link = offered(
        two, route=[{"stage": "recruitment", "country": "AL", "start_date": "1990-01-01"}]
    )  # before the person's birth
    with pytest.raises(ValidationError, match="Stage 1 of the route received cannot be kept"):
        workflows.accept(link, by=two.focal)
    link.refresh_from_db()
    assert link.status == LinkStatus.OFFERED and link.case_id is None
    assert nothing_kept()


def test_a_failure_when_answering_keeps_nothing_either(two, monkeypatch):
    from trm.exchange import outbox

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("outbox unavailable")

    link = offered(two)
    monkeypatch.setattr(outbox, "enqueue", broken)
    with pytest.raises(RuntimeError):
        workflows.accept(link, by=two.focal)
    link.refresh_from_db()
    assert link.status == LinkStatus.OFFERED and nothing_kept()


def test_accepting_twice_is_a_conflict_audited_and_stores_nothing_more(two):
    link = offered(two)
    client = verified_client(two.focal)
    url = reverse("transnational:act", args=[link.conversation, "accept"])
    assert client.post(url).status_code == 302
    response = client.post(url)
    assert response.status_code == 409 and "cannot be accept" in response.content.decode()
    api = client.post(f"/api/transnational/{link.conversation}/accept", content_type="application/json")
    assert api.status_code == 409
    assert Case.objects.count() == 1 and OutboxMessage.objects.filter(type="referral_accept").count() == 1
    assert AuditEvent.objects.filter(action="refused", object_ref=str(link.conversation)).count() == 2


def test_accepting_after_the_sender_withdrew_is_a_conflict(two):
    link = offered(two)
    two.receive(
        "referral_withdraw",
        {"case_ref": "XK-REF-9", "offer_id": str(link.offer_message_id), "reason": "person_declined"},
        conversation=link.conversation,
    )
    with pytest.raises(Conflict):
        workflows.accept(link, by=two.focal)
    response = verified_client(two.focal).post(reverse("transnational:act", args=[link.conversation, "accept"]))
    assert response.status_code == 409
    assert AuditEvent.objects.filter(action="refused", object_ref=str(link.conversation)).exists()
    assert nothing_kept()


def test_the_other_countrys_decision_does_not_move_this_nodes_procedure(two):
    case = workflows.accept(offered(two), by=two.focal).case
    assert case.state == "detected" and not case.decisions.exists()
    decision = case.foreign_decisions.get()
    assert (decision.country, decision.status, decision.authority) == ("XK", "rg_positive", "XK Board")
    assert case.detected_on == days_ago(20) and case.detection_country == "XK"


def test_a_form_named_without_a_stage_becomes_a_stage_in_the_detection_country(two):
    case = workflows.accept(offered(two, exploitation_types=["sexual", "labour"], route=None), by=two.focal).case
    stages = {(e.type, e.country, e.exploitation_type) for e in case.events.all()}
    assert stages == {("Exploitation", "XK", "SexualExploitation"), ("Exploitation", "XK", "ForcedLabour")}


def test_an_old_sender_without_the_new_members_still_opens_a_case(two):
    body = notification()
    for key in ("detected_on", "route", "identification", "consent"):
        body.pop(key)
    conversation = uuid.uuid4()
    two.receive("case_notification", body, conversation=conversation)
    two.receive("referral_offer", {"case_ref": "XK-REF-9", "services": ["shelter"]}, conversation=conversation)
    case = workflows.accept(Link.objects.get(conversation=conversation), by=two.focal).case
    assert case.detected_on == timezone.localdate() and not case.consents.exists()
    assert case.exploitation_list() == ["ForcedBegging"] and case.counterparts.get().case_ref == "XK-REF-9"


# --- national referrals under a carried consent ---------------------------------------------


def shelter(by: Any) -> Any:
    return add_provider(make_org(name="Safe House"), by=by)


def test_an_expired_carried_consent_covers_no_referral(two):
    scope = {"given_on": days_ago(300).isoformat(), "purposes": ["assistance"], "recipient_countries": ["SE"],
             "expires_on": days_ago(1).isoformat()}  # fmt: skip
    case = workflows.accept(offered(two, consent=scope), by=two.focal).case
    with pytest.raises(ValidationError, match="expired on") as err:
        routing.refer(case, to=shelter(two.focal), service="shelter", field_set="shelter", by=two.focal)
    assert err.value.code == "outside_carried_consent" and not Referral.objects.exists()


def test_a_carried_consent_for_another_purpose_or_country_covers_no_referral(two):
    scope = {"given_on": days_ago(3).isoformat(), "purposes": ["identification"], "recipient_countries": ["SE"]}
    case = workflows.accept(offered(two, consent=scope), by=two.focal).case
    provider = shelter(two.focal)
    with pytest.raises(ValidationError, match="it covers referral for identification, not assistance"):
        routing.refer(case, to=provider, service="shelter", field_set="shelter", by=two.focal)
    scope = {"given_on": days_ago(3).isoformat(), "purposes": ["assistance"], "recipient_countries": ["DE"]}
    case = workflows.accept(offered(two, consent=scope), by=two.focal).case
    with pytest.raises(ValidationError, match="does not name Sweden among the countries"):
        routing.refer(case, to=provider, service="shelter", field_set="shelter", by=two.focal)
    assert not Referral.objects.exists()


def test_a_closed_case_is_referred_nowhere(two):
    case = workflows.accept(offered(two), by=two.focal).case
    provider = shelter(two.focal)
    casework.close(case, by=two.focal, reason="recovered")
    with pytest.raises(ValidationError, match="The case is closed"):
        routing.refer(case, to=provider, service="shelter", field_set="shelter", by=two.focal)
    response = verified_client(two.focal).post(
        reverse("referrals:new", args=[case.reference]),
        {"provider": provider.pk, "service": "shelter", "field_set": "shelter"},
    )
    assert response.status_code == 403 and not Referral.objects.exists()
    assert AuditEvent.objects.filter(action="refused", object_ref=case.reference).exists()


def test_a_consent_recorded_here_still_covers_what_the_carried_one_does_not(two):
    from trm.cases import consent

    scope = {"given_on": days_ago(3).isoformat(), "purposes": ["identification"], "recipient_countries": ["SE"]}
    case = workflows.accept(offered(two, consent=scope), by=two.focal).case
    consent.give(case, purpose="assistance", language="sq", by=two.focal)
    referral = routing.refer(case, to=shelter(two.focal), service="shelter", field_set="shelter", by=two.focal)
    assert not referral.consent.is_carried


def test_the_carried_consent_is_no_basis_to_send_the_case_on(two):
    from tests.exchange.shell_support import PEER

    scope = {"given_on": days_ago(3).isoformat(), "purposes": ["assistance"], "recipient_countries": ["SE", "XK"]}
    case = workflows.accept(offered(two, consent=scope), by=two.focal).case
    with pytest.raises(Conflict, match="not consented"):
        workflows.send_referral(case, by=two.focal, to_node=PEER, services=["shelter"])


def test_the_receiver_withdrawing_the_carried_consent_here_ends_the_referrals_on_it(two):
    from trm.cases import consent

    case = workflows.accept(offered(two), by=two.focal).case
    referral = routing.refer(case, to=shelter(two.focal), service="shelter", field_set="shelter", by=two.focal)
    consent.withdraw(case.consents.get(), by=two.focal)
    referral.refresh_from_db()
    assert referral.status == "withdrawn"
    assert two.sent("consent_withdrawn") == []  # this node sent nothing on it


def test_when_given_is_checked_against_the_clock(two):
    scope = {"given_on": (timezone.localdate() + dt.timedelta(days=5)).isoformat(), "purposes": ["assistance"],
             "recipient_countries": ["SE"]}  # fmt: skip
    with pytest.raises(ValidationError, match="future"):
        workflows.accept(offered(two, consent=scope), by=two.focal)
    assert nothing_kept()

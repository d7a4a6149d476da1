"""The sending side: a consent's scope decides where the case may go, and travels with it."""

from __future__ import annotations

import pytest

from tests.cases.builders import days_ago
from tests.exchange.shell_support import PEER
from trm.cases import consent
from trm.lib.refusals import Conflict
from trm.transnational import workflows
from trm.transnational.models import Link


def scoped(case, by, **overrides):
    data = {
        "purposes": ["assistance"],
        "recipient_countries": ["XK"],
        "recipient_kinds": ["NGO", "HealthServiceOrganisation"],
    }
    data.update(overrides)
    return consent.give(case, purpose="transnational_referral", language="ro", by=by, **data)


def test_a_consent_naming_other_countries_is_no_basis_to_send_here(two):
    case = two.case(consented=False)
    scoped(case, two.focal, recipient_countries=["BG"])
    with pytest.raises(Conflict, match="does not name this country"):
        workflows.send_referral(case, by=two.focal, to_node=PEER, services=["shelter"])
    assert two.sent() == [] and not Link.objects.exists()


def test_the_scope_goes_with_the_notification_and_the_preview_shows_it(two):
    case = two.case(consented=False)
    given = scoped(case, two.focal, expires_on=days_ago(-60))
    data = {"to_node": PEER, "services": ["shelter"]}
    (preview, _offer) = workflows.plan(case, kind="referral_offer", data=data, by=two.focal)
    link = workflows.send_referral(case, by=two.focal, **data)
    body = two.sent("case_notification")[0].envelope["body"]
    assert body["consent"] == preview.body["consent"]
    assert body["consent"]["recipient_countries"] == ["XK"]
    assert body["consent"]["recipient_kinds"] == ["health", "ngo"]
    assert body["consent"]["expires_on"] == days_ago(-60).isoformat()
    assert link.consent == given


def test_a_consent_without_a_scope_sends_none_and_a_child_never(two):
    workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["shelter"])
    assert "consent" not in two.sent("case_notification")[0].envelope["body"]
    child = two.child_case()
    workflows.send_referral(child, by=two.focal, to_node=PEER, services=["family_reunification"])
    body = two.sent("case_notification")[-1].envelope["body"]
    assert "consent" not in body and body["identification"] == {"status": "not_decided"}

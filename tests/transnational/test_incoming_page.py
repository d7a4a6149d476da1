"""A received referral's page leads with what the decision needs, as labels, before any button."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.exchange.shell_support import PEER
from tests.factories import make_user, verified_client
from trm.accounts.roles import Role
from trm.exchange.models import OutboxMessage
from trm.transnational import access, workflows
from trm.transnational.models import Link, LinkStatus

from .test_rendering import FULL

OTHERS = [r for r in Role if r != Role.FOCAL_POINT]


def rich_offer(two, *, respond_in: int = 3, **offer) -> Link:
    """A notification carrying route, identification, permits and consent, then an offer with needs."""
    conversation = uuid.uuid4()
    notification = {**FULL["case_notification"], "case_ref": "XK-REF-7", "nationality": "AL"}
    two.receive("case_notification", notification, conversation=conversation, handling=_handling("H0", "H2"))
    body = {
        "case_ref": "XK-REF-7",
        "services": ["shelter", "psychological"],
        "needs_summary": "A ground-floor room <b>and</b> weekly counselling.",
        "health": {"needs": ["mental_health"], "summary": "Sleeps badly."},
        "health_consent": True,
        "respond_by": (timezone.localdate() + dt.timedelta(days=respond_in)).isoformat(),
        **offer,
    }
    two.receive("referral_offer", body, conversation=conversation, handling=_handling("H0", "H2"))
    return Link.objects.get(conversation=conversation)


def _handling(*codes: str):
    from trm.exchange.messages import Handling

    return Handling(codes)


def _main(html: str) -> str:
    return html[html.index("<main") :]


def _before_first_control(html: str) -> str:
    main = _main(html)
    first = min(i for i in (main.find("<button"), main.find("<form")) if i >= 0)
    return main[:first]


def test_the_decision_brief_comes_before_any_button(two):
    link = rich_offer(two)
    page = verified_client(two.focal).get(reverse("transnational:detail", args=[link.conversation])).content.decode()
    brief = _before_first_control(page)
    for label in (
        "Who the person is",
        "18 to 24 years",
        "Albania",
        "Albanian",  # language
        "Testova",  # identity, shared with consent
        "What happened",
        "Forced labour",
        "Exploitation of criminal activities",
        "Recruitment",
        "Presumed victim (reasonable grounds)",
        "Test Police Directorate",
        "What is asked",
        "Shelter, Psychological support",
        "Risk and security assessment, Continuity of services",
        "Priority",
        "A ground-floor room &lt;b&gt;and&lt;/b&gt; weekly counselling.",
        "Mental health care",
        "Answer needed by",
        "(in 3 days)",
        "Legal basis",
        "The person&#x27;s consent",
        "CONSENT-7",
        "Purposes consented to",
        "North Macedonia",
        "Handling restrictions",
        "No onward transmission without the sender&#x27;s permission",
        "Use only for the stated purpose",
    ):
        assert label in brief, label
    assert "<b>and</b>" not in page  # what a peer wrote is escaped
    for code in ("forced_criminality", "rg_positive", "mental_health", "service_continuity", "['", "True"):
        assert code not in brief, code


def test_an_overdue_answer_says_so(two):
    link = rich_offer(two, respond_in=-2)
    page = verified_client(two.focal).get(reverse("transnational:detail", args=[link.conversation])).content.decode()
    assert "(2 days overdue)" in _before_first_control(page)


def test_the_actions_follow_accept_decline_and_ask(two):
    link = rich_offer(two)
    page = _main(
        verified_client(two.focal).get(reverse("transnational:detail", args=[link.conversation])).content.decode()
    )
    accept, decline = page.index("Accept the referral"), page.index(">Decline</button>")
    ask = page.index("?message=information_request")
    assert page.index("Who the person is") < accept < decline < ask


def test_the_decline_reason_is_not_chosen_for_the_focal_point(two):
    link = rich_offer(two)
    page = verified_client(two.focal).get(reverse("transnational:detail", args=[link.conversation])).content.decode()
    select = re.search(r'<select name="reason"[^>]*>(.*?)</select>', page, re.DOTALL)
    assert select is not None and "required" in select.group(0)
    options = re.findall(r"<option[^>]*>[^<]*</option>", select.group(1))
    assert options[0] == '<option value="" selected>Choose a reason</option>'
    assert not any("selected" in option for option in options[1:])


def test_an_empty_decline_is_refused_with_a_clear_message_and_nothing_changes(two):
    link = rich_offer(two)
    client = verified_client(two.focal)
    response = client.post(reverse("transnational:act", args=[link.conversation, "decline"]), {"reason": ""})
    assert response.status_code == 400
    assert "Choose the reason for declining." in response.content.decode()
    link.refresh_from_db()
    assert link.status == LinkStatus.OFFERED and not OutboxMessage.objects.filter(type="referral_decline").exists()


def test_the_raw_message_is_behind_a_toggle_pretty_printed_and_escaped(two):
    link = rich_offer(two)
    page = verified_client(two.focal).get(reverse("transnational:detail", args=[link.conversation])).content.decode()
    raw = page[page.index("Raw message (trm/1 JSON)") :]
    assert "<details>" in page and "<pre><code>{\n" in raw
    assert "&quot;needs_summary&quot;: &quot;A ground-floor room &lt;b&gt;and&lt;/b&gt;" in raw


def test_only_the_focal_point_reads_raw_messages(two):
    link = rich_offer(two)
    assert access.may_read_raw(two.focal)
    for role in OTHERS:
        user = make_user(role, org=two.focal.organisation)
        assert not access.may_read_raw(user)
        page = verified_client(user).get(reverse("transnational:detail", args=[link.conversation]))
        assert page.status_code == 404 and b"trm/1 JSON" not in page.content


def test_the_page_reads_in_bulgarian(two):
    link = rich_offer(two)
    client = verified_client(two.focal)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "bg"
    brief = _before_first_control(
        client.get(reverse("transnational:detail", args=[link.conversation])).content.decode()
    )
    assert "Албания" in brief and "Принудителен труд" in brief
    assert "forced_criminality" not in brief and "['" not in brief


def test_an_accepted_referral_no_longer_leads_with_the_decision(two):
    link = workflows.accept(rich_offer(two), by=two.focal)
    page = verified_client(two.focal).get(reverse("transnational:detail", args=[link.conversation])).content.decode()
    assert "Who the person is" not in page and "Accept the referral" not in page
    assert "Shelter, Psychological support" in page  # the services, as labels


@pytest.mark.parametrize("page", ["transnational:inbox", "dashboard:home"])
def test_the_lists_show_labels(two, page):
    rich_offer(two)
    html = verified_client(two.focal).get(reverse(page)).content.decode()
    assert "Shelter, Psychological support" in html and "shelter, psychological" not in html
    assert "Kosovo*" in html  # the peer's country by name


def test_the_sender_chooses_the_withdrawal_reason_too(two):
    link = workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["shelter"])
    client = verified_client(two.focal)
    page = client.get(reverse("transnational:detail", args=[link.conversation])).content.decode()
    select = re.search(r'<select name="reason"[^>]*>(.*?)</select>', page, re.DOTALL)
    assert select is not None and '<option value="" selected>Choose a reason</option>' in select.group(1)
    response = client.post(reverse("transnational:act", args=[link.conversation, "withdraw"]), {"reason": ""})
    assert response.status_code == 400 and "Choose the reason for withdrawing." in response.content.decode()
    link.refresh_from_db()
    assert link.status == LinkStatus.OFFERED and not OutboxMessage.objects.filter(type="referral_withdraw").exists()

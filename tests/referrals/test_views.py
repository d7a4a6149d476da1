from __future__ import annotations

import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import verified_client
from trm.audit.models import AuditEvent
from trm.cases import consent
from trm.referrals import routing
from trm.referrals.models import Provider, Referral, Status

UNSHARED = ("Testova", "1995", "Bus station")  # family name, year of birth, place of detection


def _html(response) -> str:
    return response.content.decode()


def test_the_state_worker_refers_through_the_form(world):
    case = world.presumed_victim()
    world.consent_for(case)
    client = verified_client(world.ca)
    url = reverse("referrals:new", args=[case.reference])
    assert client.get(url).status_code == 200
    response = client.post(url, {"provider": world.shelter_provider.pk, "service": "shelter", "field_set": "shelter",
                                 "needs": "Quiet room"})  # fmt: skip
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "referrals:detail", args=[referral.reference]
    )
    page = _html(client.get(response["Location"]))
    assert "What the provider sees" in page and referral.reference in page


def test_the_form_refuses_without_consent_with_a_clear_message_and_stores_nothing(world):
    case = world.presumed_victim()
    client = verified_client(world.ca)
    response = client.post(
        reverse("referrals:new", args=[case.reference]),
        {"provider": world.shelter_provider.pk, "service": "shelter", "field_set": "shelter"},
    )
    assert response.status_code == 400
    assert "has not consented" in _html(response)
    assert not Referral.objects.exists()
    assert AuditEvent.objects.filter(action="refused", note="400 POST referrals:new refer: no_consent").count() == 1


def test_the_form_refuses_a_service_not_offered_and_a_full_provider(world):
    case = world.presumed_victim()
    world.consent_for(case)
    client = verified_client(world.ca)
    url = reverse("referrals:new", args=[case.reference])
    response = client.post(url, {"provider": world.shelter_provider.pk, "service": "legal", "field_set": "legal_aid"})
    assert response.status_code == 400 and "does not offer this service" in _html(response)
    Provider.objects.filter(pk=world.shelter_provider.pk).update(free_places=0)
    response = client.post(url, {"provider": world.shelter_provider.pk, "service": "shelter", "field_set": "shelter"})
    assert response.status_code == 400 and "no free place" in _html(response)
    response = client.post(url, {"provider": "", "service": "bogus"})
    assert response.status_code == 400
    assert not Referral.objects.exists()


def test_the_provider_sees_only_the_shared_fields(world):
    referral = world.refer()
    page = _html(verified_client(world.shelter).get(reverse("referrals:detail", args=[referral.reference])))
    assert "Ana" in page and "Quiet" not in page and "quiet room" in page
    for value in UNSHARED:
        assert value not in page
    assert referral.case.reference not in page  # no link into the case
    assert reverse("cases:detail", args=[referral.case.reference]) not in page
    event = AuditEvent.objects.filter(object_ref=referral.reference, action="read").latest("seq")
    assert set(event.fields) == set(routing.fieldsets.shared_keys(referral))


def test_the_provider_cannot_open_the_case_itself(world):
    referral = world.refer()
    response = verified_client(world.shelter).get(reverse("cases:detail", args=[referral.case.reference]))
    assert response.status_code == 404


def test_another_provider_and_other_roles_get_404(world):
    referral = world.refer()
    url = reverse("referrals:detail", args=[referral.reference])
    assert verified_client(world.other_provider).get(url).status_code == 404
    assert verified_client(world.guardian).get(url).status_code == 404
    assert verified_client(world.police).get(url).status_code == 404
    # Roles that see no case content: the referral is out of reach, as for a made-up reference.
    for user in (world.dpo, world.rapporteur, world.admin):
        assert verified_client(user).get(url).status_code == 404


def test_a_field_that_was_not_shared_is_refused_and_audited(world):
    referral = world.refer()
    client = verified_client(world.shelter)
    ok = client.get(reverse("referrals:field", args=[referral.reference, "given_name"]))
    assert ok.status_code == 200 and "Ana" in _html(ok)
    refused = client.get(reverse("referrals:field", args=[referral.reference, "family_name"]))
    assert refused.status_code == 403
    assert "was not shared with your organisation" in _html(refused) and "Testova" not in _html(refused)
    assert (
        AuditEvent.objects.filter(
            action="refused", object_ref=referral.reference, note="403 GET referrals:field field not shared"
        ).count()
        == 1
    )
    assert client.get(reverse("referrals:field", args=[referral.reference, "nonsense"])).status_code == 404


def test_the_provider_accepts_records_services_and_the_referrer_reads_the_feedback(world):
    referral = world.refer()
    provider = verified_client(world.shelter)
    base = referral.reference
    assert provider.post(reverse("referrals:action", args=[base, "accept"])).status_code == 302
    response = provider.post(
        reverse("referrals:action", args=[base, "deliver"]),
        {"service": "shelter", "delivered_on": timezone.localdate().isoformat(), "description": "Room and meals"},
    )
    assert response.status_code == 302
    referrer = _html(verified_client(world.ca).get(reverse("referrals:detail", args=[base])))
    assert "Room and meals" in referrer and "In progress" in referrer
    response = provider.post(reverse("referrals:action", args=[base, "complete"]), {"report": "Moved on safely"})
    assert response.status_code == 302 and response["Location"] == reverse("referrals:list")
    assert provider.get(reverse("referrals:detail", args=[base])).status_code == 404  # access ended
    assert "Moved on safely" in _html(verified_client(world.ca).get(reverse("referrals:detail", args=[base])))


def test_bad_steps_are_400_and_change_nothing(world):
    referral = world.refer()
    provider = verified_client(world.shelter)
    assert provider.post(reverse("referrals:action", args=[referral.reference, "decline"]), {}).status_code == 400
    assert provider.post(reverse("referrals:action", args=[referral.reference, "complete"]),
                         {"report": "x"}).status_code == 400  # fmt: skip
    assert provider.post(reverse("referrals:action", args=[referral.reference, "nonsense"])).status_code == 404
    assert provider.post(reverse("referrals:action", args=[referral.reference, "withdraw"]),
                         {"reason": "not_needed"}).status_code == 403  # fmt: skip
    referral.refresh_from_db()
    assert referral.status == Status.OFFERED


def test_withdrawing_consent_ends_the_providers_access_in_html(world):
    referral = world.refer()
    provider = verified_client(world.shelter)
    url = reverse("referrals:detail", args=[referral.reference])
    assert provider.get(url).status_code == 200
    consent.withdraw(referral.consent, by=world.ca)
    assert provider.get(url).status_code == 404
    assert provider.get(reverse("referrals:pdf", args=[referral.reference])).status_code == 404
    assert referral.reference not in _html(provider.get(reverse("referrals:list")))
    referral.refresh_from_db()
    assert referral.status == "withdrawn" and referral.end_reason == "consent_withdrawn"
    assert verified_client(world.ca).get(url).status_code == 200


def test_the_referrer_withdraws(world):
    referral = world.refer()
    client = verified_client(world.ca)
    response = client.post(reverse("referrals:action", args=[referral.reference, "withdraw"]), {"reason": "not_needed"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.WITHDRAWN


def test_the_lists(world):
    referral = world.refer()
    assert referral.reference in _html(verified_client(world.shelter).get(reverse("referrals:list")))
    assert referral.reference not in _html(verified_client(world.other_provider).get(reverse("referrals:list")))
    page = _html(verified_client(world.ca).get(reverse("referrals:list") + "?status=active"))
    assert referral.reference in page
    assert verified_client(world.ca).get(reverse("referrals:list") + "?status=bogus").status_code == 400
    for user in (world.dpo, world.rapporteur, world.admin):
        assert verified_client(user).get(reverse("referrals:list")).status_code == 403
    start = verified_client(world.ca).get(reverse("referrals:start") + f"?case={referral.case.reference.lower()}")
    assert start["Location"] == reverse("referrals:new", args=[referral.case.reference])


def test_who_may_open_the_referral_form(world):
    case = world.presumed_victim()
    url = reverse("referrals:new", args=[case.reference])
    assert verified_client(world.focal).get(url).status_code == 200
    assert verified_client(world.shelter).get(url).status_code == 404
    assert verified_client(world.responder).get(url).status_code == 404  # no longer the responder's case
    assert verified_client(world.dpo).get(url).status_code == 404  # no case content: the case is out of reach
    assert verified_client(world.ca).get(reverse("referrals:new", args=["SE-NONE-NONE"])).status_code == 404


def _pdf_text(data: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed")
    path = tmp_path / "f.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_referral_form_pdf_holds_only_the_shared_fields(world, tmp_path):
    referral = world.refer()
    response = verified_client(world.shelter).get(reverse("referrals:pdf", args=[referral.reference]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content, tmp_path)
    assert referral.reference in text and "Ana" in text and "Safe House NGO" in text
    for value in UNSHARED:
        assert value not in text
    assert AuditEvent.objects.filter(action="export", object_ref=referral.reference).exists()


def test_the_receipt_has_no_personal_data(world, tmp_path):
    referral = world.refer()
    routing.accept(referral, by=world.shelter)
    response = verified_client(world.ca).get(reverse("referrals:receipt", args=[referral.reference]))
    text = _pdf_text(response.content, tmp_path)
    assert "Referral receipt" in text and referral.reference in text and "Accepted" in text
    assert "Ana" not in text and "Testova" not in text
    assert verified_client(world.other_provider).get(
        reverse("referrals:receipt", args=[referral.reference])).status_code == 404  # fmt: skip


def test_notifications_page(world):
    referral = world.refer()
    client = verified_client(world.shelter)
    page = _html(client.get(reverse("referrals:notifications")))
    assert f"New referral {referral.reference} awaits your answer." in page
    assert client.post(reverse("referrals:notifications")).status_code == 302
    assert not world.shelter.notifications.filter(read_at__isnull=True).exists()


def test_the_dashboard_panel_lists_referrals_awaiting_an_answer(world):
    referral = world.refer()
    Referral.objects.filter(pk=referral.pk).update(answer_due=timezone.localdate() - timezone.timedelta(days=2))
    page = _html(verified_client(world.shelter).get(reverse("dashboard:home")))
    assert referral.reference in page and "overdue" in page
    page = _html(verified_client(world.ca).get(reverse("dashboard:home")))
    assert referral.reference in page
    assert referral.reference not in _html(verified_client(world.other_provider).get(reverse("dashboard:home")))


def test_the_case_page_lists_referrals_and_offers_to_refer(world):
    referral = world.refer()
    page = _html(verified_client(world.ca).get(reverse("cases:detail", args=[referral.case.reference])))
    assert "Referrals to service providers" in page
    assert referral.reference in page
    assert reverse("referrals:new", args=[referral.case.reference]) in page


def test_a_notification_links_only_to_a_referral_one_may_still_open(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    referral = world.refer()
    client = verified_client(world.shelter)
    url = reverse("referrals:detail", args=[referral.reference])
    assert f'href="{url}"' in _html(client.get(reverse("referrals:notifications")))
    with django_capture_on_commit_callbacks(execute=True):
        routing.withdraw(referral, by=world.ca, reason="not_needed")
    page = _html(client.get(reverse("referrals:notifications")))
    assert f"Referral {referral.reference} was withdrawn" in page
    assert f'href="{url}"' not in page and page.count("You no longer have access to this referral.") == 2
    assert client.get(url).status_code == 404
    (mail,) = mailoutbox
    assert reverse("referrals:notifications") in mail.body and url not in mail.body

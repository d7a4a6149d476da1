from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from tests.cases.builders import detect
from trm.audit.models import AuditEvent
from trm.cases import casework, consent
from trm.referrals import access, directory, routing
from trm.referrals.models import Referral, Status


def _refused(world, fn, code):
    """The verb refuses with this code, the refusal is audited, and nothing is stored."""
    before = Referral.objects.count()
    with pytest.raises((ValidationError, PermissionDenied)) as exc, routing.audited_refusals(world.ca, what="refer"):
        fn()
    assert routing.refusal_code(exc.value).endswith(code)
    assert Referral.objects.count() == before
    assert AuditEvent.objects.filter(action="refused").latest("seq").note.endswith(code)
    return exc.value


def test_it_refers_a_presumed_victim_to_a_shelter(world):
    referral = world.refer()
    assert referral.status == Status.OFFERED
    assert referral.to_org == world.shelter_org
    assert referral.from_org == world.authority
    assert referral.basis == "consent"
    assert referral.answer_due >= timezone.localdate()
    event = AuditEvent.objects.filter(object_ref=referral.reference, action="send").get()
    assert "given_name" in event.fields and "family_name" not in event.fields
    assert "Ana" not in event.note


def test_the_focal_point_may_refer_any_case(world):
    case = world.presumed_victim()
    world.consent_for(case)
    assert world.refer(case, by=world.focal).referred_by == world.focal


def test_the_first_responder_may_no_longer_refer_a_case_with_the_authority(world):
    case = world.presumed_victim()
    world.consent_for(case)
    with pytest.raises(PermissionDenied):
        world.refer(case, by=world.responder)


def test_a_provider_may_not_refer(world):
    case = world.presumed_victim()
    world.consent_for(case)
    with pytest.raises(PermissionDenied):
        world.refer(case, by=world.shelter)


def test_the_provider_accepts_records_services_and_completes(world):
    referral = world.refer()
    routing.accept(referral, by=world.shelter)
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED and referral.holds_place and referral.start_due
    world.shelter_provider.refresh_from_db()
    assert world.shelter_provider.free_places == 2
    routing.record_service(
        referral, by=world.shelter, service="shelter", delivered_on=timezone.localdate(), description="Room given"
    )
    referral.refresh_from_db()
    assert referral.status == Status.IN_PROGRESS  # the first service starts the referral
    routing.complete(referral, by=world.shelter, report="Stayed two weeks; moved to long-term housing.")
    referral.refresh_from_db()
    assert referral.status == Status.COMPLETED and not referral.holds_place
    world.shelter_provider.refresh_from_db()
    assert world.shelter_provider.free_places == 3


def test_the_state_machine_is_the_table(world):
    assert routing.TRANSITIONS[Status.OFFERED] == {
        "accept": Status.ACCEPTED, "decline": Status.DECLINED, "withdraw": Status.WITHDRAWN,
    }  # fmt: skip
    for terminal in (Status.DECLINED, Status.COMPLETED, Status.WITHDRAWN):
        assert routing.TRANSITIONS[terminal] == {}
    referral = world.refer()
    with pytest.raises(ValidationError) as exc:
        routing.complete(referral, by=world.shelter, report="Done")
    assert exc.value.code == "invalid_transition"
    with pytest.raises(ValidationError):
        routing.start(referral, by=world.shelter)
    routing.decline(referral, by=world.shelter, reason="safety", note="Known to the exploiter")
    referral.refresh_from_db()
    assert referral.status == Status.DECLINED and referral.ended_at
    with pytest.raises(PermissionDenied):  # access ended with the decline
        routing.accept(referral, by=world.shelter)


def test_a_decline_needs_a_reason(world):
    referral = world.refer()
    with pytest.raises(ValidationError):
        routing.decline(referral, by=world.shelter, reason="")
    referral.refresh_from_db()
    assert referral.status == Status.OFFERED


def test_only_the_receiving_organisation_answers(world):
    referral = world.refer()
    for user in (world.other_provider, world.ca, world.focal):
        with pytest.raises(PermissionDenied):
            routing.accept(referral, by=user)


def test_only_the_referring_side_withdraws(world):
    referral = world.refer()
    with pytest.raises(PermissionDenied):
        routing.withdraw(referral, by=world.shelter, reason="not_needed")
    with pytest.raises(ValidationError):
        routing.withdraw(referral, by=world.ca, reason="completed")
    routing.accept(referral, by=world.shelter)
    routing.withdraw(referral, by=world.ca, reason="person_declined")
    referral.refresh_from_db()
    assert referral.status == Status.WITHDRAWN
    world.shelter_provider.refresh_from_db()
    assert world.shelter_provider.free_places == 3  # the place is given back
    with pytest.raises(Http404):
        access.get_referral_for(world.shelter, referral.reference)


def test_services_are_recorded_only_after_acceptance_and_not_in_the_future(world):
    referral = world.refer()
    with pytest.raises(ValidationError):
        routing.record_service(referral, by=world.shelter, service="shelter", delivered_on=timezone.localdate(),
                               description="x")  # fmt: skip
    routing.accept(referral, by=world.shelter)
    with pytest.raises(ValidationError):
        routing.record_service(referral, by=world.shelter, service="shelter",
                               delivered_on=timezone.localdate() + dt.timedelta(days=1), description="x")  # fmt: skip
    with pytest.raises(ValidationError):
        routing.record_service(referral, by=world.shelter, service="shelter", delivered_on=timezone.localdate(),
                               description="  ")  # fmt: skip
    with pytest.raises(ValidationError):
        routing.complete(referral, by=world.shelter, report="")


# ------------------------------------------------------------------------------------------
# Refusals: clear message, audited, nothing stored


def test_it_refuses_without_consent(world):
    case = world.presumed_victim()
    exc = _refused(world, lambda: world.refer(case), "no_consent")
    assert "consent" in " ".join(exc.messages)


def test_it_refuses_when_the_consent_names_another_recipient(world):
    case = world.presumed_victim()
    world.consent_for(case, recipients=[world.other_org])
    _refused(world, lambda: world.refer(case), "no_consent")


def test_it_refuses_after_the_consent_was_withdrawn(world):
    case = world.presumed_victim()
    item = world.consent_for(case)
    consent.withdraw(item, by=world.ca)
    _refused(world, lambda: world.refer(case), "no_consent")


def test_it_refuses_a_service_the_provider_does_not_offer(world):
    case = world.presumed_victim()
    world.consent_for(case)
    exc = _refused(world, lambda: world.refer(case, service="legal", field_set="legal_aid"), "service_not_offered")
    assert "does not offer" in " ".join(exc.messages)


def test_it_refuses_a_field_set_that_does_not_fit_the_service(world):
    case = world.presumed_victim()
    world.consent_for(case)
    _refused(world, lambda: world.refer(case, field_set="legal_aid"), "field_set")


def test_it_refuses_a_full_provider(world):
    directory.set_capacity(world.shelter_provider, by=world.shelter, free_places=0)
    case = world.presumed_victim()
    world.consent_for(case)
    exc = _refused(world, lambda: world.refer(case), "provider_full")
    assert "no free place" in " ".join(exc.messages)


def test_it_refuses_a_provider_that_does_not_accept_women(world):
    directory.update_provider(world.shelter_provider, by=world.focal, accepts_women=False)
    case = world.presumed_victim()
    world.consent_for(case)
    _refused(world, lambda: world.refer(case), "no_women")


def test_it_refuses_an_expired_agreement(world):
    directory.update_provider(world.shelter_provider, by=world.focal, mou_valid_until=dt.date(2020, 1, 1),
                              mou_valid_from=dt.date(2019, 1, 1))  # fmt: skip
    case = world.presumed_victim()
    world.consent_for(case)
    _refused(world, lambda: world.refer(case), "agreement_expired")


def test_it_refuses_an_unlisted_provider(world):
    directory.update_provider(world.shelter_provider, by=world.focal, is_active=False)
    case = world.presumed_victim()
    world.consent_for(case)
    _refused(world, lambda: world.refer(case), "not_listed")


def test_it_refuses_a_second_active_referral_for_the_same_service(world):
    referral = world.refer()
    _refused(world, lambda: world.refer(referral.case), "already_referred")


def test_it_refuses_a_closed_case(world):
    case = world.presumed_victim()
    world.consent_for(case)
    casework.close(case, by=world.ca, reason="recovered")
    _refused(world, lambda: world.refer(case), "case_closed")


def test_it_refuses_health_information_without_explicit_consent(world):
    directory.update_provider(world.shelter_provider, by=world.focal, services=["shelter", "medical"])
    case = world.presumed_victim()
    world.consent_for(case)
    _refused(world, lambda: world.refer(case, service="medical", field_set="medical", health_notes="Asthma"),
             "health_not_consented")  # fmt: skip
    _refused(world, lambda: world.refer(case, health_notes="Asthma"), "health_not_in_set")


# ------------------------------------------------------------------------------------------
# Children


def test_a_child_needs_the_guardian_or_a_best_interests_record(world):
    directory.update_provider(world.shelter_provider, by=world.focal, accepts_children=True)
    case = world.child_case()
    exc = _refused(world, lambda: world.refer(case), "child_without_guardian_or_best_interests")
    assert "guardian" in " ".join(exc.messages)
    world.best_interests(case)
    referral = world.refer(case)
    assert referral.basis == "best_interests"


def test_a_child_may_be_referred_with_the_guardians_consent(world):
    directory.update_provider(world.shelter_provider, by=world.focal, accepts_children=True)
    case = world.child_case()
    item = world.consent_for(case)
    assert item.given_by == "guardian"
    assert world.refer(case).basis == "consent"


def test_a_childs_own_consent_is_not_enough(world):
    directory.update_provider(world.shelter_provider, by=world.focal, accepts_children=True)
    case = world.child_case()
    consent.give(case, purpose="assistance", language="ro", by=world.ca, recipients=[world.shelter_org])
    from trm.cases.models import Consent

    Consent.objects.filter(case=case).update(given_by="person")
    _refused(world, lambda: world.refer(case), "child_without_guardian_or_best_interests")


def test_a_provider_that_does_not_accept_children_is_refused(world):
    case = world.child_case()
    world.best_interests(case)
    _refused(world, lambda: world.refer(case), "no_children")


# ------------------------------------------------------------------------------------------
# Capacity


def test_acceptance_takes_a_place_and_a_full_provider_cannot_accept(world):
    first = world.refer()
    directory.set_capacity(world.shelter_provider, by=world.shelter, free_places=1)
    second_case = world.presumed_victim()
    world.consent_for(second_case)
    second = world.refer(second_case)
    routing.accept(first, by=world.shelter)
    world.shelter_provider.refresh_from_db()
    assert world.shelter_provider.free_places == 0
    with pytest.raises(ValidationError) as exc:
        routing.accept(second, by=world.shelter)
    assert exc.value.code == "provider_full"
    second.refresh_from_db()
    assert second.status == Status.OFFERED


def test_a_provider_without_counted_places_is_never_full(world):
    case = world.presumed_victim()
    world.consent_for(case, recipients=[])
    referral = world.refer(case, to=world.legal_provider, service="legal", field_set="legal_aid")
    routing.accept(referral, by=world.other_provider)
    referral.refresh_from_db()
    assert not referral.holds_place


# ------------------------------------------------------------------------------------------
# Consent withdrawal ends access


def test_withdrawing_consent_ends_the_providers_access_at_once(world):
    referral = world.refer()
    routing.accept(referral, by=world.shelter)
    assert access.get_referral_for(world.shelter, referral.reference)
    consent.withdraw(referral.consent, by=world.ca)
    with pytest.raises(Http404):
        access.get_referral_for(world.shelter, referral.reference)
    assert not access.visible_referrals(world.shelter).exists()
    # The withdrawal itself withdrew the referral and freed the place; nothing is left to end.
    assert routing.end_for_withdrawn_consent(referral.consent, by=world.ca) == []
    referral.refresh_from_db()
    assert referral.status == Status.WITHDRAWN and referral.end_reason == "consent_withdrawn"
    world.shelter_provider.refresh_from_db()
    assert world.shelter_provider.free_places == 3


def test_the_sweep_ends_referrals_of_withdrawn_consents_and_closed_cases(world):
    first = world.refer()
    # A withdrawal recorded without the verb (e.g. restored from a backup) is caught by the sweep.
    type(first.consent).objects.filter(pk=first.consent_id).update(withdrawn_at=timezone.now())
    second = world.refer()
    casework.close(second.case, by=world.ca, reason="recovered")
    counts = routing.sweep()
    assert counts["consent_withdrawn"] == 1 and counts["case_closed"] == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == Status.WITHDRAWN
    assert routing.end_for_withdrawn_consent(first.consent) == []


def test_the_sweep_alerts_once_on_unanswered_referrals(world, mailoutbox, django_capture_on_commit_callbacks):
    referral = world.refer()
    Referral.objects.filter(pk=referral.pk).update(answer_due=timezone.localdate() - dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert routing.sweep()["overdue"] == 1
    assert routing.sweep()["overdue"] == 0
    kinds = set(referral.notifications.values_list("kind", flat=True))
    assert "overdue" in kinds
    assert any("not been answered in time" in m.subject for m in mailoutbox)


def test_detection_by_a_first_responder_may_refer_before_the_authority(world):
    case = detect(world.responder, gender="Feminine")
    consent.give(case, purpose="assistance", language="ro", by=world.responder)
    referral = world.refer(case, by=world.responder, field_set="minimal")
    assert referral.from_org == world.outreach


def test_withdrawing_the_consent_withdraws_the_referral_at_once(world):
    referral = world.refer()
    routing.accept(referral, by=world.shelter)
    free_before = type(world.shelter_provider).objects.get(pk=world.shelter_provider.pk).free_places
    consent.withdraw(referral.consent, by=world.ca)
    referral.refresh_from_db()
    assert referral.status == Status.WITHDRAWN
    assert type(world.shelter_provider).objects.get(pk=world.shelter_provider.pk).free_places == free_before + 1

"""A proceeding from investigation to a final judgment, and what each step refuses."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tests.justice.conftest import days_ago
from trm.audit.models import AuditEvent
from trm.cases import casework
from trm.justice import perpetrators, proceedings, stages, tallies
from trm.justice.models import Hearing, Perpetrator, Proceeding, Stage
from trm.lib.refusals import Conflict, ValidationError
from trm.transnational import returns


def test_it_runs_a_proceeding_through_every_stage(j):
    p = j.proceeding()
    assert p.stage == Stage.INVESTIGATION and p.organisation == j.office
    proceedings.record_content(
        p,
        by=j.police,
        court="District Court",
        file_reference="K-2026-114",
        evidence="She described the employer's threats.",
        assessed_on=days_ago(20),
        measures=["video", "protected_identity"],
        representative="Counsel Synthetic",
        legal_aid="granted",
    )
    p = proceedings.advance(p, by=j.police, event="charge", on=days_ago(10))
    assert (p.stage, p.charged_on) == (Stage.PROSECUTION, days_ago(10))
    p = proceedings.advance(p, by=j.prosecutor, event="open_trial", on=days_ago(5))
    p = proceedings.advance(p, by=j.prosecutor, event="judge", on=days_ago(2), outcome="convicted")
    assert (p.stage, p.outcome, p.judgment_on) == (Stage.JUDGMENT, "convicted", days_ago(2))
    p = proceedings.advance(p, by=j.prosecutor, event="appeal", on=days_ago(1))
    p = proceedings.advance(p, by=j.prosecutor, event="decide_appeal", on=days_ago(0), outcome="acquitted")
    p = proceedings.advance(p, by=j.prosecutor, event="close")
    p.refresh_from_db()
    assert (p.stage, p.outcome, p.measures) == (Stage.CLOSED, "acquitted", ["video", "protected_identity"])
    notes = list(AuditEvent.objects.filter(object_ref=p.reference).values_list("note", flat=True))
    assert {"charge", "open_trial", "judge", "appeal", "decide_appeal", "close"} <= set(notes)
    # Audit entries name fields, never their values.
    assert not AuditEvent.objects.filter(fields__icontains="threats").exists()


def test_the_sensitive_references_are_encrypted_at_rest(j):
    from django.db import connection

    p = j.proceeding()
    proceedings.record_content(p, by=j.police, file_reference="K-2026-114", evidence="Threats by the employer")
    with connection.cursor() as cursor:
        cursor.execute("SELECT file_reference, evidence FROM justice_proceeding WHERE id = %s", [p.pk])
        raw = " ".join(str(v) for v in cursor.fetchone())
    assert "K-2026-114" not in raw and "Threats" not in raw


def test_a_judgment_dated_before_the_charge_is_refused_and_nothing_stored(j):
    p = j.proceeding()
    proceedings.advance(p, by=j.police, event="charge", on=days_ago(5))
    proceedings.advance(p, by=j.police, event="open_trial", on=days_ago(4))
    with pytest.raises(ValidationError) as err:
        proceedings.advance(p, by=j.police, event="judge", on=days_ago(10), outcome="convicted")
    assert "before the charge" in str(err.value)
    p.refresh_from_db()
    assert (p.stage, p.judgment_on, p.outcome) == (Stage.TRIAL, None, "")


def test_a_step_the_table_forbids_is_a_conflict(j):
    p = j.proceeding()
    with pytest.raises(Conflict):
        proceedings.advance(p, by=j.police, event="judge", on=days_ago(1), outcome="convicted")
    with pytest.raises(ValidationError):
        proceedings.advance(p, by=j.police, event="convict_everyone")
    assert Proceeding.objects.get(pk=p.pk).stage == Stage.INVESTIGATION
    assert set(stages.TRANSITIONS) == set(Stage.values)


def test_a_judgment_needs_its_outcome_and_a_future_date_is_refused(j):
    p = j.proceeding()
    with pytest.raises(ValidationError):
        proceedings.advance(p, by=j.police, event="charge", on=days_ago(-3))
    proceedings.advance(p, by=j.police, event="charge", on=days_ago(3))
    proceedings.advance(p, by=j.police, event="open_trial")
    with pytest.raises(ValidationError):
        proceedings.advance(p, by=j.police, event="judge", on=days_ago(1))
    assert Proceeding.objects.get(pk=p.pk).stage == Stage.TRIAL


def test_a_discontinued_investigation_closes_and_no_longer_expects_testimony(j):
    p = j.proceeding()
    proceedings.record_content(p, by=j.police, testimony_expected=True)
    p = proceedings.advance(p, by=j.police, event="discontinue")
    assert (p.stage, p.outcome, p.testimony_expected) == (Stage.CLOSED, "discontinued", False)
    with pytest.raises(Conflict):
        proceedings.add_hearing(p, by=j.police, held_on=days_ago(-10))


def test_only_the_criminal_track_of_the_office_changes_a_proceeding(j):
    p = j.proceeding()
    for outsider in (j.focal, j.ca, j.other_police, j.responder, j.dpo):
        with pytest.raises(Http404):
            proceedings.advance(p, by=outsider, event="charge")
        with pytest.raises(Http404):
            perpetrators.add(p, by=outsider, role="Exploiter", name="X")
    assert Proceeding.objects.get(pk=p.pk).stage == Stage.INVESTIGATION


def test_who_opens_proceedings_on_a_case(j):
    case = j.case()
    # A role without case content: 403; a caseworker who does not see the case: 404.
    with pytest.raises(PermissionDenied):
        proceedings.open_proceeding(case, by=j.dpo, person_role="witness")
    with pytest.raises(Http404):
        proceedings.open_proceeding(case, by=j.other_ca, person_role="witness")
    # The focal point names an office holding criminal proceedings; another organisation is refused.
    with pytest.raises(ValidationError):
        proceedings.open_proceeding(case, by=j.focal, person_role="witness", organisation=j.ngo)
    with pytest.raises(ValidationError):
        proceedings.open_proceeding(case, by=j.focal, person_role="witness")
    with pytest.raises(ValidationError):
        proceedings.open_proceeding(case, by=j.focal, person_role="accomplice", organisation=j.office)
    assert not Proceeding.objects.exists()
    # The criminal track opens them for its own office on a case it sees.
    own = casework.record_detection(by=j.police, detected_on=days_ago(2), detection_country="SE")
    p = proceedings.open_proceeding(own, by=j.police, person_role="witness", organisation=j.other_office)
    assert p.organisation == j.office


def test_hearings_and_testimony_flag_the_return(j):
    case = j.case()
    p = j.proceeding(case)
    assert returns.warnings_for(case) == []
    hearing = proceedings.add_hearing(p, by=j.police, held_on=days_ago(-14), kind="testimony")
    p.refresh_from_db()
    assert p.testimony_expected and p.next_hearing(days_ago(0)) == hearing
    warnings = returns.warnings_for(case)
    assert len(warnings) == 1 and days_ago(-14).isoformat() in warnings[0]
    with pytest.raises(ValidationError):
        proceedings.add_hearing(p, by=j.police, held_on=days_ago(90))
    proceedings.cancel_hearing(hearing, by=j.police)
    with pytest.raises(Conflict):
        proceedings.cancel_hearing(hearing, by=j.police)
    assert Hearing.objects.filter(proceeding=p, cancelled=False).count() == 0


def test_the_non_punishment_application_names_its_offence(j):
    p = j.proceeding()
    with pytest.raises(ValidationError):
        proceedings.record_content(p, by=j.police, non_punishment="applied")
    p = proceedings.record_content(
        p, by=j.police, non_punishment="granted", non_punishment_offence="Use of a false document"
    )
    assert p.non_punishment == "granted"
    with pytest.raises(ValidationError):
        proceedings.record_content(p, by=j.police, measures=["public_shaming"])


def test_perpetrators_carry_their_htcds_role(j):
    p = j.proceeding()
    x = perpetrators.add(p, by=j.police, role="RecruiterOrIntermediary", name="Synthetic Recruiter", nationality="RO")
    perpetrators.set_status(x, by=j.prosecutor, status="charged")
    with pytest.raises(ValidationError):
        perpetrators.add(p, by=j.police, role="Mastermind", name="Unknown")
    assert list(Perpetrator.objects.values_list("role", "status")) == [("RecruiterOrIntermediary", "charged")]


def test_the_tally_counts_investigations_prosecutions_and_convictions_by_form(j):
    case = j.case()
    casework.add_event(case, by=j.focal, type="Exploitation", country="SE", exploitation_type="ForcedLabour")
    convicted = j.proceeding(case)
    proceedings.advance(convicted, by=j.police, event="charge", on=days_ago(9))
    proceedings.advance(convicted, by=j.police, event="open_trial", on=days_ago(8))
    proceedings.advance(convicted, by=j.police, event="judge", on=days_ago(7), outcome="convicted")
    j.proceeding()  # a case without a recorded form
    year = str(days_ago(30).year)
    counts = dict(tallies.TALLY.counts())
    assert counts[(year, "ForcedLabour", "investigation")] == 1
    assert counts[(year, "ForcedLabour", "prosecution")] == 1
    assert counts[(year, "ForcedLabour", "conviction")] == 1
    assert counts[(year, "unknown", "investigation")] == 1
    assert (year, "unknown", "conviction") not in counts
    assert tallies.TALLY.labels("step", "conviction") == "Convictions"
    from trm.lib import tallies as registered

    assert tallies.TALLY in registered.registered()


def test_each_step_keeps_its_day_and_a_step_before_the_previous_one_is_refused(j):
    p = j.proceeding(opened_on=days_ago(30))
    p = proceedings.advance(p, by=j.police, event="charge", on=days_ago(10))
    p = proceedings.advance(p, by=j.police, event="open_trial", on=days_ago(6))
    assert (p.last_step, p.stage_changed_on) == ("open_trial", days_ago(6))
    with pytest.raises(ValidationError) as err:
        proceedings.advance(p, by=j.police, event="judge", on=days_ago(8), outcome="convicted")
    assert "on" in err.value.message_dict and "before the previous one" in str(err.value)
    p.refresh_from_db()
    assert (p.stage, p.last_step, p.stage_changed_on, p.judgment_on) == (Stage.TRIAL, "open_trial", days_ago(6), None)
    # Editing the content does not move the day of the stage.
    proceedings.record_content(p, by=j.police, court="District Court")
    p.refresh_from_db()
    assert p.stage_changed_on == days_ago(6)
    # A step before the proceedings opened is refused too.
    other = j.proceeding(opened_on=days_ago(5))
    with pytest.raises(ValidationError):
        proceedings.advance(other, by=j.police, event="discontinue", on=days_ago(9))
    other.refresh_from_db()
    assert (other.stage, other.last_step, other.stage_changed_on) == (Stage.INVESTIGATION, "", None)


def test_the_step_and_its_day_show_on_the_page_and_in_the_api(j):
    from django.urls import reverse

    from tests.factories import verified_client

    p = j.proceeding()
    proceedings.advance(p, by=j.police, event="charge", on=days_ago(4))
    client = verified_client(j.police)
    page = client.get(reverse("justice:proceeding", args=[p.reference])).content.decode()
    assert "Last step" in page and "Charges brought" in page
    data = client.get(f"/api/justice/proceedings/{p.reference}").json()
    assert (data["last_step"], data["stage_changed_on"]) == ("charge", days_ago(4).isoformat())


def test_the_migration_gives_proceedings_recorded_before_it_their_last_step_and_its_day(j):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("trm.justice.migrations.0004_stage_dates_and_back_pay")
    opened = j.proceeding(opened_on=days_ago(40))
    charged = j.proceeding(opened_on=days_ago(40))
    proceedings.advance(charged, by=j.police, event="charge", on=days_ago(20))
    judged = j.proceeding(opened_on=days_ago(40))
    proceedings.advance(judged, by=j.police, event="charge", on=days_ago(20))
    proceedings.advance(judged, by=j.police, event="open_trial", on=days_ago(15))
    proceedings.advance(judged, by=j.police, event="judge", on=days_ago(9), outcome="acquitted")
    dropped = j.proceeding(opened_on=days_ago(40))
    proceedings.advance(dropped, by=j.police, event="discontinue", on=days_ago(4))
    Proceeding.objects.update(last_step="", stage_changed_on=None)  # as they were before it

    migration.stage_dates(apps, None)

    kept = {p.pk: (p.last_step, p.stage_changed_on) for p in Proceeding.objects.all()}
    assert kept[opened.pk] == ("", None)
    assert kept[charged.pk] == ("charge", days_ago(20)) and kept[judged.pk] == ("judge", days_ago(9))
    # Nothing kept the day of a discontinuation: the last change stands for it.
    assert kept[dropped.pk][0] == "discontinue" and days_ago(40) <= kept[dropped.pk][1] <= days_ago(0)

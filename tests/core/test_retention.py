"""trm retention apply: closed cases are anonymised or deleted after the jurisdiction's period."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from tests.referrals.builders import World
from trm.audit.events import Action
from trm.audit.models import AuditEvent
from trm.audit.verification import verify_chain
from trm.cases import casework
from trm.cases.deadlines import JURISDICTIONS_DIR, RulesError, parse_rules, rules_for
from trm.cases.models import Case, Person
from trm.core import retention
from trm.referrals.models import Referral

NOW = timezone.now()
SIX_YEARS_ON = NOW + dt.timedelta(days=6 * 365 + 2)


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def cases(world):
    """Closed now (six years before SIX_YEARS_ON), closed 'last year' and still open."""
    old = world.presumed_victim(
        aliases=["Anka"],
        documents=[{"type": "passport", "number": "RT 998877", "held_by": ""}],
        narrative="Met at the border crossing.",
    )
    world.consent_for(old)
    referral = world.refer(old)
    casework.add_note(old, by=world.ca, text="Prefers to be called by her nickname.")
    casework.close(old, by=world.ca, reason="recovered")
    recent = world.presumed_victim(given_name="Lina", family_name="Recentova")
    with time_machine.travel(SIX_YEARS_ON - dt.timedelta(days=365)):
        casework.close(recent, by=world.ca, reason="recovered")
    still_open = world.presumed_victim(given_name="Olga", family_name="Openova")
    return {"old": old, "recent": recent, "open": still_open, "referral": referral}


def snapshot(case: Case) -> tuple:
    case = Case.objects.select_related("person").get(pk=case.pk)
    p = case.person
    return (
        p.given_name,
        p.family_name,
        p.date_of_birth,
        p.aliases,
        case.narrative,
        case.detection_place,
        case.detected_on,
        case.closed_at,
        case.status,
    )


def test_it_anonymises_a_case_closed_six_years_ago_and_keeps_its_statistics(cases):
    old = Case.objects.get(pk=cases["old"].pk)
    stats = (
        old.status,
        old.state,
        old.exploitation_types,
        old.nationality,
        old.is_child,
        old.person.citizenships,
        old.person.gender,
    )
    assert old.person.document_index

    report = retention.apply(now=SIX_YEARS_ON)

    assert (report.action, report.due, report.anonymised, report.deleted) == ("anonymise", 1, 1, 0)
    old = Case.objects.select_related("person").get(pk=old.pk)
    person = old.person
    assert (person.given_name, person.family_name, person.aliases, person.documents, person.contacts) == (
        "",
        "",
        [],
        [],
        [],
    )
    assert person.date_of_birth is None and person.name_index == ""
    # Nor can the duplicate check at detection find the person by the erased document number.
    assert person.document_index == ""
    assert old.narrative == "" and old.detection_place == ""
    assert old.detected_on.day == 1 and old.closed_at.day == 1 and old.closed_at.hour == 0
    assert (
        old.status,
        old.state,
        old.exploitation_types,
        old.nationality,
        old.is_child,
        person.citizenships,
        person.gender,
    ) == stats
    referral = Referral.objects.get(pk=cases["referral"].pk)
    assert referral.needs == "" and referral.case_id == old.pk
    assert all(r.measures == "" for r in old.risk_assessments.all())
    assert all(d.reasons == "" for d in old.decisions.all())
    assert [n.text for n in old.notes.all()] == [""]


def test_it_leaves_a_case_closed_last_year_and_an_open_case_untouched(cases):
    recent, still_open = snapshot(cases["recent"]), snapshot(cases["open"])
    retention.apply(now=SIX_YEARS_ON)
    assert snapshot(cases["recent"]) == recent and recent[0] == "Lina"
    assert snapshot(cases["open"]) == still_open and still_open[0] == "Olga"


def test_it_never_touches_an_open_case_even_with_an_old_closing_date(cases):
    # A reopened case may carry a past closed_at: being open wins.
    Case.objects.filter(pk=cases["open"].pk).update(closed_at=NOW - dt.timedelta(days=20 * 365))
    before = snapshot(cases["open"])
    retention.apply(now=SIX_YEARS_ON)
    assert snapshot(cases["open"]) == before


def test_it_audits_each_case_with_field_names_never_content_and_the_chain_verifies(cases):
    retention.apply(now=SIX_YEARS_ON)
    entry = AuditEvent.objects.get(note="retention")
    assert (entry.action, entry.object_type, entry.object_ref) == (Action.UPDATE, "cases.case", cases["old"].reference)
    assert entry.actor_id is None
    assert "person.given_name" in entry.fields and "narrative" in entry.fields and "referral.needs" in entry.fields
    text = str(entry.chained_fields())
    assert not any(word in text for word in ("Ana", "Testova", "Anka", "Bus station", "border", "nickname"))
    assert verify_chain().ok


def test_it_handles_each_case_once(cases):
    retention.apply(now=SIX_YEARS_ON)
    again = retention.apply(now=SIX_YEARS_ON)
    assert (again.due, again.anonymised) == (0, 0)
    assert AuditEvent.objects.filter(note="retention").count() == 1


def test_a_dry_run_counts_and_changes_nothing(cases):
    before = [snapshot(c) for c in (cases["old"], cases["recent"], cases["open"])]
    entries = AuditEvent.objects.count()
    report = retention.apply(now=SIX_YEARS_ON, dry_run=True)
    assert (report.due, report.anonymised, report.deleted) == (1, 0, 0)
    assert [snapshot(c) for c in (cases["old"], cases["recent"], cases["open"])] == before
    assert AuditEvent.objects.count() == entries


def test_it_keeps_the_identity_of_a_person_who_still_has_a_kept_case(world):
    old = world.presumed_victim(given_name="Vera", narrative="First detection.")
    casework.close(old, by=world.ca, reason="recovered")
    # The same person detected again (no verb links a detection to a known person yet).
    Case.objects.filter(pk=world.presumed_victim().pk).update(person=old.person)
    retention.apply(now=SIX_YEARS_ON)
    old.refresh_from_db()
    assert old.narrative == ""
    assert Person.objects.get(pk=old.person_id).given_name == "Vera"


def test_the_delete_action_removes_the_case_its_dependents_and_its_person(cases):
    rules = dataclasses.replace(rules_for("SE"), retention_action="delete")
    old = cases["old"]
    report = retention.apply(now=SIX_YEARS_ON, rules=rules)
    assert (report.action, report.deleted, report.skipped) == ("delete", 1, 0)
    assert not Case.objects.filter(pk=old.pk).exists()
    assert not Referral.objects.filter(pk=cases["referral"].pk).exists()
    assert not Person.objects.filter(pk=old.person_id).exists()
    assert Case.objects.filter(pk__in=[cases["recent"].pk, cases["open"].pk]).count() == 2
    entry = AuditEvent.objects.get(note="retention")
    assert (entry.action, entry.object_ref, entry.fields) == (Action.DELETE, old.reference, [])
    assert verify_chain().ok


def test_the_command_reports_counts(cases, capsys):
    with time_machine.travel(SIX_YEARS_ON):
        call_command("retention_apply", dry_run=True)
        assert "dry run: 1 closed case(s)" in capsys.readouterr().out
        call_command("retention_apply")
    out = capsys.readouterr().out
    assert "anonymise after 5 years" in out and "anonymised 1" in out
    assert "Ana" not in out


def test_every_jurisdiction_file_states_its_retention_rule():
    for path in sorted(Path(JURISDICTIONS_DIR).glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        assert "[retention]" in text and "check them against national" in text, path.name
    rules = rules_for("SE")
    assert (rules.retention_closed_case_years, rules.retention_action) == (5, "anonymise")


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"closed_case_years": 0}, "closed_case_years"),
        ({"closed_case_years": "5"}, "closed_case_years"),
        ({"action": "archive"}, "retention.action"),
    ],
)
def test_a_malformed_retention_section_is_refused(section, message):
    with pytest.raises(RulesError, match=message):
        parse_rules({"retention": section})


@pytest.fixture
def two(db):
    from tests.exchange.shell_support import setup_network
    from tests.factories import make_org, make_user
    from tests.transnational.conftest import Two
    from trm.accounts.roles import Role

    org = make_org(name="Coordinator's office SE")
    return Two(net=setup_network(), focal=make_user(Role.FOCAL_POINT, org=org), responder=None)


@pytest.mark.parametrize("action", ["anonymise", "delete"])
def test_it_handles_a_case_referred_abroad(two, action):
    from tests.exchange.shell_support import PEER
    from trm.transnational import workflows
    from trm.transnational.models import Link

    case = two.case(narrative="Crossed the border at night.")
    link = workflows.send_referral(case, by=two.focal, to_node=PEER, services=["shelter"])
    assert isinstance(link, Link) and link.case_id == case.pk
    casework.close(case, by=two.focal, reason="transferred")
    rules = dataclasses.replace(rules_for("SE"), retention_action=action)

    report = retention.apply(now=SIX_YEARS_ON, rules=rules)

    if action == "delete":
        assert (report.deleted, report.skipped) == (1, 0)
        assert not Case.objects.filter(pk=case.pk).exists() and not Link.objects.filter(pk=link.pk).exists()
    else:
        assert report.anonymised == 1
        assert Case.objects.get(pk=case.pk).narrative == ""
        assert Link.objects.get(pk=link.pk).case_id == case.pk
    assert verify_chain().ok

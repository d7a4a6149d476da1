"""The counterpart abroad and another country's identification decision: kept, shown, never this node's own."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from tests.cases.builders import days_ago, detect
from tests.factories import verified_client
from trm.cases import abroad, casework, timeline
from trm.cases.models import IdentificationState
from trm.lib.refusals import Conflict


def counterpart(case, by, **overrides):
    data = {"country": "BG", "organisation": "Bulgarian NRM Office", "node": "bg.nrm", "case_ref": "BG-7K3M-9QPX"}
    data.update(overrides)
    return abroad.add_counterpart(case, by=by, **data)


def test_the_other_countrys_decision_is_kept_as_its_own(world):
    case = detect(world.focal)
    cp = counterpart(case, world.focal, opened_case=True)
    decision = abroad.record_foreign_decision(
        case, by=world.focal, reported_by=cp, status="identified", decided_on=days_ago(4), authority="State Agency"
    )
    assert decision.country == "BG"
    case.refresh_from_db()
    assert case.state == IdentificationState.DETECTED and not case.decisions.exists()
    page = verified_client(world.focal).get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert f"Identified by State Agency, Bulgaria, on {days_ago(4).strftime('%-d %b %Y')}" in page
    assert "Bulgarian NRM Office, Bulgaria" in page and "node bg.nrm, their case BG-7K3M-9QPX" in page
    titles = [e.title for e in timeline.build(case)]
    assert "Received from Bulgaria" in titles and "Identification in Bulgaria" in titles
    assert "Detected in Bulgaria" in titles and "Case opened from the referral" in titles


def test_each_status_reads_as_a_sentence(world):
    case = detect(world.focal)
    cp = counterpart(case, world.focal)
    for status in ("not_identified", "rg_positive", "rg_negative", "rg_pending", "not_decided"):
        abroad.record_foreign_decision(case, by=world.focal, reported_by=cp, status=status, authority="Board")
    page = verified_client(world.focal).get(reverse("cases:detail", args=[case.reference])).content.decode()
    for sentence in (
        "Not identified as a victim by Board, Bulgaria",
        "Reasonable grounds found by Board, Bulgaria",
        "Reasonable grounds not found by Board, Bulgaria",
        "Awaiting a reasonable-grounds decision (Bulgaria)",
        "No decision yet (Bulgaria)",
    ):
        assert sentence in page
    assert "Counterpart in Bulgaria" in [e.title for e in timeline.build(case)]


def test_bad_input_is_refused_and_nothing_is_stored(world):
    case, other = detect(world.focal), detect(world.focal)
    with pytest.raises(ValidationError, match="another country"):
        counterpart(case, world.focal, country="SE")
    with pytest.raises(ValidationError):
        counterpart(case, world.focal, country="ZZ")
    cp = counterpart(other, world.focal)
    with pytest.raises(ValidationError, match="another case"):
        abroad.record_foreign_decision(case, by=world.focal, reported_by=cp, status="identified")
    cp = counterpart(case, world.focal)
    with pytest.raises(ValidationError, match="Unknown identification status"):
        abroad.record_foreign_decision(case, by=world.focal, reported_by=cp, status="victim")
    with pytest.raises(ValidationError, match="future"):
        abroad.record_foreign_decision(
            case, by=world.focal, reported_by=cp, status="identified", decided_on=days_ago(-3)
        )
    assert case.counterparts.count() == 1 and not case.foreign_decisions.exists()


def test_only_whoever_manages_the_open_case_records_what_another_country_holds(world):
    case = detect(world.responder)
    with pytest.raises(Http404):
        counterpart(case, world.other_responder)
    with pytest.raises(PermissionDenied):
        counterpart(case, world.dpo)
    case = casework.close(case, by=world.responder, reason="recovered")
    with pytest.raises(Conflict):
        counterpart(case, world.responder)
    assert not case.counterparts.exists()


def test_the_case_api_names_the_counterpart_and_the_decision_abroad(world):
    case = detect(world.focal)
    cp = counterpart(case, world.focal, opened_case=True)
    abroad.record_foreign_decision(case, by=world.focal, reported_by=cp, status="rg_positive", authority="Board")
    got = verified_client(world.focal).get(f"/api/cases/{case.reference}").json()
    assert got["counterparts"][0]["node"] == "bg.nrm" and got["counterparts"][0]["opened_case"] is True
    assert got["foreign_decisions"] == [
        {
            "country": "BG",
            "status": "rg_positive",
            "decided_on": None,
            "authority": "Board",
            "reported_by_node": "bg.nrm",
        }
    ]
    assert got["state"] == "detected"

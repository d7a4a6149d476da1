"""The statistics page, its exports and DP releases: who may, what they see, what is audited."""

from __future__ import annotations

import io

import pytest
from django.test import override_settings

from tests.factories import verified_client
from tests.statistics.builders import last_year, victims
from trm.audit.models import AuditEvent
from trm.statistics import facts
from trm.statistics.models import DPRelease


@pytest.fixture
def caseload(world):
    victims(world, 25, detected_on=last_year(), gender="Feminine")
    victims(world, 14, detected_on=last_year(), gender="Masculine", state="identified")
    victims(world, 2, detected_on=last_year(), citizenships=["UA"], gender="Masculine")
    facts.refresh()
    return world


def test_the_rapporteur_sees_charts_with_tables_and_hidden_small_cells(caseload):
    response = verified_client(caseload.rapporteur).get("/statistics/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and "<table" in html
    assert 'role="img"' in html
    assert "<td>41</td>" in html  # all victims of last year
    assert "—" in html


@pytest.mark.parametrize("who", ["responder", "ca", "provider", "guardian", "police", "dpo", "admin"])
def test_roles_without_statistics_are_refused(caseload, who):
    client = verified_client(getattr(caseload, who))
    assert client.get("/statistics/").status_code == 403
    assert client.get("/statistics/export/csv/").status_code == 403
    assert client.post("/statistics/releases/", {"table": "sex", "year": 2025, "epsilon": 0.1}).status_code == 403


def test_the_rapporteur_never_reaches_a_case(caseload):
    # The case pages answer the same refusal for a real and a guessed reference: nothing leaks.
    client = verified_client(caseload.rapporteur)
    case = caseload.focal.created_cases.first()
    for reference in (case.reference, "ZZ-NOPE-0000"):
        assert client.get(f"/cases/{reference}/").status_code == 404
        assert client.get(f"/api/cases/{reference}").status_code == 404
        assert client.get(f"/referrals/new/{reference}/").status_code == 404
    assert client.get("/cases/").status_code == 403


def test_a_bad_filter_is_a_400(caseload):
    client = verified_client(caseload.rapporteur)
    assert client.get("/statistics/?year=1999").status_code == 400
    assert client.get("/statistics/?by=name").status_code == 400
    assert client.get("/statistics/export/sql/").status_code == 400


def test_the_csv_export_is_protected_and_audited_with_its_parameters(caseload):
    year = str(last_year().year)
    response = verified_client(caseload.rapporteur).get(f"/statistics/export/csv/?year={year}&by=sex")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Victims by citizenship" in body
    assert ",2," not in body
    event = AuditEvent.objects.filter(action="export", object_ref="csv").get()
    assert f"year={year}" in event.note and "by=sex" in event.note and "k=11" in event.note


def test_the_eurostat_workbook_has_the_eurostat_layout(caseload):
    from openpyxl import load_workbook

    response = verified_client(caseload.rapporteur).get("/statistics/export/eurostat/")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["VICT_SEX", "VICT_AGE", "VICT_CITIZEN", "VICT_EXPLOIT", "VICT_CITIZEN_DETAIL"]
    sex = list(book["VICT_SEX"].values)
    assert sex[0] == ("TIME", "STATUS", "SEX", "TOTAL")
    assert (str(last_year().year), "REG", "T", 41) in sex
    age = list(book["VICT_AGE"].values)
    assert age[0] == ("TIME", "STATUS", "SEX", "TOTAL", "Y_LT18", "Y_GE18", "UNK")
    assert AuditEvent.objects.filter(action="export", object_ref="eurostat").exists()


@pytest.mark.parametrize("fmt", ["xlsx", "greta", "ctdc", "pdf"])
def test_every_export_is_made_and_audited(caseload, fmt):
    response = verified_client(caseload.focal).get(f"/statistics/export/{fmt}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert AuditEvent.objects.filter(action="export", object_ref=fmt).exists()


def test_the_ctdc_extract_is_k_anonymous(caseload):
    body = verified_client(caseload.rapporteur).get("/statistics/export/ctdc/").content.decode()
    lines = body.strip().splitlines()[1:]
    assert lines
    from collections import Counter

    assert min(Counter(lines).values()) >= 11
    assert "UA" not in body


def test_the_ctdc_extract_is_made_with_the_snapshot_and_the_export_only_reads_it(caseload):
    from trm.statistics.models import CaseFact, Extract

    snapshot = facts.current()
    extract = Extract.objects.get(snapshot=snapshot)
    year = str(last_year().year)
    # 25 women presumed and 14 men identified form groups of at least 11; the 2 Ukrainians do not.
    assert sum(line[-1] for line in extract.lines[year]) == 39
    client = verified_client(caseload.rapporteur)
    before = client.get(f"/statistics/export/ctdc/?year={year}").content.decode()
    assert len(before.strip().splitlines()) == 1 + 39
    CaseFact.objects.all().delete()  # the export reads the stored extract, not the facts
    assert client.get(f"/statistics/export/ctdc/?year={year}").content.decode() == before


def test_the_pdf_is_laid_out_once_per_snapshot_year_and_language_and_the_worker_makes_the_default(
    caseload, monkeypatch
):
    from django.utils import timezone

    from trm.statistics import exports
    from trm.statistics.models import Report

    laid_out = []
    real = exports.render_to_string
    monkeypatch.setattr(exports, "render_to_string", lambda *a, **kw: laid_out.append(a) or real(*a, **kw))
    facts.refresh_chore(timezone.now())  # the worker's refresh: the PDF of every year, in the node's language
    snapshot = facts.current()
    assert Report.objects.filter(snapshot=snapshot, year="", by="", language="en").count() == 1
    client = verified_client(caseload.rapporteur)
    pdfs = [client.get("/statistics/export/pdf/").content for _ in range(2)]
    assert pdfs[0] == pdfs[1] and pdfs[0].startswith(b"%PDF") and len(laid_out) == 1
    year = str(last_year().year)
    assert client.get(f"/statistics/export/pdf/?year={year}").content.startswith(b"%PDF")
    client.get(f"/statistics/export/pdf/?year={year}")
    assert len(laid_out) == 2  # another year: laid out on its first request, then kept
    assert AuditEvent.objects.filter(action="export", object_ref="pdf").count() == 4  # every request is audited
    facts.refresh()  # a new snapshot: its own PDF
    client.get("/statistics/export/pdf/")
    assert len(laid_out) == 3


def test_an_export_for_a_period_without_data_says_so(world):
    facts.refresh()
    response = verified_client(world.rapporteur).get("/statistics/export/eurostat/")
    assert response.status_code == 404
    assert "no victims" in response.content.decode()
    assert AuditEvent.objects.filter(action="export", object_ref="eurostat", note__endswith="empty").exists()


@override_settings(TRM_STATS_DP_BUDGET=1.0)
def test_a_dp_release_spends_the_budget_and_is_refused_when_spent(caseload):
    client = verified_client(caseload.rapporteur)
    year = last_year().year
    first = client.post("/statistics/releases/", {"table": "sex", "year": year, "epsilon": 0.6})
    assert first.status_code == 302
    release = DPRelease.objects.get()
    assert release.epsilon == 0.6 and release.created_by == caseload.rapporteur
    refused = client.post("/statistics/releases/", {"table": "citizenship", "year": year, "epsilon": 0.6})
    assert refused.status_code == 409
    assert "privacy budget" in refused.content.decode()
    assert DPRelease.objects.count() == 1
    # What is left may still be spent, on another year too.
    assert client.post("/statistics/releases/", {"table": "form", "year": year, "epsilon": 0.4}).status_code == 302
    assert client.post("/statistics/releases/", {"table": "form", "year": year + 1, "epsilon": 1.0}).status_code == 302
    assert AuditEvent.objects.filter(action="export", object_type="statistics.dprelease").count() == 3
    page = client.get("/statistics/releases/").content.decode()
    assert "0.00" in page  # nothing left for that year


def test_a_dp_release_refuses_bad_input(caseload):
    client = verified_client(caseload.rapporteur)
    assert client.post("/statistics/releases/", {"table": "name", "year": 2025, "epsilon": 0.5}).status_code == 400
    assert client.post("/statistics/releases/", {"table": "sex", "year": 2025, "epsilon": 0}).status_code == 400
    assert not DPRelease.objects.exists()


def test_the_page_is_brought_up_to_date_on_request(caseload):
    client = verified_client(caseload.focal)
    victims(caseload, 20, detected_on=last_year(), citizenships=["RO"])
    assert client.post("/statistics/refresh/").status_code == 302
    assert "<td>61</td>" in client.get("/statistics/").content.decode()

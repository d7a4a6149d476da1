"""The national rapporteur logs in and reads the demo's statistics: charts with real figures."""

from __future__ import annotations

import io
import os

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_rapporteur_reads_charts_and_downloads_the_eurostat_workbook(live_server, page, settings):
    settings.DEMO = True
    settings.TRM_DEMO_HISTORY = 1200
    call_command("demo_seed", verbosity=0)
    page.goto(f"{live_server.url}/accounts/login/")
    password = page.locator("#demo-password").inner_text()
    code = page.locator('code.otp[data-username="rapporteur"]').inner_text()
    page.get_by_label("User name").fill("rapporteur")
    page.get_by_label("Password").fill(password)
    page.get_by_label("Authenticator code").fill(code)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Statistics").first.click()
    expect(page.get_by_role("heading", name="Statistics", level=1)).to_be_visible()
    chart = page.get_by_role("img", name="Presumed and identified victims by year of detection")
    expect(chart).to_be_visible()
    table = page.get_by_role("table", name="Presumed and identified victims by year of detection")
    total = table.locator("tfoot td").last.inner_text()
    assert int(total.replace("\u202f", "")) > 100  # the demo's past caseload, shown exactly
    expect(page.get_by_role("table", name="Victims by citizenship")).to_contain_text("—")
    page.get_by_label("Break down by").select_option(label="Sex")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("img", name="Victims by form of exploitation")).to_be_visible()
    page.screenshot(path=os.environ.get("TRM_SCREENSHOT", "/tmp/trm-statistics.png"), full_page=False)
    page.locator('[id="victims.form"]').screenshot(path="/tmp/trm-statistics-form.png")

    with page.expect_download() as download:
        page.get_by_role("link", name="Eurostat: registered victims (Excel)").click()
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert book.sheetnames[0] == "VICT_SEX"
    assert next(iter(book["VICT_SEX"].values))[:4] == ("TIME", "STATUS", "SEX", "TOTAL")

    # A case page is not for the rapporteur.
    response = page.goto(f"{live_server.url}/cases/")
    assert response is not None and response.status in (403, 404)

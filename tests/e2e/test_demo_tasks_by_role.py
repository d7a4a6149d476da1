"""The demo's tasks, role by role, in English and in Bulgarian, read as a person reads them.

A first responder detects a presumed victim, screens with indicators and refers the case to
the competent authority; the authority finds reasonable grounds; the national focal point
records the consent for assistance and refers the person to a shelter; the shelter's case
manager accepts, starts a support plan and records its progress; the focal point sees it.
Each step goes through the pages and forms a person uses, found by their ids and addresses
(never by their English words), on a node whose language (TRM_LANGUAGE) is the one tested.
Every page each browser shows, and every htmx swap and opened section, is read by
tests/e2e/readable.py: no vocabulary code, no Python repr, no English string left untranslated.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django.utils import translation
from playwright.sync_api import expect

from tests.cases.builders import PRESUMED_HITS, authority
from tests.e2e.conftest import login
from tests.e2e.readable import Watch, watch
from tests.factories import make_org, make_user
from tests.referrals.builders import add_provider
from trm.accounts.roles import Role
from trm.cases.models import Case, SupportPlan
from trm.referrals.models import Referral, Status
from trm.vocab.htcds import OrganisationType

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

GOALS = "Safe housing; a job interview by spring."
PROGRESS = "Moved in; first counselling session held."


def label(model: Any, field: str, code: str, language: str) -> str:
    """The label a page shows for a code, in the language of the page."""
    with translation.override(language):
        return str(dict(model._meta.get_field(field).flatchoices)[code])


def open_form(page, action: str) -> None:
    """Open a form of the case page on demand (htmx puts it in its slot)."""
    page.locator(f'a[hx-target="#slot-{action}"]').first.click()
    expect(page.locator(f"#slot-{action} form")).to_be_visible()


def submit(page, action: str) -> None:
    page.locator(f"#slot-{action} button[type=submit]").click()


def as_user(new_page, live_server, user, language: str) -> tuple[Any, Watch]:
    page = new_page()
    reader = watch(page, language)
    login(page, live_server.url, user)
    expect(page.locator("main h1")).to_be_visible()
    return page, reader


@pytest.mark.parametrize("language", ["en", "bg"])
def test_each_role_does_its_demo_task_and_reads_labels_in_its_language(live_server, new_page, settings, language):
    settings.TRM_LANGUAGE = language  # the node's language: the Bulgarian demo node opens in Bulgarian
    outreach = make_org(name="Street Outreach NGO")
    commission = authority()
    coordinator = make_org(name="Coordinator Office", type=OrganisationType.CENTRAL_GOVERNMENT)
    shelter_org = make_org(name="Safe House NGO")
    responder = make_user(Role.FIRST_RESPONDER, org=outreach)
    officer = make_user(Role.COMPETENT_AUTHORITY, org=commission)
    focal = make_user(Role.FOCAL_POINT, org=coordinator)
    shelter = make_user(Role.PROVIDER, org=shelter_org)
    provider = add_provider(shelter_org, by=focal)
    readers: list[Watch] = []

    # The first responder detects a person, screens with indicators and refers to the authority.
    page, reader = as_user(new_page, live_server, responder, language)
    readers.append(reader)
    page.locator('nav a[href="/cases/"]').first.click()
    page.locator('main a[href="/cases/new/"]').first.click()
    page.locator("[name=given_name]").fill("Elena")
    page.locator("[name=family_name]").fill("Synthetica")
    page.locator("[name=date_of_birth]").fill("1996-03-04")
    page.locator("[name=gender]").select_option("Feminine")
    page.locator("[name=citizenship]").select_option("MD")
    page.locator("[name=detected_on]").fill((dt.date.today() - dt.timedelta(days=1)).isoformat())
    page.locator("[name=detection_place]").fill("Bus station")
    page.locator("main form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/cases/[^/]+/$"))
    reference = page.url.rstrip("/").rsplit("/", 1)[1]
    expect(page.locator("#case-state")).to_have_text(label(Case, "state", "detected", language))
    reader.check()

    page.locator(".case-actions a[href$='/screen/']").click()
    for hit in PRESUMED_HITS:
        page.locator(f'input[value="{hit}"]').check()
    page.locator("form", has=page.locator(f'input[value="{PRESUMED_HITS[0]}"]')).locator("button[type=submit]").click()
    expect(page.locator("#case-state")).to_have_text(label(Case, "state", "screened", language))
    reader.check()

    open_form(page, "consent")
    page.locator("#slot-consent [name=purpose]").select_option("identification")
    page.locator("#slot-consent .choice-filter").first.fill(commission.name[:14])
    page.get_by_role("checkbox", name=commission.name).check()
    page.locator("#slot-consent [name=language]").select_option("ro")
    submit(page, "consent")
    expect(page.get_by_role("status")).to_be_visible()
    open_form(page, "refer")
    page.locator("#slot-refer [name=to]").select_option(label=commission.name)
    submit(page, "refer")
    expect(page.get_by_role("status")).to_be_visible()
    assert Case.objects.get(reference=reference).state == "rg_pending"
    reader.check()

    # The competent authority finds reasonable grounds, from its dashboard's deadline.
    page, reader = as_user(new_page, live_server, officer, language)
    readers.append(reader)
    page.get_by_role("link", name=reference).first.click()
    open_form(page, "decide")
    page.locator("#slot-decide [name=event]").select_option("rg_positive")
    page.locator("#slot-decide [name=reasons]").fill("Deception, excessive hours and withheld documents.")
    submit(page, "decide")
    expect(page.locator("#case-state")).to_have_text(label(Case, "state", "rg_positive", language))
    reader.check()

    # The focal point records the consent for assistance and refers the person to the shelter.
    page, reader = as_user(new_page, live_server, focal, language)
    readers.append(reader)
    page.locator('nav a[href="/cases/"]').first.click()
    page.get_by_role("link", name=reference).first.click()
    open_form(page, "consent")
    page.locator("#slot-consent [name=purpose]").select_option("assistance")
    page.locator("#slot-consent .choice-filter").first.fill(shelter_org.name[:9])
    page.get_by_role("checkbox", name=shelter_org.name).check()
    page.locator("#slot-consent [name=language]").select_option("ro")
    submit(page, "consent")
    expect(page.get_by_role("status")).to_be_visible()
    reader.check()
    page.locator(f'a[href="/referrals/new/{reference}/"]').first.click()
    form = page.locator("form[method=post]", has=page.locator("[name=provider]"))
    form.locator("[name=provider]").select_option(value=str(provider.pk))
    form.locator("[name=service]").select_option("shelter")
    form.locator('[name=field_set][value="shelter"]').check()
    form.locator("[name=needs]").fill("Needs a quiet room; speaks Romanian.")
    form.locator("button[type=submit]").click()
    expect(page.locator("#referral-status")).to_have_text(label(Referral, "status", Status.OFFERED, language))
    referral = Referral.objects.get()
    reader.check()

    # The shelter's case manager opens the referral, accepts it and runs the support plan.
    page, reader = as_user(new_page, live_server, shelter, language)
    readers.append(reader)
    page.get_by_role("link", name=referral.reference).first.click()
    page.locator("form[action$='/accept/'] button[type=submit]").click()
    expect(page.locator("#referral-status")).to_have_text(label(Referral, "status", Status.ACCEPTED, language))
    deliver = page.locator("form[action$='/deliver/']")
    deliver.locator("[name=description]").fill("Room in the safe house and meals.")
    deliver.locator("button[type=submit]").click()
    expect(page.locator("#referral-status")).to_have_text(label(Referral, "status", Status.IN_PROGRESS, language))
    reader.check()
    plan = page.locator("form[action$='/plan/']")
    page.locator("details", has=plan).locator("summary").click()
    plan.locator("[name=type]").select_option("SocialCare")
    review = dt.date.today() + dt.timedelta(days=14)
    plan.locator("[name=review_on]").fill(review.isoformat())
    plan.locator("[name=goals]").fill(GOALS)
    plan.locator("button[type=submit]").click()
    page.locator("#plans a[href^='/referrals/plans/']").first.click()
    expect(page.locator("#plan-status")).to_have_text(label(SupportPlan, "status", "planned", language))
    page.locator("a[hx-target='#slot-plan'][href$='/progress/']").click()
    progress = page.locator("#slot-plan form")
    progress.locator('[name=services][value="shelter"]').check()
    progress.locator("[name=note]").fill(PROGRESS)
    progress.locator("button[type=submit]").click()
    expect(page.locator("#plan-status")).to_have_text(label(SupportPlan, "status", "active", language))
    expect(page.locator("#plan-review time")).to_have_attribute("datetime", review.isoformat())
    expect(page.locator("main")).to_contain_text(PROGRESS)
    reader.check()

    # The focal point, who referred, sees the plan and its progress on the case.
    page = readers[2].page
    page.goto(f"{live_server.url}/cases/{reference}/")
    support = page.locator("#support")
    expect(support).to_contain_text(GOALS)
    expect(support).to_contain_text(PROGRESS)
    page.locator(f'main a[href="/referrals/{referral.reference}/"]').first.click()
    expect(page.locator("#referral-status")).to_have_text(label(Referral, "status", Status.IN_PROGRESS, language))
    expect(page.locator("#deliveries")).to_contain_text("Room in the safe house")

    for reader in readers:
        reader.check()
    pages = [url for reader in readers for url, _why in reader.pages]
    assert len(pages) >= 20 and any("/referrals/plans/" in url for url in pages)


def test_the_reader_catches_codes_reprs_and_english_left_over(live_server, page, settings):
    settings.TRM_LANGUAGE = "bg"
    reader = watch(page, "bg")
    page.goto(f"{live_server.url}/accounts/login/")
    assert reader.problems() == {}
    # What an htmx swap could bring: a code, a repr and English, and a code nobody sees.
    page.evaluate(
        """() => {
        document.querySelector("main").insertAdjacentHTML("beforeend",
          "<p>Документ: id_card</p><p>Отговор: None</p><p>Identity card</p><p hidden>TakesEarnings</p>");
        document.dispatchEvent(new Event("htmx:afterSettle"));
    }"""
    )
    found = reader.problems()
    assert set(found) == {"/accounts/login/ (htmx)", "/accounts/login/ (check)"}
    wrong = " ".join(found["/accounts/login/ (htmx)"])
    assert "code 'id_card'" in wrong and "repr 'Отговор: None'" in wrong and "untranslated 'Identity card'" in wrong
    assert "TakesEarnings" not in wrong

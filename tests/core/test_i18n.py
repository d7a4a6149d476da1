from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse


def test_the_login_page_speaks_bulgarian(client, db):
    client.cookies["django_language"] = "bg"
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'lang="bg"' in html
    assert "Потребителско име" in html
    assert "Към основното съдържание" in html


def test_the_language_switcher_sets_the_language(client, db):
    response = client.post(reverse("set_language"), {"language": "bg", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert "Вход" in client.get(reverse("accounts:login")).content.decode()


def test_country_and_language_names_follow_the_active_language():
    from django.utils import translation

    from trm.vocab.countries import country_choices, country_name, language_names

    with translation.override("bg"):
        assert country_name("SE") == "Швеция" and country_name("XK") == "Косово*"
        assert language_names()["sq"] == "Албански"
        names = [name for _, name in country_choices()]
        assert names.index("Албания") < names.index("Швеция")  # sorted in Bulgarian
    with translation.override("en"):
        assert country_name("SE") == "Sweden" and country_name("XK") == "Kosovo*"
        assert language_names()["sq"] == "Albanian"


def test_the_case_page_and_list_name_countries_and_languages_in_bulgarian(db):
    from tests.cases.builders import detect
    from tests.factories import make_user, verified_client
    from trm.accounts.roles import Role

    focal = make_user(Role.FOCAL_POINT)
    case = detect(focal, citizenships=["MD"], languages=["ro"], detection_country="SE")
    client = verified_client(focal)
    client.cookies["django_language"] = "bg"
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "<dd>Молдова</dd>" in page and "<dd>Румънски</dd>" in page and "Швеция" in page
    listing = client.get(reverse("cases:list")).content.decode()
    assert "Молдова" in listing and ">MD<" not in listing


def test_a_transnational_notice_names_the_country():
    from django.utils import translation

    from trm.transnational.notices import sentence

    with translation.override("bg"):
        text = sentence("accepted", type_="referral_accept", country="XK", conversation="1234567890")
    assert text == "Косово* прие насочването (кореспонденция 12345678)."


# Romanian and Swedish, the languages of the other demo nodes, are localised as Bulgarian is.
SHIPPED = {
    # language: (user name label, skip link, Moldova, Romanian, Sweden, May)
    "bg": ("Потребителско име", "Към основното съдържание", "Молдова", "Румънски", "Швеция", "Май"),
    "ro": ("Nume de utilizator", "Salt la conținutul principal", "Republica Moldova", "Română", "Suedia", "Mai"),
    "sv": ("Användarnamn", "Hoppa till huvudinnehållet", "Moldavien", "Rumänska", "Sverige", "Maj"),
}


@pytest.mark.parametrize("language", sorted(SHIPPED))
def test_the_login_page_speaks_every_shipped_language(client, db, language):
    username, skip, *_ = SHIPPED[language]
    client.cookies["django_language"] = language
    html = client.get(reverse("accounts:login")).content.decode()
    assert f'lang="{language}"' in html
    assert username in html and skip in html
    assert "User name" not in html


def test_every_shipped_language_is_offered_in_the_switcher(client, db):
    html = client.get(reverse("accounts:login")).content.decode()
    for code, name in [("bg", "български"), ("ro", "Română"), ("sv", "svenska")]:
        assert f'<option value="{code}"' in html and name in html


@pytest.mark.parametrize("language", sorted(SHIPPED))
def test_the_case_page_names_countries_languages_and_months_in_the_language(db, language):
    from tests.cases.builders import detect
    from tests.factories import make_user, verified_client
    from trm.accounts.roles import Role

    _, _, moldova, romanian, sweden, may = SHIPPED[language]
    focal = make_user(Role.FOCAL_POINT)
    case = detect(
        focal, citizenships=["MD"], languages=["ro"], detection_country="SE", date_of_birth=dt.date(1995, 5, 2)
    )
    client = verified_client(focal)
    client.cookies["django_language"] = language
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert f"<dd>{moldova}</dd>" in page and f"<dd>{romanian}</dd>" in page and sweden in page
    assert f"2 {may} 1995" in page
    listing = client.get(reverse("cases:list")).content.decode()
    assert moldova in listing and ">MD<" not in listing


def test_country_and_language_names_in_romanian_and_swedish_are_the_usual_ones_and_sorted():
    from django.utils import translation

    from trm.vocab.countries import country_choices, country_name, language_label, language_names

    with translation.override("ro"):
        assert country_name("MD") == "Republica Moldova" and country_name("SE") == "Suedia"
        assert language_names()["sq"] == "Albaneză" and language_label("sv") == "Suedeză"
        names = [name for _, name in country_choices()]
        assert names.index("Serbia") < names.index("Spania") < names.index("Suedia") < names.index("Tanzania")
    with translation.override("sv"):
        assert country_name("MD") == "Moldavien" and country_name("IR") == "Iran"
        assert language_names()["sq"] == "Albanska" and language_label("ro") == "Rumänska"
        names = [name for _, name in country_choices()]
        assert names.index("Albanien") < names.index("Zimbabwe") < names.index("Åland") < names.index("Österrike")


@pytest.mark.parametrize(
    ("language", "date", "number"),
    [
        ("en", "7 October 2025", "1234.5"),
        ("bg", "7 Октомври 2025", "1234,5"),
        ("ro", "7 Octombrie 2025", "1234,5"),
        ("sv", "7 oktober 2025", "1234,5"),
    ],
)
def test_dates_and_numbers_follow_the_language(language, date, number):
    from django.template import Context, Template
    from django.utils import translation

    with translation.override(language):
        text = Template('{{ d|date:"j F Y" }} {{ n }}').render(Context({"d": dt.date(2025, 10, 7), "n": 1234.5}))
    assert text == f"{date} {number}"


def test_a_transnational_notice_names_the_country_in_romanian_and_swedish():
    from django.utils import translation

    from trm.transnational.notices import sentence

    with translation.override("ro"):
        text = sentence("accepted", type_="referral_accept", country="BG", conversation="1234567890")
    assert text == "Bulgaria a acceptat referirea (conversația 12345678)."
    with translation.override("sv"):
        text = sentence("accepted", type_="referral_accept", country="BG", conversation="1234567890")
    assert text == "Bulgarien accepterade hänvisningen (korrespondens 12345678)."


# A node opens in its own language (TRM_LANGUAGE); the user's choice in the switcher wins.


def test_a_node_opens_in_its_language_whatever_the_browser_says(client, db, settings):
    settings.TRM_LANGUAGE = "ro"
    html = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert 'lang="ro"' in html and "Nume de utilizator" in html


def test_the_users_choice_wins_over_the_nodes_language(client, db, settings):
    settings.TRM_LANGUAGE = "sv"
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'lang="en"' in html and "User name" in html


def test_an_unknown_language_cookie_falls_back_to_the_nodes_language(client, db, settings):
    settings.TRM_LANGUAGE = "bg"
    client.cookies["django_language"] = "de"
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'lang="bg"' in html and "Потребителско име" in html


def test_without_a_node_language_the_browsers_language_is_used(client, db, settings):
    settings.TRM_LANGUAGE = ""
    html = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="sv-SE,sv;q=0.9").content.decode()
    assert 'lang="sv"' in html and "Användarnamn" in html
    html = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'lang="en"' in html


def test_each_demo_node_runs_in_its_countrys_language(tmp_path):
    from django.conf import settings

    from trm.demo.network import NODES, node_env

    expected = {"SE": "sv", "BG": "bg", "RO": "ro"}
    assert {node.country: node_env(node, tmp_path, base={})["TRM_LANGUAGE"] for node in NODES} == expected
    assert set(expected.values()) <= {code for code, _ in settings.LANGUAGES}


def test_one_language_for_every_demo_node_on_request(tmp_path):
    from trm.demo.network import NODES, node_env

    assert {node_env(node, tmp_path, base={"TRM_DEMO_LANGUAGE": "en"})["TRM_LANGUAGE"] for node in NODES} == {"en"}


@pytest.mark.parametrize(
    ("path", "header", "expected"),
    [
        ("/accounts/login/", "sv", "ro"),  # a page: the node's language
        ("/api/v1/cases", "sv", "sv"),  # the API: the language the program asks for
        ("/api/v1/cases", "", "ro"),  # the API without Accept-Language: the node's language
    ],
)
def test_the_api_answers_in_the_language_a_program_asks_for(rf, settings, path, header, expected):
    from django.http import HttpResponse

    from trm.core.language import NodeLanguageMiddleware

    settings.TRM_LANGUAGE = settings.LANGUAGE_CODE = "ro"
    request = rf.get(path, HTTP_ACCEPT_LANGUAGE=header) if header else rf.get(path)
    NodeLanguageMiddleware(lambda r: HttpResponse()).process_request(request)
    chosen = request.LANGUAGE_CODE
    assert chosen == expected

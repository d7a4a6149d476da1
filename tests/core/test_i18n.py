from __future__ import annotations

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

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

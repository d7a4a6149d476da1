from __future__ import annotations

import pytest
from django.urls import reverse

from trm.accounts.roles import Role
from trm.audit import record
from trm.audit.events import Action


@pytest.mark.parametrize("role", [r for r in Role if r != Role.DPO])
def test_it_refuses_every_role_but_the_dpo(client_as, role):
    assert client_as(role).get(reverse("audit:log")).status_code == 403


def test_it_shows_entries_without_content_to_the_dpo(client_as, user_with_role):
    actor = user_with_role("focal_point")
    record.record(actor, Action.READ, object_type="cases.case", object_ref="C-1", fields=["first_name"])
    response = client_as(Role.DPO).get(reverse("audit:log"), {"object_ref": "C-1"})
    assert response.status_code == 200
    assert b"C-1" in response.content
    assert b"first_name" in response.content


def test_it_verifies_the_chain_on_request(client_as):
    response = client_as(Role.DPO).get(reverse("audit:log"), {"verify": "1"})
    assert b"Chain verified" in response.content


def test_it_rejects_malformed_filters(client_as):
    response = client_as(Role.DPO).get(reverse("audit:log"), {"object_ref": "<script>"})
    assert response.status_code == 400


def test_it_requires_login(client):
    response = client.get(reverse("audit:log"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]

"""The dashboard warns the node administrator and the focal point when the trust list goes stale."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from tests.exchange.shell_support import Net, setup_network, signed, trust_list_doc
from trm.exchange import keys, refresh
from trm.exchange.models import TrustListState


@pytest.fixture
def net(db) -> Net:
    return setup_network()


def stale(net: Net) -> None:
    now = timezone.now()
    keys.import_trust_list(
        signed(trust_list_doc(now, sequence=6, issued=now - timedelta(days=20), expires=now + timedelta(hours=5))),
        now=now,
    )


def page(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("role", "shown"),
    [("node_admin", True), ("focal_point", True), ("first_responder", False), ("data_protection_officer", False)],
)
def test_a_stale_list_is_shown_to_those_who_act_on_it(net: Net, client_as, role: str, shown: bool) -> None:
    stale(net)
    html = page(client_as(role))
    assert ("Trust list</h2>" in html) is shown
    if shown:
        assert "may be out of date" in html
        assert "It expires on" in html and "announced a newer list by" in html and "It was issued on" in html


def test_a_fresh_list_shows_no_warning(net: Net, client_as) -> None:
    assert refresh.health(now=timezone.now()).problems == ()
    assert "Trust list</h2>" not in page(client_as("node_admin"))


@override_settings(TRM_TRUST_LIST_WARN_AGE_HOURS=1)
def test_the_age_threshold_is_a_setting(net: Net, client_as) -> None:
    html = page(client_as("node_admin"))
    assert "It was issued on" in html and "It expires on" not in html


def test_failing_fetches_are_shown(net: Net, client_as) -> None:
    TrustListState.objects.update(fetch_failures=4, fetch_error="connect")
    html = page(client_as("focal_point"))
    assert "The last 4 fetches of the trust list failed; the last one: the published address did not answer." in html
    assert "may be out of date" not in html


def test_no_current_list_is_an_error(net: Net, client_as) -> None:
    TrustListState.objects.update(token="")
    html = page(client_as("node_admin"))
    assert "holds no current trust list" in html and 'role="alert"' in html


def test_a_node_outside_any_network_is_not_warned(db, client_as) -> None:
    assert "Trust list</h2>" not in page(client_as("node_admin"))


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("http_503", "the server answered with HTTP status 503"),
        ("trust_list_rollback", "the list was older than the one held (refused)"),
        ("something_new", "something_new"),
    ],
)
def test_fetch_errors_are_shown_in_words(code: str, label: str) -> None:
    from trm.network.panels import fetch_error_label

    assert fetch_error_label(code) == label

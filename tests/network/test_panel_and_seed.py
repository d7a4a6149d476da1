from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.network import builders
from trm.accounts.roles import Role
from trm.demo import synthetic_network as synthetic
from trm.network.models import ActionItem, Meeting, NetworkCountry, Participant


def test_the_dashboard_shows_the_network_panel_and_nav_to_the_secretariat(db, secretariat):
    builders.action(builders.meeting())
    page = secretariat.get("/").content.decode()
    assert "Network of coordinators" in page
    assert "Open action items: 1" in page
    assert 'href="/network/"' in page


@pytest.mark.parametrize("role", [Role.FOCAL_POINT, Role.RAPPORTEUR, Role.NODE_ADMIN])
def test_other_roles_see_no_panel_and_no_nav_item(db, client_as, role):
    page = client_as(role).get("/").content.decode()
    assert "Network of coordinators" not in page
    assert 'href="/network/"' not in page


def test_a_linked_coordinator_sees_their_countrys_commitments_on_the_dashboard(db, coordinator):
    builders.action(builders.meeting(), owner="BG")
    assert "Open commitments of Bulgaria: 1" in coordinator.get("/").content.decode()


def test_the_synthetic_network_is_realistic_and_seeded_once(db):
    from tests.factories import make_user

    user = make_user(Role.FOCAL_POINT)
    assert synthetic.seed_network(today=builders.TODAY, link_user=user, node_country="BG")
    assert Participant.objects.get(user=user).country.code == "BG"
    assert not synthetic.seed_network(today=builders.TODAY)
    assert NetworkCountry.objects.count() == 12
    assert NetworkCountry.objects.get(code="XK").footnote
    assert Meeting.objects.filter(status="held").count() == 2
    planned = Meeting.objects.get(status="planned")
    assert ActionItem.objects.carried_to(planned).exists()
    assert all(p.email.endswith(".example") for p in Participant.objects.all())


def test_demo_seed_fills_the_network(db, settings):
    settings.DEMO = True
    call_command("demo_seed", verbosity=0)
    assert Meeting.objects.count() == 3
    assert not Participant.objects.filter(user__isnull=False).exists()

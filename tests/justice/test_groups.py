"""Group cases: linking victims' cases in a node, and sharing the pseudonymous reference with another node."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.cases.builders import detect
from tests.exchange.shell_support import PEER
from tests.factories import verified_client
from tests.transnational.test_workflows import offer_from_peer
from trm.audit.models import AuditEvent
from trm.justice import group_cases
from trm.justice.models.groups import Group, GroupMember, GroupShare
from trm.lib.refusals import Conflict
from trm.transnational import workflows

API = "/api/justice/groups"
FARM = {
    "kind": "employer",
    "sector": "agriculture",
    "name": "Synthetic Farms Ltd",
    "workplace": "Field 7",
    "country": "SE",
    "wages_owed": "48000",
    "currency": "SEK",
    "hours_owed": "2600.5",
    "inspection_ref": "AV-2026-17",
}


def test_the_focal_point_records_a_group_and_links_its_victims_cases(world):
    group = group_cases.record_group(by=world.focal, **FARM)
    assert group.shared_ref.startswith("G-") and len(group.shared_ref) == 34
    assert group.wages_owed == Decimal("48000.00") and group.hours_owed == Decimal("2600.50")
    first, second = detect(world.focal), detect(world.responder)
    group_cases.link_case(group, first, by=world.focal)
    group_cases.link_case(group, second, by=world.focal)
    with pytest.raises(Conflict):
        group_cases.link_case(group, first, by=world.focal)
    assert set(GroupMember.objects.values_list("case__reference", flat=True)) == {first.reference, second.reference}
    # The responder sees the group through their own case, and only that case in it.
    client = verified_client(world.responder)
    page = client.get(reverse("justice:group", args=[group.reference])).content.decode()
    assert second.reference in page and first.reference not in page and "1 more case you may not see" in page
    assert client.get(f"{API}/{group.reference}").json()["cases"] == [second.reference]
    # Someone who sees none of its cases does not see the group at all.
    assert (
        verified_client(world.other_responder).get(reverse("justice:group", args=[group.reference])).status_code == 404
    )
    assert verified_client(world.other_responder).get(f"{API}/{group.reference}").status_code == 404
    # The case page shows the group.
    assert (
        group.reference
        in verified_client(world.focal).get(reverse("cases:detail", args=[first.reference])).content.decode()
    )
    group_cases.unlink_case(group, first, by=world.focal)
    assert not GroupMember.objects.filter(case=first).exists()


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"wages_owed": "-1"}, "wages_owed"),
        ({"currency": "XXQ"}, "currency"),
        ({"kind": "gang"}, "kind"),
        ({"sector": "space"}, "sector"),
        ({"hours_owed": "-3"}, "hours_owed"),
        ({"country": "ZZ"}, "country"),
        ({"country": "Sweden"}, "country"),
    ],
)
def test_bad_group_input_is_refused_and_nothing_stored(world, bad, field):
    with pytest.raises(ValidationError) as err:
        group_cases.record_group(by=world.focal, **{**FARM, **bad})
    assert field in err.value.error_dict and not Group.objects.exists()
    client = verified_client(world.focal)
    response = client.post(API + "/", {**FARM, **bad}, content_type="application/json")
    assert response.status_code == 400 and not Group.objects.exists()
    page = client.post(reverse("justice:group_new"), {**FARM, **bad})
    assert page.status_code == 400 and not Group.objects.exists()
    # One 'refused' entry for each (the API's, the page's), naming the field, never the name or the value.
    entries = AuditEvent.objects.filter(action="refused", actor_id=world.focal.pk).order_by("id")
    assert [(e.object_type, e.fields) for e in entries] == [("justice.group", [field])] * 2
    assert "record group:" in entries[0].note and "record group:" in entries[1].note
    for entry in entries:
        assert str(next(iter(bad.values()))) not in entry.note and "Synthetic Farms" not in entry.note


def test_a_groups_country_is_an_iso_3166_code(world):
    with pytest.raises(ValidationError, match="ISO 3166"):
        group_cases.record_group(by=world.focal, **{**FARM, "country": "QQ"})
    page = verified_client(world.focal).post(reverse("justice:group_new"), {**FARM, "country": "QQ"})
    assert page.status_code == 400 and "ISO 3166" in page.content.decode() and not Group.objects.exists()
    group = group_cases.record_group(by=world.focal, **{**FARM, "country": " ro "})
    assert group.country == "RO"
    with pytest.raises(ValidationError, match="ISO 3166"):
        group_cases.update_group(group, by=world.focal, country="UK")
    assert group_cases.record_group(by=world.focal, **{**FARM, "country": ""}).country == ""


def test_only_the_focal_point_records_groups_and_links_cases(world):
    with pytest.raises(PermissionDenied):
        group_cases.record_group(by=world.responder, **FARM)
    group = group_cases.record_group(by=world.focal, **FARM)
    case = detect(world.responder)
    with pytest.raises(PermissionDenied):
        group_cases.link_case(group, case, by=world.responder)
    assert verified_client(world.responder).get(reverse("justice:group_new")).status_code == 404
    for user in (world.dpo, world.rapporteur, world.admin):
        with pytest.raises(PermissionDenied):
            group_cases.link_case(group, case, by=user)
        assert verified_client(user).get(reverse("justice:groups")).status_code == 403
    assert not GroupMember.objects.exists()


def test_the_reference_is_shared_with_the_node_of_one_victim_without_the_others(two):
    group = group_cases.record_group(by=two.focal, **FARM)
    here, elsewhere = two.case(), two.case()
    group_cases.link_case(group, here, by=two.focal)
    group_cases.link_case(group, elsewhere, by=two.focal)
    link = workflows.send_referral(here, by=two.focal, to_node=PEER, services=["shelter"])
    assert group_cases.shareable_links(group, two.focal) == [link]
    group_cases.share(group, link=link, by=two.focal)
    with pytest.raises(Conflict):
        group_cases.share(group, link=link, by=two.focal)
    (row,) = two.sent("group_reference")
    assert row.envelope["body"] == {
        "case_ref": here.reference,
        "group_ref": group.shared_ref,
        "group_kind": "employer",
        "sector": "agriculture",
        "country": "SE",
    }
    # No name, workplace, wages or other victim's reference travels.
    token = str(row.envelope)
    assert elsewhere.reference not in token and "Synthetic Farms" not in token and "48000" not in token
    assert GroupShare.objects.get().sent


def test_a_received_reference_links_the_case_here_to_the_same_group(two):
    shared = "G-" + uuid.uuid4().hex
    first = workflows.accept(offer_from_peer(two, uuid.uuid4()), by=two.focal)
    body = {
        "case_ref": "XK-REF-1",
        "group_ref": shared,
        "group_kind": "begging_network",
        "sector": "begging",
        "country": "XK",
    }
    two.receive("group_reference", body, conversation=first.conversation, purpose="case_management")
    group = Group.objects.get(shared_ref=shared)
    assert group.shared_by == PEER and group.kind == "begging_network" and group.name == ""
    assert list(group.members.values_list("case", flat=True)) == [first.case_id]
    # A second victim of the same network, received in another conversation, joins the same group.
    second = workflows.accept(offer_from_peer(two, uuid.uuid4()), by=two.focal)
    two.receive("group_reference", body, conversation=second.conversation, purpose="case_management")
    assert Group.objects.count() == 1
    assert set(group.members.values_list("case", flat=True)) == {first.case_id, second.case_id}
    # A reference about a conversation without a case here is kept unhandled.
    pending = offer_from_peer(two, uuid.uuid4())
    two.receive("group_reference", body, conversation=pending.conversation, purpose="case_management")
    assert two.net_inbox("group_reference").status == "unhandled"


def test_a_reference_is_shared_only_in_a_conversation_about_a_member_case(two):
    group = group_cases.record_group(by=two.focal, **FARM)
    link = workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["shelter"])
    with pytest.raises(ValidationError):
        group_cases.share(group, link=link, by=two.focal)
    response = verified_client(two.focal).post(
        reverse("justice:group_action", args=[group.reference, "share"]), {"link": str(link.conversation)}
    )
    assert response.status_code == 400 and not two.sent("group_reference")


def test_group_pages_refuse_whoever_may_not_change_the_group(world):
    group = group_cases.record_group(by=world.focal, **FARM)
    case = detect(world.responder)
    group_cases.link_case(group, case, by=world.focal)
    url = reverse("justice:group_action", args=[group.reference, "link"])
    other = detect(world.responder)
    # The responder sees the group through its case, but records nothing in it (403); an outsider gets a 404.
    assert verified_client(world.responder).post(url, {"case": other.reference}).status_code == 403
    assert verified_client(world.other_responder).post(url, {"case": other.reference}).status_code == 404
    assert (
        verified_client(world.other_responder)
        .post(f"{API}/{group.reference}/cases", {"case": other.reference}, content_type="application/json")
        .status_code
        == 404
    )
    # Bad input on the page: a case reference that names nothing the focal point sees is a 404, an empty one a 400.
    focal = verified_client(world.focal)
    assert focal.post(url, {"case": ""}).status_code == 400
    assert focal.post(url, {"case": "SE-NOPE-0000"}).status_code == 404
    assert focal.post(url, {"case": other.reference}).status_code == 302
    assert set(group.members.values_list("case", flat=True)) == {case.pk, other.pk}

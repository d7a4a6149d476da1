"""Every route, every role: a table of who may open each page, and what nobody may get.

- Pages without parameters: MATRIX names the roles that get the page (200); every other
  role is refused (403, 404, or 405 for a POST-only route) and an anonymous visitor is sent
  to the login page. A route missing from MATRIX fails the test: add it.
- Pages with parameters, requested with references that do not exist: never 200 and
  never 500, for any role — a guessed URL reveals nothing.
- POST with an empty form to every page without parameters: never a 500.
- Every API operation in the OpenAPI schema: a 401 problem without a session (except
  PUBLIC_API), and a 400, 403 or 404 problem, never 200 or 500, for references that do not exist.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import make_user, verified_client
from trm.accounts.roles import Role

R = Role
ALL = frozenset(Role)
CASE_ROLES = frozenset(
    {R.FIRST_RESPONDER, R.COMPETENT_AUTHORITY, R.FOCAL_POINT, R.PROVIDER, R.GUARDIAN, R.LAW_ENFORCEMENT}
)

POST_ONLY = frozenset()  # GET answers 405 to everyone; the POST is checked by test_an_empty_post_...
REDIRECTS = frozenset({"302"})  # marker: the allowed roles get a redirect instead of a page

# route name -> roles that get 200 on GET (others are refused).
MATRIX: dict[str, frozenset[Role]] = {
    "dashboard:home": ALL,
    "accounts:two_factor_setup": frozenset(),  # everyone here has a device: redirected away
    "audit:log": frozenset({R.DPO}),
    # Providers reach the list but it holds none of the node's cases (theirs come through referrals).
    "cases:list": CASE_ROLES,
    "cases:new": frozenset({R.FIRST_RESPONDER, R.FOCAL_POINT, R.LAW_ENFORCEMENT}),
    "cases:search": POST_ONLY,
    # Joint investigation teams: the criminal track only (its members see their teams on the list).
    "justice:teams": frozenset({R.LAW_ENFORCEMENT}),
    "justice:team_new": frozenset({R.LAW_ENFORCEMENT}),
    # Compensation claims and group cases: of the cases each role sees (none for a provider).
    "justice:compensation": CASE_ROLES,
    "justice:groups": CASE_ROLES,
    "justice:group_new": frozenset({R.FOCAL_POINT}),
    "network:home": frozenset({R.SECRETARIAT}),
    "network:calendar_ics": frozenset({R.SECRETARIAT}),
    "network:commitments": frozenset({R.SECRETARIAT}),
    "network:countries": frozenset({R.SECRETARIAT}),
    "network:country_add": frozenset({R.SECRETARIAT}),
    "network:meeting_add": frozenset({R.SECRETARIAT}),
    "network:meetings": frozenset({R.SECRETARIAT}),
    "network:node_add": frozenset({R.SECRETARIAT}),
    "network:nodes": frozenset({R.SECRETARIAT}),
    "network:organisation_add": frozenset({R.SECRETARIAT}),
    "network:organisations": frozenset({R.SECRETARIAT}),
    "network:participant_add": frozenset({R.SECRETARIAT}),
    "network:participant_import": frozenset({R.SECRETARIAT}),
    "network:participants": frozenset({R.SECRETARIAT}),
    "network:trust_list": frozenset({R.SECRETARIAT}),
    # The directory of service providers holds no case data: every staff member may search it.
    "referrals:directory": ALL,
    "referrals:list": frozenset(
        {R.FOCAL_POINT, R.PROVIDER, R.FIRST_RESPONDER, R.COMPETENT_AUTHORITY, R.GUARDIAN, R.LAW_ENFORCEMENT}
    ),
    "referrals:notifications": ALL,
    # Open support plans: those of one's cases, or those one's organisation runs as the provider.
    "referrals:plans": CASE_ROLES,
    "referrals:provider_new": frozenset({R.FOCAL_POINT, R.NODE_ADMIN}),
    # Protected aggregates only: the coordinator's office, the rapporteur and the secretariat.
    "statistics:home": frozenset({R.FOCAL_POINT, R.RAPPORTEUR, R.SECRETARIAT}),
    "statistics:releases": frozenset({R.FOCAL_POINT, R.RAPPORTEUR, R.SECRETARIAT}),
    "statistics:refresh": POST_ONLY,
    # The countries' regional figures side by side: the secretariat's; sending them is a POST.
    "statistics:regional": frozenset({R.SECRETARIAT}),
    "statistics:regional_send": POST_ONLY,
    "transnational:inbox": frozenset({R.FOCAL_POINT}),
    "transnational:failed": frozenset({R.FOCAL_POINT}),
    # Alerts along the route sent and received: the focal point only.
    "transnational:alerts": frozenset({R.FOCAL_POINT}),
    # Comparing this node's exchange with another node's summaries: ids, types and states only.
    "transnational:reconciliation": frozenset({R.FOCAL_POINT}),
    "transnational:reconciliation_ask": POST_ONLY,
    # One's own notifications of conversations: everyone may read theirs (most have none).
    "transnational:notifications": ALL,
    "referrals:start": REDIRECTS | CASE_ROLES,  # without a case reference it sends you back to the list
    # Criminal proceedings' content: the criminal track only (docs/justice.md).
    "justice:proceedings": frozenset({R.LAW_ENFORCEMENT}),
}
# Reached without a login, by design.
PUBLIC = {"accounts:login", "accounts:logout", "set_language", "exchange:inbox", "exchange:trust_list", "favicon"}
# Operations of the API that answer without a session.
PUBLIC_API = {("get", "/api/node")}

FAKE = {"int": "999999", "str": "ZZ-NOPE-0000", "slug": "note", "path": "nope"}
REFUSED = {403, 404, 405}


def _walk(patterns, prefix="", ns=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from _walk(p.url_patterns, prefix + str(p.pattern), inner)
        elif isinstance(p, URLPattern) and p.name:
            yield (f"{ns}:{p.name}" if ns else p.name), prefix + str(p.pattern)


def _fake_path(route: str) -> str | None:
    """A URL for the route with made-up parameter values, or None if it has no parameters."""
    if "<" not in route and "(?P" not in route:
        return None
    path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: FAKE.get(m.group(1) or "str", "nope"), route)
    path = re.sub(r"\(\?P<code>[^)]*\)", "ZZ", path)
    path = re.sub(r"\(\?P<fmt>\(?([a-z]+)[^)]*\)?\)", lambda m: m.group(1), path)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "999999", path)
    path = path.replace("^", "").replace("$", "").replace("\\.", ".")
    return "/" + path


ROUTES = sorted(
    (name, route) for name, route in _walk(get_resolver().url_patterns) if not name.startswith(("admin:", "api:"))
)


@pytest.fixture
def clients(db):
    from tests.factories import make_org

    org = make_org(name="Matrix Organisation")
    return {
        role: verified_client(make_user(role, org=org, username=f"matrix-{role.value}", is_staff=role == R.NODE_ADMIN))
        for role in Role
    }


def test_every_route_is_in_the_matrix():
    plain = [name for name, route in ROUTES if _fake_path(route) is None]
    missing = [name for name in plain if name not in MATRIX and name not in PUBLIC]
    assert not missing, f"add these routes to MATRIX: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "route"), [(n, r) for n, r in ROUTES if _fake_path(r) is None and n in MATRIX])
def test_each_role_gets_or_is_refused_each_page(clients, client, name, route):
    url = "/" + route
    anonymous = client.get(url)
    assert anonymous.status_code in (302, 401, 405), f"{url} anonymous got {anonymous.status_code}"
    if anonymous.status_code == 302:
        assert anonymous["Location"].startswith("/accounts/login/")
    for role, c in clients.items():
        status = c.get(url).status_code
        if MATRIX[name] is POST_ONLY:
            assert status == 405, f"{url} as {role.value}: {status}"
        elif role in MATRIX[name]:
            assert status == (302 if "302" in MATRIX[name] else 200), f"{url} as {role.value}: {status}"
        else:
            assert status in REFUSED or (name == "accounts:two_factor_setup" and status == 302), (
                f"{url} as {role.value} should be refused, got {status}"
            )


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "route"), [(n, r) for n, r in ROUTES if _fake_path(r) is not None])
def test_a_guessed_url_reveals_nothing(clients, client, name, route):
    url = _fake_path(route)
    assert client.get(url).status_code in (302, 401, 403, 404, 405)
    for role, c in clients.items():
        for method in ("get", "post"):
            status = getattr(c, method)(url).status_code
            assert status in REFUSED | {400}, f"{method.upper()} {url} as {role.value}: {status}"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "route"), [(n, r) for n, r in ROUTES if _fake_path(r) is None and n in MATRIX])
def test_an_empty_post_never_fails_the_server(clients, name, route):
    for role, c in clients.items():
        status = c.post("/" + route, {}).status_code
        assert status < 500, f"POST /{route} as {role.value}: {status}"
        if role not in MATRIX[name] and MATRIX[name] is not POST_ONLY:
            assert status in REFUSED | {302, 400}, f"POST /{route} as {role.value}: {status}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["transnational:detail", "transnational:live"])
def test_a_real_conversation_and_its_live_part_are_the_focal_points_only(clients, client, name):
    """With a conversation that exists: the focal point gets it, every other role a 404."""
    import uuid

    from trm.transnational.models import Direction, Link, LinkStatus

    link = Link.objects.create(
        conversation=uuid.uuid4(),
        direction=Direction.INCOMING,
        peer="xk.nrm",
        peer_country="XK",
        status=LinkStatus.NOTIFIED,
    )
    from django.urls import reverse

    url = reverse(name, args=[link.conversation])
    assert client.get(url).status_code == 302  # to the login page
    for role, c in clients.items():
        status = c.get(url).status_code
        assert status == (200 if role == R.FOCAL_POINT else 404), f"{url} as {role.value}: {status}"


AGGREGATE_ONLY = frozenset({R.RAPPORTEUR, R.DPO, R.NODE_ADMIN, R.SECRETARIAT})


@pytest.mark.django_db
def test_a_real_case_is_a_404_to_every_role_that_sees_no_case_content(clients):
    """Case URLs answer an aggregate-only role as for a made-up reference: 404, never 403."""
    from tests.cases.builders import detect

    case = detect(make_user(R.FIRST_RESPONDER, username="matrix-case-owner"))
    for reference in (case.reference, FAKE["str"]):
        urls = [
            f"/cases/{reference}/",
            f"/cases/{reference}/screen/",
            f"/referrals/new/{reference}/",
            f"/referrals/{reference}/",
            f"/api/cases/{reference}",
            f"/api/cases/{reference}/deadlines",
        ]
        for role in AGGREGATE_ONLY:
            for url in urls:
                status = clients[role].get(url).status_code
                assert status == 404, f"{url} as {role.value}: {status}"


@pytest.mark.django_db
def test_a_real_message_evidence_is_the_focal_points_only(clients, client):
    """The evidence page of a message that exists: the focal point gets it, every other role a 404."""
    import uuid

    from django.urls import reverse
    from django.utils import timezone

    from trm.exchange.models import InboxMessage
    from trm.transnational.models import Direction, Link, LinkStatus

    conversation = uuid.uuid4()
    Link.objects.create(
        conversation=conversation,
        direction=Direction.INCOMING,
        peer="xk.nrm",
        peer_country="XK",
        status=LinkStatus.NOTIFIED,
    )
    now = timezone.now()
    message = InboxMessage.objects.create(
        message_id=uuid.uuid4(),
        sender="xk.nrm",
        sender_kid="k",
        type="case_notification",
        conversation=conversation,
        expires=now,
        created=now,
        envelope={"body": {}},
        token_sha256="0" * 64,
        receipt="",
        received_at=now,
    )
    url = reverse("transnational:evidence", args=[conversation, message.message_id])
    assert client.get(url).status_code == 302
    for role, c in clients.items():
        status = c.get(url).status_code
        assert status == (200 if role == R.FOCAL_POINT else 404), f"{url} as {role.value}: {status}"
    other = reverse("transnational:evidence", args=[conversation, uuid.uuid4()])
    assert clients[R.FOCAL_POINT].get(other).status_code == 404


@pytest.mark.django_db
def test_a_real_proceeding_is_the_criminal_tracks_only(clients, client):
    """A proceeding that exists: law enforcement of its office reads it (page and API); caseworkers
    get a 404 as for a reference that does not exist, and so do roles without case content."""
    from django.urls import reverse
    from django.utils import timezone

    from trm.accounts.models import User
    from trm.cases import casework
    from trm.justice import proceedings

    focal = User.objects.get(username="matrix-focal_point")
    case = casework.record_detection(by=focal, detected_on=timezone.localdate(), detection_country="SE")
    p = proceedings.open_proceeding(case, by=focal, person_role="witness", organisation=focal.organisation)
    url = reverse("justice:proceeding", args=[p.reference])
    assert client.get(url).status_code == 302
    for role, c in clients.items():
        expected = 200 if role == R.LAW_ENFORCEMENT else 404
        assert c.get(url).status_code == expected, f"{url} as {role.value}"
        assert c.get(f"/api/justice/proceedings/{p.reference}").status_code == expected, f"API as {role.value}"


def _api_operations():
    from trm.api import api

    schema = api.get_openapi_schema()
    for path, item in schema["paths"].items():
        for method in item:
            yield method, path


API_OPERATIONS = sorted(_api_operations())


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), API_OPERATIONS)
def test_the_api_needs_a_session_and_reveals_nothing(clients, client, method, path):
    """Without a session: a 401 problem. With one, for references that do not exist: a 404 (or a
    403 for a role refused the whole router, or a 400 for a body that does not fit the schema,
    which is checked first), always as a problem (docs/api.md)."""
    from tests.problems import assert_problem

    def fake(m: re.Match[str]) -> str:
        name = m.group(1)
        return "999999" if name in ("pk", "id") or name.endswith("_id") else "ZZ-NOPE-0000"

    url = re.sub(r"\{(\w+)\}", fake, path)
    call = getattr(client, method)
    anonymous = call(url, content_type="application/json") if method != "get" else call(url)
    if (method, path) in PUBLIC_API:
        assert anonymous.status_code == 200
        return
    assert_problem(anonymous, 401)
    if "{" not in path:
        return
    for role, c in clients.items():
        call = getattr(c, method)
        response = call(url) if method == "get" else call(url, data={}, content_type="application/json")
        status = response.status_code
        assert status in (400, 403, 404), f"{method.upper()} {url} as {role.value}: {status}"
        assert_problem(response, status)

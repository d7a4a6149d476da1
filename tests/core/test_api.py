from __future__ import annotations

from tests.problems import assert_problem
from trm.accounts.roles import Role


def test_node_info_is_public(client, db):
    response = client.get("/api/node")
    assert response.status_code == 200
    assert response.json()["node_id"]


def test_me_needs_login(client, db):
    assert_problem(client.get("/api/me"), 401)


def test_me_tells_the_roles(client_as):
    response = client_as(Role.FOCAL_POINT).get("/api/me")
    assert response.status_code == 200
    assert response.json()["roles"] == ["focal_point"]


def test_the_openapi_schema_is_served(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "TRM node API"

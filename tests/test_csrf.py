"""CSRF: every cookie-authenticated write must echo the session's token."""
from __future__ import annotations

from query_api.security import MSG_CSRF
from tests.world import PASSWORD_A, RPPS_A, csrf, make_world, signed_in


def test_session_endpoint_gives_a_stable_token(settings, search, tmp_path):
    client = make_world(settings, tmp_path).client()
    first = client.get("/api/v1/session").get_json()
    assert first["signed_in"] is False and first["account"] is None
    assert len(first["csrf_token"]) >= 32
    assert client.get("/api/v1/session").get_json()["csrf_token"] == first["csrf_token"]


def test_login_without_token_is_refused(settings, search, tmp_path):
    client = make_world(settings, tmp_path).client()
    body = {"login": RPPS_A, "password": PASSWORD_A}
    refused = client.post("/api/v1/login", json=body)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["message"] == MSG_CSRF
    token = csrf(client)
    assert client.post("/api/v1/login", json=body, headers={"X-CSRF-Token": token + "x"}).status_code == 403
    assert client.post("/api/v1/login", json=body, headers={"X-CSRF-Token": token}).status_code == 200


def test_signed_in_write_needs_the_token(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    client = signed_in(world, RPPS_A, PASSWORD_A)
    report = {"target_type": "UO", "target_id": "UO-A", "message": "Le téléphone ne répond jamais."}
    assert client.post("/api/v1/anomalies", json=report).status_code == 403
    # The token rotates at sign-in: the one from before is no longer valid.
    token = client.get("/api/v1/session").get_json()["csrf_token"]
    assert client.post("/api/v1/anomalies", json=report, headers={"X-CSRF-Token": token}).status_code == 201


def test_form_posts_may_carry_the_token_as_a_field(settings, search, tmp_path):
    client = make_world(settings, tmp_path).client()
    token = csrf(client)
    form = {"login": RPPS_A, "password": PASSWORD_A}
    assert client.post("/api/v1/login", data=form).status_code == 403
    assert client.post("/api/v1/login", data={**form, "csrf_token": token}).status_code == 200


def test_a_token_from_another_session_does_not_work(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    attacker, victim = world.client(), world.client()
    stolen = csrf(attacker)
    csrf(victim)
    response = victim.post("/api/v1/login", json={"login": RPPS_A, "password": PASSWORD_A},
                           headers={"X-CSRF-Token": stolen})
    assert response.status_code == 403

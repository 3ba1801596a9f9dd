"""Roles and API keys: who may call the admin endpoints, what a read-only key may do."""
from __future__ import annotations

import time

import pytest

from catalog import accounts
from catalog.ratelimit import Limit
from indexer.reindex import reindex
from query_api import security
from tests.world import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD_A, RPPS_A, make_world, send, signed_in

pytestmark = pytest.mark.both_stores   # runs on SQLite and on PostgreSQL (tests/conftest.py)

ADMIN_READS = ["/api/v1/admin/anomalies", "/api/v1/admin/index-status", "/api/v1/admin/api-keys"]
ADMIN_WRITES = [("POST", "/api/v1/admin/reindex"), ("POST", "/api/v1/admin/activation-codes"),
                ("POST", "/api/v1/admin/api-keys"), ("PATCH", "/api/v1/admin/anomalies/1")]


def _bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def test_admin_endpoints_refuse_anonymous_practitioners_and_api_keys(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    anonymous, practitioner = world.client(), signed_in(world, RPPS_A, PASSWORD_A)
    key = accounts.create_api_key(world.store, "Annuaire régional")
    for path in ADMIN_READS:
        assert anonymous.get(path).status_code == 401, path
        assert practitioner.get(path).status_code == 403, path
        assert world.client().get(path, headers=_bearer(key)).status_code == 403, path
    for method, path in ADMIN_WRITES:
        assert send(anonymous, method, path, {}).status_code == 401, path
        refused = send(practitioner, method, path, {})
        assert refused.status_code == 403 and "cellule de gestion" in refused.get_json()["error"]["message"]
        assert world.client().open(path, method=method, json={}, headers=_bearer(key)).status_code == 403, path


def test_api_key_reads_but_never_writes(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    reindex(world.store, search, world.settings, progress=False, grace_seconds=0)
    key = accounts.create_api_key(world.store, "Application partenaire")
    client = world.client()
    found = client.get("/api/v1/search?where=78646", headers=_bearer(key))
    assert found.status_code == 200 and found.get_json()["total_units"] > 0
    assert client.get("/api/v1/units/UO-A", headers=_bearer(key)).status_code == 200
    # A key is not a person: no CSRF token helps, no personal endpoint opens.
    report = {"target_type": "UO", "target_id": "UO-A", "message": "Le numéro est faux depuis mars."}
    assert client.post("/api/v1/anomalies", json=report, headers=_bearer(key)).status_code == 403
    assert client.get("/api/v1/me", headers=_bearer(key)).status_code == 403
    # Only a digest is stored.
    with world.store.snapshot() as conn:
        row = conn.execute("SELECT * FROM api_keys").fetchone()
    assert key not in dict(row).values() and key.startswith(row["prefix"])


def test_revoked_or_unknown_key_is_refused(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    key = accounts.create_api_key(world.store, "Ancienne application")
    client = world.client()
    assert client.get("/api/v1/session", headers=_bearer(key)).status_code == 200
    with world.store.snapshot() as conn:
        key_id = accounts.list_api_keys(conn)[0]["id"]
    assert accounts.revoke_api_key(world.store, key_id) is True
    refused = client.get("/api/v1/session", headers=_bearer(key))
    assert refused.status_code == 401 and "révoquée" in refused.get_json()["error"]["message"]
    assert client.get("/api/v1/session", headers=_bearer("ror_nothing_here")).status_code == 401


def test_api_keys_are_rate_limited(settings, search, tmp_path, monkeypatch):
    monkeypatch.setattr(security, "API_KEY_LIMIT", Limit(hits=3, seconds=60))
    world = make_world(settings, tmp_path)
    key, other = accounts.create_api_key(world.store, "Bavarde"), accounts.create_api_key(world.store, "Calme")
    client = world.client()
    assert [client.get("/api/v1/session", headers=_bearer(key)).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert client.get("/api/v1/session", headers=_bearer(other)).status_code == 200
    world.clock.advance(minutes=1)
    assert client.get("/api/v1/session", headers=_bearer(key)).status_code == 200


def test_admin_manages_api_keys(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    created = send(admin, "POST", "/api/v1/admin/api-keys", {"name": "SAMU 78"})
    assert created.status_code == 201
    key = created.get_json()["key"]
    listed = admin.get("/api/v1/admin/api-keys").get_json()["api_keys"]
    assert [(k["name"], k["prefix"]) for k in listed] == [("SAMU 78", created.get_json()["prefix"])]
    assert "key" not in listed[0] and "key_hash" not in listed[0]
    assert send(admin, "DELETE", f"/api/v1/admin/api-keys/{listed[0]['id']}").status_code == 200
    assert world.client().get("/api/v1/session", headers=_bearer(key)).status_code == 401


def test_admin_triggers_a_reindex_and_follows_it(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    started = send(admin, "POST", "/api/v1/admin/reindex")
    assert started.status_code == 202
    deadline = time.monotonic() + 60
    while True:
        state = admin.get("/api/v1/admin/index-status").get_json()
        if not state["reindex"]["running"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert "error" not in state["reindex"], state
    assert state["reindex"]["documents"] == state["store"]["units"]
    assert state["index"]["documents"] == state["store"]["units"]
    assert state["index"]["indexes"] == [state["reindex"]["index"]]


def test_admin_issues_activation_codes(settings, search, tmp_path):
    world = make_world(settings, tmp_path, accounts_ready=False)
    with world.store.transaction() as conn:
        accounts.create_admin_account(conn, ADMIN_EMAIL, ADMIN_PASSWORD, "Cellule", world.clock())
    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    response = send(admin, "POST", "/api/v1/admin/activation-codes", {"rpps_list": [RPPS_A]})
    assert response.status_code == 201, response.get_json()
    codes = response.get_json()["codes"]
    assert [c["rpps"] for c in codes] == [RPPS_A] and codes[0]["code"] and codes[0]["expires_at"]
    # The code works on the activation page.
    client = world.client()
    activated = send(client, "POST", "/api/v1/activation", {"rpps": RPPS_A, "code": codes[0]["code"],
                                                            "password": PASSWORD_A})
    assert activated.status_code == 201

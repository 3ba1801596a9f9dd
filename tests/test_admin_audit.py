"""The cell's actions in the one audit trail: reindex, API keys, activation codes, anomalies.

Who, when, what — listed for the cell by GET /api/v1/admin/audit and /cellule/journal,
never with a key or a code in clear. The world is tests/test_accounts.py's.
"""
from __future__ import annotations

import time

import pytest

import ror_cli
from catalog import accounts, anomalies, audit
from catalog.store import open_store
from indexer.engine import UNITS, alias_name
from tests.stores import fresh_location
from tests.world import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PASSWORD_A,
    RPPS_A,
    RPPS_B,
    make_world,
    send,
    signed_in,
)

pytestmark = pytest.mark.both_stores   # runs on SQLite and on PostgreSQL (tests/conftest.py)


def admin_of(world):
    with world.store.snapshot() as conn:
        return accounts.find_account(conn, email=ADMIN_EMAIL)


def journal(client, query: str = "") -> list[dict]:
    response = client.get(f"/api/v1/admin/audit{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]


def every_audit_value(world) -> str:
    with world.store.snapshot() as conn:
        rows = conn.execute("SELECT target_id, field, old_value, new_value FROM audit_log").fetchall()
    return " ".join(str(v) for row in rows for v in tuple(row))


def test_a_reindex_asked_by_the_cell_is_journaled_with_its_outcome(world):
    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert send(admin, "POST", "/api/v1/admin/reindex").status_code == 202
    deadline = time.monotonic() + 60
    while admin.get("/api/v1/admin/index-status").get_json()["reindex"]["running"] and time.monotonic() < deadline:
        time.sleep(0.2)
    state = admin.get("/api/v1/admin/index-status").get_json()
    entries = journal(admin, "?target_type=index")
    assert [e["new_value"].split(" :")[0] for e in entries] == ["terminée", "demandée"]   # newest first
    done, asked = entries
    me = admin_of(world)
    for entry in entries:
        assert entry["actor"] == {"kind": "account", "id": me["id"], "name": "Cellule de test", "email": ADMIN_EMAIL}
        assert (entry["target_type"], entry["target_id"], entry["action"]) == ("index", alias_name(world.settings, UNITS), "reindex")
    assert f"{state['store']['units']} UO dans {state['reindex']['index']}" in done["new_value"]
    assert asked["at"] <= done["at"]


def test_api_keys_created_and_revoked_by_the_cell_are_journaled_without_the_key(world):
    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    created = send(admin, "POST", "/api/v1/admin/api-keys", {"name": "SAMU 78"}).get_json()
    key_id = admin.get("/api/v1/admin/api-keys").get_json()["api_keys"][0]["id"]
    assert send(admin, "DELETE", f"/api/v1/admin/api-keys/{key_id}").status_code == 200
    assert send(admin, "DELETE", f"/api/v1/admin/api-keys/{key_id}").status_code == 404     # nothing to journal
    entries = journal(admin, "?target_type=api_key")
    assert [(e["action"], e["target_id"]) for e in entries] == [("revoked", str(key_id)), ("created", str(key_id))]
    assert entries[1]["new_value"] == f"SAMU 78 ({created['prefix'][:12]}…)"
    assert entries[0]["old_value"] == entries[1]["new_value"] and entries[0]["new_value"] is None
    assert {e["actor"]["id"] for e in entries} == {admin_of(world)["id"]}
    assert created["key"] not in every_audit_value(world)


def test_activation_codes_issued_by_the_cell_are_journaled_without_the_codes(settings, search, tmp_path):
    world = make_world(settings, tmp_path, accounts_ready=False)
    with world.store.transaction() as conn:
        accounts.create_admin_account(conn, ADMIN_EMAIL, ADMIN_PASSWORD, "Cellule de test", world.clock())
    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    issued = send(admin, "POST", "/api/v1/admin/activation-codes", {"rpps_list": [RPPS_A, RPPS_B]}).get_json()["codes"]
    entries = journal(admin, "?target_type=activation_code")
    assert sorted((e["target_id"], e["action"], e["new_value"]) for e in entries) == sorted(
        (c["rpps"], "issued", c["expires_at"]) for c in issued)
    assert {e["actor"]["id"] for e in entries} == {admin_of(world)["id"]}
    values = every_audit_value(world)
    assert not [c for c in issued if c["code"] in values or c["code"].replace("-", "") in values]


def test_anomaly_changes_by_the_cell_are_in_the_same_journal(world):
    with world.store.transaction() as conn:
        reporter = accounts.find_account(conn, rpps=RPPS_B)
        report = anomalies.report_anomaly(conn, reporter["id"], {
            "target_type": "UO", "target_id": "UO-KA", "message": "Le numéro ne répond plus.", "theme": None},
            world.clock())
    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert send(admin, "PATCH", f"/api/v1/admin/anomalies/{report['id']}", {"status": "in_progress"}).status_code == 200
    assert send(admin, "PATCH", f"/api/v1/admin/anomalies/{report['id']}",
                {"status": "resolved", "note": "Numéro corrigé avec le praticien."}).status_code == 200
    entries = journal(admin, "?target_type=anomaly")
    me = str(admin_of(world)["id"])
    assert sorted((e["action"], e["old_value"], e["new_value"]) for e in entries) == sorted([
        ("status", "new", "in_progress"), ("assignee_id", None, me),
        ("status", "in_progress", "resolved"), ("note", "", "Numéro corrigé avec le praticien.")])
    assert {e["target_id"] for e in entries} == {str(report["id"])}


def test_the_journal_lists_every_kind_newest_first_and_pages(world):
    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    for name in ("Un", "Deux", "Trois"):
        send(admin, "POST", "/api/v1/admin/api-keys", {"name": name})
    with world.store.transaction() as conn:   # a sheet change is audited too, but is not the cell's journal
        conn.execute("INSERT INTO audit_log (at, actor, target_type, target_id, field, old_value, new_value) "
                     "VALUES ('2026-03-02T09:00:00+00:00', 'account:1', 'UO', 'UO-KA', 'phone', NULL, '+33139000000')")
    everything = journal(admin)
    assert [e["new_value"].split(" (")[0] for e in everything] == ["Trois", "Deux", "Un"]
    page = admin.get("/api/v1/admin/audit?per_page=2&page=2").get_json()
    assert (page["total"], page["page"], page["per_page"]) == (3, 2, 2)
    assert [e["new_value"].split(" (")[0] for e in page["results"]] == ["Un"]


@pytest.mark.parametrize("query, field", [("?target_type=UO", "target_type"), ("?page=0", "page"),
                                          ("?per_page=1000", "per_page"), ("?page=x", "page"), ("?qui=moi", "qui")])
def test_the_journal_refuses_bad_parameters_in_french(world, query, field):
    response = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD).get(f"/api/v1/admin/audit{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == field and error["message"][0].isupper()


def test_only_the_cell_reads_the_journal(world):
    assert world.client().get("/api/v1/admin/audit").status_code == 401
    assert signed_in(world, RPPS_A, PASSWORD_A).get("/api/v1/admin/audit").status_code == 403
    key = accounts.create_api_key(world.store, "Partenaire")
    assert world.client().get("/api/v1/admin/audit", headers={"Authorization": f"Bearer {key}"}).status_code == 403
    assert signed_in(world, RPPS_A, PASSWORD_A).get("/cellule/journal").status_code == 403
    assert world.client().get("/cellule/journal").status_code == 302


def test_the_journal_page_says_who_when_what(world):
    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    send(admin, "POST", "/api/v1/admin/api-keys", {"name": "SAMU 78"})
    with world.store.transaction() as conn:
        reporter = accounts.find_account(conn, rpps=RPPS_B)
        report = anomalies.report_anomaly(conn, reporter["id"], {
            "target_type": "UO", "target_id": "UO-KA", "message": "Le numéro ne répond plus.", "theme": None},
            world.clock())
    send(admin, "PATCH", f"/api/v1/admin/anomalies/{report['id']}", {"status": "in_progress"})
    html = admin.get("/cellule/journal").get_data(as_text=True)
    assert "Journal des actions de la cellule" in html and 'data-total="3"' in html
    assert "Cellule de test" in html
    assert "Clé créée : SAMU 78" in html
    assert "Statut : Nouvelle → En cours" in html
    assert "Attribution : personne → Cellule de test" in html
    assert f'href="/cellule/anomalies/{report["id"]}"' in html
    only_keys = admin.get("/cellule/journal?target_type=api_key").get_data(as_text=True)
    assert 'data-total="1"' in only_keys and "Statut :" not in only_keys
    bad = admin.get("/cellule/journal?target_type=nimporte")
    assert bad.status_code == 400 and "action inconnu : « nimporte »" in bad.get_data(as_text=True)
    assert 'href="/cellule/journal"' in admin.get("/cellule/anomalies").get_data(as_text=True)


def test_operators_commands_are_journaled_as_cli(store_env_world):
    store_path = store_env_world
    assert ror_cli.main(["api-key", "create", "--name", "SAMU 92"]) == 0
    assert ror_cli.main(["api-key", "revoke", "--id", "1"]) == 0
    with open_store(store_path).snapshot() as conn:
        _, entries = audit.admin_actions(conn)
    assert [(e["action"], e["actor"]["kind"], e["actor"]["name"]) for e in entries] == [
        ("revoked", "cli", "Commande ror (serveur)"), ("created", "cli", "Commande ror (serveur)")]


@pytest.fixture
def store_env_world(tmp_path, monkeypatch, settings):
    """The commands' store (a file or, on the PostgreSQL run, a database), given as an operator gives it."""
    path = fresh_location(settings, tmp_path, "cli")
    monkeypatch.setenv("ROR_STORE_URL" if settings.store_url else "ROR_STORE_PATH", path)
    monkeypatch.setenv("ROR_INDEX_PREFIX", f"{settings.index_prefix}-cli-audit")
    return path


def test_a_reindex_from_the_command_line_is_journaled(store_env_world, search, settings):
    from tests import offer_fixture

    offer_fixture.load(open_store(store_env_world))
    try:
        assert ror_cli.main(["reindex", "--grace", "0"]) == 0
        with open_store(store_env_world).snapshot() as conn:
            _, entries = audit.admin_actions(conn, target_type="index")
        assert [(e["actor"]["kind"], e["new_value"].split(" :")[0]) for e in entries] == [("cli", "terminée"), ("cli", "demandée")]
        assert entries[0]["target_id"] == f"{settings.index_prefix}-cli-audit-units"
    finally:
        search.indices.delete(index=f"{settings.index_prefix}-cli-audit-*", ignore_unavailable=True, expand_wildcards="all")

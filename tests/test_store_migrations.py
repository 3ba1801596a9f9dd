"""Alembic builds new stores and takes over the stores versioned before it (SQLite's user_version)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from catalog import accounts, repository
from catalog.store import Store, _scripts, open_store, utcnow

LEGACY_SCHEMA = Path(__file__).parent / "data" / "legacy_store_v4.sql"
HEAD = int(_scripts().get_current_head())


def _legacy_store(path: Path) -> None:
    """A store as catalog/store.py left it before Alembic: the old scripts' tables, user_version 4, one unit."""
    conn = sqlite3.connect(path)
    conn.executescript(LEGACY_SCHEMA.read_text())
    conn.executescript("""
        INSERT INTO legal_entities (id, name, kind, updated_at) VALUES ('EJ-1', 'Cabinet', 'practitioner', 'then');
        INSERT INTO establishments (id, ej_id, name, category, insee, lat, lon, source, updated_at)
            VALUES ('EG-1', 'EJ-1', 'Cabinet du Parc', 'LIBERAL', '78646', 48.8, 2.13, 'catalog', 'then');
        INSERT INTO units (id, eg_id, uo_type, name, profession, aptitudes, updated_at)
            VALUES ('UO-1', 'EG-1', 'CONSULT_KINE', 'Consultation', '70', '["KINE_ETP"]', 'then');
        INSERT INTO outbox (unit_id, revision, created_at, next_attempt_at) VALUES ('UO-1', 1, 'then', 'then');
        PRAGMA user_version = 4;
    """)
    conn.close()


def _alembic_revision(path: Path) -> str | None:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        conn.close()


def test_a_store_made_before_alembic_is_stamped_and_keeps_its_rows(tmp_path):
    path = tmp_path / "legacy.sqlite3"
    _legacy_store(path)

    store = open_store(path)

    assert _alembic_revision(path) == f"{HEAD:04d}"
    with store.transaction() as conn:
        unit = repository.get_unit(conn, "UO-1")
        assert (unit["name"], unit["aptitudes"], unit["revision"]) == ("Consultation", ["KINE_ETP"], 1)
        admin = accounts.create_admin_account(conn, "cellule@example.fr", "Motdepasse1", "Cellule", utcnow())
        updated = repository.update_unit(conn, "UO-1", {"comments": "Après Alembic"}, actor="test")
    assert admin["id"] == 1 and admin["session_version"] == 0
    with store.snapshot() as conn:
        # The old outbox row and the new edit's row, ids in order (AUTOINCREMENT kept).
        assert [(r["unit_id"], r["revision"]) for r in conn.execute("SELECT unit_id, revision FROM outbox ORDER BY id")] == [
            ("UO-1", 1), ("UO-1", updated["revision"])]


def test_a_new_store_is_built_by_alembic_and_reopening_changes_nothing(tmp_path):
    path = tmp_path / "new.sqlite3"
    store = Store(path)

    assert store.migrate() == HEAD
    assert _alembic_revision(path) == f"{HEAD:04d}"
    with store.transaction() as conn:
        tables = {r["name"] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"units", "establishments", "legal_entities", "accounts", "outbox", "email_tokens", "api_keys",
            "rate_limits", "audit_log", "anomalies", "activation_codes", "resource_persons"} <= tables
    assert Store(path).migrate() == HEAD


def test_ids_on_a_new_sqlite_store_are_rowids(tmp_path):
    """INTEGER PRIMARY KEY, as the old scripts declared them: the id is the row's own key, not a second index."""
    path = tmp_path / "new.sqlite3"
    open_store(path)
    conn = sqlite3.connect(path)
    try:
        conn.execute("INSERT INTO audit_log (id, at, actor, target_type, target_id, field) VALUES (42, 'now', 't', 'UO', 'x', 'f')")
        assert conn.execute("SELECT rowid FROM audit_log WHERE id = 42").fetchone()[0] == 42
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'outbox'").fetchone()[0]
        assert "AUTOINCREMENT" in sql   # outbox ids are never reused: a reindex drops entries up to an id
    finally:
        conn.close()


def test_units_made_before_life_dates_take_their_last_update_as_creation_date(tmp_path):
    """Migration 0007: every UO has a creation date (FHIR's ror-meta-creation-date) and no end date."""
    path = tmp_path / "store.sqlite3"
    _legacy_store(path)
    store = open_store(path)
    with store.transaction() as conn:
        old = conn.execute("SELECT created_at, ended_at FROM units WHERE id = 'UO-1'").fetchone()
        repository.insert_unit(conn, {"id": "UO-2", "eg_id": "EG-1", "uo_type": "CONSULT_KINE",
                                      "name": "Nouvelle", "profession": "70"})
        new = conn.execute("SELECT created_at, updated_at, ended_at FROM units WHERE id = 'UO-2'").fetchone()
    assert tuple(old) == ("then", None)
    assert new[0] == new[1] and new[0].startswith("20") and new[2] is None

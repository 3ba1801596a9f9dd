"""PostgreSQL as the system of record: what only it has (row claims, pg_dump) and what must hold as on SQLite."""
from __future__ import annotations

import dataclasses
import threading

import pytest

from catalog import repository
from catalog.backup import BackupError, backup, restore
from catalog.store import claim_outbox, open_store
from config import Settings
from tests import offer_fixture
from tests.stores import create_database


@pytest.fixture
def pg_store(postgres_server):
    store = open_store(create_database(postgres_server))
    offer_fixture.load(store)
    return store


def _due_ids(store) -> list[int]:
    with store.snapshot() as conn:
        return [r["id"] for r in conn.execute("SELECT id FROM outbox ORDER BY id")]


def test_store_url_wins_over_store_path_and_the_app_writes_there(postgres_server, tmp_path):
    from query_api import create_app

    url = create_database(postgres_server)
    settings = dataclasses.replace(Settings.from_env(), store_url=url, store_path=str(tmp_path / "unused.sqlite3"),
                                   index_prefix="test-store-url", secret_key="test")
    store = create_app(settings).extensions["ror"]["store"]
    assert settings.store_location == url
    assert store.dialect == "postgresql"
    assert not (tmp_path / "unused.sqlite3").exists()


def test_concurrent_drainers_take_disjoint_entries(pg_store):
    due = _due_ids(pg_store)
    assert len(due) >= 6
    with claim_outbox(pg_store, limit=3) as first:
        with claim_outbox(pg_store, limit=len(due)) as second:
            taken_first = [e["id"] for e in first.entries]
            taken_second = [e["id"] for e in second.entries]
            with second.settle() as conn:
                conn.execute("DELETE FROM outbox WHERE id = ANY(?)", (taken_second,))
    assert taken_first == due[:3]
    assert taken_second == due[3:]
    # The first drainer settled nothing: its entries are due again, the second's are gone.
    assert _due_ids(pg_store) == due[:3]


def test_a_drainer_that_fails_leaves_its_entries_to_the_next(pg_store):
    due = _due_ids(pg_store)
    with pytest.raises(RuntimeError):
        with claim_outbox(pg_store, limit=2) as claim:
            assert [e["id"] for e in claim.entries] == due[:2]
            raise RuntimeError("the process died mid-batch")
    with claim_outbox(pg_store, limit=2) as claim:
        assert [e["id"] for e in claim.entries] == due[:2]


def test_two_writers_of_the_same_sheet_do_not_lose_an_update(pg_store):
    """Read-then-write in one transaction sees no other writer in between, as on SQLite: one of two stale edits fails."""
    with pg_store.snapshot() as conn:
        revision = repository.get_unit(conn, "UO-A")["revision"]
    barrier, outcomes = threading.Barrier(2), []

    def edit(comment: str) -> None:
        barrier.wait()
        try:
            with pg_store.transaction() as conn:
                repository.update_unit(conn, "UO-A", {"comments": comment}, actor="test", expected_revision=revision)
            outcomes.append("saved")
        except repository.StaleRevision:
            outcomes.append("stale")

    threads = [threading.Thread(target=edit, args=(c,)) for c in ("premier", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["saved", "stale"]
    with pg_store.snapshot() as conn:
        assert repository.get_unit(conn, "UO-A")["revision"] == revision + 1


def test_backup_wrecked_postgresql_store_and_restore(pg_store, tmp_path):
    with pg_store.transaction() as conn:
        repository.update_unit(conn, "UO-A", {"comments": "Avant la panne"}, actor="test")
        units = repository.count_units(conn)
    report = backup(pg_store, tmp_path / "sauvegarde.dump")
    assert report["units"] == units and report["bytes"] > 0
    with pg_store.transaction() as conn:
        conn.execute("DELETE FROM resource_persons")
        conn.execute("UPDATE units SET comments = 'perdu'")

    restored = restore(tmp_path / "sauvegarde.dump", pg_store.url.render_as_string(hide_password=False))

    with restored.snapshot() as conn:
        assert repository.count_units(conn) == units
        assert repository.get_unit(conn, "UO-A")["comments"] == "Avant la panne"


def test_restore_refuses_a_file_that_is_not_a_backup_and_leaves_the_store(pg_store, tmp_path):
    bogus = tmp_path / "pas-une-sauvegarde.dump"
    bogus.write_text("bonjour")
    with pytest.raises(BackupError, match="n'est pas une sauvegarde PostgreSQL"):
        restore(bogus, pg_store.url.render_as_string(hide_password=False))
    with pg_store.snapshot() as conn:
        assert repository.get_unit(conn, "UO-A")["name"]


def test_ror_backup_and_restore_commands_use_the_store_url(postgres_server, tmp_path, monkeypatch, capsys):
    import ror_cli

    url = create_database(postgres_server)
    monkeypatch.setenv("ROR_STORE_URL", url)
    monkeypatch.setenv("ROR_STORE_PATH", str(tmp_path / "unused.sqlite3"))
    store = open_store(url)
    offer_fixture.load(store)
    with store.snapshot() as conn:
        queued = conn.execute("SELECT COUNT(*) FROM outbox").scalar()
    assert queued > 0

    assert ror_cli.main(["backup", str(tmp_path / "ror.dump")]) == 0
    assert "Sauvegarde écrite" in capsys.readouterr().out
    with store.transaction() as conn:
        conn.execute("DELETE FROM outbox")
    assert ror_cli.main(["restore", str(tmp_path / "ror.dump")]) == 0

    with open_store(url).snapshot() as conn:
        assert conn.execute("SELECT COUNT(*) FROM outbox").scalar() == queued
    assert not (tmp_path / "unused.sqlite3").exists()


def test_demo_reset_refuses_to_touch_a_postgresql_store(postgres_server, monkeypatch, capsys):
    import ror_cli

    monkeypatch.setenv("ROR_STORE_URL", create_database(postgres_server))
    assert ror_cli.main(["demo", "--reset", "--external-engine"]) == 2
    assert "ne vide que le fichier SQLite" in capsys.readouterr().err


def test_processes_opening_a_new_store_at_once_all_find_it_migrated(postgres_server):
    """Several API processes start together on an empty database: one migrates, the others wait for it."""
    url = create_database(postgres_server)
    barrier, versions, errors = threading.Barrier(4), [], []

    def start() -> None:
        barrier.wait()
        try:
            versions.append(open_store(url).migrate())
        except Exception as error:  # noqa: BLE001 - the test reports any failure
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(versions) == 4 and len(set(versions)) == 1

"""Backup of the live store, a wrecked store, restore + reindex: the directory answers as before."""
from __future__ import annotations

import threading
import time

import pytest

from catalog import repository
from catalog.backup import BackupError, backup, restore
from indexer.reindex import reindex
from tests.world import PASSWORD_A, RPPS_A, make_world, send, signed_in

SEARCHES = [
    "/api/v1/search?where=78646&radius_km=30",
    "/api/v1/search?where=78646&aptitude=KINE_REEDUC_VESTIBULAIRE",
    "/api/v1/search?what=KINE_LYMPHOEDEMES&sort=relevance",
    "/api/v1/suggest?field=where&q=vers",
]
SHEETS = ["/api/v1/units/UO-KA", "/api/v1/units/UO-A", "/api/v1/establishments/EG-HOSP"]


def _answers(world) -> dict:
    client = world.client()
    answers = {}
    for path in SEARCHES + SHEETS:
        response = client.get(path)
        assert response.status_code == 200, (path, response.get_json())
        answers[path] = response.get_json()
    return answers


def test_backup_wrecked_store_restore_and_reindex_give_the_same_answers(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    editor = signed_in(world, RPPS_A, PASSWORD_A)
    saved = send(editor, "PUT", "/api/v1/me/units/UO-KA", {
        "revision": 1, "comments": "Sauvegardé avant la panne", "aptitudes": ["KINE_REEDUC_VESTIBULAIRE"],
        "age_min": 0, "age_max": 17, "week": {"1": "9h-12h"}})
    assert saved.status_code == 200
    reindex(world.store, search, world.settings, progress=False, grace_seconds=0)
    before = _answers(world)
    assert "UO-KA" in {u["id"] for r in before[SEARCHES[1]]["results"] for u in r["units"]}

    report = backup(world.store, tmp_path / "sauvegarde.sqlite3")
    assert report["units"] == 11 and report["schema_version"] >= 2

    # The store is wrecked: its first pages overwritten, its WAL gone.
    store_path = tmp_path / "store.sqlite3"
    with open(store_path, "r+b") as wrecked:
        wrecked.write(b"\xde\xad\xbe\xef" * 4096)
    for companion in ("-wal", "-shm"):
        (tmp_path / f"store.sqlite3{companion}").unlink(missing_ok=True)
    assert world.client().get("/api/v1/units/UO-KA").status_code != 200   # the service cannot read it

    restored = restore(tmp_path / "sauvegarde.sqlite3", store_path)
    reindex(restored, search, world.settings, progress=False, grace_seconds=0)
    assert _answers(world) == before
    with restored.snapshot() as conn:
        assert [row[0] for row in conn.execute("PRAGMA integrity_check")] == ["ok"]
        assert repository.get_unit(conn, "UO-KA")["comments"] == "Sauvegardé avant la panne"
    # The restored store is the service's store again: it takes edits.
    again = send(signed_in(world, RPPS_A, PASSWORD_A), "PUT", "/api/v1/me/units/UO-KA",
                 {"revision": saved.get_json()["revision"], "comments": "Après restauration"})
    assert again.status_code == 200


def test_a_backup_taken_while_sheets_are_saved_is_consistent(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    editor = signed_in(world, RPPS_A, PASSWORD_A)
    stop = threading.Event()
    saved = []

    def keep_saving():
        revision = 1
        while not stop.is_set():
            answer = send(editor, "PUT", "/api/v1/me/units/UO-KA", {"revision": revision, "comments": f"n° {revision}"})
            assert answer.status_code == 200
            revision = answer.get_json()["revision"]
            saved.append(revision)

    writer = threading.Thread(target=keep_saving)
    writer.start()
    try:
        while len(saved) < 5:
            time.sleep(0.01)
        backups = [backup(world.store, tmp_path / f"copie-{n}.sqlite3") for n in range(3)]
    finally:
        stop.set()
        writer.join(30)
    assert len(saved) > 5
    for copy in backups:
        copied = restore(copy["path"], tmp_path / f"verif-{copy['path'][-9:]}")
        with copied.snapshot() as conn:
            unit = repository.get_unit(conn, "UO-KA")
            changes = conn.execute("SELECT COUNT(DISTINCT at) FROM audit_log WHERE target_id = 'UO-KA'").fetchone()[0]
            queued = [r[0] for r in conn.execute("SELECT revision FROM outbox WHERE unit_id = 'UO-KA' ORDER BY id")]
        # One transaction's view: the sheet, its history and its outbox entries agree.
        assert unit["comments"] == f"n° {unit['revision'] - 1}"
        assert changes == unit["revision"] - 1
        assert queued[-1] == unit["revision"]


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 100, None], ids=["empty", "garbage", "missing"])
def test_restore_refuses_what_is_not_a_backup_and_leaves_the_store_alone(settings, tmp_path, content):
    world = make_world(settings, tmp_path)
    candidate = tmp_path / "candidate.sqlite3"
    if content is not None:
        candidate.write_bytes(content)
    with pytest.raises(BackupError):
        restore(candidate, world.store.path)
    with world.store.snapshot() as conn:
        assert repository.count_units(conn) == 11


def test_restore_refuses_a_sqlite_file_that_is_not_a_ror_store(settings, tmp_path):
    import sqlite3

    world = make_world(settings, tmp_path)
    other = tmp_path / "autre.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(BackupError, match="n'est pas une base ROR"):
        restore(other, world.store.path)
    with world.store.snapshot() as conn:
        assert repository.count_units(conn) == 11

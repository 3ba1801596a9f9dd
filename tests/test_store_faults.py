"""The store stops answering during sheet edits: a clear 503 in every face, nothing half written,
and edits resume when it is back, without restarting the API.

PostgreSQL: a throw-away cluster of this test's own (ops/postgres.py, under its own
state directory and port), so the cluster the other tests share is never touched; it
is stopped in the middle of a stream of edits, then started again on the same port.
SQLite: another writer holds the file's write lock past the busy timeout (15 s: marked slow).
"""
from __future__ import annotations

import contextlib
import dataclasses
import shutil
import sqlite3
import threading
import time

import pytest

from query_api.errors import STORE_DOWN_MESSAGE
from tests.world import PASSWORD_A, RPPS_A, csrf, make_world, signed_in


@pytest.fixture
def own_postgres(settings, tmp_path):
    """A PostgreSQL cluster for this test alone; (its settings, the cluster)."""
    from ops import postgres

    mine = dataclasses.replace(settings, state_dir=str(tmp_path / "postgres-state"))
    cluster = postgres.start(mine)
    try:
        yield mine, cluster
    finally:
        postgres.stop(mine, mode="immediate")
        shutil.rmtree(cluster.base, ignore_errors=True)
        with contextlib.suppress(OSError):   # the folder made for it outside the work tree, when root
            cluster.base.parent.rmdir()


def _edits(client, unit_id: str, answers: list, stop: threading.Event) -> None:
    """Save the sheet again and again, re-reading its revision after any refusal; keep every answer."""
    token, revision, n = csrf(client), None, 0
    while not stop.is_set():
        if revision is None:
            read = client.get(f"/api/v1/me/units/{unit_id}")
            answers.append(("GET", read.status_code, read.get_json(), None))
            if read.status_code != 200:
                time.sleep(0.05)
                continue
            revision = read.get_json()["revision"]
        n += 1
        comment = f"{unit_id} édition {n}"
        saved = client.put(f"/api/v1/me/units/{unit_id}", json={"revision": revision, "comments": comment},
                           headers={"X-CSRF-Token": token})
        answers.append(("PUT", saved.status_code, saved.get_json(), comment))
        revision = saved.get_json()["revision"] if saved.status_code == 200 else None


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_postgresql_stopped_during_edits_answers_503_writes_nothing_and_edits_resume(own_postgres, settings, search,
                                                                                      tmp_path):
    from ops import postgres

    pg_settings, cluster = own_postgres
    world = make_world(settings, tmp_path, store_url=cluster.url)
    editor = signed_in(world, RPPS_A, PASSWORD_A)
    answers: list = []
    stop = threading.Event()
    stream = threading.Thread(target=_edits, args=(editor, "UO-KA", answers, stop))
    stream.start()
    try:
        _wait_for(lambda: sum(1 for a in answers if a[1] == 200) >= 20, 60, "the edits did not get going")
        postgres.stop(pg_settings, mode="fast")        # the server goes away mid-stream
        _wait_for(lambda: sum(1 for a in answers if a[1] == 503) >= 5, 60, "no 503 while the store is down")

        # Every face says so in its own form, in French.
        visitor = world.client()
        api = visitor.get("/api/v1/units/UO-KA")
        assert api.status_code == 503
        assert api.get_json()["error"] == {"code": "store_unavailable", "message": STORE_DOWN_MESSAGE, "field": None}
        fhir = visitor.get("/fhir/HealthcareService/UO-KA")
        assert fhir.status_code == 503
        outcome = fhir.get_json()
        assert outcome["resourceType"] == "OperationOutcome"
        assert STORE_DOWN_MESSAGE in str(outcome)
        page = visitor.get("/uo/UO-KA", headers={"Accept": "text/html"})
        assert page.status_code == 503
        assert page.mimetype == "text/html" and "momentanément indisponible" in page.get_data(as_text=True)
        account_page = editor.get("/mon-compte", headers={"Accept": "text/html"})
        assert account_page.status_code == 503 and account_page.mimetype == "text/html"

        down = len(answers)
        postgres.start(pg_settings, port=cluster.port)   # back where the API expects it; the API is not restarted
        _wait_for(lambda: any(a[1] == 200 for a in answers[down:]), 60, "the edits did not resume")
        _wait_for(lambda: sum(1 for a in answers[down:] if a[1] == 200) >= 5, 60, "the edits did not resume")
    finally:
        stop.set()
        stream.join(60)

    statuses = {status for _, status, _, _ in answers}
    assert statuses <= {200, 503}, [a for a in answers if a[1] not in (200, 503)][:3]
    for _, status, body, _ in answers:
        if status == 503:
            assert body["error"]["code"] == "store_unavailable" and body["error"]["message"] == STORE_DOWN_MESSAGE
    # Nothing half written: the sheet went up by one revision per acknowledged edit, each audited once,
    # and holds the last acknowledged comment; a refused edit left no trace.
    saved = [comment for method, status, _, comment in answers if method == "PUT" and status == 200]
    refused = {comment for method, status, _, comment in answers if method == "PUT" and status == 503}
    with world.store.snapshot() as conn:
        unit = conn.execute("SELECT revision, comments FROM units WHERE id = 'UO-KA'").fetchone()
        audited = [row[0] for row in conn.execute(
            "SELECT new_value FROM audit_log WHERE target_type = 'UO' AND target_id = 'UO-KA' AND field = 'comments' "
            "ORDER BY id")]
        queued = [row[0] for row in conn.execute("SELECT revision FROM outbox WHERE unit_id = 'UO-KA' ORDER BY id")]
    assert unit["revision"] == 1 + len(saved)
    assert unit["comments"] == saved[-1]
    assert audited == saved and not refused & set(audited)
    assert queued[-len(saved):] == list(range(2, 2 + len(saved)))


@pytest.mark.slow
def test_sqlite_write_lock_held_past_the_busy_timeout_answers_503_and_nothing_is_written(world):
    editor = signed_in(world, RPPS_A, PASSWORD_A)
    token = csrf(editor)
    revision = editor.get("/api/v1/me/units/UO-KA").get_json()["revision"]
    blocker = sqlite3.connect(world.store.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")   # another process's long write, holding SQLite's one write lock
    try:
        answer = editor.put("/api/v1/me/units/UO-KA", json={"revision": revision, "comments": "bloquée"},
                            headers={"X-CSRF-Token": token})
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert answer.status_code == 503
    assert answer.get_json()["error"]["message"] == STORE_DOWN_MESSAGE
    with world.store.snapshot() as conn:
        assert conn.execute("SELECT revision FROM units WHERE id = 'UO-KA'").scalar() == revision
    again = editor.put("/api/v1/me/units/UO-KA", json={"revision": revision, "comments": "passée"},
                       headers={"X-CSRF-Token": token})
    assert again.status_code == 200
    assert again.get_json()["revision"] == revision + 1

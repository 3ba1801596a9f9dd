"""The API process killed with SIGKILL in the middle of a stream of writes: nothing acknowledged is lost.

The service runs as in production (``ror serve``: waitress and the outbox sync
worker) in a subprocess on a loopback port, writing to its store file; four
clients save sheets as fast as they can; the process is killed without warning.
The store is then checked as SQLite and as the system of record, and a restarted
service serves every acknowledged edit and brings the index up to date.
"""
from __future__ import annotations

import http.client
import signal
import threading
import time

from bench.load import Session, start_service, stop_service
from catalog.store import outbox_state
from indexer.engine import UNITS, alias_name
from tests.world import PASSWORD_A, RPPS_A, UNITS_OF_A


def _stream_of_edits(port: int, unit_id: str, acknowledged: list, stop: threading.Event) -> None:
    """Save the sheet again and again; keep what the service acknowledged (200)."""
    session = Session("127.0.0.1", port)
    try:
        session.sign_in(RPPS_A, PASSWORD_A)
        revision = session.json("GET", f"/api/v1/me/units/{unit_id}")[1]["revision"]
        n = 0
        while not stop.is_set():
            n += 1
            comment = f"{unit_id} édition {n}"
            status, body = session.json("PUT", f"/api/v1/me/units/{unit_id}", {"revision": revision, "comments": comment})
            assert status == 200, body
            revision = body["revision"]
            acknowledged.append((unit_id, comment, revision))
    except (OSError, ValueError, http.client.HTTPException):
        return  # the service died under us: what was acknowledged before is what counts
    finally:
        session.close()


def _store_facts(store) -> dict:
    with store.snapshot() as conn:
        verdict = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        units = {r["id"]: dict(r) for r in conn.execute("SELECT id, revision, comments FROM units")}
        audit = {}
        for row in conn.execute("SELECT target_id, at, field, new_value FROM audit_log WHERE target_type = 'UO' ORDER BY id"):
            audit.setdefault(row["target_id"], []).append((row["at"], row["field"], row["new_value"]))
        outbox = {}
        for row in conn.execute("SELECT unit_id, revision FROM outbox ORDER BY id"):
            outbox.setdefault(row["unit_id"], []).append(row["revision"])
    return {"integrity": verdict, "units": units, "audit": audit, "outbox": outbox}


def _indexed_revision(client, settings, unit_id: str) -> int | None:
    """The document's external version (its revision), read in real time (no refresh needed)."""
    (index,) = client.indices.get_alias(name=alias_name(settings, UNITS))
    found = client.get(index=index, id=unit_id, ignore=404)
    return found["_version"] if found.get("found") else None


def test_a_killed_api_process_loses_no_acknowledged_edit_and_leaves_no_half_written_sheet(served_world, search):
    world, settings = served_world
    service = start_service(settings, log_path=world.mail_dir.parent / "service.log")
    acknowledged: list = []
    stop = threading.Event()
    streams = [threading.Thread(target=_stream_of_edits, args=(settings.port, unit_id, acknowledged, stop))
               for unit_id in UNITS_OF_A]
    try:
        for stream in streams:
            stream.start()
        deadline = time.monotonic() + 30
        # Every unit's stream acknowledged at least once (a slow thread start left one without any).
        while (len(acknowledged) < 120 or {u for u, _, _ in acknowledged} != set(UNITS_OF_A)) \
                and time.monotonic() < deadline:
            time.sleep(0.01)
        service.send_signal(signal.SIGKILL)   # mid-stream: requests are in flight right now
        service.wait(10)
        stop.set()
        for stream in streams:
            stream.join(30)
    finally:
        stop.set()
        stop_service(service)
    assert len(acknowledged) >= 120, "the stream of edits did not get going"
    assert {u for u, _, _ in acknowledged} == set(UNITS_OF_A), "a unit's stream of edits did not get going"

    facts = _store_facts(world.store)
    assert facts["integrity"] == ["ok"]
    for unit_id in UNITS_OF_A:
        unit = facts["units"][unit_id]
        mine = [(comment, revision) for u, comment, revision in acknowledged if u == unit_id]
        comments = [value for _, field, value in facts["audit"].get(unit_id, []) if field == "comments"]
        # Every acknowledged edit is there, in order.
        assert [comment for comment, _ in mine] == comments[:len(mine)]
        assert unit["revision"] >= mine[-1][1]
        # No half-written sheet: each revision bump has its audit rows (one change of the comment,
        # written at one instant), the sheet holds the last audited value, no outbox entry is ahead of it.
        changes = {at for at, _, _ in facts["audit"][unit_id]}
        assert len(comments) == unit["revision"] - 1 == len(changes)
        assert unit["comments"] == comments[-1]
        assert all(revision <= unit["revision"] for revision in facts["outbox"].get(unit_id, []))
        # Outbox complete: the current revision is queued for the index, or already in it.
        assert unit["revision"] in facts["outbox"].get(unit_id, []) or \
            _indexed_revision(search, settings, unit_id) == unit["revision"]

    # Restarted on the same store, the service serves the edits and its sync catches the index up.
    service = start_service(settings, log_path=world.mail_dir.parent / "service.log")
    try:
        session = Session("127.0.0.1", settings.port)
        session.sign_in(RPPS_A, PASSWORD_A)
        for unit_id in UNITS_OF_A:
            status, sheet = session.json("GET", f"/api/v1/me/units/{unit_id}")
            assert status == 200
            assert sheet["revision"] == facts["units"][unit_id]["revision"]
            assert sheet["sheet"]["comments"] == facts["units"][unit_id]["comments"]
        session.close()
        deadline = time.monotonic() + 60
        while True:
            with world.store.snapshot() as conn:
                depth = outbox_state(conn)["depth"]
            if depth == 0:
                break
            assert time.monotonic() < deadline, f"{depth} outbox entries left after a minute"
            time.sleep(0.2)
    finally:
        stop_service(service)
    for unit_id in UNITS_OF_A:
        assert _indexed_revision(search, settings, unit_id) == facts["units"][unit_id]["revision"]

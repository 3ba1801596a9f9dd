"""Several people and processes writing at once: one wins a race cleanly, nobody sees "database is locked".

- Two tabs saving the same sheet from the same revision: one 200, one 409 with the
  current sheet; nothing is silently overwritten, and the loser's retry lands.
- Eight clients saving eight sheets through the real service (waitress, 8 threads)
  while two other processes write the same store file (one in long, import-like
  transactions): every request succeeds; SQLite's busy timeout absorbs the waits.
- A short run of the load test (bench/load.py: 5 s, 4 clients): no error.
"""
from __future__ import annotations

import subprocess
import sys
import threading
import time

from bench.load import Session, run_load, start_service, stop_service
from catalog import repository
from config import PROJECT_DIR
from tests.world import PASSWORD_A, PASSWORD_B, RPPS_A, RPPS_B, make_world, send, signed_in

RACES = 8


def test_two_tabs_saving_the_same_revision_one_wins_the_other_is_told_and_nothing_is_lost(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    tabs = [signed_in(world, RPPS_A, PASSWORD_A), signed_in(world, RPPS_A, PASSWORD_A)]
    for race in range(RACES):
        revision = tabs[0].get("/api/v1/me/units/UO-KA").get_json()["revision"]
        start = threading.Barrier(2)
        answers = [None, None]

        # Defaults bind this race's barrier, answers and revision (the threads end within the iteration).
        def save(i: int, start=start, answers=answers, revision=revision, race=race) -> None:
            start.wait()
            answers[i] = send(tabs[i], "PUT", "/api/v1/me/units/UO-KA",
                              {"revision": revision, "comments": f"course {race}, onglet {i}"})

        threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [200, 409], [a.get_json() for a in answers]
        winner = next(i for i in range(2) if answers[i].status_code == 200)
        loser = 1 - winner
        conflict = answers[loser].get_json()
        assert conflict["error"]["code"] == "stale_revision"
        assert conflict["current"]["revision"] == revision + 1
        assert conflict["current"]["sheet"]["comments"] == f"course {race}, onglet {winner}"
        # The loser re-applies its change on the current version: both edits are in the history.
        retried = send(tabs[loser], "PUT", "/api/v1/me/units/UO-KA",
                       {"revision": conflict["current"]["revision"], "comments": f"course {race}, onglet {loser}"})
        assert retried.status_code == 200 and retried.get_json()["revision"] == revision + 2
    with world.store.snapshot() as conn:
        history = [row["new_value"] for row in conn.execute(
            "SELECT new_value FROM audit_log WHERE target_id = 'UO-KA' AND field = 'comments' ORDER BY id")]
        outbox = [row["revision"] for row in conn.execute("SELECT revision FROM outbox WHERE unit_id = 'UO-KA'")]
    assert len(history) == 2 * RACES == len(set(history))
    assert outbox[-2 * RACES:] == list(range(2, 2 + 2 * RACES))


# Another process writing the store: a sheet edit at a time, or import-like batches that
# hold the write lock for a while. Prints how many transactions it committed.
OTHER_WRITER = """
import sys, time
from catalog import repository
from catalog.store import Store
store, seconds, hold = Store(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
unit_id, done, deadline = sys.argv[4], 0, time.monotonic() + seconds
while time.monotonic() < deadline:
    with store.transaction() as conn:
        current = repository.get_unit(conn, unit_id)
        repository.update_unit(conn, unit_id, {"comments": f"autre processus {done}"}, actor="test",
                               expected_revision=current["revision"])
        time.sleep(hold)
    done += 1
print(done)
"""


def test_eight_clients_and_two_other_processes_write_the_store_without_a_locked_database(served_world):  # noqa: F811
    world, settings = served_world
    units = [f"UO-KA{n}" for n in range(2, 10)]
    with world.store.transaction() as conn:
        for unit_id in units:
            if unit_id not in ("UO-KA2", "UO-KA3", "UO-KA4"):  # the fixture made those
                repository.insert_unit(conn, dict(id=unit_id, eg_id="EG-KA", uo_type="CONSULT_KINE",
                                                  name="Consultation kinésithérapie", profession="70",
                                                  owner_rpps=RPPS_A))
    service = start_service(settings, log_path=world.mail_dir.parent / "service.log")
    others = [subprocess.Popen([sys.executable, "-c", OTHER_WRITER, settings.store_path, "4", str(hold), unit_id],
                               cwd=PROJECT_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for hold, unit_id in ((0.0, "UO-C"), (0.3, "UO-F"))]
    answers: dict[str, list[int]] = {unit_id: [] for unit_id in units}

    def hammer(unit_id: str) -> None:
        session = Session("127.0.0.1", settings.port)
        session.sign_in(RPPS_A, PASSWORD_A)
        revision = session.json("GET", f"/api/v1/me/units/{unit_id}")[1]["revision"]
        for n in range(25):
            status, body = session.json("PUT", f"/api/v1/me/units/{unit_id}",
                                        {"revision": revision, "comments": f"{unit_id} n° {n}"})
            answers[unit_id].append(status)
            if status != 200:
                answers[unit_id].append(body)
                return
            revision = body["revision"]
        session.close()

    try:
        threads = [threading.Thread(target=hammer, args=(unit_id,)) for unit_id in units]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        elapsed = time.monotonic() - started
        outputs = [process.communicate(timeout=60) for process in others]
    finally:
        stop_service(service)
    for process, (out, err) in zip(others, outputs):
        assert process.returncode == 0 and int(out) > 0, err
    for unit_id, statuses in answers.items():
        assert statuses == [200] * 25, (unit_id, statuses[-2:])
    with world.store.snapshot() as conn:
        for unit_id in units:
            assert repository.get_unit(conn, unit_id)["comments"] == f"{unit_id} n° 24"
    log = (world.mail_dir.parent / "service.log").read_text()
    assert "database is locked" not in log and "Traceback" not in log
    assert elapsed < 60


def test_a_short_load_run_has_no_errors(served_world):  # noqa: F811
    world, settings = served_world
    service = start_service(settings, log_path=world.mail_dir.parent / "service.log")
    try:
        report = run_load(f"http://127.0.0.1:{settings.port}", seconds=5, clients=4,
                          credentials=[(RPPS_A, PASSWORD_A), (RPPS_B, PASSWORD_B)], max_requests=20_000)
    finally:
        stop_service(service)
    print(report.table())
    assert report.errors == 0, report.table()
    assert set(report.kinds) == {"search", "suggest", "unit sheet", "establishment sheet", "edit"}, report.table()
    assert report.requests >= 50

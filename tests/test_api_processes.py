"""Several API processes on one port (``ror serve --workers 2``): what must hold for the service holds
whichever process answers.

The service runs as an operator runs it (gunicorn's master and two workers, each
with its outbox drainer) in a subprocess on a loopback port, on a store of the
run's backend (SQLite, then PostgreSQL). Requests go over fresh connections, so
both workers answer; the access log (one line per request, with the worker's
pid) shows which one did. The guards live in the store, so the count goes on
from one process to the other: sign-in failures, the lockout, the revision of a
sheet, the reindex lease; /metrics adds up both workers' figures.
"""
from __future__ import annotations

import dataclasses
import re
import threading
import time
from pathlib import Path

import pytest

from bench.load import Session, free_port, start_service, stop_service
from catalog import audit, reindex_runs
from catalog.accounts import LOCKOUT_THRESHOLD
from catalog.store import outbox_state, utcnow
from indexer import reindex_job
from indexer.engine import UNITS, alias_name
from indexer.reindex import reindex
from query_api.api.accounts import LOGIN_FAILURES_PER_ADDRESS
from tests.world import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD_A, RPPS_A, make_world

pytestmark = pytest.mark.both_stores   # runs on SQLite and on PostgreSQL (tests/conftest.py)

WORKERS = 2


@pytest.fixture(scope="module")
def service(settings, search, tmp_path_factory):
    """The small world, indexed, served by ``ror serve --workers 2``; yields (world, settings, log path)."""
    work = tmp_path_factory.mktemp("processes")
    world = make_world(settings, work)
    reindex(world.store, search, world.settings, progress=False, grace_seconds=0)
    # No ROR_SECRET_KEY: the service draws the key that signs its cookies, once for both workers.
    served = dataclasses.replace(world.settings, port=free_port(), prometheus_multiproc_dir=str(work / "metrics"),
                                 secret_key="")
    log = work / "service.log"
    process = start_service(served, log_path=log, workers=WORKERS)
    try:
        yield world, served, log
    finally:
        stop_service(process)


def _each_on_a_new_connection(port: int, requests: list[tuple[str, str, dict | None]], *, parallel: int = 2) -> list:
    """Send each request on a connection of its own, ``parallel`` at a time (the kernel hands them to
    either worker); the answers in the order of the requests."""
    answers: list = [None] * len(requests)
    lock = threading.Lock()
    pending = list(enumerate(requests))

    def client():
        while True:
            with lock:
                if not pending:
                    return
                i, (method, path, body) = pending.pop(0)
            session = Session("127.0.0.1", port)
            try:
                if method != "GET":   # the page's CSRF dance, on the same connection
                    session.csrf = session.json("GET", "/api/v1/session")[1]["csrf_token"]
                answers[i] = session.json(method, path, body)
            finally:
                session.close()

    threads = [threading.Thread(target=client) for _ in range(parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return answers


def _workers_that_answered(log: Path, method: str, path: str) -> set[str]:
    line = re.compile(rf'"{method} {re.escape(path)}[ ?].*pid=<(\d+)>')
    return {m.group(1) for m in map(line.search, log.read_text(errors="replace").splitlines()) if m}


def _signed_in(port: int, login: str, password: str) -> Session:
    session = Session("127.0.0.1", port)
    session.sign_in(login, password)
    return session


def test_two_processes_saving_the_same_revision_of_a_sheet_give_one_200_and_one_409(service, search):
    world, settings, _ = service
    editors = [_signed_in(settings.port, RPPS_A, PASSWORD_A) for _ in range(2)]
    revision = editors[0].json("GET", "/api/v1/me/units/UO-KA")[1]["revision"]
    answers: dict[int, tuple] = {}
    start = threading.Barrier(2)

    def save(i: int) -> None:
        start.wait()
        answers[i] = editors[i].json("PUT", "/api/v1/me/units/UO-KA",
                                     {"revision": revision, "comments": f"édition concurrente {i}"})

    threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for editor in editors:
        editor.close()

    assert sorted(status for status, _ in answers.values()) == [200, 409]
    (winner,) = [i for i, (status, _) in answers.items() if status == 200]
    (loser,) = [body for status, body in answers.values() if status == 409]
    assert loser["error"]["code"] == "stale_revision"
    assert loser["current"]["revision"] == revision + 1
    with world.store.snapshot() as conn:
        unit = conn.execute("SELECT revision, comments FROM units WHERE id = 'UO-KA'").fetchone()
    # The winner's edit is the sheet; the other one wrote nothing (no lost update, no mix).
    assert (unit["revision"], unit["comments"]) == (revision + 1, f"édition concurrente {winner}")
    # The workers' drainers (each process has one; on SQLite they may both apply it) put that revision in the index.
    (index,) = search.indices.get_alias(name=alias_name(settings, UNITS))
    deadline = time.monotonic() + 60
    while True:
        with world.store.snapshot() as conn:
            depth = outbox_state(conn)["depth"]
        if depth == 0 and search.get(index=index, id="UO-KA")["_version"] == revision + 1:
            break
        assert time.monotonic() < deadline, f"the edit never reached the index ({depth} entries waiting)"
        time.sleep(0.2)


def test_a_session_opened_on_one_worker_is_good_on_every_worker(service):
    _, settings, log = service
    practitioner = _signed_in(settings.port, RPPS_A, PASSWORD_A)
    answers = []
    for _ in range(16):
        visit = Session("127.0.0.1", settings.port)   # a new connection: either worker takes it
        visit.cookie = practitioner.cookie
        answers.append(visit.json("GET", "/api/v1/me"))
        visit.close()
    practitioner.close()
    assert [status for status, _ in answers] == [200] * 16
    assert {body["account"]["rpps"] for _, body in answers} == {RPPS_A}
    assert len(_workers_that_answered(log, "GET", "/api/v1/me")) == WORKERS


def test_a_reindex_running_in_another_process_is_refused_by_the_service(service):
    world, settings, _ = service
    # This test process plays `ror reindex` on another machine: it holds the lease in the store.
    run_id = reindex_job.begin(world.store, world.settings, audit.ACTOR_CLI)
    try:
        admin = _signed_in(settings.port, ADMIN_EMAIL, ADMIN_PASSWORD)
        answers = [admin.json("POST", "/api/v1/admin/reindex", {}) for _ in range(WORKERS + 1)]
        admin.close()
    finally:
        with world.store.transaction() as conn:
            reindex_runs.finish(conn, run_id, utcnow())
    for status, body in answers:
        assert status == 409, body
        assert "déjà en cours" in body["error"]["message"]


def test_lockout_and_the_sign_in_limit_count_the_failures_of_every_process(service):
    world, settings, log = service
    with world.store.snapshot() as conn:
        already = conn.execute("SELECT COALESCE(SUM(hits), 0) FROM rate_limits WHERE bucket LIKE 'login-ip:%'").scalar()
    assert already == 0, "an earlier test of the module failed a sign-in"

    def login(login: str, password: str) -> tuple:
        session = Session("127.0.0.1", settings.port)
        session.csrf = session.json("GET", "/api/v1/session")[1]["csrf_token"]
        try:
            return session.json("POST", "/api/v1/login", {"login": login, "password": password})
        finally:
            session.close()

    wrong = [login(RPPS_A, "Mauvais-Mot-2") for _ in range(LOCKOUT_THRESHOLD)]
    assert [status for status, _ in wrong] == [401] * LOCKOUT_THRESHOLD
    # Locked after LOCKOUT_THRESHOLD failures, whichever process counted them: the right password is refused.
    assert login(RPPS_A, PASSWORD_A)[0] == 401
    with world.store.snapshot() as conn:
        assert conn.execute("SELECT locked_until FROM accounts WHERE rpps = ?", (RPPS_A,)).scalar()

    # The address's limit: LOGIN_FAILURES_PER_ADDRESS failures in all, then 429 from any process.
    failed = LOCKOUT_THRESHOLD + 1
    rest = _each_on_a_new_connection(settings.port, [
        ("POST", "/api/v1/login", {"login": "personne@ror.test", "password": "Inconnu-123"})
        for _ in range(LOGIN_FAILURES_PER_ADDRESS.hits - failed + 3)])
    statuses = sorted(status for status, _ in rest)   # sent 2 at a time: in no particular order
    assert statuses == [401] * (LOGIN_FAILURES_PER_ADDRESS.hits - failed) + [429] * 3, statuses
    assert all("Trop" in body["error"]["message"] for status, body in rest if status == 429)
    assert len(_workers_that_answered(log, "POST", "/api/v1/login")) == WORKERS


def test_metrics_add_up_the_requests_of_both_workers(service):
    _, settings, log = service
    count = 24
    answers = _each_on_a_new_connection(settings.port, [("GET", "/api/v1/units/UO-KB", None)] * count)
    assert [status for status, _ in answers] == [200] * count
    assert len(_workers_that_answered(log, "GET", "/api/v1/units/UO-KB")) == WORKERS

    status, text = Session("127.0.0.1", settings.port).request("GET", "/metrics")
    assert status == 200
    labels = ('method="GET"', 'route="/api/v1/units/<unit_id>"', 'status="200"')
    (line,) = [line for line in text.decode().splitlines()
               if line.startswith("ror_http_requests_total{") and all(label in line for label in labels)]
    assert float(line.rsplit(" ", 1)[1]) == count

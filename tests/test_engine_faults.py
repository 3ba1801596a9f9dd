"""OpenSearch dying under the service: edits are never lost, searches say so in French, the index catches up.

These tests start their OWN single-node OpenSearch (another port, its own state
directory under /tmp, 512 MB of heap) and kill it with SIGKILL, as a crash or
the OOM killer would. The suite's node on OPENSEARCH_URL is never touched.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

from catalog import repository
from indexer.engine import UNITS, alias_name, building_alias_name, search_client
from indexer.reindex import cleanup_old_indices, reindex
from indexer.sync import SyncWorker
from ops import opensearch
from query_api.errors import ENGINE_DOWN_MESSAGE
from tests.index_checks import indexed_revisions, stored_revisions, wait_until_empty_outbox
from tests.world import PASSWORD_A, PASSWORD_B, RPPS_A, RPPS_B, make_world, send, signed_in


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def own_engine(settings):
    """Settings pointing at a node of our own, started for this module and stopped after it."""
    # Under /tmp and world-readable: when we are root the node runs as an unprivileged user.
    state = Path(tempfile.mkdtemp(prefix="ror-engine-faults-", dir="/tmp"))
    state.chmod(0o755)
    mine = dataclasses.replace(settings, opensearch_url=f"http://127.0.0.1:{_free_port()}",
                               state_dir=str(state), opensearch_heap="512m")
    assert mine.opensearch_port != settings.opensearch_port  # never the suite's node
    opensearch.start(mine)
    yield mine
    opensearch.stop(mine)
    shutil.rmtree(state, ignore_errors=True)


def kill_engine(engine_settings) -> None:
    """SIGKILL the node (no shutdown hook, no flush) and wait until it is gone."""
    pid = opensearch.status(engine_settings)["pid"]
    assert pid, "our node is not running"
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert opensearch.status(engine_settings)["status"] == "unreachable"


def test_sheet_edits_are_all_kept_while_the_engine_is_killed_and_the_index_catches_up(own_engine, tmp_path):
    world = make_world(own_engine, tmp_path)
    client = search_client(world.settings)
    reindex(world.store, client, world.settings, progress=False, grace_seconds=0)
    worker = SyncWorker(world.store, client, world.settings, interval=0.1)
    worker.start()
    editors = {"UO-KA": signed_in(world, RPPS_A, PASSWORD_A), "UO-KB": signed_in(world, RPPS_B, PASSWORD_B)}
    answers: dict[str, list] = {unit: [] for unit in editors}
    engine_killed = threading.Event()

    def edit(unit_id: str, client_) -> None:
        revision = client_.get(f"/api/v1/me/units/{unit_id}").get_json()["revision"]
        for n in range(30):
            if n == 10:
                engine_killed.wait(30)  # the second half of the burst happens with the engine dead
            body = {"revision": revision, "comments": f"Édition n° {n}", "phone": "01 39 00 00 42"}
            response = send(client_, "PUT", f"/api/v1/me/units/{unit_id}", body)
            answers[unit_id].append((response.status_code, response.get_json()))
            if response.status_code != 200:
                return
            revision = response.get_json()["revision"]

    threads = [threading.Thread(target=edit, args=item) for item in editors.items()]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while sum(len(a) for a in answers.values()) < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        kill_engine(own_engine)
        engine_killed.set()

        # Meanwhile, searches and health say the engine is away, in French; sheets still work.
        public = world.client()
        for path in ("/api/v1/search?where=78646", "/api/v1/suggest?field=what&q=vest", "/api/v1/search.xlsx?where=78646"):
            response = public.get(path)
            assert response.status_code == 503, (path, response.status_code)
            assert response.get_json()["error"]["message"] == ENGINE_DOWN_MESSAGE
        health = public.get("/api/v1/health")
        assert health.status_code == 503 and health.get_json()["opensearch"]["status"] == "unreachable"
        assert public.get("/api/v1/units/UO-A").status_code == 200
        for thread in threads:
            thread.join(60)

        # Every edit was committed and acknowledged, one revision after the other.
        for unit_id, results in answers.items():
            assert [status for status, _ in results] == [200] * 30, (unit_id, results[-1])
            revisions = [body["revision"] for _, body in results]
            assert revisions == list(range(revisions[0], revisions[0] + 30))
            assert results[-1][1]["sheet"]["comments"] == "Édition n° 29"
        store_state = stored_revisions(world.store)
        assert store_state["UO-KA"] == answers["UO-KA"][-1][1]["revision"]

        opensearch.start(own_engine)
        assert public.get("/api/v1/health").status_code == 200
        wait_until_empty_outbox(world.store, client, world.settings)
    finally:
        worker.stop()
    assert indexed_revisions(client, world.settings) == stored_revisions(world.store)


def _bulk_units(world, count: int) -> None:
    """``count`` more units spread over the fixture's establishments."""
    egs = ["EG-VER1", "EG-PAR15", "EG-RAMB", "EG-HOSP", "EG-CHES", "EG-EVRY"]
    units = [dict(id=f"UO-BULK-{n:06d}", eg_id=egs[n % len(egs)], uo_type="CONSULT_KINE",
                  name="Consultation kinésithérapie", profession="70",
                  aptitudes=["KINE_REEDUC_RACHIS"] if n % 2 else [], age_min=0, age_max=120,
                  week={1 + n % 5: [(540, 720)]}, comments=f"Unité de charge {n}")
             for n in range(count)]
    with world.store.transaction() as conn:
        repository.insert_units(conn, units)


def _indexing_started(client, settings, previous: set[str]) -> str | None:
    """The index a running reindex is loading, once it has received documents."""
    stats = client.indices.stats(index=f"{alias_name(settings, UNITS)}-v*", metric="indexing")["indices"]
    for name, data in stats.items():
        if name not in previous and data["primaries"]["indexing"]["index_total"] >= 500:
            return name
    return None


def test_a_reindex_killed_mid_load_leaves_the_alias_alone_and_the_next_one_succeeds(own_engine, tmp_path):
    world = make_world(own_engine, tmp_path)
    client = search_client(world.settings, timeout=60)
    before = reindex(world.store, client, world.settings, progress=False, grace_seconds=0)
    alias = alias_name(world.settings, UNITS)
    answer_before = world.client().get("/api/v1/search?where=78646&radius_km=30").get_json()
    _bulk_units(world, 5_000)

    outcome: dict = {}

    def run_reindex():
        try:
            reindex(world.store, client, world.settings, progress=False, grace_seconds=0)
            outcome["finished"] = True
        except Exception as error:  # what the engine's death looks like to the reindex
            outcome["error"] = error

    thread = threading.Thread(target=run_reindex)
    thread.start()
    deadline = time.monotonic() + 60
    loading = None
    while loading is None and "finished" not in outcome and time.monotonic() < deadline:
        loading = _indexing_started(client, world.settings, {before.index, before.suggest_index})
        time.sleep(0.02)
    assert loading, f"the reindex never started loading: {outcome}"
    kill_engine(own_engine)
    thread.join(60)
    assert "error" in outcome and "finished" not in outcome

    opensearch.start(own_engine)
    # The alias never moved: searches answer from the old index, as before the crash.
    assert sorted(client.indices.get_alias(name=alias)) == [before.index]
    assert world.client().get("/api/v1/search?where=78646&radius_km=30").get_json() == answer_before

    after = reindex(world.store, client, world.settings, progress=False, grace_seconds=0)
    assert sorted(client.indices.get_alias(name=alias)) == [after.index]
    assert after.documents == len(stored_revisions(world.store)) == client.count(index=alias)["count"]
    # The half-built index is no build any more: nothing writes to it, the next cleanup deletes it.
    next_alias = building_alias_name(world.settings, UNITS)
    assert not client.indices.exists_alias(name=next_alias)
    cleanup_old_indices(client, world.settings, grace_seconds=0)
    assert not client.indices.exists(index=loading)


def test_before_any_index_is_built_searches_say_the_engine_is_unavailable(settings, search, tmp_path):
    """The engine answers but has no index under this prefix yet (404 index_not_found): a 503, not a 500."""
    world = make_world(settings, tmp_path)   # a prefix of its own, never indexed
    client = world.client()
    for path in ("/api/v1/search?where=78646", "/api/v1/suggest?field=where&q=vers", "/api/v1/search?where=eg:EG-VER1"):
        response = client.get(path)
        assert response.status_code == 503, (path, response.get_json())
        assert response.get_json()["error"] == {"code": "engine_unavailable", "message": ENGINE_DOWN_MESSAGE,
                                                "field": None}
    assert client.get("/api/v1/units/UO-A").status_code == 200   # sheets come from the store

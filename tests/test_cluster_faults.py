"""A data node of a 3-node cluster killed under load: no search fails, no edit is lost, green again.

The module starts its OWN local cluster (``ops.opensearch.start_cluster``: three nodes of
512 MB heap, HTTP and transport ports of its own, state under /tmp) with one replica of
each shard, and kills a node's JVM with SIGKILL, as a crash or the OOM killer would, while
searches and sheet edits keep coming. The suite's node on OPENSEARCH_URL is never touched.
"""
from __future__ import annotations

import dataclasses
import shutil
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

from indexer.engine import UNITS, alias_name, search_client
from indexer.reindex import reindex
from indexer.sync import SyncWorker
from ops import opensearch
from tests.index_checks import indexed_revisions, stored_revisions, wait_until_empty_outbox
from tests.world import PASSWORD_A, PASSWORD_B, RPPS_A, RPPS_B, make_world, send, signed_in

# The first test's time counts the three JVMs' start: 30 s on a quiet 2-core box, 4-5 min on a busy one.
pytestmark = [pytest.mark.slow, pytest.mark.engine, pytest.mark.timeout(900)]

NODES = 3
SEARCHES = ("/api/v1/search?where=78646&radius_km=30", "/api/v1/search?what=r%C3%A9%C3%A9ducation", "/api/v1/search?what=kin%C3%A9")


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_cluster_ports() -> list[int]:
    """Three consecutive HTTP ports whose transport ports (+100) are free too, from 9281 up."""
    for first in range(9281, 9400, NODES):
        ports = list(range(first, first + NODES))
        if all(_bindable(p) and _bindable(p + opensearch.TRANSPORT_OFFSET) for p in ports):
            return ports
    pytest.fail("no free ports for a local cluster between 9281 and 9500")


@pytest.fixture(scope="module")
def cluster(settings):
    """Settings of a 3-node cluster of our own (one replica per shard), started for this module."""
    # Under /tmp and world-readable: when we are root the nodes run as an unprivileged user.
    state = Path(tempfile.mkdtemp(prefix="ror-cluster-faults-", dir="/tmp"))
    state.chmod(0o755)
    mine = dataclasses.replace(
        settings, opensearch_url=",".join(f"http://127.0.0.1:{port}" for port in _free_cluster_ports()),
        state_dir=str(state), opensearch_cluster_heap="512m", opensearch_start_timeout=240,
        index_replicas=1, index_green_timeout=120)
    try:
        opensearch.start(mine)
        yield mine
    finally:
        opensearch.stop(mine)
        shutil.rmtree(state, ignore_errors=True)


def _health(client, **wait) -> dict:
    return client.cluster.health(params={"request_timeout": 150, "ignore": 408}, **wait)


def test_a_reindex_on_the_cluster_loads_without_replicas_and_swaps_once_they_are_allocated(cluster, tmp_path):
    world = make_world(cluster, tmp_path)
    client = search_client(world.settings, timeout=60)
    replicas_while_loading = set()

    def watch(phase, written, total, index):
        if phase == "loading":
            replicas_while_loading.add(
                client.indices.get_settings(index=index)[index]["settings"]["index"]["number_of_replicas"])

    report = reindex(world.store, client, world.settings, progress=False, grace_seconds=0, on_progress=watch)
    assert replicas_while_loading == {"0"}
    alias = alias_name(world.settings, UNITS)
    assert sorted(client.indices.get_alias(name=alias)) == [report.index]
    # Green at once, without waiting: the reindex waited for the copies before the swap.
    assert client.cluster.health(index=f"{report.index},{report.suggest_index}")["status"] == "green"
    copies = client.cat.shards(index=report.index, format="json")
    assert sorted(row["prirep"] for row in copies) == ["p", "r"]
    assert len({row["node"] for row in copies}) == 2 and {row["state"] for row in copies} == {"STARTED"}


def test_killing_the_node_holding_the_primary_fails_no_search_and_loses_no_edit(cluster, tmp_path):
    world = make_world(cluster, tmp_path)
    client = search_client(world.settings, timeout=60)
    report = reindex(world.store, client, world.settings, progress=False, grace_seconds=0)
    public = world.client()
    expected = {path: public.get(path).get_json()["total_units"] for path in SEARCHES}
    assert all(expected.values()), expected
    worker = SyncWorker(world.store, client, world.settings, interval=0.1)
    worker.start()

    node_killed, stop_searching = threading.Event(), threading.Event()
    searches: list[tuple[bool, str, int, int | None]] = []   # (during the loss, path, status, total_units)

    def search_load() -> None:
        mine = world.client()
        n = 0
        while not stop_searching.is_set():
            path = SEARCHES[n % len(SEARCHES)]
            during = node_killed.is_set()
            response = mine.get(path)
            body = response.get_json() or {}
            searches.append((during, path, response.status_code, body.get("total_units")))
            n += 1

    editors = {"UO-KA": signed_in(world, RPPS_A, PASSWORD_A), "UO-KB": signed_in(world, RPPS_B, PASSWORD_B)}
    edits: dict[str, list] = {unit: [] for unit in editors}

    def edit(unit_id: str, session) -> None:
        revision = session.get(f"/api/v1/me/units/{unit_id}").get_json()["revision"]
        for n in range(30):
            if n == 10:
                node_killed.wait(60)   # the next twenty are saved with the node dead
                time.sleep(0.2)
            response = send(session, "PUT", f"/api/v1/me/units/{unit_id}",
                            {"revision": revision, "comments": f"Édition n° {n} pendant la panne d'un nœud"})
            edits[unit_id].append((response.status_code, response.get_json()))
            if response.status_code != 200:
                return
            revision = response.get_json()["revision"]

    threads = [threading.Thread(target=search_load) for _ in range(3)]
    threads += [threading.Thread(target=edit, args=item) for item in editors.items()]
    primary = next(row["node"] for row in client.cat.shards(index=report.index, format="json") if row["prirep"] == "p")
    victim = next(node for node in opensearch.local_cluster(cluster) if node.name == primary)
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while (len(searches) < 30 or sum(len(e) for e in edits.values()) < 20) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert opensearch.stop_node(victim, signal.SIGKILL)
        node_killed.set()
        # Searches and edits go on against the two nodes left while the replica takes over.
        for thread in threads[3:]:
            thread.join(120)
        time.sleep(3)
        during_loss = sum(1 for during, *_ in searches if during)
        opensearch.start(cluster)   # the killed node only: the others are running
        assert _health(client, wait_for_status="green", timeout="120s")["status"] == "green"
    finally:
        stop_searching.set()
        for thread in threads:
            thread.join(60)
        worker.stop()

    failed = [(path, status, total) for _, path, status, total in searches
              if status != 200 or total != expected[path]]
    assert failed == [], f"{len(failed)} of {len(searches)} searches failed or were partial: {failed[:5]}"
    assert during_loss >= 10, f"only {during_loss} searches were sent while the node was down"
    for unit_id, results in edits.items():
        assert [status for status, _ in results] == [200] * 30, (unit_id, results[-1])
    wait_until_empty_outbox(world.store, client, world.settings)
    assert indexed_revisions(client, world.settings) == stored_revisions(world.store)
    last = client.get(index=alias_name(world.settings, UNITS), id="UO-KB")["_source"]
    assert last["comments"] == "Édition n° 29 pendant la panne d'un nœud"


# Every kind of engine read the service makes for a user: a search, a search around an
# establishment (its place is read from the index), the Excel export (a point in time), the
# répertoire's counts, a FHIR search by id.
ENGINE_READS = ("/api/v1/search?where=78646&radius_km=30", "/api/v1/search?where=eg:EG-KA",
                "/api/v1/search.xlsx?where=78646", "/repertoire", "/fhir/HealthcareService?_id=UO-KA")


def test_a_shard_left_without_a_copy_gives_a_clear_503_on_every_engine_read_never_part_of_an_answer(cluster, tmp_path):
    """No replica and one node killed: the shard it held has no copy anywhere. A page built from the
    two shards left would miss units without saying so (an establishment « unknown », an export a
    third short): each read says the engine cannot serve instead, and answers whole once it is back."""
    world = make_world(dataclasses.replace(cluster, index_shards=3, index_replicas=0), tmp_path)
    client = search_client(world.settings, timeout=60)
    report = reindex(world.store, client, world.settings, progress=False, grace_seconds=0)
    public = world.client()
    before = {path: public.get(path) for path in ENGINE_READS}
    assert {path: r.status_code for path, r in before.items()} == dict.fromkeys(ENGINE_READS, 200)
    manager = client.cat.cluster_manager(format="json")[0]["node"]
    holders = {row["node"] for row in client.cat.shards(index=report.index, format="json")}
    assert len(holders) >= 2, holders   # the node killed holds part of the index, not all of it
    victim = next(node for node in opensearch.local_cluster(cluster) if node.name in holders - {manager})
    try:
        assert opensearch.stop_node(victim, signal.SIGKILL)
        # Until the cluster notices the node gone, a read may wait on it; then it has no copy to go to.
        deadline = time.monotonic() + 90
        while _health(client)["unassigned_shards"] == 0 and time.monotonic() < deadline:
            time.sleep(0.5)
        for path in ENGINE_READS:
            response = public.get(path)
            assert response.status_code == 503, (path, response.status_code, response.get_data(as_text=True)[:300])
            text = response.get_data(as_text=True)
            assert "moteur de recherche" in text, (path, text[:300])
    finally:
        opensearch.start(cluster)   # the killed node only: the others are running
        assert _health(client, wait_for_status="green", timeout="120s")["status"] == "green"
    after = {path: public.get(path) for path in ENGINE_READS}
    assert {path: r.status_code for path, r in after.items()} == dict.fromkeys(ENGINE_READS, 200)
    assert after["/api/v1/search?where=78646&radius_km=30"].get_json()["total_units"] == \
        before["/api/v1/search?where=78646&radius_km=30"].get_json()["total_units"]

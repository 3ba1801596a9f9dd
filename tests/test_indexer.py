"""Full reindex and incremental sync against the real engine."""
from __future__ import annotations

import dataclasses
import threading
import time

import pytest

from catalog import repository
from catalog.store import open_store, outbox_state
from indexer.documents import unit_document
from indexer.engine import UNITS, alias_name, search_client
from indexer.reindex import ReindexError, reindex
from indexer.sync import SyncWorker, apply_documents, drain, sync_once
from tests import offer_fixture
from tests.stores import fresh_settings

pytestmark = pytest.mark.both_stores   # runs on SQLite and on PostgreSQL (tests/conftest.py)


@pytest.fixture
def own(settings, search, tmp_path, request):
    """Settings with their own index prefix and store, so tests here can write freely."""
    mine = fresh_settings(settings, tmp_path, index_prefix=f"{settings.index_prefix}-{request.node.name[:20].lower()}")
    store = open_store(mine.store_location)
    offer_fixture.load(store)
    yield mine, store
    search.indices.delete(index=f"{mine.index_prefix}-*", ignore_unavailable=True, expand_wildcards="all")


def _add_units(store, count, prefix="BULK"):
    with store.transaction() as conn:
        repository.insert_units(conn, [
            dict(id=f"{prefix}-{i:05d}", eg_id="EG-PAR15", uo_type="CONSULT_KINE", name="Consultation kinésithérapie",
                 profession="70", aptitudes=[], week={1: [(540, 720)]}) for i in range(count)])


def _alias_target(search, settings):
    return sorted(search.indices.get_alias(name=alias_name(settings, UNITS)).keys())


def test_reindex_loads_every_unit_and_swaps_the_alias(own, search):
    settings, store = own
    first = reindex(store, search, settings, progress=False, grace_seconds=0)
    with store.snapshot() as conn:
        assert search.count(index=alias_name(settings, UNITS))["count"] == repository.count_units(conn)
        assert outbox_state(conn)["depth"] == 0  # the reindex covered every queued change
    second = reindex(store, search, settings, progress=False, grace_seconds=0)
    assert _alias_target(search, settings) == [second.index]
    assert not search.indices.exists(index=first.index)  # no grace: the old one is gone
    # The load (what a bare bulk of the same documents does) is timed apart from the rest.
    assert 0 < second.load_seconds < second.seconds


def test_old_index_is_kept_during_the_grace_period(own, search):
    settings, store = own
    first = reindex(store, search, settings, progress=False, grace_seconds=0)
    reindex(store, search, settings, progress=False, grace_seconds=600)
    assert search.indices.exists(index=first.index)


def test_searches_during_a_reindex_never_fail_nor_see_an_empty_index(own, search):
    settings, store = own
    _add_units(store, 3000)
    reindex(store, search, settings, progress=False, grace_seconds=0)
    expected = search.count(index=alias_name(settings, UNITS))["count"]
    seen, errors, stop = [], [], threading.Event()

    def searcher():
        client = search_client(settings)
        while not stop.is_set():
            try:
                seen.append(client.count(index=alias_name(settings, UNITS))["count"])
            except Exception as error:  # noqa: BLE001 - any failure is the finding
                errors.append(error)

    thread = threading.Thread(target=searcher)
    thread.start()
    try:
        for _ in range(2):
            reindex(store, search, settings, progress=False, grace_seconds=0)
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert len(seen) > 10
    assert set(seen) == {expected}


def test_a_failed_reindex_leaves_the_alias_where_it_was(own, search):
    settings, store = own
    good = reindex(store, search, settings, progress=False, grace_seconds=0)
    _add_units(store, 1500)
    # A latitude the engine refuses, reached mid-load (ids sort after the bulk ones).
    with store.transaction() as conn:
        conn.execute("UPDATE establishments SET lat = 123 WHERE id = 'EG-VER1'")
    before = set(search.indices.get(index=f"{settings.index_prefix}-units-v*").keys())
    with pytest.raises(ReindexError):
        reindex(store, search, settings, progress=False, grace_seconds=0)
    assert _alias_target(search, settings) == [good.index]
    assert set(search.indices.get(index=f"{settings.index_prefix}-units-v*").keys()) == before


def test_out_of_order_writes_of_two_revisions_end_with_the_newer(own, search):
    settings, store = own
    report = reindex(store, search, settings, progress=False, grace_seconds=0)
    with store.transaction() as conn:
        repository.update_unit(conn, "UO-A", {"comments": "revision 2"}, actor="test")
        older = unit_document(repository.index_records(conn, ["UO-A"])["UO-A"])
        repository.update_unit(conn, "UO-A", {"comments": "revision 3"}, actor="test")
        newer = unit_document(repository.index_records(conn, ["UO-A"])["UO-A"])
    apply_documents(search, [report.index], [newer])
    apply_documents(search, [report.index], [older])  # a late writer with stale data
    doc = search.get(index=report.index, id="UO-A")
    assert doc["_version"] == 3
    assert doc["_source"]["comments"] == "revision 3" and doc["_source"]["revision"] == 3


def test_two_drainers_at_once_apply_every_edit_and_empty_the_outbox(own, search):
    """Two API processes each drain the outbox: every edit reaches the index at its last revision, none is lost."""
    settings, store = own
    reindex(store, search, settings, progress=False, grace_seconds=0)
    _add_units(store, 120, prefix="DRAIN")
    with store.transaction() as conn:
        for i in range(0, 120, 3):
            repository.update_unit(conn, f"DRAIN-{i:05d}", {"comments": "modifiée"}, actor="test")
    applied = []

    def drainer() -> None:
        while (result := sync_once(store, search, settings, limit=20)).applied:
            applied.append(result.applied)

    threads = [threading.Thread(target=drainer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    with store.snapshot() as conn:
        assert outbox_state(conn)["depth"] == 0
        expected = {r["id"]: r["revision"] for r in conn.execute("SELECT id, revision FROM units WHERE id LIKE 'DRAIN-%'")}
    if store.dialect == "postgresql":   # disjoint claims: each entry applied once (40 edits + 120 new units)
        assert sum(applied) == 160
    search.indices.refresh(index=alias_name(settings, UNITS))
    hits = search.search(index=alias_name(settings, UNITS), body={
        "size": 200, "query": {"prefix": {"id": "DRAIN-"}}, "_source": ["revision", "comments"]})["hits"]["hits"]
    assert {h["_id"]: h["_source"]["revision"] for h in hits} == expected
    assert sum(h["_source"]["comments"] == "modifiée" for h in hits) == 40


def test_edits_made_while_the_engine_is_unreachable_stay_queued_then_drain(own, search):
    settings, store = own
    reindex(store, search, settings, progress=False, grace_seconds=0)
    with store.transaction() as conn:
        repository.update_unit(conn, "UO-C", {"comments": "Ouvert le samedi"}, actor="test")
    unreachable = search_client(dataclasses.replace(settings, opensearch_url="http://127.0.0.1:9"), timeout=1)
    result = sync_once(store, unreachable, settings)
    assert result.failed == 1 and result.applied == 0
    with store.snapshot() as conn:
        state = outbox_state(conn)
        assert state["depth"] == 1
        row = conn.execute("SELECT attempts, last_error FROM outbox").fetchone()
        assert row["attempts"] == 1 and row["last_error"]
        conn.execute("ROLLBACK")
    # Back online, once the backoff has passed.
    with store.transaction() as conn:
        conn.execute("UPDATE outbox SET next_attempt_at = '2000-01-01'")
    assert drain(store, search, settings).applied == 1
    search.indices.refresh(index=alias_name(settings, UNITS))
    doc = search.get(index=alias_name(settings, UNITS), id="UO-C")["_source"]
    with store.snapshot() as conn:
        assert doc["revision"] == repository.get_unit(conn, "UO-C")["revision"]
        assert outbox_state(conn)["depth"] == 0


def _found_within(search, alias: str, aptitude: str, *, seconds: float) -> int:
    """How many UOs with ``aptitude`` a search finds, asked every 20 ms until one does or ``seconds`` pass."""
    started, found = time.monotonic(), 0
    while time.monotonic() - started < seconds and not found:
        found = search.count(index=alias, body={"query": {"term": {"aptitudes": aptitude}}})["count"]
        time.sleep(0.02)
    return found


def test_a_change_is_searchable_within_two_seconds_with_the_worker(own, search):
    settings, store = own
    reindex(store, search, settings, progress=False, grace_seconds=0)
    worker = SyncWorker(store, search_client(settings), settings, interval=0.2)
    worker.start()
    try:
        with store.transaction() as conn:
            repository.update_unit(conn, "UO-F", {"aptitudes": ["KINE_REEDUC_MAIN"]}, actor="test")
        assert _found_within(search, alias_name(settings, UNITS), "KINE_REEDUC_MAIN", seconds=2.0) == 1
    finally:
        worker.stop()


def test_a_saved_change_wakes_the_worker_and_is_searchable_at_once(own, search):
    """Neither the worker's poll (a minute here) nor the index's scheduled refresh (off here) is
    waited for: the commit wakes the worker, which refreshes the searched index after writing."""
    settings, store = own
    report = reindex(store, search, settings, progress=False, grace_seconds=0)
    search.indices.put_settings(index=report.index, body={"index": {"refresh_interval": "-1"}})
    worker = SyncWorker(store, search_client(settings), settings, interval=60)
    worker.start()
    try:
        time.sleep(0.3)   # the worker's first look found nothing: it now waits on its minute
        with store.transaction() as conn:
            repository.update_unit(conn, "UO-F", {"aptitudes": ["KINE_REEDUC_MAIN"]}, actor="test")
        assert _found_within(search, alias_name(settings, UNITS), "KINE_REEDUC_MAIN", seconds=3.0) == 1
    finally:
        worker.stop()
    assert not worker.is_alive()


def test_worker_applies_delayed_changes_as_soon_as_the_index_is_back(own, search):
    settings, store = own
    report = reindex(store, search, settings, progress=False, grace_seconds=0)
    alias = alias_name(settings, UNITS)
    search.indices.delete_alias(index=report.index, name=alias)  # the index vanishes for the sync
    worker = SyncWorker(store, search_client(settings), settings, interval=0.1)
    worker.start()
    try:
        with store.transaction() as conn:
            repository.update_unit(conn, "UO-E", {"aptitudes": ["KINE_REEDUC_MAIN"]}, actor="test")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with store.snapshot() as conn:
                if conn.execute("SELECT attempts FROM outbox").fetchone()["attempts"] >= 1:
                    break
            time.sleep(0.05)
        # As after a long outage: the entry's next try is an hour away.
        with store.transaction() as conn:
            conn.execute("UPDATE outbox SET next_attempt_at = '2999-01-01'")
        search.indices.put_alias(index=report.index, name=alias)
        assert _found_within(search, alias, "KINE_REEDUC_MAIN", seconds=3.0) == 1
    finally:
        worker.stop()

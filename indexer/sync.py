"""Incremental sync: drain the store's outbox into the index, losing nothing.

Each entry names a unit and the revision that changed it. We index the unit as it is
now in the store, with its revision as an external version, so replays are harmless
and an older write can never overwrite a newer one. Entries are removed only after
the engine acknowledged them; on failure they stay, with a growing backoff.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from opensearchpy import OpenSearch
from opensearchpy.exceptions import OpenSearchException

from catalog import repository
from catalog.store import Store, ack_outbox, claim_outbox, retry_outbox, store_unavailable, wake_outbox
from config import Settings
from indexer import bulk
from indexer.documents import unit_document
from indexer.engine import UNITS, alias_name, building_alias_name

log = logging.getLogger(__name__)

BATCH_SIZE = 500


@dataclass
class SyncResult:
    applied: int = 0
    failed: int = 0


def _targets(client: OpenSearch, settings: Settings) -> tuple[list[str], list[str]]:
    """Concrete indexes to write: those behind the search alias, and every target (with any index
    being built)."""
    found: dict[str, set[str]] = {}
    for name in (alias_name(settings, UNITS), building_alias_name(settings, UNITS)):
        if client.indices.exists_alias(name=name):
            found[name] = set(client.indices.get_alias(name=name).keys())
    targets = sorted(set().union(*found.values()))
    if not targets:
        raise RuntimeError("no search index yet: run a full reindex first")
    return sorted(found.get(alias_name(settings, UNITS), ())), targets


def apply_documents(client: OpenSearch, targets: list[str], docs: list[dict], deleted: dict[str, int] | None = None) -> None:
    """Write documents at their revision (external version) to every target index, and delete
    ``deleted`` (unit id → revision) at theirs: a UO ended at revision R is deleted at R, so a
    late replay of R - 1 cannot bring it back and its return at R + 1 is indexed again."""
    actions = [bulk.index_action(index, doc, doc["id"], doc["revision"]) for doc in docs for index in targets]
    actions += [bulk.delete_action(index, unit_id, revision) for unit_id, revision in (deleted or {}).items()
                for index in targets]
    # 409: a newer revision is already there; 404 on delete: already gone.
    bulk.send(client, actions, in_flight=1, tolerated=(409, 404))


def sync_once(store: Store, client: OpenSearch, settings: Settings, *, limit: int = BATCH_SIZE) -> SyncResult:
    """Apply one batch of due outbox entries; returns what was applied."""
    with claim_outbox(store, limit) as claim:
        entries = claim.entries
        if not entries:
            return SyncResult()
        records = repository.index_records(claim.conn, sorted({e["unit_id"] for e in entries}))
        ids = [e["id"] for e in entries]
        try:
            searched, targets = _targets(client, settings)
            docs = [unit_document(record) for record in records.values()]
            # Ended or removed from the store: deleted at the newest revision queued for it.
            gone: dict[str, int] = {}
            for entry in entries:
                if entry["unit_id"] not in records:
                    gone[entry["unit_id"]] = max(entry["revision"], gone.get(entry["unit_id"], 0))
            apply_documents(client, targets, docs, deleted=gone)
            if searched:
                # Searchable now, not at the next scheduled refresh (up to a second later): a
                # practitioner who saves a sheet finds it in a search straight away. An index being
                # built is left to its own load.
                client.indices.refresh(index=",".join(searched))
        except (OpenSearchException, RuntimeError) as error:  # BulkError is a RuntimeError
            with claim.settle() as conn:
                retry_outbox(conn, ids, str(error))
            log.warning("sync: %d entries kept for retry: %s", len(ids), error)
            return SyncResult(failed=len(ids))
        with claim.settle() as conn:
            ack_outbox(conn, ids)
        return SyncResult(applied=len(ids))


def drain(store: Store, client: OpenSearch, settings: Settings) -> SyncResult:
    """Sync until nothing is due (or a batch fails); used by the command and tests."""
    total = SyncResult()
    while True:
        result = sync_once(store, client, settings)
        total.applied += result.applied
        total.failed += result.failed
        if result.failed or not result.applied:
            return total


#: After a batch, the worker waits this long before the next one: the changes saved meanwhile are
#: gathered into one batch, and the index is refreshed at most five times a second.
MIN_BATCH_GAP_S = 0.2


class SyncWorker(threading.Thread):
    """The service's background sync: woken by this process's commits that queue index changes, and
    polling the outbox a few times per second for those of other processes (and for retries)."""

    def __init__(self, store: Store, client: OpenSearch, settings: Settings, interval: float = 0.5):
        super().__init__(name="ror-sync", daemon=True)
        self.store, self.client, self.settings, self.interval = store, client, settings, interval
        self.stopping = threading.Event()
        self.woken = threading.Event()
        store.on_outbox(self.woken.set)

    def run(self) -> None:
        failing = False
        while not self.stopping.is_set():
            self.woken.clear()   # before the claim: a commit from now on wakes the wait below
            try:
                result = sync_once(self.store, self.client, self.settings)
                if result.failed:
                    failing = True
                elif failing and self._engine_ready():
                    # After an outage, entries may wait minutes of backoff: apply them now.
                    with self.store.transaction() as conn:
                        woken = wake_outbox(conn)
                    log.info("sync worker: engine back, %d delayed entries due now", woken)
                    failing = False
            except Exception as error:  # the worker must outlive any single failure
                if store_unavailable(error):   # the store is down: a line, not a trace twice a second
                    log.warning("sync worker: store unavailable: %s", error)
                else:
                    log.exception("sync worker: unexpected failure")
                result = SyncResult(failed=1)
            if result.applied:
                self.stopping.wait(MIN_BATCH_GAP_S)
            else:
                self.woken.wait(self.interval)

    def _engine_ready(self) -> bool:
        try:
            _targets(self.client, self.settings)
            return True
        except (OpenSearchException, RuntimeError):
            return False

    def stop(self) -> None:
        self.store.off_outbox(self.woken.set)
        self.stopping.set()
        self.woken.set()
        self.join(timeout=10)

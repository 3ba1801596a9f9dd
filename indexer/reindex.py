"""Full reindex with zero downtime: build a new index, then one atomic alias swap.

As in warehouse's ``reindex``: the new index gets no replicas and no refresh while it
loads, its settings are restored after (the replicas of ROR_INDEX_REPLICAS allocated:
the index green), the document count is checked against the store, and only then does
one ``update_aliases`` call move the alias. Any failure
deletes the new index and leaves the alias where it was. While it builds, a second
alias (``…-next``) points at it so the incremental sync writes there too; external
versions (the store's revision) make the two writers' order irrelevant.
"""
from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from opensearchpy import OpenSearch

from catalog import repository
from catalog.store import Store, drop_outbox_upto, outbox_state
from config import Settings
from indexer import bulk
from indexer.documents import SuggestionCounts, suggestion_documents, unit_document
from indexer.engine import (
    SUGGEST,
    UNITS,
    alias_name,
    building_alias_name,
    index_settings,
    load_mapping,
    new_index_name,
)

log = logging.getLogger(__name__)

# Keeps an old index alive for exports that hold a point-in-time on it.
DEFAULT_GRACE_SECONDS = 600


class ReindexError(RuntimeError):
    pass


class ReplicasNotAllocated(ReindexError):
    """The built index stayed yellow: its replicas found no node within ROR_INDEX_GREEN_TIMEOUT_S."""


@dataclass
class ReindexReport:
    index: str
    suggest_index: str
    documents: int
    seconds: float
    previous: list[str]
    #: Up to the UO index loaded and refreshed: the work a bare bulk of the same documents does
    #: (bench/run.py compares them); the rest is the merge, the suggestions and the swap.
    load_seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.documents / self.seconds if self.seconds else 0.0


def _progress(total: int, enabled: bool):
    """A tqdm bar on a terminal, plain log lines otherwise."""
    if enabled and sys.stderr.isatty():
        from tqdm import tqdm

        return tqdm(total=total, unit="UO", desc="indexation", file=sys.stderr)
    return None


def build_settings(index: dict) -> dict:
    """An index's settings (:func:`indexer.engine.index_settings`) while it loads: no refresh,
    no replica (each document is written once, not once per copy), translog fsync'ed in the
    background.

    Safe for a build: if a node dies mid-load the build fails and is started again;
    :func:`_finish` restores the replicas and per-request durability before the index is used.
    """
    return {**index, "refresh_interval": "-1", "number_of_replicas": 0, "translog": {"durability": "async"}}


def _create(client: OpenSearch, settings: Settings, kind: str) -> str:
    spec = load_mapping(kind)
    name = new_index_name(settings, kind, spec["version"])
    client.indices.create(index=name, body={"settings": build_settings(index_settings(spec, settings, kind)),
                                            "mappings": spec["mappings"]})
    return name


FORCE_MERGE_TIMEOUT_S = 3600   # about 40 s per million UO on 2 cores


def _finish(client: OpenSearch, settings: Settings, name: str) -> None:
    """The loaded index (refreshed by the caller) merged into one segment and the settings of an index in use restored; returns once
    every copy is allocated (green).

    Copied from the fresh segments, the replicas are ready within seconds of the flush; an
    index that stays yellow (more replicas than nodes can hold, a node down) fails the build
    before the alias moves, rather than putting an index without its copies in service.
    """
    # One segment: a search then visits each matching document once, where 20 segments of a
    # freshly loaded million each paid their own lookups (bench/README.md: 36 → 56 searches/s).
    # Later writes add small segments that merge as usual.
    client.indices.forcemerge(index=name, max_num_segments=1, params={"request_timeout": FORCE_MERGE_TIMEOUT_S})
    client.indices.put_settings(
        index=name,
        body={"index": {"refresh_interval": "1s", "translog.durability": "request",
                        "number_of_replicas": settings.index_replicas}},
    )
    client.indices.refresh(index=name)
    client.indices.flush(index=name)
    health = client.cluster.health(index=name, wait_for_status="green", timeout=f"{settings.index_green_timeout}s",
                                   # A health that timed out answers 408: read it, it says what is missing.
                                   params={"request_timeout": settings.index_green_timeout + 30, "ignore": 408})
    if health["status"] != "green":
        raise ReplicasNotAllocated(
            f"{name} is {health['status']} after {settings.index_green_timeout} s: "
            f"{health['unassigned_shards']} shard copies unassigned ({settings.index_replicas} replica(s) on "
            f"{health['number_of_data_nodes']} data node(s); a replica needs a node of its own: "
            "lower ROR_INDEX_REPLICAS or start the missing nodes)")


def _current_indices(client: OpenSearch, alias: str) -> list[str]:
    if not client.indices.exists_alias(name=alias):
        return []
    return sorted(client.indices.get_alias(name=alias).keys())


def reindex(
    store: Store,
    client: OpenSearch,
    settings: Settings,
    *,
    progress: bool = True,
    grace_seconds: int = DEFAULT_GRACE_SECONDS,
    on_progress: Callable[[str, int, int, str], None] | None = None,
) -> ReindexReport:
    """Rebuild the UO and suggestion indexes from the store; swap aliases atomically.

    ``on_progress(phase, written, total, index)`` is told where the build is: "loading"
    after each bulk chunk, then "finishing" (settings, count check, suggestions, swap).
    """
    started = time.monotonic()
    report_progress = on_progress or (lambda phase, written, total, index: None)
    units_alias, suggest_alias = alias_name(settings, UNITS), alias_name(settings, SUGGEST)
    next_alias = building_alias_name(settings, UNITS)
    cleanup_old_indices(client, settings, grace_seconds)
    units_index = _create(client, settings, UNITS)
    suggest_index = None
    try:
        # Moved, not added: a build that died (its process or the engine killed mid-load)
        # keeps the alias, and with it the sync's writes, until another build takes it;
        # alias-less, it is then deleted by cleanup_old_indices after the grace period.
        # (One reindex at a time: the admin job refuses a second one.)
        moves = [{"remove": {"index": stale, "alias": next_alias}} for stale in _current_indices(client, next_alias)]
        client.indices.update_aliases(body={"actions": [*moves, {"add": {"index": units_index, "alias": next_alias}}]})
        counts = SuggestionCounts()
        with store.snapshot() as conn:
            last_outbox_id = outbox_state(conn)["last_id"]
            expected = repository.count_units(conn)
            bar = _progress(expected, progress)
            loaded = [0]
            report_progress("loading", 0, expected, units_index)

            def tick(size: int) -> None:
                loaded[0] += size
                report_progress("loading", loaded[0], expected, units_index)
                if bar is not None:
                    bar.update(size)
                elif loaded[0] // 50_000 != (loaded[0] - size) // 50_000:
                    log.info("indexation: %d / %d UO", loaded[0], expected)

            def actions():
                for record in repository.iter_index_records(conn):
                    doc = unit_document(record)
                    counts.add(doc)
                    yield bulk.index_action(units_index, doc, doc["id"], doc["revision"])

            try:
                # 409: the sync already wrote a newer revision; that is the outcome we want.
                bulk.send(client, actions(), tolerated=(409,), on_chunk=tick)
            except bulk.BulkError as error:
                raise ReindexError(str(error)) from error
            if bar is not None:
                bar.close()
        client.indices.refresh(index=units_index)
        load_seconds = time.monotonic() - started
        report_progress("finishing", loaded[0], expected, units_index)
        _finish(client, settings, units_index)
        indexed = client.count(index=units_index)["count"]
        if indexed != expected:
            raise ReindexError(f"{indexed} documents in {units_index}, {expected} units in the store")

        suggest_index = _create(client, settings, SUGGEST)
        bulk.send(client, (bulk.index_action(suggest_index, d, f"{d['type']}:{d['code']}")
                           for d in suggestion_documents(counts)))
        client.indices.refresh(index=suggest_index)
        _finish(client, settings, suggest_index)

        previous = _current_indices(client, units_alias) + _current_indices(client, suggest_alias)
        swap = [{"remove": {"index": old, "alias": alias}}
                for alias in (units_alias, suggest_alias) for old in _current_indices(client, alias)]
        swap += [
            {"add": {"index": units_index, "alias": units_alias}},
            {"add": {"index": suggest_index, "alias": suggest_alias}},
            {"remove": {"index": units_index, "alias": next_alias}},
        ]
        client.indices.update_aliases(body={"actions": swap})
    except BaseException:
        for name in (units_index, suggest_index):
            if name:
                client.indices.delete(index=name, ignore_unavailable=True)
        raise
    with store.transaction() as conn:
        drop_outbox_upto(conn, last_outbox_id)
    if grace_seconds == 0:
        for old in previous:
            client.indices.delete(index=old, ignore_unavailable=True)
    seconds = time.monotonic() - started
    log.info("reindex: %d UO into %s in %.1f s", indexed, units_index, seconds)
    return ReindexReport(units_index, suggest_index, indexed, seconds, previous, load_seconds)


def cleanup_old_indices(client: OpenSearch, settings: Settings, grace_seconds: int = DEFAULT_GRACE_SECONDS) -> list[str]:
    """Delete this prefix's indexes that no alias points at and that are past their grace period."""
    deleted = []
    now_ms = datetime.now(UTC).timestamp() * 1000
    for kind in (UNITS, SUGGEST):
        pattern = f"{alias_name(settings, kind)}-v*"
        info = client.indices.get(index=pattern, ignore_unavailable=True, allow_no_indices=True)
        for name, meta in info.items():
            if meta.get("aliases"):
                continue
            created = int(meta["settings"]["index"]["creation_date"])
            if now_ms - created >= grace_seconds * 1000:
                client.indices.delete(index=name, ignore_unavailable=True)
                deleted.append(name)
    return deleted

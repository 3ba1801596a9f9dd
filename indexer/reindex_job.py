"""A full reindex as the cell and the ``ror reindex`` command run it: one at a time, watched, recorded.

``begin`` takes the store's lease (catalog/reindex_runs.py) and writes « demandée » to the
audit trail in one transaction, or raises ReindexBusy; ``run`` builds the index
(indexer/reindex.py) while a heartbeat thread renews the lease and writes the progress
every HEARTBEAT_SECONDS, then records the outcome — success, or the failure's reason in
French — in the run and the audit trail. The progress therefore survives a page reload
and is the same for every API process and the command line.
"""
from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as EngineConnectionError
from opensearchpy.exceptions import ConnectionTimeout, TransportError

from catalog import audit, reindex_runs
from catalog.store import Store
from config import Settings
from indexer.engine import UNITS, alias_name
from indexer.reindex import DEFAULT_GRACE_SECONDS, ReindexError, ReindexReport, ReplicasNotAllocated, reindex

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 1.0


def _now() -> datetime:
    return datetime.now(UTC)


def failure_reason(error: BaseException) -> str:
    """Why a reindex failed, for the cell (the technical detail follows the words)."""
    detail = str(error)[:300]
    if isinstance(error, (EngineConnectionError, ConnectionTimeout)):
        return f"le moteur de recherche est injoignable ({detail})"
    if isinstance(error, ReplicasNotAllocated):
        return f"les copies (réplicas) de l'index construit n'ont pas trouvé de nœud où se placer ({detail})"
    if isinstance(error, ReindexError):
        return f"l'index construit ne correspond pas à la base ({detail})"
    if isinstance(error, TransportError):
        return f"le moteur de recherche a refusé une opération ({detail})"
    return f"erreur inattendue ({type(error).__name__} : {detail})"


def begin(store: Store, settings: Settings, actor: str, now: datetime | None = None) -> int:
    """Take the one-reindex lease and record the request; the run's id. ReindexBusy if one runs."""
    now = now or _now()
    alias = alias_name(settings, UNITS)
    with store.transaction() as conn:
        def abandoned(run):   # its outcome, which its dead process never wrote
            audit.record(conn, run["actor"], "index", alias, "reindex", now,
                         new=audit.reindex_failure(reindex_runs.MSG_ABANDONED))
        run_id = reindex_runs.start(conn, actor, now, on_abandoned=abandoned)
        audit.record(conn, actor, "index", alias, "reindex", now, new=audit.REINDEX_REQUESTED)
    return run_id


class _Heartbeat(threading.Thread):
    """Renews the lease and writes the latest progress, so readers see it within a second."""

    def __init__(self, store: Store, run_id: int):
        super().__init__(name=f"ror-reindex-{run_id}-heartbeat", daemon=True)
        self.store, self.run_id = store, run_id
        self.state: dict = {"phase": "starting"}
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def update(self, phase: str, written: int, total: int, index: str) -> None:
        with self.lock:
            changed = phase != self.state["phase"]
            self.state = {"phase": phase, "written": written, "total": total, "index_name": index}
        if changed:   # a new phase is written at once: when loading began is what rate and time left rest on
            self.beat()

    def beat(self) -> None:
        with self.lock:
            state = dict(self.state)
        with self.store.transaction() as conn:
            reindex_runs.heartbeat(conn, self.run_id, _now(), **state)

    def run(self) -> None:
        while not self.stopping.wait(HEARTBEAT_SECONDS):
            try:
                self.beat()
            except Exception:  # a busy store must not stop the build; the next beat retries
                log.exception("reindex heartbeat failed")


def run(store: Store, client: OpenSearch, settings: Settings, run_id: int, actor: str, *,
        progress: bool = False, grace_seconds: int = DEFAULT_GRACE_SECONDS) -> ReindexReport:
    """Build the index for the run ``begin`` opened; record the outcome; re-raise a failure."""
    heartbeat = _Heartbeat(store, run_id)
    heartbeat.start()
    alias = alias_name(settings, UNITS)
    try:
        report = reindex(store, client, settings, progress=progress, grace_seconds=grace_seconds,
                         on_progress=heartbeat.update)
    except BaseException as error:
        heartbeat.stopping.set()
        heartbeat.join()
        reason = failure_reason(error)
        now = _now()
        with store.transaction() as conn:
            reindex_runs.finish(conn, run_id, now, error=reason)
            audit.record(conn, actor, "index", alias, "reindex", now, new=audit.reindex_failure(reason))
        raise
    heartbeat.stopping.set()
    heartbeat.join()
    now = _now()
    with store.transaction() as conn:
        reindex_runs.finish(conn, run_id, now, written=report.documents, index_name=report.index)
        audit.record(conn, actor, "index", alias, "reindex", now,
                     new=audit.reindex_outcome(report.documents, report.index, report.seconds))
    return report


def status(store: Store, now: datetime | None = None, history: int = 10) -> dict:
    """The running reindex or else the last one (progress, from ``reindex_runs``), and the last
    finished runs (from the audit trail): for the console, the API and the command."""
    now = now or _now()
    with store.snapshot() as conn:
        shown = reindex_runs.current(conn, now) or reindex_runs.latest(conn, now)
        runs = audit.reindex_history(conn, history)
    return {"reindex": shown or {"running": False, "status": "none"}, "history": runs}

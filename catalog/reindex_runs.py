"""Full reindexes in the store: the one-at-a-time lease and live progress (``reindex_runs``).

Every API process and the ``ror`` command run a reindex through these functions, so they
all see the same progress and the same lock. The lock is a lease: the running process
renews ``lease_until`` every few seconds (indexer/reindex_job.py); a run whose lease has
passed belongs to a process that died, and the next start records it as failed and
takes over. Rate and time left are derived when read, from ``loading_at`` and ``written``.
The history of finished runs is read from the audit trail (``catalog.audit.reindex_history``).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from catalog.sql import Row, StoreConnection
from catalog.store import iso

LEASE = timedelta(seconds=30)
MSG_ABANDONED = "interrompue : le processus qui la menait ne répond plus (arrêté ou tué)"


class ReindexBusy(Exception):
    """Another reindex holds the lease; ``run`` is its row (as ``describe`` gives it)."""

    def __init__(self, run: dict):
        super().__init__(f"reindex {run['id']} already running")
        self.run = run


def start(conn: StoreConnection, actor: str, now: datetime,
          on_abandoned: Callable[[Row], None] | None = None) -> int:
    """Take the lease (in the caller's write transaction) and return the new run's id; ReindexBusy if held.

    A run whose lease has passed is marked failed first, and ``on_abandoned`` is told of it
    (the caller writes its outcome in the audit trail, where the history is read).
    """
    running = conn.execute("SELECT * FROM reindex_runs WHERE status = 'running' ORDER BY id").fetchall()
    for row in running:
        if row["lease_until"] > iso(now):
            raise ReindexBusy(describe(row, now))
        conn.execute("UPDATE reindex_runs SET status = 'failed', error = ?, finished_at = ?, updated_at = ? WHERE id = ?",
                     (MSG_ABANDONED, row["lease_until"], iso(now), row["id"]))
        if on_abandoned:
            on_abandoned(row)
    stamp = iso(now)
    return conn.execute(
        "INSERT INTO reindex_runs (actor, status, started_at, updated_at, lease_until) VALUES (?, 'running', ?, ?, ?)"
        " RETURNING id",
        (actor, stamp, stamp, iso(now + LEASE)),
    ).scalar()


def heartbeat(conn: StoreConnection, run_id: int, now: datetime, *, phase: str | None = None,
              total: int | None = None, written: int | None = None, index_name: str | None = None) -> None:
    """Renew the lease and record progress (None leaves a figure as it is)."""
    conn.execute(
        """UPDATE reindex_runs SET lease_until = ?, updated_at = ?,
             phase = COALESCE(?, phase), total = COALESCE(?, total), written = COALESCE(?, written),
             index_name = COALESCE(?, index_name),
             loading_at = CASE WHEN ? = 'loading' AND loading_at IS NULL THEN ? ELSE loading_at END
           WHERE id = ? AND status = 'running'""",
        (iso(now + LEASE), iso(now), phase, total, written, index_name, phase, iso(now), run_id),
    )


def finish(conn: StoreConnection, run_id: int, now: datetime, *, error: str | None = None,
           written: int | None = None, index_name: str | None = None) -> None:
    """Record the outcome: succeeded, or failed with the reason in words."""
    conn.execute(
        """UPDATE reindex_runs SET status = ?, phase = 'done', error = ?, finished_at = ?, updated_at = ?,
             written = COALESCE(?, written), index_name = COALESCE(?, index_name), lease_until = ?
           WHERE id = ?""",
        ("failed" if error else "succeeded", error[:500] if error else None, iso(now), iso(now),
         written, index_name, iso(now), run_id),
    )


def current(conn: StoreConnection, now: datetime) -> dict | None:
    """The running reindex (lease alive), or None."""
    row = conn.execute("SELECT * FROM reindex_runs WHERE status = 'running' AND lease_until > ? ORDER BY id DESC LIMIT 1",
                       (iso(now),)).fetchone()
    return describe(row, now) if row else None


def latest(conn: StoreConnection, now: datetime) -> dict | None:
    row = conn.execute("SELECT * FROM reindex_runs ORDER BY id DESC LIMIT 1").fetchone()
    return describe(row, now) if row else None


def get(conn: StoreConnection, run_id: int, now: datetime) -> dict | None:
    row = conn.execute("SELECT * FROM reindex_runs WHERE id = ?", (run_id,)).fetchone()
    return describe(row, now) if row else None


def describe(row: Row, now: datetime) -> dict:
    """A run as the console, the API and the command show it: figures, rate, time left, outcome."""
    keys = row.keys()
    running = row["status"] == "running" and row["lease_until"] > iso(now)
    status = row["status"] if row["status"] != "running" or running else "failed"
    end = datetime.fromisoformat(row["finished_at"]) if row["finished_at"] else now
    seconds = max(0.0, (end - datetime.fromisoformat(row["started_at"])).total_seconds())
    rate = seconds_left = None
    if row["loading_at"] and row["written"]:
        loading = max(1e-3, (end - datetime.fromisoformat(row["loading_at"])).total_seconds())
        rate = row["written"] / loading
        if running and row["total"]:
            seconds_left = max(0.0, (row["total"] - row["written"]) / rate)
    if "actor_name" in keys and row["actor_name"] or "actor_email" in keys and row["actor_email"]:
        actor_name = row["actor_name"] or row["actor_email"]
    else:
        actor_name = "Commande ror (serveur)" if row["actor"] == "cli" else row["actor"]
    described = {
        "id": row["id"],
        "running": running,
        "status": status,
        "phase": row["phase"],
        "actor": row["actor"],
        "actor_name": actor_name,
        "total": row["total"],
        "written": row["written"],
        "percent": round(100 * row["written"] / row["total"], 1) if row["total"] else (100.0 if status == "succeeded" else 0.0),
        "rate": round(rate, 1) if rate is not None else None,
        "seconds_left": round(seconds_left, 1) if seconds_left is not None else None,
        "seconds": round(seconds, 1),
        "index": row["index_name"],
        "started_at": row["started_at"],
        "finished_at": row["finished_at"],
    }
    if status == "succeeded":
        described["documents"] = row["written"]
    if status == "failed":   # only a failure has an error: its reason in words
        described["error"] = row["error"] or MSG_ABANDONED
    return described

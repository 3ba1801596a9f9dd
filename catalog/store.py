"""The SQLite store: connections, transactions, schema migrations, the outbox.

One file in WAL mode, so readers never block the writer and the search index can be
rebuilt from it at any time. Writes go through ``transaction()`` (BEGIN IMMEDIATE:
the write lock is taken up front, so two writers queue on the busy timeout instead
of failing half-way). Nothing outside ``catalog/`` speaks SQL.
"""
from __future__ import annotations

import importlib.util
import sqlite3
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 15_000
#: The largest integer SQLite stores: a bigger id in a URL is unknown (404), not an overflow (500).
MAX_ROWID = 2**63 - 1


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    """Timestamps are stored as ISO 8601 UTC strings, which sort as text."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


class Store:
    """The system of record at one path."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: all of it commits, or none of it."""
        conn = self.connect()
        try:
            with _immediate(conn):
                yield conn
        finally:
            conn.close()

    @contextmanager
    def bulk_session(self) -> Iterator[Callable[[], AbstractContextManager[sqlite3.Connection]]]:
        """One connection for a long bulk write that commits batch by batch; yields ``transaction()``.

        Each transaction is BEGIN IMMEDIATE ... COMMIT as in ``transaction``, but on
        the same connection, so the index pages of one batch are still cached for the
        next, and with rarer WAL checkpoints, so a page dirtied by several batches is
        copied to the database once: 30-40 % faster on large imports.
        """
        conn = self.connect()
        conn.execute("PRAGMA cache_size = -65536")          # KiB: 64 MiB
        conn.execute("PRAGMA wal_autocheckpoint = 10000")   # pages: ~40 MiB of WAL
        try:
            yield lambda: _immediate(conn)
        finally:
            conn.close()

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: one consistent view, however long it is read."""
        conn = self.connect()
        try:
            conn.execute("BEGIN")
            yield conn
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.close()

    def migrate(self, upto: int | None = None) -> int:
        """Apply the numbered migrations of ``migrations/`` not yet applied (up to ``upto``); return the version.

        A migration is an SQL script (``NNNN_name.sql``) or, when it moves data by a
        rule of the domain, a Python module (``NNNN_name.py``) whose ``migrate(conn)``
        runs inside the migration's transaction.
        """
        conn = self.connect()
        try:
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            scripts = sorted([*MIGRATIONS_DIR.glob("*.sql"), *MIGRATIONS_DIR.glob("*.py")], key=lambda p: p.name)
            for script in scripts:
                version = int(script.name.split("_", 1)[0])
                if version <= current or (upto is not None and version > upto):
                    continue
                conn.execute("BEGIN IMMEDIATE")
                try:
                    if script.suffix == ".py":
                        _python_migration(script).migrate(conn)
                    else:
                        for statement in _statements(script.read_text()):
                            conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {version}")
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                current = version
            return current
        finally:
            conn.close()


@contextmanager
def _immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE: take the write lock up front, commit all or roll back all."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _python_migration(path: Path):
    spec = importlib.util.spec_from_file_location(f"catalog.migrations.m{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _statements(sql: str) -> list[str]:
    """Split a migration script on the ';' that end statements (none occur inside)."""
    lines = [line.split("--", 1)[0] for line in sql.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def open_store(path: str | Path) -> Store:
    """The store at ``path``, migrated to the latest schema."""
    store = Store(path)
    store.migrate()
    return store


# --- outbox: index operations waiting to be applied -------------------------------

def enqueue_units(conn: sqlite3.Connection, revisions: list[tuple[str, int]], now: datetime | None = None) -> None:
    """Queue (unit id, revision) pairs for the index, inside the caller's transaction."""
    stamp = iso(now or utcnow())
    conn.executemany(
        "INSERT INTO outbox (unit_id, revision, created_at, next_attempt_at) VALUES (?, ?, ?, ?)",
        [(unit_id, revision, stamp, stamp) for unit_id, revision in revisions],
    )


def due_outbox(conn: sqlite3.Connection, limit: int, now: datetime | None = None) -> list[sqlite3.Row]:
    """Entries whose next attempt is due, oldest first."""
    return conn.execute(
        "SELECT id, unit_id, revision, attempts FROM outbox WHERE next_attempt_at <= ? ORDER BY id LIMIT ?",
        (iso(now or utcnow()), limit),
    ).fetchall()


def ack_outbox(conn: sqlite3.Connection, ids: list[int]) -> None:
    conn.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])


def retry_outbox(conn: sqlite3.Connection, ids: list[int], error: str, now: datetime | None = None) -> None:
    """Push entries back with exponential backoff (1 s doubling, capped at 5 min)."""
    now = now or utcnow()
    for entry_id in ids:
        row = conn.execute("SELECT attempts FROM outbox WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            continue
        attempts = row["attempts"] + 1
        delay = min(300, 2 ** min(attempts - 1, 9))
        conn.execute(
            "UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
            (attempts, iso(now + timedelta(seconds=delay)), error[:500], entry_id),
        )


def wake_outbox(conn: sqlite3.Connection, now: datetime | None = None) -> int:
    """Make every entry waiting out a backoff due now (the engine is back: no reason to wait)."""
    stamp = iso(now or utcnow())
    return conn.execute(
        "UPDATE outbox SET next_attempt_at = ? WHERE attempts > 0 AND next_attempt_at > ?", (stamp, stamp)
    ).rowcount


def outbox_state(conn: sqlite3.Connection) -> dict:
    """Depth of the outbox and the creation time of its oldest entry."""
    row = conn.execute("SELECT COUNT(*) AS depth, MIN(created_at) AS oldest, MAX(id) AS last_id FROM outbox").fetchone()
    return {"depth": row["depth"], "oldest": row["oldest"], "last_id": row["last_id"] or 0}


def drop_outbox_upto(conn: sqlite3.Connection, last_id: int) -> None:
    """After a full reindex from a snapshot that included these entries."""
    conn.execute("DELETE FROM outbox WHERE id <= ?", (last_id,))

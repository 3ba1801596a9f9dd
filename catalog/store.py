"""The store: connections, transactions, schema migrations, the outbox.

SQLite by default (one file in WAL mode, so readers never block the writer), or
PostgreSQL when ``ROR_STORE_URL`` names one; the search index can be rebuilt from
either at any time. Statements go through SQLAlchemy (``catalog/sql.py``), the
schema through Alembic (``catalog/migrations/``). Writes go through
``transaction()``, which takes the store's write lock up front (BEGIN IMMEDIATE on
SQLite, a transaction-scoped advisory lock on PostgreSQL): two writers queue
instead of failing half-way, and a read-then-write inside one transaction sees no
other writer in between, on both stores. Nothing outside ``catalog/`` speaks SQL.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from catalog.sql import StoreConnection

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 15_000
#: The largest integer either store keeps in an id: a bigger id in a URL is unknown (404), not an overflow (500).
MAX_ROWID = 2**63 - 1
#: The key of PostgreSQL's advisory lock that plays SQLite's one write lock.
WRITE_LOCK_KEY = 0x524F52   # 'ROR'
#: The key of the PostgreSQL advisory lock held while the schema is migrated.
MIGRATION_LOCK_KEY = WRITE_LOCK_KEY + 1
#: What the store raises, whatever its backend; ``store_unavailable`` tells an outage from a bug.
StoreError = sa.exc.SQLAlchemyError
# SQLite's words for "cannot serve now": another writer held the lock past the busy timeout,
# the file or its disk is gone. Anything else it says (no such table, a syntax error) is a bug.
_SQLITE_UNAVAILABLE = ("database is locked", "database is busy", "unable to open database", "disk i/o error",
                       "database or disk is full")


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """Timestamps are stored as ISO 8601 UTC strings, which sort as text."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def store_url(location: str | Path) -> str:
    """SQLAlchemy URL of a store given as a file path (SQLite) or a ``postgresql://`` URL."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).resolve()}"


class Store:
    """The system of record at one location: an SQLite path or a PostgreSQL URL."""

    def __init__(self, location: str | Path):
        self.url = sa.make_url(store_url(location))
        self.dialect = self.url.get_backend_name()      # 'sqlite' | 'postgresql'
        if self.dialect == "sqlite":
            self.path = Path(self.url.database)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.engine = _sqlite_engine(self.url)
        else:
            self.path = None
            self.engine = sa.create_engine(self.url, pool_pre_ping=True, pool_size=8, max_overflow=8)
        self._outbox_listeners: list[Callable[[], None]] = []

    def __repr__(self) -> str:
        return f"Store({self.url.render_as_string(hide_password=True)})"

    def on_outbox(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after each commit that queued index changes (the sync worker of this
        process wakes up at once, rather than at its next poll)."""
        self._outbox_listeners.append(listener)

    def off_outbox(self, listener: Callable[[], None]) -> None:
        if listener in self._outbox_listeners:
            self._outbox_listeners.remove(listener)

    def _committed(self, conn: StoreConnection) -> None:
        if conn.enqueued:
            for listener in list(self._outbox_listeners):
                listener()

    def connect(self) -> StoreConnection:
        """A connection of the caller's own, outside the store's transactions (the caller closes it)."""
        return StoreConnection(self.engine.connect())

    @contextmanager
    def transaction(self) -> Iterator[StoreConnection]:
        """A write transaction: all of it commits, or none of it."""
        with self.engine.connect() as connection:
            with _write(connection):
                conn = StoreConnection(connection)
                yield conn
        self._committed(conn)

    @contextmanager
    def bulk_session(self) -> Iterator[Callable[[], AbstractContextManager[StoreConnection]]]:
        """One connection for a long bulk write that commits batch by batch; yields ``transaction()``.

        Each transaction takes the write lock and commits as in ``transaction``, but on
        the same connection. On SQLite the index pages of one batch are then still
        cached for the next, and WAL checkpoints are rarer, so a page dirtied by several
        batches is copied to the database once: 30-40 % faster on large imports.
        """
        with self.engine.connect() as connection:
            if self.dialect == "sqlite":
                connection.exec_driver_sql("PRAGMA cache_size = -65536")          # KiB: 64 MiB
                connection.exec_driver_sql("PRAGMA wal_autocheckpoint = 10000")   # pages: ~40 MiB of WAL
                connection.commit()

            @contextmanager
            def transaction():
                with _write(connection):
                    conn = StoreConnection(connection)
                    yield conn
                self._committed(conn)

            yield transaction

    @contextmanager
    def snapshot(self) -> Iterator[StoreConnection]:
        """A read transaction: one consistent view, however long it is read."""
        with self.engine.connect() as connection:
            if self.dialect == "postgresql":
                connection.execution_options(isolation_level="REPEATABLE READ")
            connection.begin()
            try:
                yield StoreConnection(connection)
            finally:
                connection.rollback()

    @contextmanager
    def claim(self) -> Iterator[StoreConnection]:
        """A transaction without the write lock, for row-level claims (the outbox drainers on PostgreSQL)."""
        with self.engine.connect() as connection:
            with connection.begin():
                yield StoreConnection(connection)

    def migrate(self, upto: int | None = None) -> int:
        """Bring the schema to the latest Alembic revision (or to ``upto``); return its number.

        A store made before Alembic (SQLite's ``user_version`` 1-4, no ``alembic_version``
        table) is recognised and stamped at the revision it has, then upgraded.
        """
        from alembic import command
        from alembic.runtime.migration import MigrationContext

        target = "head" if upto is None else f"{upto:04d}"
        with self.engine.connect() as connection, _migration_lock(connection):
            current = MigrationContext.configure(connection).get_current_revision()
            legacy = 0
            if current is None and self.dialect == "sqlite":
                legacy = connection.exec_driver_sql("PRAGMA user_version").scalar() or 0
            connection.rollback()
            wanted = _scripts().get_current_head() if target == "head" else target
            if current == wanted:
                return int(current)
            config = _alembic_config(connection)
            if current is None and legacy:
                command.stamp(config, f"{legacy:04d}")
                connection.commit()
            command.upgrade(config, target)
            connection.commit()
            return int(MigrationContext.configure(connection).get_current_revision() or 0)

    def dispose(self) -> None:
        """Close the pooled connections (before a restore replaces the database under them)."""
        self.engine.dispose()


def _sqlite_engine(url: sa.URL) -> sa.Engine:
    # A connection per transaction, as before SQLAlchemy: opening an SQLite file is
    # cheap, and no pooled connection outlives a restore that replaced the file.
    engine = sa.create_engine(url, poolclass=NullPool,
                              connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None    # the driver sends no BEGIN of its own: ours below
        for pragma in (f"busy_timeout = {BUSY_TIMEOUT_MS}", "journal_mode = WAL", "synchronous = NORMAL",
                       "foreign_keys = ON"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A write takes the lock up front (IMMEDIATE); a read begins deferred.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.info.get("ror_write") else "BEGIN")

    return engine


@contextmanager
def _write(connection: sa.Connection) -> Iterator[None]:
    """Take the store's write lock up front; commit all or roll back all."""
    connection.info["ror_write"] = True
    try:
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
            yield
    finally:
        connection.info["ror_write"] = False


@contextmanager
def _migration_lock(connection: sa.Connection) -> Iterator[None]:
    """On PostgreSQL, one process at a time migrates: API processes started together open the store at once.

    A session-level advisory lock (the migrations commit one revision at a time); the
    others wait, then find the schema up to date. SQLite's migrations run under its
    write lock, revision by revision.
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    connection.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")
    connection.commit()
    try:
        yield
    finally:
        connection.rollback()
        connection.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")
        connection.commit()


@lru_cache(maxsize=1)
def _scripts():
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS_DIR))


def _alembic_config(connection: sa.Connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def store_unavailable(error: BaseException) -> bool:
    """The store cannot serve now (server down or restarting, connection lost, no pooled connection
    free, SQLite's write lock held past the busy timeout): a 503 to retry, not a bug of ours."""
    if isinstance(error, (sa.exc.DisconnectionError, sa.exc.TimeoutError)):
        return True
    if not isinstance(error, sa.exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if isinstance(error, (sa.exc.OperationalError, sa.exc.InterfaceError)):
        if error.orig is not None and type(error.orig).__module__.startswith("sqlite3"):
            return str(error.orig).lower().startswith(_SQLITE_UNAVAILABLE)
        return True   # psycopg: the server refused or dropped the connection (SQL mistakes are ProgrammingError)
    return False


def open_store(location: str | Path) -> Store:
    """The store at ``location`` (SQLite path or PostgreSQL URL), migrated to the latest schema."""
    store = Store(location)
    store.migrate()
    return store


# --- outbox: index operations waiting to be applied -------------------------------

def enqueue_units(conn: StoreConnection, revisions: list[tuple[str, int]], now: datetime | None = None) -> None:
    """Queue (unit id, revision) pairs for the index, inside the caller's transaction."""
    stamp = iso(now or utcnow())
    conn.enqueued = conn.enqueued or bool(revisions)
    conn.executemany(
        "INSERT INTO outbox (unit_id, revision, created_at, next_attempt_at) VALUES (?, ?, ?, ?)",
        [(unit_id, revision, stamp, stamp) for unit_id, revision in revisions],
    )


def due_outbox(conn: StoreConnection, limit: int, now: datetime | None = None, *, skip_locked: bool = False) -> list:
    """Entries whose next attempt is due, oldest first (``skip_locked``: lock them, passing over those locked)."""
    return conn.execute(
        "SELECT id, unit_id, revision, attempts FROM outbox WHERE next_attempt_at <= ? ORDER BY id LIMIT ?"
        + (" FOR UPDATE SKIP LOCKED" if skip_locked else ""),
        (iso(now or utcnow()), limit),
    ).fetchall()


class OutboxClaim:
    """A batch of due entries taken by one drainer: read with ``conn``, settled in ``settle()``."""

    def __init__(self, entries: list, conn: StoreConnection, settle: Callable[[], AbstractContextManager[StoreConnection]]):
        self.entries, self.conn, self.settle = entries, conn, settle


@contextmanager
def claim_outbox(store: Store, limit: int, now: datetime | None = None) -> Iterator[OutboxClaim]:
    """Take due entries for one drainer; acknowledge or retry them inside ``claim.settle()``.

    On PostgreSQL several drainers (one per API process) take disjoint batches: the
    entries are locked ``FOR UPDATE SKIP LOCKED`` in a transaction held until they
    are settled, so another drainer passes over them, and an entry whose drainer
    died is unlocked with its connection and taken again. On SQLite the batch is
    read in a snapshot and settled in a write transaction, as one drainer needs;
    concurrent drainers may then apply the same entry twice, which the index's
    external versions make harmless (an older revision never overwrites a newer).
    """
    if store.dialect == "postgresql":
        with store.claim() as conn:
            entries = due_outbox(conn, limit, now, skip_locked=True)
            yield OutboxClaim(entries, conn, lambda: nullcontext(conn))
    else:
        with store.snapshot() as conn:
            yield OutboxClaim(due_outbox(conn, limit, now), conn, store.transaction)


def ack_outbox(conn: StoreConnection, ids: list[int]) -> None:
    conn.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])


def retry_outbox(conn: StoreConnection, ids: list[int], error: str, now: datetime | None = None) -> None:
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


def wake_outbox(conn: StoreConnection, now: datetime | None = None) -> int:
    """Make every entry waiting out a backoff due now (the engine is back: no reason to wait)."""
    stamp = iso(now or utcnow())
    return conn.execute(
        "UPDATE outbox SET next_attempt_at = ? WHERE attempts > 0 AND next_attempt_at > ?", (stamp, stamp)
    ).rowcount


def outbox_state(conn: StoreConnection) -> dict:
    """Depth of the outbox and the creation time of its oldest entry."""
    row = conn.execute("SELECT COUNT(*) AS depth, MIN(created_at) AS oldest, MAX(id) AS last_id FROM outbox").fetchone()
    return {"depth": row["depth"], "oldest": row["oldest"], "last_id": row["last_id"] or 0}


def drop_outbox_upto(conn: StoreConnection, last_id: int) -> None:
    """After a full reindex from a snapshot that included these entries."""
    conn.execute("DELETE FROM outbox WHERE id <= ?", (last_id,))

"""Backup and restore of the store: SQLite's online backup API, or pg_dump / pg_restore.

``backup(store, path)`` copies the live store while the service runs: the copy is
one read transaction's view (WAL mode: writers go on meanwhile), written beside
``path``, checked, turned into one self-contained file (rollback journal, no
-wal/-shm companions) and only then renamed into place, so ``path`` is either
the previous backup or a complete new one.

``restore(path, store_path)`` checks the backup (SQLite's integrity check, and
that it is a ROR store), copies it beside the store, removes the store's -wal
and -shm files (SQLite would replay a stale WAL onto the restored pages) and
renames it over the store. Stop the service first: a connection left open on the
old file keeps writing to it. The search index is built from the store, so
rebuild it after a restore (``ror reindex``).

A PostgreSQL store is saved with ``pg_dump`` (custom format: one consistent
snapshot, taken while the service runs) beside ``path``, listed back with
``pg_restore --list`` to check it, then renamed into place. Restoring runs
``pg_restore --clean --single-transaction`` into the store's database: all of
it or, on any error, none of it. The programs come from Debian's PostgreSQL
(``/usr/lib/postgresql/*/bin``, the newest) or else the PATH.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from catalog.store import Store, open_store

REQUIRED_TABLES = frozenset({"units", "establishments", "legal_entities", "accounts", "outbox"})


class BackupError(RuntimeError):
    """A backup that cannot be made or used; the message is French, for the operator."""


def _check(conn: sqlite3.Connection, label: str) -> int:
    """Raise BackupError unless ``conn`` is a sound ROR store; return its schema version."""
    try:
        verdict = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = conn.execute("PRAGMA user_version").fetchone()[0]   # a store made before Alembic
        if "alembic_version" in tables:
            version = int(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{label} n'est pas une base SQLite lisible : {error}.") from None
    if verdict != ["ok"]:
        raise BackupError(f"{label} est endommagée : {'; '.join(verdict[:3])}.")
    missing = REQUIRED_TABLES - tables
    if missing or version < 1:
        raise BackupError(f"{label} n'est pas une base ROR (tables absentes : {', '.join(sorted(missing)) or 'aucune'}, "
                          f"version de schéma {version}).")
    return version


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy(source: sqlite3.Connection, target_path: Path) -> None:
    """The whole of ``source`` into a fresh single-file database at ``target_path``."""
    target_path.unlink(missing_ok=True)
    target = sqlite3.connect(target_path, isolation_level=None)
    try:
        source.backup(target)                      # all pages in one step: one consistent view
        target.execute("PRAGMA journal_mode = DELETE")
        target.execute("PRAGMA synchronous = FULL")
    finally:
        target.close()


def backup(store: Store, path: str | Path) -> dict:
    """Copy the live store to ``path`` (replaced atomically); returns what was saved."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    if store.dialect == "postgresql":
        return _pg_backup(store, path, partial)
    source = store.connect()
    try:
        _copy(source.driver_connection(), partial)
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"Sauvegarde impossible : {error}.") from None
    finally:
        source.close()
    checked = sqlite3.connect(f"file:{partial}?mode=ro", uri=True)
    try:
        version = _check(checked, "La sauvegarde")
        units = checked.execute("SELECT COUNT(*) FROM units").fetchone()[0]
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    finally:
        checked.close()
    os.replace(partial, path)
    _sync_directory(path.parent)
    return {"path": str(path), "bytes": path.stat().st_size, "units": units, "schema_version": version}


def restore(path: str | Path, store_path: str | Path) -> Store:
    """Replace the store at ``store_path`` (a file, or a PostgreSQL URL) by the backup at ``path``; returns the (migrated) store."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"Sauvegarde introuvable : {path}.")
    if Store(store_path).dialect == "postgresql":
        return _pg_restore(path, str(store_path))
    store_path = Path(store_path)
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise BackupError(f"{path} ne peut pas être ouvert : {error}.") from None
    staged = store_path.with_name(store_path.name + ".restoring")
    try:
        _check(source, f"La sauvegarde {path.name}")
        store_path.parent.mkdir(parents=True, exist_ok=True)
        _copy(source, staged)
    except sqlite3.Error as error:
        staged.unlink(missing_ok=True)
        raise BackupError(f"Restauration impossible : {error}.") from None
    finally:
        source.close()
    for companion in ("-wal", "-shm"):
        Path(f"{store_path}{companion}").unlink(missing_ok=True)
    os.replace(staged, store_path)
    _sync_directory(store_path.parent)
    return open_store(store_path)


# --- PostgreSQL -------------------------------------------------------------------------

def _pg_program(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parent.parent.name))
    program = str(found[-1]) if found else shutil.which(name)
    if program is None:
        raise BackupError(f"{name} est introuvable : installez le client PostgreSQL (paquet « postgresql-client »).")
    return program


def _libpq_url(store: Store) -> str:
    """The store's URL as libpq reads it (no SQLAlchemy driver name)."""
    return store.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str], failure: str) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["sans message"])[-1]
        raise BackupError(f"{failure} : {detail}.")
    return result


def _pg_check(path: Path, label: str) -> None:
    """Raise BackupError unless ``path`` is a pg_dump archive of a ROR store."""
    listing = _run([_pg_program("pg_restore"), "--list", str(path)],
                   f"{label} n'est pas une sauvegarde PostgreSQL lisible").stdout
    tables = {line.split()[-2] for line in listing.splitlines() if " TABLE public " in line and " TABLE DATA " not in line}
    missing = REQUIRED_TABLES - tables
    if missing:
        raise BackupError(f"{label} n'est pas une base ROR (tables absentes : {', '.join(sorted(missing))}).")


def _pg_backup(store: Store, path: Path, partial: Path) -> dict:
    partial.unlink(missing_ok=True)
    with store.snapshot() as conn:
        units = conn.execute("SELECT COUNT(*) FROM units").scalar()
        version = int(conn.execute("SELECT version_num FROM alembic_version").scalar())
    try:
        _run([_pg_program("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial), _libpq_url(store)],
             "Sauvegarde impossible")
        _pg_check(partial, "La sauvegarde")
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)
    _sync_directory(path.parent)
    return {"path": str(path), "bytes": path.stat().st_size, "units": units, "schema_version": version}


def _pg_restore(path: Path, location: str) -> Store:
    _pg_check(path, f"La sauvegarde {path.name}")
    store = Store(location)
    store.dispose()
    _run([_pg_program("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--dbname", _libpq_url(store), str(path)], "Restauration impossible")
    return open_store(location)

"""Backup and restore of the store, with SQLite's online backup API.

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
"""
from __future__ import annotations

import os
import sqlite3
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
        version = conn.execute("PRAGMA user_version").fetchone()[0]
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
    source = store.connect()
    try:
        _copy(source, partial)
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
    """Replace the store at ``store_path`` by the backup at ``path``; returns the (migrated) store."""
    path, store_path = Path(path), Path(store_path)
    if not path.is_file():
        raise BackupError(f"Sauvegarde introuvable : {path}.")
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

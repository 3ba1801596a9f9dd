"""Stores for the tests, on the run's backend: an SQLite file, or a database on the test PostgreSQL server.

Modules marked ``both_stores`` run once per backend (tests/conftest.py parametrizes
the ``settings`` fixture); their tests ask here for a fresh store, so the same test
body checks SQLite and PostgreSQL alike.
"""
from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path

import psycopg

from config import Settings

#: Databases made during the run, dropped at its end (conftest).
CREATED: list[tuple[str, str]] = []


def _server_url(url: str, database: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + database


def create_database(server_url: str) -> str:
    """A new empty database on the server of ``server_url``; its URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_server_url(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    CREATED.append((server_url, name))
    return _server_url(server_url, name)


def drop_created() -> None:
    for server_url, name in CREATED:
        with psycopg.connect(_server_url(server_url, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    CREATED.clear()


def fresh_location(settings: Settings, directory: Path, name: str = "store") -> str:
    """Where a new, empty store of the run's backend is: a file under ``directory`` or a new database."""
    if settings.store_url:
        return create_database(settings.store_url)
    return str(Path(directory) / f"{name}.sqlite3")


def fresh_settings(settings: Settings, directory: Path, name: str = "store", **changes) -> Settings:
    """``settings`` with a new, empty store of the run's backend (and ``changes``)."""
    location = fresh_location(settings, directory, name)
    key = "store_url" if settings.store_url else "store_path"
    return dataclasses.replace(settings, **{key: location}, **changes)

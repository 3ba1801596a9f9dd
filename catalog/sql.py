"""One connection type for both stores: SQL written once, run on SQLite or PostgreSQL.

The repository functions write portable SQL with ``?`` (positional) or ``:name``
marks. Each statement becomes an SQLAlchemy ``text()`` construct, parsed once and
cached, that the connection's dialect compiles to its driver's parameter style
(``?`` for sqlite3, ``%(name)s`` for psycopg). Rows answer by position and by column
name, and ``dict(row)`` gives the record, as ``sqlite3.Row`` did, so the functions
written against sqlite3 kept their shape. What differs between the dialects is
asked of ``dialect`` in the few places that need it (locking, memory-mapped reads).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache

import sqlalchemy as sa


class Row(tuple):
    """A result row: ``row[0]``, ``row["name"]``, ``dict(row)``."""

    __slots__ = ()
    _index: dict[str, int] = {}

    def __getitem__(self, key):
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


@lru_cache(maxsize=256)
def _row_class(columns: tuple[str, ...]) -> type[Row]:
    return type("Row", (Row,), {"__slots__": (), "_index": {name: i for i, name in enumerate(columns)}})


class Result:
    """What ``execute`` returns: sqlite3 cursor-like reading of an SQLAlchemy result."""

    def __init__(self, result: sa.CursorResult):
        self._result = result
        self._row = _row_class(tuple(result.keys())) if result.returns_rows else None

    @property
    def rowcount(self) -> int:
        return self._result.rowcount

    def fetchone(self) -> Row | None:
        row = self._result.fetchone()
        return None if row is None else self._row(row)

    def fetchmany(self, size: int) -> list[Row]:
        return [self._row(row) for row in self._result.fetchmany(size)]

    def fetchall(self) -> list[Row]:
        return [self._row(row) for row in self._result.fetchall()]

    def scalar(self):
        return self._result.scalar()

    def __iter__(self) -> Iterator[Row]:
        make = self._row
        return (make(row) for row in self._result)


@lru_cache(maxsize=4096)
def _statement(sql: str) -> tuple[sa.TextClause, int]:
    """The text construct of ``sql`` and how many ``?`` marks it had (renamed ``:_0``, ``:_1``…)."""
    parts = sql.split("?")
    if len(parts) == 1:
        return sa.text(sql), 0
    named = parts[0] + "".join(f":_{i}{part}" for i, part in enumerate(parts[1:]))
    return sa.text(named), len(parts) - 1


def _params(positional: int, params) -> dict:
    if isinstance(params, dict):
        return params
    params = tuple(params)
    if len(params) != positional:
        raise sa.exc.ArgumentError(f"{positional} marks, {len(params)} values")
    return {f"_{i}": value for i, value in enumerate(params)}


class StoreConnection:
    """A connection of the store, inside a transaction the store opened."""

    def __init__(self, connection: sa.Connection):
        self.connection = connection
        self.dialect = connection.dialect.name            # 'sqlite' | 'postgresql'
        self.enqueued = False                             # the transaction queued index changes

    def execute(self, sql: str, params: Sequence | dict = ()) -> Result:
        statement, positional = _statement(sql)
        return Result(self.connection.execute(statement, _params(positional, params)))

    def executemany(self, sql: str, rows: Iterable[Sequence | dict]) -> Result | None:
        statement, positional = _statement(sql)
        batch = [_params(positional, row) for row in rows]
        if not batch:
            return None
        return Result(self.connection.execute(statement, batch))

    def stream(self, sql: str, params: Sequence | dict = (), batch: int = 2000):
        """Plain tuples of a long read, fetched ``batch`` at a time (a server-side cursor on PostgreSQL)."""
        statement, positional = _statement(sql)
        options = {"stream_results": True, "yield_per": batch}
        return self.connection.execute(statement, _params(positional, params), execution_options=options)

    def close(self) -> None:
        self.connection.close()

    def driver_connection(self):
        """The driver's own connection (sqlite3 / psycopg), for a hot read path that skips the layer."""
        return self.connection.connection.driver_connection

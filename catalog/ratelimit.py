"""Fixed-window rate limits kept in the store, so every worker process shares them.

A bucket names who is counted ('login-ip:<address>', 'api-key:<id>', ...). A window
is ``seconds`` long and starts at a multiple of ``seconds`` since the epoch; the
count restarts with each window. Simple and good enough against brute force:
at worst twice the limit passes across a window boundary.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from catalog.sql import StoreConnection


@dataclass(frozen=True)
class Limit:
    hits: int
    seconds: int


@dataclass(frozen=True)
class Decision:
    allowed: bool
    hits: int            # counted in the current window (after this hit, if one was added)
    retry_after: int     # seconds until the window ends


def _window(limit: Limit, now: datetime) -> tuple[int, int]:
    epoch = int(now.timestamp())
    start = epoch - epoch % limit.seconds
    return start, start + limit.seconds


def _purge(conn: StoreConnection, epoch: int) -> None:
    conn.execute("DELETE FROM rate_limits WHERE expires_at <= ?", (epoch,))


def count(conn: StoreConnection, bucket: str, limit: Limit, now: datetime) -> Decision:
    """How many hits the bucket has in the current window; allowed while under the limit."""
    start, end = _window(limit, now)
    row = conn.execute(
        "SELECT hits FROM rate_limits WHERE bucket = ? AND window_start = ?", (bucket, start)
    ).fetchone()
    hits = row["hits"] if row else 0
    return Decision(hits < limit.hits, hits, end - int(now.timestamp()))


def hit(conn: StoreConnection, bucket: str, limit: Limit, now: datetime) -> Decision:
    """Count one hit (inside the caller's write transaction); refused past the limit."""
    start, end = _window(limit, now)
    _purge(conn, int(now.timestamp()))
    conn.execute(
        """INSERT INTO rate_limits (bucket, window_start, expires_at, hits) VALUES (?, ?, ?, 1)
           ON CONFLICT(bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1""",
        (bucket, start, end),
    )
    hits = conn.execute(
        "SELECT hits FROM rate_limits WHERE bucket = ? AND window_start = ?", (bucket, start)
    ).fetchone()["hits"]
    return Decision(hits <= limit.hits, hits, end - int(now.timestamp()))


def reset(conn: StoreConnection, bucket: str) -> None:
    conn.execute("DELETE FROM rate_limits WHERE bucket = ?", (bucket,))

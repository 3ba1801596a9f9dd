"""The one way documents reach the engine: NDJSON bulk bodies, a few requests in flight.

A full reindex at national size spends its time in Python (reading rows, building and
serializing documents), so two things matter: serializing with orjson (half the cost
of ``json``), and keeping the engine busy while the next chunk is being built. Bulk
requests are sent from a small thread pool while the caller's thread builds the next
chunk; the HTTP wait releases the GIL, so building and indexing overlap.

Items refused with 429 (the engine's write queue is full) are sent again with a
growing backoff; other refusals raise :class:`BulkError` unless their status is
``tolerated`` (409: a newer external version is already there; 404: already deleted).
"""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

import orjson
from opensearchpy import OpenSearch
from opensearchpy.exceptions import TransportError

CHUNK_SIZE = 1000
IN_FLIGHT = 2
MAX_RETRIES = 5
INITIAL_BACKOFF_S = 1.0
REQUEST_TIMEOUT_S = 120
# Only what we read back: the engine answers 1,000 items per chunk.
_FILTER_PATH = "errors,items.*.status,items.*.error,items.*._id"


class BulkError(RuntimeError):
    """An item the engine refused (other than a tolerated status)."""


def index_action(index: str, doc: dict, doc_id: str, version: int | None = None) -> bytes:
    """One ``index`` action and its source, newline-terminated; ``version`` is external."""
    meta: dict = {"_index": index, "_id": doc_id}
    if version is not None:
        meta["version"] = version
        meta["version_type"] = "external"
    return orjson.dumps({"index": meta}) + b"\n" + orjson.dumps(doc) + b"\n"


def delete_action(index: str, doc_id: str, version: int | None = None) -> bytes:
    """One ``delete`` action, newline-terminated; ``version`` is external, as for ``index_action``."""
    meta: dict = {"_index": index, "_id": doc_id}
    if version is not None:
        meta["version"] = version
        meta["version_type"] = "external"
    return orjson.dumps({"delete": meta}) + b"\n"


def _chunks(actions: Iterable[bytes], size: int) -> Iterable[list[bytes]]:
    chunk: list[bytes] = []
    for action in actions:
        chunk.append(action)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _send_chunk(client: OpenSearch, chunk: list[bytes], tolerated: frozenset[int]) -> int:
    """Send one chunk until every item is done or refused; returns how many were written."""
    pending, written = chunk, 0
    for attempt in range(MAX_RETRIES + 1):
        if attempt:
            time.sleep(INITIAL_BACKOFF_S * 2 ** (attempt - 1))
        try:
            response = client.bulk(body=b"".join(pending), filter_path=_FILTER_PATH,
                                   request_timeout=REQUEST_TIMEOUT_S)
        except TransportError as error:
            if error.status_code != 429 or attempt == MAX_RETRIES:
                raise
            continue
        retry, refused = [], []
        for action, item in zip(pending, response["items"]):
            result = next(iter(item.values()))
            status = result.get("status", 500)
            if status < 300:
                written += 1
            elif status == 429:
                retry.append(action)
            elif status not in tolerated:
                refused.append(f"{result.get('_id')}: {result.get('error')}")
        if refused:
            raise BulkError(f"{len(refused)} document(s) refused, e.g. " + "; ".join(refused[:3]))
        if not retry:
            return written
        pending = retry
    raise BulkError(f"{len(pending)} document(s) still refused after {MAX_RETRIES} retries: engine overloaded")


def send(
    client: OpenSearch,
    actions: Iterable[bytes],
    *,
    chunk_size: int = CHUNK_SIZE,
    in_flight: int = IN_FLIGHT,
    tolerated: Iterable[int] = (),
    on_chunk: Callable[[int], None] | None = None,
) -> int:
    """Send ``actions`` (from :func:`index_action` / :func:`delete_action`); returns how many were written.

    Up to ``in_flight`` requests are outstanding while the next chunk is built from
    ``actions``. ``on_chunk`` gets the size of each chunk once the engine took it.
    The first failure stops the run and is raised once the requests in flight ended.
    """
    allowed = frozenset(tolerated)
    written = 0
    if in_flight <= 1:   # the sync's small batches: no thread to start
        for chunk in _chunks(actions, chunk_size):
            written += _send_chunk(client, chunk, allowed)
            if on_chunk:
                on_chunk(len(chunk))
        return written
    waiting: deque[tuple[Future, int]] = deque()
    with ThreadPoolExecutor(max_workers=in_flight, thread_name_prefix="ror-bulk") as pool:

        def collect() -> None:
            nonlocal written
            future, size = waiting.popleft()
            written += future.result()
            if on_chunk:
                on_chunk(size)

        try:
            for chunk in _chunks(actions, chunk_size):
                if len(waiting) >= in_flight:
                    collect()
                waiting.append((pool.submit(_send_chunk, client, chunk, allowed), len(chunk)))
            while waiting:
                collect()
        finally:
            for future, _ in waiting:
                future.cancel()
    return written

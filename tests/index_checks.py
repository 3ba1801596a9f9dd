"""What the fault tests check once the engine is back: the outbox drained, the index equal to the store."""
from __future__ import annotations

import time

from catalog.store import outbox_state
from indexer.engine import UNITS, alias_name
from indexer.sync import drain


def wait_until_empty_outbox(store, client, settings, timeout: float = 60) -> None:
    """drain() until nothing is left (entries in retry backoff become due within seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        drain(store, client, settings)
        with store.snapshot() as conn:
            if outbox_state(conn)["depth"] == 0:
                return
        assert time.monotonic() < deadline, "the outbox was not drained after the engine came back"
        time.sleep(0.5)


def indexed_revisions(client, settings) -> dict[str, int]:
    """id → revision of every document behind the units alias, checked against its external version."""
    alias = alias_name(settings, UNITS)
    client.indices.refresh(index=alias)
    hits = client.search(index=alias, body={"query": {"match_all": {}}, "size": 10_000, "version": True,
                                            "_source": ["id", "revision"]})["hits"]["hits"]
    for hit in hits:
        assert hit["_version"] == hit["_source"]["revision"], hit
    return {hit["_id"]: hit["_source"]["revision"] for hit in hits}


def stored_revisions(store) -> dict[str, int]:
    with store.snapshot() as conn:
        return {row["id"]: row["revision"] for row in conn.execute("SELECT id, revision FROM units")}

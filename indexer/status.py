"""What the index holds compared with the store: for `ror status` and the admin API."""
from __future__ import annotations

from opensearchpy import OpenSearch
from opensearchpy.exceptions import OpenSearchException

from catalog import repository
from catalog.store import Store, outbox_state
from config import Settings
from indexer.engine import UNITS, alias_name


def index_status(store: Store, client: OpenSearch, settings: Settings) -> dict:
    """Alias → index, documents vs store records, outbox depth and oldest entry."""
    with store.snapshot() as conn:
        units = repository.count_units(conn)
        outbox = outbox_state(conn)
    alias = alias_name(settings, UNITS)
    engine: dict = {"alias": alias}
    try:
        if client.indices.exists_alias(name=alias):
            engine["indexes"] = sorted(client.indices.get_alias(name=alias).keys())
            engine["documents"] = client.count(index=alias)["count"]
        else:
            engine["indexes"], engine["documents"] = [], 0
        engine["reachable"] = True
    except OpenSearchException as error:
        engine.update(reachable=False, error=str(error)[:200])
    return {
        "store": {"units": units},
        "index": engine,
        "outbox": {"depth": outbox["depth"], "oldest": outbox["oldest"]},
        "in_sync": engine.get("documents") == units and outbox["depth"] == 0,
    }

"""What the index holds compared with the store: for `ror status`, the console and the admin API."""
from __future__ import annotations

from opensearchpy import OpenSearch
from opensearchpy.exceptions import OpenSearchException

from catalog import repository
from catalog.store import Store, outbox_state
from config import Settings
from indexer.engine import UNITS, alias_name, load_mapping


def engine_and_outbox(store: Store, client: OpenSearch, settings: Settings, *, counts: bool = False) -> dict:
    """Alias → indexes, mapping version, cluster health, outbox depth and oldest entry.

    Without ``counts`` nothing is counted (neither the store's units nor the index's
    documents): cheap enough for /api/v1/health and a metrics scrape.
    """
    with store.snapshot() as conn:
        units = repository.count_units(conn) if counts else None
        outbox = outbox_state(conn)
    alias = alias_name(settings, UNITS)
    version = load_mapping(UNITS)["version"]
    engine: dict = {"alias": alias, "mapping_version": version}
    try:
        engine["health"] = client.cluster.health()["status"]
        if client.indices.exists_alias(name=alias):
            engine["indexes"] = sorted(client.indices.get_alias(name=alias).keys())
            if counts:
                engine["documents"] = client.count(index=alias)["count"]
        else:
            engine["indexes"] = []
            if counts:
                engine["documents"] = 0
        current = f"{alias}-v{version}-"
        engine["mapping_current"] = bool(engine["indexes"]) and all(name.startswith(current) for name in engine["indexes"])
        engine["reachable"] = True
    except OpenSearchException as error:
        engine.update(reachable=False, error=str(error)[:200])
    state = {"index": engine, "outbox": {"depth": outbox["depth"], "oldest": outbox["oldest"]}}
    if counts:
        state["store"] = {"units": units}
    return state


def index_status(store: Store, client: OpenSearch, settings: Settings) -> dict:
    """Alias → index, documents vs store records, outbox depth and oldest entry.

    ``mapping_current`` is false when the live index was built from an older
    ``mappings/units.json`` (its name carries the version): searches may then read
    fields it lacks, so it is not in sync and needs a full reindex.
    """
    state = engine_and_outbox(store, client, settings, counts=True)
    engine, outbox = state["index"], state["outbox"]
    return {
        "store": state["store"],
        "index": engine,
        "outbox": outbox,
        "in_sync": engine.get("documents") == state["store"]["units"] and outbox["depth"] == 0
        and engine.get("mapping_current", False),
    }

"""What the index holds compared with the store: for `ror status` and the admin API."""
from __future__ import annotations

from opensearchpy import OpenSearch
from opensearchpy.exceptions import OpenSearchException

from catalog import repository
from catalog.store import Store, outbox_state
from config import Settings
from indexer.engine import UNITS, alias_name, load_mapping


def index_status(store: Store, client: OpenSearch, settings: Settings) -> dict:
    """Alias → index, documents vs store records, outbox depth and oldest entry.

    ``mapping_current`` is false when the live index was built from an older
    ``mappings/units.json`` (its name carries the version): searches may then read
    fields it lacks, so it is not in sync and needs a full reindex.
    """
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
        current = f"{alias}-v{load_mapping(UNITS)['version']}-"
        engine["mapping_current"] = bool(engine["indexes"]) and all(name.startswith(current) for name in engine["indexes"])
        engine["reachable"] = True
    except OpenSearchException as error:
        engine.update(reachable=False, error=str(error)[:200])
    return {
        "store": {"units": units},
        "index": engine,
        "outbox": {"depth": outbox["depth"], "oldest": outbox["oldest"]},
        "in_sync": engine.get("documents") == units and outbox["depth"] == 0 and engine.get("mapping_current", False),
    }

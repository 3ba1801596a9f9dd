"""`ror status`'s figures: alias target, documents vs store, outbox."""
from __future__ import annotations

import dataclasses

import pytest

from catalog import repository
from catalog.store import open_store
from indexer.engine import UNITS, alias_name, load_mapping, search_client
from indexer.reindex import reindex
from indexer.status import index_status
from tests import offer_fixture


@pytest.fixture
def indexed(settings, search, tmp_path, request):
    """Own settings and store with the offer fixture, and its first full reindex."""
    mine = dataclasses.replace(settings, index_prefix=f"{settings.index_prefix}-{request.node.name[5:25].lower()}",
                               store_path=str(tmp_path / "s.sqlite3"))
    store = open_store(mine.store_path)
    offer_fixture.load(store)
    return mine, store, reindex(store, search, mine, progress=False, grace_seconds=0)


def test_status_compares_index_with_store_and_reports_the_outbox(search, indexed):
    mine, store, report = indexed
    state = index_status(store, search, mine)
    assert state["index"]["indexes"] == [report.index]
    assert state["index"]["documents"] == state["store"]["units"] == len(offer_fixture.UNITS)
    assert state["in_sync"] is True
    with store.transaction() as conn:
        repository.update_unit(conn, "UO-A", {"comments": "changé"}, actor="test")
    state = index_status(store, search, mine)
    assert state["outbox"]["depth"] == 1 and state["outbox"]["oldest"]
    assert state["in_sync"] is False
    down = index_status(store, search_client(dataclasses.replace(mine, opensearch_url="http://127.0.0.1:9"), timeout=1), mine)
    assert down["index"]["reachable"] is False


def test_an_index_built_from_an_older_mapping_is_not_in_sync(search, indexed):
    mine, store, report = indexed
    assert index_status(store, search, mine)["index"]["mapping_current"] is True
    # The same documents behind the alias, in an index named as an older mapping's.
    version = load_mapping(UNITS)["version"]
    old = report.index.replace(f"-v{version}-", f"-v{version - 1}-")
    # (Cloned: the integration-test distribution has no _reindex module.)
    search.indices.put_settings(index=report.index, body={"index.blocks.write": True})
    search.indices.clone(index=report.index, target=old, body={"settings": {"index.number_of_replicas": 0}})
    search.cluster.health(index=old, wait_for_status="green")
    alias = alias_name(mine, UNITS)
    search.indices.update_aliases(body={"actions": [{"remove": {"index": report.index, "alias": alias}},
                                                    {"add": {"index": old, "alias": alias}}]})
    state = index_status(store, search, mine)
    assert state["index"]["documents"] == state["store"]["units"] and state["outbox"]["depth"] == 0
    assert state["index"]["mapping_current"] is False
    assert state["in_sync"] is False
    reindex(store, search, mine, progress=False, grace_seconds=0)
    assert index_status(store, search, mine)["in_sync"] is True

"""The bulk writer against the real engine: chunks, requests in flight, refusals."""
from __future__ import annotations

import pytest

from indexer import bulk


@pytest.fixture
def index(settings, search, request):
    name = f"{settings.index_prefix}-bulk-{request.node.name[:30].lower()}"
    search.indices.create(index=name, body={"mappings": {"properties": {"n": {"type": "integer"}}}})
    yield name
    search.indices.delete(index=name, ignore_unavailable=True)


def _count(search, index) -> int:
    search.indices.refresh(index=index)
    return search.count(index=index)["count"]


@pytest.mark.parametrize("in_flight", [1, 2])
def test_every_document_is_written_across_chunks(search, index, in_flight):
    sizes = []
    actions = (bulk.index_action(index, {"n": i}, f"d{i}") for i in range(2_345))
    written = bulk.send(search, actions, chunk_size=500, in_flight=in_flight, on_chunk=sizes.append)
    assert written == 2_345
    assert sorted(sizes) == [345, 500, 500, 500, 500]
    assert _count(search, index) == 2_345
    assert search.get(index=index, id="d2344")["_source"] == {"n": 2344}


def test_a_refused_document_raises_with_its_id_and_reason(search, index):
    actions = [bulk.index_action(index, {"n": 1}, "good"), bulk.index_action(index, {"n": "not a number"}, "bad")]
    with pytest.raises(bulk.BulkError, match="bad.*mapper_parsing_exception"):
        bulk.send(search, actions)


def test_an_older_external_version_is_a_conflict_unless_tolerated(search, index):
    bulk.send(search, [bulk.index_action(index, {"n": 3}, "d", version=3)])
    stale = [bulk.index_action(index, {"n": 2}, "d", version=2)]
    with pytest.raises(bulk.BulkError, match="version_conflict"):
        bulk.send(search, stale)
    assert bulk.send(search, stale, tolerated=(409,)) == 0
    assert search.get(index=index, id="d")["_source"] == {"n": 3}


def test_deletes_and_a_tolerated_missing_document(search, index):
    bulk.send(search, [bulk.index_action(index, {"n": 1}, "d")])
    written = bulk.send(search, [bulk.delete_action(index, "d"), bulk.delete_action(index, "never")], tolerated=(404,))
    assert written == 1
    assert _count(search, index) == 0

"""The core engine features the design relies on work on the node the project starts."""
from __future__ import annotations

import math

from indexer.engine import load_mapping, new_index_name


def _haversine_km(lat1, lon1, lat2, lon2):
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def _units_index(search, settings):
    spec = load_mapping("units")
    name = new_index_name(settings, "smoke", spec["version"])
    search.indices.create(index=name, body={"settings": spec["settings"], "mappings": spec["mappings"]})
    return name


DOCS = [
    {"id": "versailles", "location": {"lat": 48.8049, "lon": 2.1204}, "week": [{"gte": 540, "lt": 720}]},
    {"id": "paris15", "location": {"lat": 48.8412, "lon": 2.3003}, "week": [{"gte": 600, "lt": 1080}]},
    {"id": "meaux", "location": {"lat": 48.9601, "lon": 2.8788}, "week": [{"gte": 1980, "lt": 2160}]},
]


def test_units_mapping_is_accepted_and_geo_sort_orders_by_haversine(search, settings):
    index = _units_index(search, settings)
    for doc in DOCS:
        search.index(index=index, id=doc["id"], body=doc)
    search.indices.refresh(index=index)
    origin = {"lat": 48.8566, "lon": 2.3522}  # Paris Hôtel de Ville
    result = search.search(
        index=index,
        body={"sort": [{"_geo_distance": {"location": origin, "order": "asc", "unit": "km"}}]},
    )
    got = [(hit["_id"], hit["sort"][0]) for hit in result["hits"]["hits"]]
    expected = sorted(
        ((d["id"], _haversine_km(origin["lat"], origin["lon"], d["location"]["lat"], d["location"]["lon"])) for d in DOCS),
        key=lambda pair: pair[1],
    )
    assert [i for i, _ in got] == [i for i, _ in expected]
    for (_, engine_km), (_, our_km) in zip(got, expected):
        assert abs(engine_km - our_km) < 0.05


def test_integer_range_term_query_finds_units_open_at_a_minute_of_week(search, settings):
    index = _units_index(search, settings)
    for doc in DOCS:
        search.index(index=index, id=doc["id"], body=doc)
    search.indices.refresh(index=index)

    def open_at(minute):
        body = {"query": {"term": {"week": minute}}}
        return sorted(h["_id"] for h in search.search(index=index, body=body)["hits"]["hits"])

    assert open_at(600) == ["paris15", "versailles"]  # Monday 10:00
    assert open_at(719) == ["paris15", "versailles"]
    assert open_at(720) == ["paris15"]  # the 9h-12h slot has closed: ranges are half-open
    assert open_at(2000) == ["meaux"]  # Tuesday 09:20
    assert open_at(5000) == []

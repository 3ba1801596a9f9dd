"""The core engine features the design relies on work on the node the project starts."""
from __future__ import annotations

from indexer.engine import UNITS, index_settings, load_mapping, new_index_name
from query_api.search.places import haversine_km


def _units_index(search, settings):
    spec = load_mapping("units")
    name = new_index_name(settings, "smoke", spec["version"])
    search.indices.create(index=name, body={"settings": index_settings(spec, settings, UNITS), "mappings": spec["mappings"]})
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
        ((d["id"], haversine_km(origin["lat"], origin["lon"], d["location"]["lat"], d["location"]["lon"])) for d in DOCS),
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

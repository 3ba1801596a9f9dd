"""The « Répertoire »'s region-wide counts, from the engine's aggregations.

Counting a million UO by department and commune is what the engine's ``terms`` and
``cardinality`` aggregations do in milliseconds; the store would scan every row. So the
two upper levels (departments, a department's communes) are read here, the lists of
establishments and legal entities from the store's indexes (catalog/directory.py).
Pure builders and shapers; the page calls the engine between them.
"""
from __future__ import annotations

from catalog.communes import DEPARTMENTS, communes
from indexer.text import fold
from query_api.search.queries import CARDINALITY_PRECISION

#: More than any Île-de-France department's communes (Seine-et-Marne: 507).
MAX_COMMUNES = 1500


def _establishments_count() -> dict:
    # Exact below CARDINALITY_PRECISION distinct EG per bucket, within a few per cent above.
    return {"cardinality": {"field": "establishment.key", "precision_threshold": CARDINALITY_PRECISION}}


def departments_body() -> dict:
    """Per department: UO (the bucket's count), establishments and communes with an offer."""
    return {
        "size": 0,
        "aggs": {"departments": {
            "terms": {"field": "establishment.department", "size": len(DEPARTMENTS) * 4},
            "aggs": {"establishments": _establishments_count(),
                     "communes": {"cardinality": {"field": "establishment.insee"}}},
        }},
    }


def departments_response(raw: dict) -> list[dict]:
    """Every department of the region in code order, those without an offer at zero."""
    found = {b["key"]: b for b in raw["aggregations"]["departments"]["buckets"]}
    return [{"code": code, "label": label,
             "units": found[code]["doc_count"] if code in found else 0,
             "establishments": found[code]["establishments"]["value"] if code in found else 0,
             "communes": found[code]["communes"]["value"] if code in found else 0}
            for code, label in DEPARTMENTS.items()]


def communes_body(department: str) -> dict:
    """Per commune of ``department``: UO and establishments."""
    return {
        "size": 0,
        "query": {"term": {"establishment.department": department}},
        "aggs": {"communes": {
            "terms": {"field": "establishment.insee", "size": MAX_COMMUNES},
            "aggs": {"establishments": _establishments_count()},
        }},
    }


def communes_response(raw: dict) -> list[dict]:
    """The department's communes with an offer, by name (then INSEE code)."""
    towns = communes()
    rows = []
    for bucket in raw["aggregations"]["communes"]["buckets"]:
        town = towns.get(bucket["key"])
        rows.append({"insee": bucket["key"], "name": town.name if town else bucket["key"],
                     "postal_code": town.postal_code if town else "",
                     "units": bucket["doc_count"], "establishments": bucket["establishments"]["value"]})
    return sorted(rows, key=lambda r: (_sort_key(r["name"]), r["insee"]))


def _sort_key(name: str) -> str:
    """« Élancourt » sorts with the E's, not after Z."""
    return fold(name)

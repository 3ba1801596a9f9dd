"""sort=relevance: how well a UO matches (asked aptitudes > the text in its offer > elsewhere), then distance.

A small offer of its own around Versailles, where the nearest UO is not the best match.
"""
from __future__ import annotations

import dataclasses
import uuid

import pytest

from catalog import repository
from catalog.communes import communes
from catalog.store import open_store
from indexer.reindex import reindex
from query_api import create_app

VERSAILLES = "78646"
VESTIBULAR, LYMPHOEDEMA = "KINE_REEDUC_VESTIBULAIRE", "KINE_LYMPHOEDEMES"
OTHERS = ["KINE_REEDUC_RACHIS", "KINE_SPORT", "KINE_REEDUC_PNEUMO", "KINE_REEDUC_MAIN"]


def north_of_versailles(km: float) -> tuple[float, float]:
    town = communes()[VERSAILLES]
    return town.lat + km / 111.2, town.lon


# id, km north of Versailles' town hall, unit type, unit name, aptitudes, comments
UNITS = [
    ("NEAR-COMMENT", 0.5, "CONSULT_KINE", "Consultation kinésithérapie", [],
     "Rééducation vestibulaire sur demande, plateau technique partagé."),
    ("NEAR-LYMPH", 1.5, "CONSULT_KINE", "Consultation kinésithérapie", [LYMPHOEDEMA], ""),
    ("MID-VESTIB", 3.0, "CONSULT_KINE", "Consultation kinésithérapie", [VESTIBULAR, *OTHERS], ""),
    ("NAMED-VESTIB", 6.0, "PLATEAU_REEDUC", "Rééducation vestibulaire", [VESTIBULAR], ""),
    ("FAR-BOTH", 8.0, "CONSULT_KINE", "Consultation kinésithérapie", [VESTIBULAR, LYMPHOEDEMA], ""),
]


def distance_km(unit_id: str) -> float:
    return next(km for uid, km, *_ in UNITS if uid == unit_id)


@pytest.fixture(scope="module")
def api(settings, search, tmp_path_factory):
    mine = dataclasses.replace(settings, store_path=str(tmp_path_factory.mktemp("relevance") / "store.sqlite3"),
                               index_prefix=f"{settings.index_prefix}-rel{uuid.uuid4().hex[:4]}")
    store = open_store(mine.store_path)
    with store.transaction() as conn:
        for unit_id, km, uo_type, name, aptitudes, comments in UNITS:
            lat, lon = north_of_versailles(km)
            category = "LIBERAL" if uo_type == "CONSULT_KINE" else "ETABLISSEMENT"
            repository.upsert_legal_entity(conn, f"EJ-{unit_id}", f"Entité {unit_id}", "organisation")
            repository.upsert_establishment(conn, {
                "id": f"EG-{unit_id}", "ej_id": f"EJ-{unit_id}", "name": f"Cabinet {unit_id.title()}",
                "category": category, "sector": None, "address": "", "postal_code": "78000", "insee": VERSAILLES,
                "lat": lat, "lon": lon, "phone": None, "source": "catalog"}, "test")
            repository.insert_unit(conn, dict(id=unit_id, eg_id=f"EG-{unit_id}", uo_type=uo_type, name=name,
                                              profession="70", aptitudes=aptitudes, comments=comments))
    reindex(store, search, mine, progress=False, grace_seconds=0)
    return create_app(mine).test_client()


def order(api, query: str, sort: str) -> list[str]:
    body = api.get(f"/api/v1/search?where={VERSAILLES}&radius_km=10&per_page=50&sort={sort}&{query}").get_json()
    assert body["sort"] == sort
    return [u["id"] for r in body["results"] for u in r["units"]]


@pytest.mark.parametrize("query, best", [
    # Both asked aptitudes beat one, however much nearer.
    (f"aptitude={VESTIBULAR}&aptitude={LYMPHOEDEMA}", ["FAR-BOTH"]),
    # The words in a UO's offer (its type « Plateau technique de rééducation ») beat the same words in a comment.
    ("q=plateau", ["NAMED-VESTIB"]),
    # A UO named after the asked aptitude comes first.
    (f"what={VESTIBULAR}", ["NAMED-VESTIB"]),
])
def test_relevance_orders_by_match_quality_where_distance_orders_by_distance(api, query, best):
    by_distance = order(api, query, "distance")
    by_relevance = order(api, query, "relevance")

    assert by_distance == sorted(by_distance, key=distance_km)
    assert sorted(by_relevance) == sorted(by_distance)           # relevance only reorders
    assert set(by_relevance[:len(best)]) == set(best) and by_relevance != by_distance


def test_within_one_match_quality_the_nearer_comes_first(api):
    # « vestibulaire » names the aptitude: the UO named after it first, then the others that
    # have it, nearer first; the UO that only mentions it in a comment does not have it.
    by_relevance = order(api, "q=vestibulaire", "relevance")
    assert by_relevance == ["NAMED-VESTIB", "MID-VESTIB", "FAR-BOTH"]


def test_within_the_text_tier_the_nearer_comes_first(api):
    # « vestibulaire » in a phrase is the aptitude filter (query_api.search.understanding), which
    # the comment-only unit lacks; the start of the word stays text and finds all four.
    assert "NEAR-COMMENT" not in order(api, "q=vestibulaire", "relevance")
    by_relevance = order(api, "q=vestibul", "relevance")
    # Same tier (the word is in their offer): nearer first; the comment-only match last, though nearest.
    assert by_relevance == ["MID-VESTIB", "NAMED-VESTIB", "FAR-BOTH", "NEAR-COMMENT"]


def test_the_export_lists_units_in_the_relevance_order(api):
    import io

    from openpyxl import load_workbook

    query = "q=vestibulaire"
    response = api.get(f"/api/v1/search.xlsx?where={VERSAILLES}&radius_km=10&sort=relevance&{query}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    ids = [row[0] for row in sheet.iter_rows(min_row=2, min_col=sheet.max_column, max_col=sheet.max_column,
                                             values_only=True)]
    assert ids == order(api, query, "relevance")

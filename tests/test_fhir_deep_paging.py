"""FHIR paging goes past the 10,000 hits an offset can reach (search_after under the hood), and
an unreachable engine is a 503 OperationOutcome, never a 500."""
from __future__ import annotations

import dataclasses

import pytest

from catalog import repository
from catalog.store import open_store
from indexer.reindex import reindex
from query_api import create_app

UNITS = 10_150          # past OpenSearch's max_result_window (10,000) for from + size


@pytest.fixture(scope="module")
def deep_settings(settings, search, tmp_path_factory):
    work = tmp_path_factory.mktemp("fhir-deep")
    mine = dataclasses.replace(settings, store_path=str(work / "store.sqlite3"),
                               index_prefix=f"{settings.index_prefix}-fhirdeep")
    store = open_store(mine.store_path)
    with store.transaction() as conn:
        repository.upsert_legal_entity(conn, "EJ-DEEP", "Centre de test", "organisation")
        repository.upsert_establishment(conn, {
            "id": "EG-DEEP", "ej_id": "EJ-DEEP", "name": "Centre de test", "category": "ETABLISSEMENT",
            "sector": None, "address": "1 rue de l'Exemple", "postal_code": "78000", "insee": "78646",
            "lat": 48.80, "lon": 2.13, "phone": None, "source": "catalog"}, "fixture")
        repository.insert_units(conn, [
            dict(id=f"UO-{n:05d}", eg_id="EG-DEEP", uo_type="SMR", name="SMR polyvalent", profession=None,
                 aptitudes=[], age_min=18, age_max=120, week={1: [(540, 720)]}) for n in range(UNITS)])
    reindex(store, search, mine, progress=False, grace_seconds=0)
    return mine


def test_next_links_walk_past_ten_thousand_hits(deep_settings):
    client = create_app(deep_settings).test_client()
    url = "/fhir/HealthcareService?_count=200&_elements=name"
    seen: list[str] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.get_json()
        bundle = response.get_json()
        assert bundle["total"] == UNITS
        seen += [e["resource"]["id"] for e in bundle.get("entry", [])]
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
    assert len(seen) == len(set(seen)) == UNITS
    # The JSON API's offset paging stops at 10,000; the FHIR face's last page came back whole.
    assert sorted(seen)[-1] == f"UO-{UNITS - 1:05d}"


def test_an_unreachable_engine_is_a_503_operation_outcome(settings):
    down = dataclasses.replace(settings, opensearch_url="http://127.0.0.1:9")
    response = create_app(down).test_client().get("/fhir/HealthcareService?_count=1")
    assert response.status_code == 503
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["code"] == "transient"

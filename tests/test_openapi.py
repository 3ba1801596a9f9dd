"""The OpenAPI document describes the contract, and real responses conform to it."""
from __future__ import annotations

import pytest

from query_api.api import openapi
from query_api import create_app
from tests.conftest import fixed_clock

CONTRACT_PATHS = ["/api/v1/suggest", "/api/v1/search", "/api/v1/search.xlsx", "/api/v1/units/{unit_id}",
                  "/api/v1/establishments/{eg_id}", "/api/v1/health"]


@pytest.fixture
def api(settings, indexed_offer):
    return create_app(settings, clock=fixed_clock("2026-11-30T10:00:00+01:00")).test_client()


def test_openapi_document_lists_the_contract_paths_and_search_parameters(api):
    document = api.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    for path in CONTRACT_PATHS:
        assert path in document["paths"], path
    names = {p["name"] for p in document["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert {"where", "what", "q", "category", "aptitude", "age", "home_visit", "open_now", "department",
            "radius_km", "sort", "page", "per_page"} <= names


@pytest.mark.parametrize("url, schema", [
    ("/api/v1/search?where=78646&radius_km=30&age=E", openapi.SearchResponse),
    ("/api/v1/search?what=vestibulaire", openapi.SearchResponse),
    ("/api/v1/suggest?field=where&q=vers", openapi.Suggestions),
    ("/api/v1/suggest?field=what&q=reed", openapi.Suggestions),
    ("/api/v1/search?where=95.5,2", openapi.Error),
])
def test_responses_conform_to_their_documented_schema(api, url, schema):
    body = api.get(url).get_json()
    assert schema().validate(body) == {}


def test_api_docs_page_is_readable(api):
    page = api.get("/api/docs")
    assert page.status_code == 200
    assert "/api/v1/search" in page.get_data(as_text=True)

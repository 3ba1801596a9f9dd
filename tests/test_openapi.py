"""The OpenAPI document describes the contract, and real responses conform to it."""
from __future__ import annotations

import re

import pytest

from query_api import create_app
from query_api.api.schemas.accounts import SessionState
from query_api.api.schemas.common import Error
from query_api.api.schemas.search import Health, SearchResponse, Suggestions
from query_api.api.schemas.sheets import EstablishmentSheet, UnitSheet
from tests.world import fixed_clock

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
    ("/api/v1/search?where=78646&radius_km=30&age=E", SearchResponse),
    ("/api/v1/search?what=vestibulaire", SearchResponse),
    ("/api/v1/suggest?field=where&q=vers", Suggestions),
    ("/api/v1/suggest?field=what&q=reed", Suggestions),
    ("/api/v1/search?where=95.5,2", Error),
    ("/api/v1/search?where=75056&q=kiné+enfant+à+domicile&open_now=oui", SearchResponse),
    ("/api/v1/suggest?field=what&q=...", Suggestions),
    ("/api/v1/units/UO-A", UnitSheet),
    ("/api/v1/units/UO-C", UnitSheet),
    ("/api/v1/establishments/EG-HOSP", EstablishmentSheet),
    ("/api/v1/health", Health),
    ("/api/v1/session", SessionState),
    ("/api/v1/units/UO-NOPE", Error),
])
def test_responses_conform_to_their_documented_schema(api, url, schema):
    body = api.get(url).get_json()
    assert schema().validate(body) == {}


def test_api_docs_page_is_readable(api):
    page = api.get("/api/docs")
    assert page.status_code == 200
    assert "/api/v1/search" in page.get_data(as_text=True)


def test_a_400_lists_every_problem_and_names_the_first_one(api):
    body = api.get("/api/v1/search?radius_km=0.1&sort=prix&per_page=0").get_json()
    assert body["error"] == {"code": "invalid_parameter", "field": body["errors"][0]["field"],
                             "message": body["errors"][0]["message"]}
    assert {problem["field"] for problem in body["errors"]} == {"radius_km", "sort", "per_page"}


def _routes(app) -> set[tuple[str, str]]:
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule.rule)
            routed |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routed


def test_every_route_of_the_json_api_is_a_declared_operation(api):
    document = api.get("/api/v1/openapi.json").get_json()
    operations = {(path, method): operation for path, item in document["paths"].items()
                  for method, operation in item.items() if method != "parameters"}
    assert set(operations) == _routes(api.application)
    for (path, method), operation in operations.items():
        assert operation["summary"] and "security" in operation, (method, path)
        statuses = operation["responses"]
        success = [status for status in statuses if status.startswith("2")]
        assert success, (method, path)
        # Every answer, success or error, has its documented body.
        for status, response in statuses.items():
            body = response.get("content") or document["components"]["responses"][response["$ref"].split("/")[-1]]
            assert body, (method, path, status)


def _object_schemas(node):
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            yield node
        for value in node.values():
            yield from _object_schemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from _object_schemas(value)


def test_every_field_a_view_sends_is_declared(api):
    """Response schemas refuse what they do not list: a view that sends a new field must declare it."""
    document = api.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    for name, schema in schemas.items():
        if name.endswith("Input") or name in ("PasswordResetRequest", "PasswordResetConfirmation",
                                             "ActivationCodesRequest", "ApiKeyRequest", "PaginationMetadata"):
            continue  # request bodies: some tolerate fields they ignore, on purpose
        assert schema.get("additionalProperties") is False, name


def _described(description: str | None) -> bool:
    """French first, then the English in italics."""
    return bool(description) and bool(re.search(r"\n\n\*[^*]+\*$", description))


def test_every_parameter_is_described_in_french_and_english_with_an_example(api):
    document = api.get("/api/v1/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            parameters = operation if method == "parameters" else operation.get("parameters", [])
            for parameter in parameters:
                where = (method, path, parameter["name"])
                assert _described(parameter.get("description")), where
                assert "example" in parameter or "example" in parameter["schema"], where


def _undescribed_fields(node: dict, where: str, schemas: dict, seen: set[str]):
    """Every field of a body, nested ones too (through $ref, items, values and alternatives), that lacks
    its French and English description. The properties inside anyOf/allOf/not branches restate a rule
    about fields described above them, so only the fields they reach through a $ref are walked."""
    if "$ref" in node:
        name = node["$ref"].split("/")[-1]
        if name not in seen:
            seen.add(name)
            yield from _undescribed_fields(schemas[name], name, schemas, seen)
        return
    for field, schema in (node.get("properties") or {}).items():
        if not _described(schema.get("description")):
            yield f"{where}.{field}"
        yield from _undescribed_fields(schema, f"{where}.{field}", schemas, seen)
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            yield from _undescribed_fields(node[key], f"{where}[]", schemas, seen)
    for key in ("oneOf", "anyOf", "allOf"):
        for branch in node.get(key, []):
            yield from _undescribed_fields({k: v for k, v in branch.items() if k != "properties"}, where, schemas, seen)


def test_every_field_sent_or_answered_is_described_in_french_and_english(api):
    """Request bodies and every response of every operation, nested fields too: /api/docs is enough."""
    document = api.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    undescribed = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            bodies = [("body", media) for media in (operation.get("requestBody") or {}).get("content", {}).values()]
            bodies += [(status, media) for status, response in operation["responses"].items()
                       for media in (response.get("content") or {}).values()]
            for label, media in bodies:
                undescribed |= set(_undescribed_fields(media.get("schema", {}), f"{method} {path} {label}",
                                                       schemas, set()))
    assert undescribed == set()


def test_the_leniency_kept_on_purpose_is_declared(api):
    document = api.get("/api/v1/openapi.json").get_json()
    parameters = {p["name"]: p for p in document["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert all(p["allowEmptyValue"] for p in parameters.values())       # a blank parameter is absent
    age = re.compile(parameters["age"]["schema"]["items"]["pattern"])
    assert age.match(" e ") and age.match("A") and not age.match("X")     # codes: any case, spaces around
    assert api.get("/api/v1/search?where=78646&age=+e+&sort=DISTANCE&category=").status_code == 200

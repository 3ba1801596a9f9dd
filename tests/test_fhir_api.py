"""The FHIR face (/fhir) driven by a real FHIR client (fhirpy) against the app served on a port,
on the hand-made offer of tests/offer_fixture.py (real store, real OpenSearch node).

Every resource the tests see is validated with a third-party model library
(fhir.resources, R4B models) and must claim the guide's profile; expected answers are
computed from the fixture's own lists (a haversine here, not the server's).
"""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from fhir.resources.R4B import get_fhir_model_class
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import ResourceNotFound
from fhirpy.base.searchset import Raw

from catalog import accounts
from catalog.communes import communes
from catalog.nomenclature import nomenclature
from query_api import create_app
from query_api.search.places import haversine_km
from tests import offer_fixture
from tests.browser import LiveServer

CANONICAL = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/"
PROFILE = {t: CANONICAL + n for t, n in (("HealthcareService", "ror-healthcareservice"), ("Location", "ror-location"),
                                           ("Organization", "ror-organization"), ("Practitioner", "ror-practitioner"),
                                           ("PractitionerRole", "ror-practitionerrole"))}
ALL_UNITS = {u["id"] for u in offer_fixture.UNITS}
EG_POINT = {eg[0]: (eg[4], eg[5]) for eg in offer_fixture.ESTABLISHMENTS}
EJ_OF = {eg[0]: "EJ-" + eg[0][3:] for eg in offer_fixture.ESTABLISHMENTS}    # as offer_fixture.load names them




def validated(resource: dict) -> dict:
    """The resource, after fhir.resources has parsed it (raises on any structural error)."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    if resource["resourceType"] in PROFILE:
        assert resource["meta"]["profile"] == [PROFILE[resource["resourceType"]]]
    return resource


def bundle_resources(bundle: dict, mode: str | None = None) -> list[dict]:
    validated(bundle)
    return [validated(e["resource"]) for e in bundle.get("entry", []) if mode is None or e["search"]["mode"] == mode]


def extension(resource: dict, url_end: str) -> list[dict]:
    return [e for e in resource.get("extension", []) if e["url"].endswith(url_end)]


@pytest.fixture(scope="module")
def server(indexed_offer, settings):
    with LiveServer(create_app(settings)) as live:
        yield live


@pytest.fixture(scope="module")
def fhir(server):
    return SyncFHIRClient(f"{server.url}/fhir")


def ids(resources) -> set[str]:
    return {r["id"] for r in resources}


# --- metadata and reads -----------------------------------------------------------------------

def test_metadata_lists_what_is_supported(server):
    response = requests.get(f"{server.url}/fhir/metadata")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/fhir+json")
    statement = validated(response.json())
    assert statement["fhirVersion"] == "4.0.1"
    by_type = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert set(by_type) == {"HealthcareService", "Location", "Organization", "Practitioner", "PractitionerRole", "Task",
                            "CodeSystem", "NamingSystem"}
    assert {i["code"] for i in by_type["Task"]["interaction"]} == {"create", "read", "search-type"}
    service = {p["name"] for p in by_type["HealthcareService"]["searchParam"]}
    assert {"_id", "name", "specialty", "characteristic", "age-range-low", "age-range-high", "intervention-zone",
            "_lastUpdated", "location.near", "location.near-insee-code", "location.commune-cog",
            "location.address-postalcode", "organization.type"} <= service
    assert by_type["HealthcareService"]["searchRevInclude"] == ["PractitionerRole:service"]
    assert {p["name"] for p in by_type["Location"]["searchParam"]} >= {"near", "near-insee-code", "commune-cog",
                                                                        "address-postalcode", "address-city"}
    assert "searchParam" not in by_type["Practitioner"]   # read only: nothing promised that is not there


def test_read_healthcare_service_carries_the_guides_extensions(fhir):
    unit = validated(fhir.reference("HealthcareService", "UO-B").to_resource().serialize())
    assert unit["name"] == "Consultation kinésithérapie"
    assert unit["providedBy"]["reference"] == "Organization/EG-VER1"
    assert unit["location"] == [{"reference": "Location/EG-VER1", "display": "Cabinet de kinésithérapie des Chantiers"}]
    ages = extension(unit, "ror-healthcareservice-patient-type")[0]["extension"][0]
    assert ages["url"] == "ageRange" and (ages["valueRange"]["low"]["value"], ages["valueRange"]["high"]["value"]) == (18, 120)
    zones = [z["extension"][1]["valueCodeableConcept"]["coding"][0]["code"]
             for z in extension(unit, "ror-territorial-division")]
    assert zones == ["78646", "78158"]
    # Aptitudes: the national code of the JDV_J16 list (acte spécifique) beside the local one.
    acts = {c["coding"][0]["code"] for c in unit["characteristic"]
            if c.get("extension", [{}])[0].get("valueCode") == "specificAct"}
    nom = nomenclature()
    assert acts == {nom.aptitudes[a].national["code"] for a in ("KINE_REEDUC_RACHIS", "KINE_INTERV_DOMICILE")}
    # The typical week: Monday to Friday 8h-20h, each day numbered with the guide's extension.
    days = [(t["extension"][1]["valueInteger"], t["availableStartTime"], t["availableEndTime"]) for t in unit["availableTime"]]
    assert days == [(d, "08:00:00", "20:00:00") for d in range(1, 6)]
    assert all(t["extension"][0]["url"] == CANONICAL + "ror-available-time-type-of-time" for t in unit["availableTime"])
    assert unit["meta"]["lastUpdated"]


def test_read_location_organization_and_unknown_ids(fhir, server):
    place = validated(fhir.reference("Location", "EG-VER1").to_resource().serialize())
    assert place["position"] == {"latitude": 48.796, "longitude": 2.135}
    assert extension(place, "ror-commune-cog")[0]["valueCodeableConcept"]["coding"][0]["code"] == "78646"
    assert place["address"]["city"] == communes()["78646"].name
    eg = validated(fhir.reference("Organization", "EG-HOSP").to_resource().serialize())
    assert eg["partOf"]["reference"] == "Organization/EJ-HOSP"
    ej = validated(fhir.reference("Organization", "EJ-HOSP").to_resource().serialize())
    assert ej["type"][0]["coding"][0]["code"] == "EJ"
    with pytest.raises(ResourceNotFound):
        fhir.reference("HealthcareService", "UO-NONE").to_resource()
    for path in ("HealthcareService/UO-NONE", "Location/EG-NONE", "Organization/X", "Practitioner/10000000000",
                 "PractitionerRole/10000000000-UO-A", "Patient/1"):
        response = requests.get(f"{server.url}/fhir/{path}")
        assert response.status_code == 404, path
        outcome = validated(response.json())
        assert outcome["resourceType"] == "OperationOutcome"
        assert outcome["issue"][0]["code"] == "not-found"


# --- searches -----------------------------------------------------------------------------------

def test_near_insee_code_finds_units_within_the_distance_with_distances(fhir):
    centre = communes()["78646"]
    expected = {u["id"] for u in offer_fixture.UNITS
                if haversine_km(centre.lat, centre.lon, *EG_POINT[u["eg_id"]]) <= 10}
    assert expected and expected != ALL_UNITS
    bundle = (fhir.resources("HealthcareService").search(Raw(**{"location.near-insee-code": "78646|10|km"}))
              .include("HealthcareService", "location").limit(50).fetch_raw())
    found = bundle_resources(bundle.serialize() if hasattr(bundle, "serialize") else bundle, "match")
    assert ids(found) == expected
    assert bundle["total"] == len(expected)
    distances = [extension(u, "ror-calculated-distance")[0]["valueQuantity"]["value"] for u in found]
    assert distances == sorted(distances)            # nearest first
    included = [e for e in bundle["entry"] if e["search"]["mode"] == "include"]
    assert {e["resource"]["id"] for e in included} == {u["eg_id"] for u in offer_fixture.UNITS if u["id"] in expected}
    for entry in included:
        validated(entry["resource"])
        distance = entry["search"]["extension"][0]
        assert distance["url"] == "http://hl7.org/fhir/StructureDefinition/location-distance"
        want = haversine_km(centre.lat, centre.lon, *EG_POINT[entry["resource"]["id"]])
        assert distance["valueDistance"]["value"] == pytest.approx(want, abs=0.05)


def test_specialty_characteristic_ages_zone_and_update_time(fhir):
    def search(**params):
        return ids(bundle_resources(fhir.resources("HealthcareService").search(Raw(**params)).limit(50).fetch_raw()))

    vestibular = {u["id"] for u in offer_fixture.UNITS if "KINE_REEDUC_VESTIBULAIRE" in u["aptitudes"]}
    national = nomenclature().aptitudes["KINE_REEDUC_VESTIBULAIRE"].national["code"]
    assert search(characteristic=f"https://mos.esante.gouv.fr/NOS/TRE_R210-ActeSpecifique/FHIR/TRE-R210-ActeSpecifique|{national}") == vestibular
    assert search(characteristic="KINE_REEDUC_VESTIBULAIRE") == vestibular
    assert search(specialty="SMR") == {"UO-H1"}
    children = {u["id"] for u in offer_fixture.UNITS if u.get("age_min") is not None and u["age_min"] <= 5}
    assert search(**{"age-range-low": "le5"}) == children
    adults_only = {u["id"] for u in offer_fixture.UNITS if u.get("age_min") is not None and u["age_min"] >= 18}
    assert search(**{"age-range-low": "ge18"}) == adults_only
    assert search(**{"intervention-zone": "78646"}) == {"UO-B", "UO-D"}
    assert search(_lastUpdated="ge2000-01-01") == ALL_UNITS
    assert search(_lastUpdated="gt2999") == set()
    assert search(_id="UO-A,UO-C") == {"UO-A", "UO-C"}
    assert search(**{"location.commune-cog": "78646", "organization.type": "ETABLISSEMENT"}) == {"UO-H1", "UO-H2", "UO-H3"}
    assert search(name="plateau tech") == {"UO-H2"}


def test_paging_walks_every_unit_once_and_back(fhir, server):
    pages = fhir.resources("HealthcareService").limit(2)
    every = [validated(r.serialize()) for r in pages.fetch_all()]
    assert sorted(r["id"] for r in every) == sorted(ALL_UNITS)
    first = requests.get(f"{server.url}/fhir/HealthcareService?_count=2").json()
    second = requests.get(_link(first, "next")).json()
    assert "previous" not in {link["relation"] for link in first["link"]}
    back = requests.get(_link(second, "previous")).json()
    assert [e["resource"]["id"] for e in back["entry"]] == [e["resource"]["id"] for e in first["entry"]]


def _link(bundle: dict, relation: str) -> str:
    return next(link["url"] for link in bundle["link"] if link["relation"] == relation)


def test_location_and_organization_searches(fhir):
    def search(resource_type, **params):
        return ids(bundle_resources(fhir.resources(resource_type).search(Raw(**params)).limit(50).fetch_raw()))

    in_versailles = {eg[0] for eg in offer_fixture.ESTABLISHMENTS if eg[3] == "78646"}
    assert search("Location", **{"commune-cog": "78646"}) == in_versailles
    assert search("Location", **{"address-city": "versail"}) == in_versailles
    assert search("Location", near="48.796|2.135|1|km") == {"EG-VER1"}
    in_yvelines = {eg[0] for eg in offer_fixture.ESTABLISHMENTS if eg[3].startswith("78")}
    by_postal_code = {eg[0] for eg in offer_fixture.ESTABLISHMENTS if "78000" in communes()[eg[3]].postal_codes}
    assert by_postal_code == in_versailles
    assert search("Location", **{"address-postalcode": "78000"}) == by_postal_code
    assert search("Location", **{"address-postalcode": "78"}) == in_yvelines
    units_78 = {u["id"] for u in offer_fixture.UNITS if u["eg_id"] in in_yvelines}
    assert search("HealthcareService", **{"location.address-postalcode": "78"}) == units_78
    assert search("Organization", identifier="EG-HOSP") == {"EG-HOSP"}
    # An EJ bears the name of its EG in the fixture: both are found.
    assert search("Organization", name="cabinet") == {eg[0] for eg in offer_fixture.ESTABLISHMENTS
                                                       if eg[1].startswith("Cabinet")} | {
        EJ_OF[eg[0]] for eg in offer_fixture.ESTABLISHMENTS if eg[1].startswith("Cabinet")}


def test_organization_search_finds_legal_entities_too_and_pages_over_both(fhir, server):
    egs = {eg[0] for eg in offer_fixture.ESTABLISHMENTS}
    ejs = set(EJ_OF.values())
    walked = [validated(r.serialize()) for r in fhir.resources("Organization").limit(4).fetch_all()]
    assert sorted(r["id"] for r in walked) == sorted(egs | ejs)          # each once
    kinds = {r["id"]: r["type"][0]["coding"][0]["code"] for r in walked}
    assert {i for i, k in kinds.items() if k == "EJ"} == ejs
    assert all(r["partOf"]["reference"] == f"Organization/{EJ_OF[r['id']]}" for r in walked if r["id"] in egs)

    url = f"{server.url}/fhir/Organization"
    pages, bundle = [], requests.get(url, params={"_count": "5"}).json()
    while True:
        assert validated(bundle)["total"] == len(egs | ejs)
        pages.append([e["resource"]["id"] for e in bundle["entry"]])
        if "next" not in {link["relation"] for link in bundle["link"]}:
            break
        bundle = requests.get(_link(bundle, "next")).json()
    assert [len(page) for page in pages] == [5, 5, 2]
    assert [i for page in pages for i in page] == sorted(egs | ejs)
    back = requests.get(_link(bundle, "previous")).json()
    assert [e["resource"]["id"] for e in back["entry"]] == pages[1]
    assert requests.get(url, params={"_summary": "count"}).json()["total"] == len(egs | ejs)

    def search(**params):
        return ids(bundle_resources(fhir.resources("Organization").search(Raw(**params)).limit(50).fetch_raw()))

    kind_system = f"{server.url}/fhir/CodeSystem/type-organisation"
    assert search(type="EJ") == ejs
    assert search(type=f"{kind_system}|EG") == egs
    assert search(type="ETABLISSEMENT") == {"EG-HOSP"}
    liberal = {eg[0] for eg in offer_fixture.ESTABLISHMENTS if eg[2] == "LIBERAL"}
    assert search(type="EJ,LIBERAL") == ejs | liberal
    assert search(identifier="EJ-HOSP,EG-VER1") == {"EJ-HOSP", "EG-VER1"}
    assert search(name="centre hosp") == {"EG-HOSP", "EJ-HOSP"}
    assert search(name="centre hosp", type="EJ") == {"EJ-HOSP"}


# --- general parameters and errors -----------------------------------------------------------------

def test_general_parameters(server):
    url = f"{server.url}/fhir/HealthcareService"
    counted = requests.get(url, params={"_summary": "count"}).json()
    assert counted["total"] == len(ALL_UNITS) and "entry" not in counted
    subset = requests.get(url, params={"_elements": "name", "_id": "UO-A"}).json()["entry"][0]["resource"]
    assert set(subset) == {"resourceType", "id", "meta", "name"}
    assert subset["meta"]["tag"][0]["code"] == "SUBSETTED"
    plain = requests.get(url, params={"_format": "json", "_pretty": "true", "_total": "none"},
                         headers={"Accept": "application/json"})
    assert plain.status_code == 200 and "total" not in plain.json() and plain.text.startswith("{\n")
    assert requests.get(url, params={"_format": "xml"}).status_code == 406
    refused = requests.get(url, headers={"Accept": "application/fhir+xml"})
    assert refused.status_code == 406 and refused.json()["issue"][0]["code"] == "not-supported"
    home_visits = requests.get(url, params={"_id": "UO-B"}).json()["entry"][0]["resource"]["characteristic"]
    assert {"system": "https://mos.esante.gouv.fr/NOS/TRE_R338-ModaliteAccueil/FHIR/TRE-R338-ModaliteAccueil",
            "code": "05", "display": "Visite et soins à domicile"} in [c["coding"][0] for c in home_visits]


@pytest.mark.parametrize("query", [
    "foo=1", "name:contains=x", "_count=201", "_count=-1", "_count=abc", "location.near=48.8|2.1|abc|km",
    "location.near=95|2.1|5|km", "location.near-insee-code=99999|10|km", "location.near-insee-code=78646|10|mi",
    "age-range-low=xx5", "age-range-low=le1e400", "_lastUpdated=ge2026-13-45", "_include=Patient:link",
    "_revinclude=Task:focus", "_page=%%%", "_page=eyJ6IjpbMV19", "specialty=http://x|1", "_total=maybe",
    "organization.type=HOPITAL", "_id=" + "x" * 65, "_summary=true", "_elements=a.b", "name=a&name=b",
    "age-range-low=le5,ge3", "organization.type=EJ",
    "_page=eyJhIjpbMS41LCJVTy14Il19",   # a token of the earlier form (distances in km): start again, not a wrong page
])
def test_malformed_or_unknown_parameters_get_a_400_operation_outcome(server, query):
    response = requests.get(f"{server.url}/fhir/HealthcareService?{query}")
    assert response.status_code == 400, response.text
    assert response.headers["Content-Type"].startswith("application/fhir+json")
    outcome = validated(response.json())
    issue = outcome["issue"][0]
    assert issue["code"] == "invalid"
    french, english = issue["diagnostics"].split(" | ")
    assert french == issue["details"]["text"] and english and french != english


def test_api_keys_read_but_never_write_and_are_rate_limited(indexed_offer, settings):
    key = accounts.create_api_key(indexed_offer, "logiciel FHIR")
    moment = datetime(2026, 11, 30, 10, 0, 0, tzinfo=UTC)   # one rate-limit window throughout
    client = create_app(settings, clock=lambda: moment).test_client()
    auth = {"Authorization": f"Bearer {key}"}
    assert client.get("/fhir/HealthcareService/UO-A", headers=auth).status_code == 200
    refused = client.post("/fhir/HealthcareService", headers=auth, json={})
    assert refused.status_code == 403
    assert refused.json["resourceType"] == "OperationOutcome" and refused.json["issue"][0]["code"] == "forbidden"
    unknown = client.get("/fhir/metadata", headers={"Authorization": "Bearer nope"})
    assert unknown.status_code == 401 and unknown.json["issue"][0]["code"] == "login"
    statuses = [client.get("/fhir/metadata", headers=auth).status_code for _ in range(600)]
    assert statuses.count(200) == 599 and statuses[-1] == 429     # 600 a minute, the read above included
    limited = client.get("/fhir/metadata", headers=auth)
    assert limited.status_code == 429 and limited.headers["Retry-After"]
    assert limited.json["issue"][0]["code"] == "throttled"


def test_search_query_string_round_trips_in_links(server):
    bundle = requests.get(f"{server.url}/fhir/HealthcareService",
                          params={"_count": "1", "location.commune-cog": "78646"}).json()
    query = parse_qs(urlsplit(_link(bundle, "next")).query)
    assert query["location.commune-cog"] == ["78646"] and query["_count"] == ["1"] and query["_page"]


# --- our own code systems and identifier systems --------------------------------------------------

def _codes(concepts: list[dict]) -> set[str]:
    return {c["code"] for c in concepts} | {code for c in concepts for code in _codes(c.get("concept", []))}


def _codings(node) -> list[dict]:
    """Every coding of a resource, however deep."""
    if isinstance(node, dict):
        found = [node] if "system" in node and "code" in node else []
        return found + [c for value in node.values() for c in _codings(value)]
    if isinstance(node, list):
        return [c for value in node for c in _codings(value)]
    return []


def test_local_code_and_identifier_systems_resolve_to_resources_of_this_service(server):
    base = f"{server.url}/fhir"
    unit = requests.get(f"{base}/HealthcareService/UO-B").json()
    organization = requests.get(f"{base}/Organization/EG-VER1").json()
    local = [c for c in _codings([unit, organization]) if c["system"].startswith(base)]
    systems = {c["system"] for c in local}
    assert systems == {f"{base}/CodeSystem/{name}" for name in (
        "aptitude-kine", "type-uo", "categorie", "type-division-territoriale", "type-organisation")}
    for system in systems:
        response = requests.get(system)
        assert response.status_code == 200, system
        code_system = validated(response.json())
        assert code_system["resourceType"] == "CodeSystem" and code_system["url"] == system
        assert {c["code"] for c in local if c["system"] == system} <= _codes(code_system["concept"])
    # Built from the nomenclature the codes come from: every aptitude, every UO type.
    aptitudes = requests.get(f"{base}/CodeSystem/aptitude-kine").json()
    assert set(nomenclature().aptitudes) <= _codes(aptitudes["concept"])
    assert aptitudes["count"] == len(nomenclature().aptitudes) + len(nomenclature().aptitude_groups)
    uo_types = requests.get(f"{base}/CodeSystem/type-uo").json()
    assert _codes(uo_types["concept"]) == set(nomenclature().uo_types)
    # The identifier system of our ids is a NamingSystem at its own URL.
    system = unit["identifier"][0]["system"]
    assert system == f"{base}/NamingSystem/identifiant-ror-if"
    naming = validated(requests.get(system).json())
    assert naming["uniqueId"] == [{"type": "uri", "value": system, "preferred": True}]
    for missing in ("CodeSystem/inconnu", "NamingSystem/inconnu"):
        response = requests.get(f"{base}/{missing}")
        assert response.status_code == 404 and validated(response.json())["issue"][0]["code"] == "not-found"
    assert requests.get(f"{base}/CodeSystem").status_code == 405
    statement = requests.get(f"{base}/metadata").json()
    assert {"CodeSystem", "NamingSystem"} <= {r["type"] for r in statement["rest"][0]["resource"]}


def test_system_urls_follow_the_public_url_when_one_is_set(indexed_offer, settings):
    client = create_app(dataclasses.replace(settings, public_url="https://ror.example.fr/")).test_client()
    unit = client.get("/fhir/HealthcareService/UO-B").json
    assert unit["identifier"][0]["system"] == "https://ror.example.fr/fhir/NamingSystem/identifiant-ror-if"
    local = {c["system"] for c in _codings(unit) if "ror.example.fr" in c["system"]}
    assert "https://ror.example.fr/fhir/CodeSystem/aptitude-kine" in local
    assert not any("localhost" in c["system"] for c in _codings(unit))
    # The search answers to the same names.
    found = client.get("/fhir/HealthcareService", query_string={
        "characteristic": "https://ror.example.fr/fhir/CodeSystem/aptitude-kine|KINE_REEDUC_RACHIS"}).json
    assert {e["resource"]["id"] for e in found["entry"]} == {
        u["id"] for u in offer_fixture.UNITS if "KINE_REEDUC_RACHIS" in u["aptitudes"]}

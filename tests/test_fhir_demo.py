"""The FHIR face on the demo data (tests/conftest.py::demo_index), with a real FHIR client:
it finds what the JSON API finds for the same criteria, pages to the end, includes the
practitioners' roles, and a town-practice HealthcareService has the structure of the
guide's own example (input/fsh/examples/RORHealthcareServiceExempleVille.fsh)."""
from __future__ import annotations

import pytest
import requests
from fhir.resources.R4B import get_fhir_model_class
from fhirpy import SyncFHIRClient
from fhirpy.base.searchset import Raw

from query_api import create_app
from tests.browser import LiveServer

VERSAILLES = (48.8049, 2.1204)
SD = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/"

# The guide's example of a town practice, as a tree of what it holds (transcribed from the
# FSH: element names, extension URLs and their sub-extensions, code systems).
GUIDE_EXAMPLE_VILLE = {
    "meta.profile": [SD + "ror-healthcareservice"],
    "elements": {"meta", "name", "providedBy", "location", "identifier", "type", "specialty", "characteristic",
                 "availableTime", "extension"},
    "type.system": "https://mos.esante.gouv.fr/NOS/TRE_R227-ChampActivite/FHIR/TRE-R227-ChampActivite",
    "type.code": "05",
    "specialty.system": "https://mos.esante.gouv.fr/NOS/TRE_R211-ActiviteOperationnelle/FHIR/TRE-R211-ActiviteOperationnelle",
    "characteristic.careMode.system": "https://mos.esante.gouv.fr/NOS/TRE_R213-ModePriseEnCharge/FHIR/TRE-R213-ModePriseEnCharge",
    "availableTime.extension": [SD + "ror-available-time-type-of-time", SD + "ror-available-time-number-days-of-week"],
    "extension": {
        SD + "ror-meta-creation-date": None,
        SD + "ror-healthcareservice-sensitive-unit": None,
        SD + "ror-healthcareservice-patient-type": ["ageRange"],
        SD + "ror-healthcareservice-contact": ["purposeContact", SD + "ror-confidentiality-level",
                                               SD + "ror-healthcareservice-contact-telecom"],
    },
    "contact-telecom": [SD + "ror-telecom-communication-channel", "telecomAddress", SD + "ror-telecom-confidentiality-level"],
}


def validated(resource: dict) -> dict:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


@pytest.fixture(scope="module")
def server(demo_index):
    with LiveServer(create_app(demo_index)) as live:
        yield live


@pytest.fixture(scope="module")
def fhir(server):
    return SyncFHIRClient(f"{server.url}/fhir")


def _json_units(server, **params) -> tuple[int, set[str]]:
    body = requests.get(f"{server.url}/api/v1/search", params={**params, "per_page": 100}).json()
    found = {u["id"] for group in body["results"] for u in group["units"]}
    return body["total_units"], found


@pytest.mark.parametrize("json_params, fhir_params", [
    ({"aptitude": "KINE_REEDUC_VESTIBULAIRE"}, {"characteristic": "KINE_REEDUC_VESTIBULAIRE"}),
    ({"home_visit": "true"},
     {"characteristic": "https://mos.esante.gouv.fr/NOS/TRE_R338-ModaliteAccueil/FHIR/TRE-R338-ModaliteAccueil|05"}),
    ({"category": "LIBERAL"}, {"organization.type": "LIBERAL"}),
])
def test_fhir_and_json_api_find_the_same_units(server, fhir, json_params, fhir_params):
    lat, lon = VERSAILLES
    total, json_ids = _json_units(server, where=f"{lat},{lon}", radius_km="10", **json_params)
    assert total > 0
    search = fhir.resources("HealthcareService").search(
        Raw(**{"location.near": f"{lat}|{lon}|10|km", **fhir_params})).limit(200)
    found = [validated(r.serialize()) for r in search.fetch_all()]
    fhir_ids = [r["id"] for r in found]
    assert len(fhir_ids) == len(set(fhir_ids)) == total
    assert json_ids <= set(fhir_ids)


def test_paging_to_the_end_of_a_large_result_set(server):
    url = f"{server.url}/fhir/HealthcareService?_count=200&_elements=name"
    seen, pages = [], 0
    bundle = requests.get(url).json()
    total = bundle["total"]
    assert total > 400      # several pages
    while True:
        seen += [e["resource"]["id"] for e in bundle.get("entry", [])]
        pages += 1
        nxt = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
        if not nxt:
            break
        bundle = requests.get(nxt[0]).json()
    assert len(seen) == len(set(seen)) == total
    assert pages == -(-total // 200)


def test_revinclude_gives_the_practitioners_roles_and_practitioners_read(fhir, server):
    lat, lon = VERSAILLES
    bundle = requests.get(f"{server.url}/fhir/HealthcareService", params={
        "location.near": f"{lat}|{lon}|5|km", "organization.type": "LIBERAL", "_count": "20",
        "_revinclude": "PractitionerRole:service", "_include": "HealthcareService:organization"}).json()
    validated(bundle)
    matches = {e["resource"]["id"] for e in bundle["entry"] if e["search"]["mode"] == "match"}
    roles = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "PractitionerRole"]
    assert roles and all(e["search"]["mode"] == "include" for e in bundle["entry"]
                         if e["resource"]["resourceType"] != "HealthcareService")
    for role in roles:
        validated(role)
        assert role["healthcareService"][0]["reference"].split("/")[1] in matches
        rpps = role["practitioner"]["reference"].split("/")[1]
        person = validated(fhir.reference("Practitioner", rpps).to_resource().serialize())
        assert person["identifier"][0] == {"system": "urn:oid:1.2.250.1.71.4.2.1", "value": "8" + rpps}
        assert len(rpps) == 11
        again = validated(fhir.reference("PractitionerRole", role["id"]).to_resource().serialize())
        assert again == role
    organizations = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Organization"]
    assert organizations and all(validated(o)["partOf"]["reference"].startswith("Organization/EJ-") for o in organizations)


def test_a_town_practice_has_the_structure_of_the_guides_example(server):
    bundle = requests.get(f"{server.url}/fhir/HealthcareService", params={
        "organization.type": "LIBERAL", "specialty": "CONSULT_KINE", "_count": "50"}).json()
    units = [e["resource"] for e in bundle["entry"]]
    unit = next(u for u in units if any(x["url"].endswith("-contact") for x in u["extension"])
                and u.get("availableTime"))
    validated(unit)
    want = GUIDE_EXAMPLE_VILLE
    assert unit["meta"]["profile"] == want["meta.profile"]
    assert want["elements"] <= set(unit)
    assert (unit["type"][0]["coding"][0]["system"], unit["type"][0]["coding"][0]["code"]) == (want["type.system"], want["type.code"])
    assert unit["specialty"][0]["coding"][0]["system"] == want["specialty.system"]
    assert want["characteristic.careMode.system"] in {c["coding"][0]["system"] for c in unit["characteristic"]}
    for slot in unit["availableTime"]:
        assert [x["url"] for x in slot["extension"]] == want["availableTime.extension"]
    by_url = {x["url"]: x for x in unit["extension"]}
    for url, sub in want["extension"].items():
        assert url in by_url, url
        if sub:
            assert [x["url"] for x in by_url[url]["extension"]] == sub
    telecom = by_url[SD + "ror-healthcareservice-contact"]["extension"][2]
    assert [x["url"] for x in telecom["extension"]] == want["contact-telecom"]

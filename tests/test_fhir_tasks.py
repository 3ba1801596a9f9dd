"""Anomaly reports as FHIR Task (the guide's RORTask): filed by a signed-in account (session +
CSRF token) or an application whose API key has the "report" scope, landing in the
management cell's queue; other keys stay read-only."""
from __future__ import annotations

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import ForbiddenError

from catalog import accounts
from tests.browser import LiveServer
from tests.world import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD_B, csrf, make_world, signed_in

pytestmark = pytest.mark.both_stores   # runs on SQLite and on PostgreSQL (tests/conftest.py)

THEMES = "https://mos.esante.gouv.fr/NOS/TRE_R350-ThematiqueAnomalie/FHIR/TRE-R350-ThematiqueAnomalie"
TASK_PROFILE = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-task"


def task_body(focus="HealthcareService/UO-KA", theme="04", description="Le cabinet a déménagé l'an dernier.",
              path="HealthcareService.location"):
    return {
        "resourceType": "Task", "status": "requested", "intent": "order",
        "code": {"coding": [{"system": THEMES, "code": theme}]},
        "focus": {"reference": focus}, "description": description,
        "input": [{"type": {"coding": [{"code": "pathElementError"}]},
                   "valueExpression": {"language": "text/fhirpath", "expression": path}}],
    }


def validated_task(resource: dict) -> dict:
    get_fhir_model_class("Task").model_validate(resource)
    assert resource["meta"]["profile"] == [TASK_PROFILE]
    return resource


def post_task(client, body, **headers):
    return client.post("/fhir/Task", json=body, headers={"Content-Type": "application/fhir+json", **headers})


def test_a_signed_in_account_files_a_task_that_reaches_the_cells_queue(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    reporter = signed_in(world, "paul@kine.test", PASSWORD_B)
    assert post_task(reporter, task_body()).status_code == 403          # no CSRF token: refused
    created = post_task(reporter, task_body(), **{"X-CSRF-Token": csrf(reporter)})
    assert created.status_code == 201, created.get_json()
    task = validated_task(created.get_json())
    assert task["status"] == "requested" and task["code"]["coding"][0]["code"] == "04"
    assert created.headers["Location"].endswith(f"/fhir/Task/{task['id']}")
    # Its local status and number systems are served where their URLs point.
    status = task["businessStatus"]["coding"][0]
    statuses = reporter.get(status["system"][status["system"].index("/fhir/"):]).get_json()
    assert get_fhir_model_class("CodeSystem").model_validate(statuses) and status["code"] in {
        c["code"] for c in statuses["concept"]}
    numbers = task["identifier"][0]["system"]
    naming = reporter.get(numbers[numbers.index("/fhir/"):]).get_json()
    assert naming["resourceType"] == "NamingSystem" and naming["uniqueId"][0]["value"] == numbers
    # The cell is told as for a report filed on the web page: one e-mail to the admin.
    mails = world.mails()
    assert len(mails) == 1
    assert f"To: {ADMIN_EMAIL}" in mails[0] and "UO-KA" in mails[0] and "Paul Durand" in mails[0]

    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    queue = admin.get("/api/v1/admin/anomalies?status=new").get_json()
    assert [(r["id"], r["target"]["id"], r["field"], r["reporter"]["name"]) for r in queue["results"]] == [
        (int(task["id"]), "UO-KA", "HealthcareService.location", "Paul Durand")]
    listed = admin.get("/fhir/Task?focus=HealthcareService/UO-KA&status=requested").get_json()
    assert listed["total"] == 1 and validated_task(listed["entry"][0]["resource"])["id"] == task["id"]
    assert admin.get("/fhir/Task?status=completed").get_json()["total"] == 0
    assert reporter.get("/fhir/Task").get_json()["total"] == 1
    assert reporter.get(f"/fhir/Task/{task['id']}").status_code == 200


def test_bad_tasks_get_an_operation_outcome_and_write_nothing(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    reporter = signed_in(world, "paul@kine.test", PASSWORD_B)
    token = {"X-CSRF-Token": csrf(reporter)}
    cases = [
        (task_body(description="court"), 400, "Task.description"),
        (task_body(theme="99"), 400, "Task.code"),
        (task_body(focus="Patient/1"), 400, "Task.focus"),
        (task_body(focus="HealthcareService/UO-NONE"), 422, "Task.focus"),
        ({"resourceType": "Patient"}, 400, "Task"),
    ]
    for body, status, expression in cases:
        response = post_task(reporter, body, **token)
        assert response.status_code == status, (body, response.get_json())
        outcome = response.get_json()
        get_fhir_model_class("OperationOutcome").model_validate(outcome)
        assert outcome["issue"][0]["expression"] == [expression]
        assert " | " in outcome["issue"][0]["diagnostics"]
    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert admin.get("/api/v1/admin/anomalies").get_json()["total"] == 0
    assert world.client().get("/fhir/Task").status_code == 401                 # anonymous


def test_api_keys_report_only_with_the_report_scope(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    reader = accounts.create_api_key(world.store, "lecture seule")
    reporter_key = accounts.create_api_key(world.store, "Outil de sortie d'hospitalisation", scopes=("report",))
    with pytest.raises(ValueError):
        accounts.create_api_key(world.store, "x", scopes=("admin",))
    with LiveServer(world.app) as live:
        read_only = SyncFHIRClient(f"{live.url}/fhir", authorization=f"Bearer {reader}")
        with pytest.raises(ForbiddenError) as refused:
            read_only.resource("Task", **task_body()).save()
        assert "report" in str(refused.value)
        assert read_only.reference("HealthcareService", "UO-KA").to_resource()["name"]   # still reads
        app = SyncFHIRClient(f"{live.url}/fhir", authorization=f"Bearer {reporter_key}")
        saved = app.resource("Task", **task_body(focus="Organization/EG-KA", theme="06"))
        saved.save()
        mine = [validated_task(t.serialize()) for t in app.resources("Task").fetch_all()]
        assert [t["id"] for t in mine] == [saved.id]
        assert mine[0]["focus"]["reference"] == "Organization/EG-KA"
        assert mine[0]["input"][0]["valueString"] == "Outil de sortie d'hospitalisation"
    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    queue = admin.get("/api/v1/admin/anomalies").get_json()
    assert [(r["target"]["type"], r["target"]["id"], r["theme"]["code"], r["reporter"]) for r in queue["results"]] == [
        ("EG", "EG-KA", "06", None)]
    # Filed by an application, the report reaches the cell's mailbox as a person's does.
    mails = world.mails()
    assert len(mails) == 1
    assert f"To: {ADMIN_EMAIL}" in mails[0] and "(EG-KA)" in mails[0] and "/cellule/anomalies/" in mails[0]
    assert "Signalée par : l'application « Outil de sortie d'hospitalisation » (clé d'API)" in mails[0]


def test_the_cli_creates_a_key_with_the_report_scope(tmp_path, monkeypatch, settings, capsys):
    import ror_cli
    from catalog.store import open_store

    path = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("ROR_STORE_PATH", str(path))
    monkeypatch.setenv("ROR_INDEX_PREFIX", f"{settings.index_prefix}-cli-fhir")
    assert ror_cli.main(["api-key", "create", "--name", "Outil SAS", "--scope", "report"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert "signalement" in printed[0]
    assert ror_cli.main(["api-key", "create", "--name", "Lecture"]) == 0
    read_only = capsys.readouterr().out.strip().splitlines()[-1]
    with open_store(str(path)).snapshot() as conn:
        assert accounts.api_key_for(conn, printed[-1])["scopes"] == "report"
        assert accounts.api_key_for(conn, read_only)["scopes"] == ""


def _next_path(bundle: dict, relation: str) -> str | None:
    url = next((link["url"] for link in bundle["link"] if link["relation"] == relation), None)
    return None if url is None else url[url.index("/fhir/"):]


def test_task_search_pages_with_count_and_links(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    reporter = signed_in(world, "paul@kine.test", PASSWORD_B)
    token = {"X-CSRF-Token": csrf(reporter)}
    filed = [post_task(reporter, task_body(description=f"Le numéro de téléphone {n} ne répond plus."), **token)
             .get_json()["id"] for n in range(5)]
    pages, bundle = [], reporter.get("/fhir/Task?_count=2").get_json()
    assert _next_path(bundle, "previous") is None and _next_path(bundle, "self") == "/fhir/Task?_count=2"
    while True:
        get_fhir_model_class("Bundle").model_validate(bundle)
        assert bundle["type"] == "searchset" and bundle["total"] == 5
        pages.append([validated_task(e["resource"])["id"] for e in bundle["entry"]])
        following = _next_path(bundle, "next")
        if following is None:
            break
        bundle = reporter.get(following).get_json()
    assert pages == [filed[0:2], filed[2:4], filed[4:5]]
    back = reporter.get(_next_path(bundle, "previous")).get_json()
    assert [e["resource"]["id"] for e in back["entry"]] == filed[2:4]
    assert reporter.get("/fhir/Task?_page=nope").status_code == 400
    # A real FHIR client follows the links to the end.
    key = accounts.create_api_key(world.store, "Outil SAS", scopes=("report",))
    with LiveServer(world.app) as live:
        app = SyncFHIRClient(f"{live.url}/fhir", authorization=f"Bearer {key}")
        for n in range(3):
            app.resource("Task", **task_body(description=f"Horaires du samedi faux, semaine {n}.")).save()
        walked = [t.id for t in app.resources("Task").limit(2).fetch_all()]
    assert len(walked) == len(set(walked)) == 3

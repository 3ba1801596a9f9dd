"""« Mon compte » and the practitioner's own sheet: ownership, RPPS fields, revisions, search."""
from __future__ import annotations

import pytest

from catalog.schemas import RPPS_FIELD_MESSAGE
from indexer.reindex import reindex
from indexer.sync import drain
from query_api.api.me import MSG_NOT_OWNER
from tests.world import PASSWORD_A, PASSWORD_B, RPPS_A, make_world, send, signed_in

pytestmark = pytest.mark.both_stores   # runs on SQLite and on PostgreSQL (tests/conftest.py)


def test_me_lists_identity_and_units(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    me = signed_in(world, RPPS_A, PASSWORD_A).get("/api/v1/me").get_json()
    assert me["account"]["rpps"] == RPPS_A
    assert me["practitioner"]["name"] == "Claire Martin"
    assert [u["id"] for u in me["units"]] == ["UO-KA"]
    assert me["units"][0]["establishment"]["name"] == "Cabinet Claire Martin"
    assert world.client().get("/api/v1/me").status_code == 401


def test_owner_sheet_has_rpps_part_editable_part_and_revision(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    sheet = signed_in(world, RPPS_A, PASSWORD_A).get("/api/v1/me/units/UO-KA").get_json()
    assert sheet["rpps"]["practitioner"]["rpps"] == RPPS_A
    assert sheet["rpps"]["practitioner"]["name"] == "Claire Martin"
    assert sheet["rpps"]["establishment"]["commune"] == "Versailles"
    assert sheet["rpps"]["establishment"]["address"] == "3 rue des Chantiers"
    assert [p["name"] for p in sheet["rpps"]["resource_persons"]] == ["Claire Martin"]
    assert sheet["sheet"]["revision"] == sheet["revision"] == 1
    assert sheet["sheet"]["week"] == {"1": [[540, 720]]}
    assert sheet["sheet"]["resource_persons"] == []
    assert sheet["anomalies"] == []


def test_practitioner_cannot_read_or_write_someone_elses_sheet(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    a = signed_in(world, RPPS_A, PASSWORD_A)
    b_sheet = signed_in(world, "paul@kine.test", PASSWORD_B).get("/api/v1/me/units/UO-KB").get_json()
    read = a.get("/api/v1/me/units/UO-KB")
    assert read.status_code == 403 and read.get_json()["error"]["message"] == MSG_NOT_OWNER
    write = send(a, "PUT", "/api/v1/me/units/UO-KB", {**b_sheet["sheet"], "comments": "piraté"})
    assert write.status_code == 403
    assert a.get("/api/v1/me/units/UO-NOPE").status_code == 404
    # Units without an owner (a hospital's) are no one's to edit here either.
    assert a.get("/api/v1/me/units/UO-H1").status_code == 403


def test_rpps_fields_cannot_be_changed(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    client = signed_in(world, RPPS_A, PASSWORD_A)
    sheet = client.get("/api/v1/me/units/UO-KA").get_json()["sheet"]
    for field, value in (("name", "Super cabinet"), ("address", "1 rue ailleurs"), ("rpps", "10000000000")):
        response = send(client, "PUT", "/api/v1/me/units/UO-KA", {**sheet, field: value})
        assert response.status_code == 400
        assert response.get_json()["error"] == {"code": "invalid_parameter", "message": RPPS_FIELD_MESSAGE, "field": field}


def test_stale_revision_gets_409_with_the_current_sheet(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    tab1 = signed_in(world, RPPS_A, PASSWORD_A)
    tab2 = signed_in(world, RPPS_A, PASSWORD_A)
    sheet = tab1.get("/api/v1/me/units/UO-KA").get_json()["sheet"]
    saved = send(tab1, "PUT", "/api/v1/me/units/UO-KA", {**sheet, "comments": "Parking devant le cabinet"})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["revision"] == 2
    stale = send(tab2, "PUT", "/api/v1/me/units/UO-KA", {**sheet, "comments": "Accès PMR"})
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["error"]["code"] == "stale_revision"
    assert body["current"]["revision"] == 2
    assert body["current"]["sheet"]["comments"] == "Parking devant le cabinet"


def test_a_sheet_with_many_wrong_fields_gets_every_error_at_once(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    client = signed_in(world, RPPS_A, PASSWORD_A)
    sheet = client.get("/api/v1/me/units/UO-KA").get_json()["sheet"]
    wrong = {**sheet, "phone": "01 23", "week": {"2": "14h-12h", "4": "9h-8h"}, "age_min": "60", "age_max": "10",
             "home_visit": True, "home_visit_communes": [], "resource_persons": [{"name": "", "email": "x"}]}
    response = send(client, "PUT", "/api/v1/me/units/UO-KA", wrong)
    assert response.status_code == 400
    body = response.get_json()
    # One save reports them all, each day and the cross-field rules (ages, home visits) included.
    assert {e["field"] for e in body["errors"]} == {
        "phone", "week.2", "week.4", "age_max", "home_visit_communes", "resource_persons.0.name", "resource_persons.0.email"}
    assert {"field": "age_max", "message": "L'âge maximum doit être supérieur ou égal à l'âge minimum."} in body["errors"]
    assert body["error"] == {"code": "invalid_parameter", **body["errors"][0]}
    assert client.get("/api/v1/me/units/UO-KA").get_json()["revision"] == sheet["revision"]   # nothing saved


def test_save_writes_sheet_audit_and_outbox_and_resource_persons(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    client = signed_in(world, RPPS_A, PASSWORD_A)
    sheet = client.get("/api/v1/me/units/UO-KA").get_json()["sheet"]
    with world.store.snapshot() as conn:
        outbox_before = conn.execute("SELECT COUNT(*) FROM outbox WHERE unit_id = 'UO-KA'").fetchone()[0]
    trainee = {"name": "Léo Petit", "role": "stagiaire", "phone": "06 12 34 56 78", "email": None}
    response = send(client, "PUT", "/api/v1/me/units/UO-KA", {
        **sheet, "mobile": "0612345678", "resource_persons": [trainee], "week": {"1": "9h-12h30 14h-18h"}})
    assert response.status_code == 200, response.get_json()
    saved = response.get_json()
    assert saved["sheet"]["mobile"] == "+33612345678"
    assert saved["sheet"]["week"] == {"1": [[540, 750], [840, 1080]]}
    assert saved["sheet"]["resource_persons"][0]["name"] == "Léo Petit"
    assert [p["name"] for p in saved["rpps"]["resource_persons"]] == ["Claire Martin"]
    with world.store.snapshot() as conn:
        audited = {r["field"] for r in conn.execute(
            "SELECT field FROM audit_log WHERE target_id = 'UO-KA' AND actor LIKE 'account:%'")}
        outbox_after = conn.execute("SELECT COUNT(*) FROM outbox WHERE unit_id = 'UO-KA'").fetchone()[0]
    assert {"mobile", "week", "resource_persons"} <= audited
    assert outbox_after == outbox_before + 1

    # Changing only the persons still moves the revision.
    again = send(client, "PUT", "/api/v1/me/units/UO-KA", {**saved["sheet"], "resource_persons": []})
    assert again.get_json()["revision"] == saved["revision"] + 1


def test_edit_shows_up_in_search(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    reindex(world.store, search, world.settings, progress=False, grace_seconds=0)
    client = signed_in(world, RPPS_A, PASSWORD_A)
    query = "/api/v1/search?what=KINE_LYMPHOEDEMES&where=78646"

    def unit_ids():
        body = client.get(query).get_json()
        return {u["id"] for r in body["results"] for u in r["units"]}

    assert "UO-KA" not in unit_ids()
    sheet = client.get("/api/v1/me/units/UO-KA").get_json()["sheet"]
    saved = send(client, "PUT", "/api/v1/me/units/UO-KA", {**sheet, "aptitudes": ["KINE_LYMPHOEDEMES"]})
    assert saved.status_code == 200
    assert drain(world.store, search, world.settings).applied >= 1
    search.indices.refresh(index=f"{world.settings.index_prefix}-*")
    assert "UO-KA" in unit_ids()


def test_answering_yes_to_home_visits_ticks_the_aptitude_and_no_unticks_it(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    reindex(world.store, search, world.settings, progress=False, grace_seconds=0)
    client = signed_in(world, RPPS_A, PASSWORD_A)

    def found_by(selection):
        body = client.get(f"/api/v1/search?where=78646&{selection}").get_json()
        return {u["id"] for r in body["results"] for u in r["units"]}

    sheet = client.get("/api/v1/me/units/UO-KA").get_json()["sheet"]
    yes = send(client, "PUT", "/api/v1/me/units/UO-KA", {**sheet, "home_visit": True, "home_visit_communes": ["78646"]})
    assert yes.status_code == 200, yes.get_json()
    assert "KINE_INTERV_DOMICILE" in yes.get_json()["sheet"]["aptitudes"]
    drain(world.store, search, world.settings)
    search.indices.refresh(index=f"{world.settings.index_prefix}-*")
    assert "UO-KA" in found_by("home_visit=true") and "UO-KA" in found_by("aptitude=KINE_INTERV_DOMICILE")

    # « Non » with the box still ticked: the answer wins, both go.
    no = send(client, "PUT", "/api/v1/me/units/UO-KA", {**yes.get_json()["sheet"], "home_visit": False})
    assert no.status_code == 200, no.get_json()
    assert "KINE_INTERV_DOMICILE" not in no.get_json()["sheet"]["aptitudes"]
    drain(world.store, search, world.settings)
    search.indices.refresh(index=f"{world.settings.index_prefix}-*")
    assert "UO-KA" not in found_by("home_visit=true") | found_by("aptitude=KINE_INTERV_DOMICILE")

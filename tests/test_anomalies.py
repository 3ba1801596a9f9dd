"""Anomalies: from a user's report to the cell's queue, to resolved, seen by the practitioner."""
from __future__ import annotations

import pytest

from tests.world import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD_A, PASSWORD_B, RPPS_A, make_world, send, signed_in

pytestmark = pytest.mark.both_stores   # runs on SQLite and on PostgreSQL (tests/conftest.py)


def _report(client, target_type="UO", target_id="UO-KA", message="Le cabinet a déménagé l'an dernier.", **extra):
    return send(client, "POST", "/api/v1/anomalies",
                {"target_type": target_type, "target_id": target_id, "message": message, **extra})


def test_report_travels_from_user_to_queue_to_resolved(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    reporter = signed_in(world, "paul@kine.test", PASSWORD_B)
    created = _report(reporter, theme="04", field="address")
    assert created.status_code == 201, created.get_json()
    report = created.get_json()
    assert report["status"] == "new" and report["theme"]["label"] == "Récence"
    assert report["target"]["name"] == "Consultation kinésithérapie"
    assert report["target"]["label"] == "Consultation kinésithérapie — Claire Martin"   # UO-KA's owner

    # The cell gets an e-mail, which links to the report's page (not to the API).
    mails = world.mails()
    assert len(mails) == 1
    assert f"To: {ADMIN_EMAIL}" in mails[0] and "UO-KA" in mails[0] and "déménagé" in mails[0]
    assert "Consultation kinésithérapie — Claire Martin" in mails[0]
    assert f"http://localhost/cellule/anomalies/{report['id']}" in mails[0] and "/api/" not in mails[0]

    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    queue = admin.get("/api/v1/admin/anomalies?status=new").get_json()
    assert queue["total"] == 1 and queue["results"][0]["id"] == report["id"]
    assert queue["results"][0]["reporter"]["name"] == "Paul Durand"

    taken = send(admin, "PATCH", f"/api/v1/admin/anomalies/{report['id']}", {"status": "in_progress"})
    assert taken.status_code == 200
    assert taken.get_json()["assignee"]["name"] == "Cellule de test"  # taking it assigns it
    assert admin.get("/api/v1/admin/anomalies?assignee=me").get_json()["total"] == 1

    no_note = send(admin, "PATCH", f"/api/v1/admin/anomalies/{report['id']}", {"status": "resolved"})
    assert no_note.status_code == 400 and no_note.get_json()["error"]["field"] == "note"
    resolved = send(admin, "PATCH", f"/api/v1/admin/anomalies/{report['id']}",
                    {"status": "resolved", "note": "Adresse corrigée avec le praticien."})
    assert resolved.status_code == 200
    assert resolved.get_json()["status"] == "resolved"

    # The practitioner whose sheet it is sees it and its status, not who reported it.
    owner = signed_in(world, RPPS_A, PASSWORD_A)
    mine = owner.get("/api/v1/me/anomalies").get_json()["anomalies"]
    assert [(a["id"], a["status"], a["note"]) for a in mine] == [
        (report["id"], "resolved", "Adresse corrigée avec le praticien.")]
    assert "reporter" not in mine[0]
    assert owner.get("/api/v1/me/units/UO-KA").get_json()["anomalies"][0]["status_label"] == "Résolue"
    # The reporter sees their own report too.
    assert [a["id"] for a in reporter.get("/api/v1/me/anomalies").get_json()["reported"]] == [report["id"]]


def test_reports_on_the_owners_eg_and_ej_reach_the_owner(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    reporter = signed_in(world, "paul@kine.test", PASSWORD_B)
    assert _report(reporter, "EG", "EG-KA").status_code == 201
    assert _report(reporter, "EJ", "EJ-KA").status_code == 201
    assert _report(reporter, "UO", "UO-A").status_code == 201  # someone else's
    owner = signed_in(world, RPPS_A, PASSWORD_A)
    targets = {(a["target"]["type"], a["target"]["id"]) for a in owner.get("/api/v1/me/anomalies").get_json()["anomalies"]}
    assert targets == {("EG", "EG-KA"), ("EJ", "EJ-KA")}


def test_report_needs_an_existing_target_and_a_signed_in_user(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    anonymous = world.client()
    assert _report(anonymous).status_code == 401
    client = signed_in(world, RPPS_A, PASSWORD_A)
    missing = _report(client, "EG", "EG-NOPE")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["field"] == "target_id"
    short = _report(client, message="faux")
    assert short.status_code == 400 and short.get_json()["error"]["field"] == "message"


def test_transitions_are_enforced(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    report = _report(signed_in(world, RPPS_A, PASSWORD_A), "UO", "UO-B").get_json()
    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    path = f"/api/v1/admin/anomalies/{report['id']}"
    assert send(admin, "PATCH", path, {"status": "rejected", "note": "Information exacte."}).status_code == 200
    back_to_new = send(admin, "PATCH", path, {"status": "new"})
    assert back_to_new.status_code == 409
    assert "Rejetée" in back_to_new.get_json()["error"]["message"]
    # A closed report can be reopened, then sent back to the queue.
    assert send(admin, "PATCH", path, {"status": "in_progress", "note": "Rouvert."}).get_json()["status"] == "in_progress"
    assert send(admin, "PATCH", path, {"status": "new"}).get_json()["status"] == "new"
    assert send(admin, "PATCH", path, {"assignee_id": 1}).status_code == 404  # a practitioner is not in the cell
    assert send(admin, "PATCH", "/api/v1/admin/anomalies/999", {"status": "in_progress"}).status_code == 404


def test_queue_filters_and_pages(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    client = signed_in(world, RPPS_A, PASSWORD_A)
    for target, theme in (("UO-A", "01"), ("UO-B", "06"), ("UO-C", "06")):
        assert _report(client, "UO", target, theme=theme).status_code == 201
    assert _report(client, "EG", "EG-VER1").status_code == 201
    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert admin.get("/api/v1/admin/anomalies?theme=06").get_json()["total"] == 2
    assert admin.get("/api/v1/admin/anomalies?target_type=EG").get_json()["total"] == 1
    page2 = admin.get("/api/v1/admin/anomalies?per_page=3&page=2").get_json()
    assert page2["total"] == 4 and len(page2["results"]) == 1
    assert admin.get("/api/v1/admin/anomalies?assignee=none").get_json()["total"] == 4
    bad = admin.get("/api/v1/admin/anomalies?status=done")
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "status"


def test_reports_are_rate_limited_per_user(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    client = signed_in(world, RPPS_A, PASSWORD_A)
    for _ in range(10):
        assert _report(client, "UO", "UO-A").status_code == 201
    limited = _report(client, "UO", "UO-A")
    assert limited.status_code == 429 and "heure" in limited.get_json()["error"]["message"]
    # Someone else may still report.
    assert _report(signed_in(world, "paul@kine.test", PASSWORD_B), "UO", "UO-A").status_code == 201
    world.clock.advance(hours=1)
    assert _report(client, "UO", "UO-A").status_code == 201


def test_a_nul_character_in_a_report_or_a_sheet_is_refused_in_french_and_nothing_is_written(settings, search, tmp_path):
    """PostgreSQL's text cannot hold U+0000: it is refused before the store, on both stores alike."""
    world = make_world(settings, tmp_path)
    editor = signed_in(world, "claire@kine.test", PASSWORD_A)
    report = _report(editor, message="Le cabinet a\x00 déménagé l'an dernier.")
    assert report.status_code == 400
    assert "caractère nul" in report.get_json()["error"]["message"]
    sheet = send(editor, "PUT", "/api/v1/me/units/UO-KA", {"revision": 1, "comments": "Ouvert\x00 le samedi"})
    assert sheet.status_code == 400 and "caractère nul" in sheet.get_json()["error"]["message"]
    with world.store.snapshot() as conn:
        assert conn.execute("SELECT COUNT(*) FROM anomalies").fetchone()[0] == 0
        unit = conn.execute("SELECT revision, comments FROM units WHERE id = 'UO-KA'").fetchone()
        assert (unit["revision"], unit["comments"]) == (1, "")

"""Group practices readable: each UO named with its practitioner wherever UO are listed, and an
anomaly's life told to the cell (page, e-mail with a link to it) and to its reporter (closing
e-mail, history on « Mon compte »), read from the store's one audit trail.

The world is tests/world.py's, with EG-KA turned into a group practice (add_group_practice):
four « Consultation kinésithérapie », three owners and one without.
"""
from __future__ import annotations

import re
from email import message_from_string, policy

import pytest
from markupsafe import Markup

from catalog import anomalies
from catalog.labels import person_name, unit_label
from catalog.store import iso
from indexer.reindex import reindex
from tests.world import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    GROUP_PRACTICE_UNITS,
    PASSWORD_B,
    add_group_practice,
    send,
    signed_in,
)

pytestmark = pytest.mark.both_stores   # runs on SQLite and on PostgreSQL (tests/conftest.py)

UO_NAME = "Consultation kinésithérapie"
CELL_NAME = "Cellule de test"          # the admin's display name (tests/world.py)
REPORTER_NAME = "Paul Durand"          # B, who reports


def expected_labels() -> list[str]:
    """Written out by hand from the world, not by the function under test."""
    return [f"{UO_NAME} — {owner}" if owner else UO_NAME for _, owner in GROUP_PRACTICE_UNITS]


def html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def link_texts(page: str, href_prefix: str = "/uo/") -> list[str]:
    return [re.sub(r"<[^>]+>", "", text).strip()
            for text in re.findall(rf'<a[^>]*href="{re.escape(href_prefix)}[^"]*"[^>]*>(.*?)</a>', page, re.S)]


def report_on(client, unit_id: str, message: str, theme: str = "06") -> dict:
    created = send(client, "POST", "/api/v1/anomalies",
                   {"target_type": "UO", "target_id": unit_id, "message": message, "theme": theme})
    assert created.status_code == 201, created.get_json()
    return created.get_json()


def mails_to(world, address: str) -> list[str]:
    return [mail for mail in world.mails() if f"To: {address}" in mail]


def subject_of(mail: str) -> str:
    return message_from_string(mail, policy=policy.default)["Subject"]


# --- the one label ----------------------------------------------------------------------------------

def test_a_unit_is_labelled_with_its_owner_and_keeps_its_name_alone_without_one():
    assert unit_label(UO_NAME, "Anne Martin") == "Consultation kinésithérapie — Anne Martin"
    assert unit_label(UO_NAME, None) == UO_NAME and unit_label(UO_NAME, "") == UO_NAME
    # A name that already says whose unit it is is not repeated.
    assert unit_label("Cabinet Anne Martin", "Anne Martin") == "Cabinet Anne Martin"
    # A highlighted name stays markup; the owner's name is escaped into it.
    label = unit_label(Markup("<b>Consultation</b> kinésithérapie"), "Anne <Martin>")
    assert isinstance(label, Markup) and str(label) == "<b>Consultation</b> kinésithérapie — Anne &lt;Martin&gt;"
    assert person_name("Anne", "Martin") == "Anne Martin" and person_name("", "Martin") == "Martin"
    assert person_name("Anne", "") is None and person_name(None, None) is None


# --- wherever UO are listed ----------------------------------------------------------------------------

def test_the_establishment_of_a_group_practice_names_each_practitioner(world):
    add_group_practice(world.store)
    client = world.client()
    sheet = client.get("/api/v1/establishments/EG-KA").get_json()
    assert [(u["id"], u["label"], u.get("practitioner")) for u in sheet["units"]] == [
        (unit_id, label, owner) for (unit_id, owner), label in zip(GROUP_PRACTICE_UNITS, expected_labels())]
    assert link_texts(html(client, "/eg/EG-KA")) == expected_labels()


def test_the_legal_entity_page_names_each_practitioner(world):
    add_group_practice(world.store)
    assert link_texts(html(world.client(), "/ej/EJ-KA")) == expected_labels()


def test_search_results_name_each_practitioner(world, search):
    add_group_practice(world.store)
    reindex(world.store, search, world.settings, progress=False, grace_seconds=0)
    page = html(world.client(), "/recherche?where=78646")
    block = page.split('id="eg-EG-KA"', 1)[1].split("</li>", 1)[0]
    assert sorted(link_texts(block)) == sorted(expected_labels())


# --- the cell: queue, page, e-mail ---------------------------------------------------------------------

def test_the_cell_sees_the_practitioner_in_the_queue_the_page_and_the_email(world):
    add_group_practice(world.store)
    reporter = signed_in(world, "paul@kine.test", PASSWORD_B)
    made = report_on(reporter, "UO-GC", "Le numéro de téléphone d'Anne Lefèvre a changé.")
    label = f"{UO_NAME} — Anne Lefèvre"
    assert made["target"]["label"] == label and made["target"]["name"] == UO_NAME

    [mail] = mails_to(world, ADMIN_EMAIL)
    assert label in mail and "UO-GC" in mail
    assert f"http://localhost/cellule/anomalies/{made['id']}" in mail and "/api/" not in mail

    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert label in link_texts(html(admin, "/cellule/anomalies"))
    detail = html(admin, f"/cellule/anomalies/{made['id']}")
    assert re.search(rf"<h1>[^<]*{re.escape(label)}</h1>", detail)
    assert admin.get(f"/api/v1/admin/anomalies/{made['id']}").get_json()["target"]["label"] == label


# --- the reporter is told, and the history --------------------------------------------------------------

def test_closing_a_report_emails_the_reporter_a_link_to_their_page(world):
    add_group_practice(world.store)
    reporter = signed_in(world, "paul@kine.test", PASSWORD_B)
    made = report_on(reporter, "UO-GC", "Le cabinet est fermé le mardi.", theme="04")
    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    url = f"/api/v1/admin/anomalies/{made['id']}"

    assert send(admin, "PATCH", url, {"status": "in_progress"}).status_code == 200
    assert mails_to(world, "paul@kine.test") == []   # taken in hand: not closed yet

    note = "Horaires corrigés avec le cabinet."
    assert send(admin, "PATCH", url, {"status": "resolved", "note": note}).status_code == 200
    [mail] = mails_to(world, "paul@kine.test")
    assert subject_of(mail) == f"Anomalie n° {made['id']} résolue – Récence"
    assert "Récence" in mail and "Statut : Résolue" in mail and note in mail
    assert f"{UO_NAME} — Anne Lefèvre" in mail and "Le cabinet est fermé le mardi." in mail
    assert "http://localhost/mon-compte#mes-signalements" in mail and "/api/" not in mail

    # Reopened, then rejected: told again, with the new state and note.
    assert send(admin, "PATCH", url, {"status": "in_progress"}).status_code == 200
    assert send(admin, "PATCH", url, {"status": "rejected", "note": "Fermé le mardi : c'est exact."}).status_code == 200
    mails = mails_to(world, "paul@kine.test")
    assert len(mails) == 2 and "Statut : Rejetée" in mails[1] and "Fermé le mardi : c'est exact." in mails[1]


def test_the_history_tells_each_state_change_with_who_when_and_the_note(world):
    reporter = signed_in(world, "paul@kine.test", PASSWORD_B)
    made = report_on(reporter, "UO-KA", "Le téléphone sonne dans le vide.")
    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    url = f"/api/v1/admin/anomalies/{made['id']}"
    moments = []
    for changes in ({"status": "in_progress"},                      # taken in hand, no note
                    {"note": "Appel au cabinet prévu."},               # a note alone: no change of state
                    {"status": "resolved", "note": "Appel au cabinet prévu."},   # closed; the note in force
                    {"status": "in_progress", "note": "Rouverte : le numéro a encore changé."}):
        world.clock.advance(hours=1)
        moments.append(iso(world.clock()))
        assert send(admin, "PATCH", url, changes).status_code == 200, changes

    with world.store.snapshot() as conn:
        history = anomalies.history(conn, anomalies.get_anomaly(conn, made["id"]))
    assert [(h["at"], h["actor"], h["status"], h["note"]) for h in history] == [
        (made["created_at"], REPORTER_NAME, "new", None),
        (moments[0], CELL_NAME, "in_progress", None),
        (moments[2], CELL_NAME, "resolved", "Appel au cabinet prévu."),
        (moments[3], CELL_NAME, "in_progress", "Rouverte : le numéro a encore changé."),
    ]
    # The cell's API gives the same history, with the state each change left.
    api = admin.get(url).get_json()["history"]
    assert [(h["at"], h["actor"], h["status"], h["previous"], h["note"]) for h in api] == [
        (made["created_at"], REPORTER_NAME, "new", None, None),
        (moments[0], CELL_NAME, "in_progress", "Nouvelle", None),
        (moments[2], CELL_NAME, "resolved", "En cours", "Appel au cabinet prévu."),
        (moments[3], CELL_NAME, "in_progress", "Résolue", "Rouverte : le numéro a encore changé."),
    ]
    # Read from the one audit trail: no other table holds it.
    with world.store.snapshot() as conn:
        rows = conn.execute("SELECT field FROM audit_log WHERE target_type = 'anomaly' AND target_id = ? ORDER BY id",
                            (str(made["id"]),)).fetchall()
    assert [r[0] for r in rows] == ["status", "assignee_id", "note", "status", "status", "note"]

    page = html(admin, f"/cellule/anomalies/{made['id']}")
    items = re.findall(r'<li data-history-status="(\w+)">(.*?)</li>', page, re.S)
    assert [status for status, _ in items] == ["new", "in_progress", "resolved", "in_progress"]
    assert CELL_NAME in items[2][1] and "Appel au cabinet prévu." in items[2][1]
    assert "le 2 mars 2026 à 13h" in items[2][1]   # reported at 10h, then one hour per change (Paris time)

    # The reporter follows it on « Mon compte », without the name of who in the cell acted.
    mine = html(reporter, "/mon-compte")
    section = mine.split('id="mes-signalements"', 1)[1]
    assert section.count("data-history-status=") == 4 and "Rouverte : le numéro a encore changé." in section
    assert CELL_NAME not in section

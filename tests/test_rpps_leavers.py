"""Leavers and movers: what a complete RPPS import ends, brings back and carries over (issue #17, item 5)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from catalog import repository
from catalog.activation import issue_codes
from catalog.identifiers import make_rpps
from catalog.rpps_import import Move, format_summary, import_extract
from catalog.store import iso, open_store
from tests.rpps_lines import BOULOGNE, VERSAILLES, extract, physio
from tests.stores import fresh_location

pytestmark = pytest.mark.both_stores   # runs on SQLite and on PostgreSQL (tests/conftest.py)

FIRST = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = FIRST + timedelta(days=31)
LATEST = LATER + timedelta(days=31)


@pytest.fixture
def store(settings, tmp_path):
    return open_store(fresh_location(settings, tmp_path))


def unit_of(serial: int, structure: str) -> str:
    return f"UO-{make_rpps(serial)}-{structure}"


def units(store, *ids: str) -> list[dict]:
    with store.snapshot() as conn:
        return [repository.get_unit(conn, unit_id) for unit_id in ids]


def audit_of(store, unit_id: str) -> list[tuple]:
    with store.snapshot() as conn:
        return [(r["actor"], r["field"], r["old_value"], r["new_value"]) for r in conn.execute(
            "SELECT actor, field, old_value, new_value FROM audit_log WHERE target_type = 'UO' AND target_id = ? ORDER BY id",
            (unit_id,))]


def queued(store, unit_id: str) -> list[int]:
    with store.snapshot() as conn:
        return [r["revision"] for r in conn.execute("SELECT revision FROM outbox WHERE unit_id = ? ORDER BY id", (unit_id,))]


SHEET = {
    "phone": "+33139000001",
    "mobile": "+33612345678",
    "aptitudes": ["KINE_REEDUC_RACHIS", "KINE_REEDUC_VESTIBULAIRE"],
    "age_min": 6,
    "age_max": 120,
    "home_visit": True,
    "home_visit_communes": [VERSAILLES, "78158"],
    "week": {1: [(540, 720)], 4: [(840, 1140)]},
    "open_on_holidays": True,
    "comments": "Cabinet au 1er étage, ascenseur.",
}


def edit(store, unit_id: str, now: datetime = FIRST) -> dict:
    with store.transaction() as conn:
        repository.update_unit(conn, unit_id, SHEET, actor="account:1", now=now)
        repository.replace_added_resource_persons(conn, unit_id, [{"name": "Léa Petit", "role": "stagiaire"}], "account:1")
        return repository.get_unit(conn, unit_id)


def editable(unit: dict) -> dict:
    return {field: unit[field] for field in repository.EDITABLE_UNIT_FIELDS}


def added_persons(store, unit_id: str) -> list[tuple]:
    with store.snapshot() as conn:
        return [(p["name"], p["role"]) for p in repository.resource_persons(conn, unit_id) if p["source"] == "added"]


# --- leavers ---------------------------------------------------------------------------

def test_a_complete_import_ends_the_unit_of_an_activity_it_no_longer_lists(store):
    import_extract(store, extract(physio(1, structure="R1"), physio(2, structure="R2")), now=FIRST)
    leaver = unit_of(2, "R2")

    summary = import_extract(store, extract(physio(1, structure="R1")), complete=True, now=LATER)

    assert summary.units_ended == [leaver] and summary.moves == [] and summary.units_reactivated == []
    stayer, left = units(store, unit_of(1, "R1"), leaver)
    assert stayer["ended_at"] is None
    assert left["ended_at"] == iso(LATER)                       # kept in the store, with its end date
    assert left["revision"] == 2 and queued(store, leaver) == [1, 2]   # the index drops it at revision 2
    assert audit_of(store, leaver) == [("rpps-import", "ended_at", None, iso(LATER))]
    with store.snapshot() as conn:
        assert repository.count_units(conn) == 1               # what the index holds once in sync
        assert repository.index_records(conn, [leaver]) == {}
        assert [u["id"] for u in repository.units_of_establishment(conn, "EG-R2")] == []
        assert [u["id"] for u in repository.units_of_owner(conn, make_rpps(2))] == [leaver]   # their own list keeps it


def test_a_partial_import_ends_nothing(store):
    import_extract(store, extract(physio(1, structure="R1"), physio(2, structure="R2")), now=FIRST)

    summary = import_extract(store, extract(physio(1, structure="R1")), now=LATER)

    assert summary.units_ended == [] and not summary.complete
    assert [u["ended_at"] for u in units(store, unit_of(1, "R1"), unit_of(2, "R2"))] == [None, None]
    assert "Extraction partielle : aucune unité fermée" in format_summary(summary)


def test_a_complete_extract_ends_units_only_in_the_departments_it_covers(store):
    import_extract(store, extract(physio(1, structure="R1"), physio(2, structure="R2", insee=BOULOGNE)), now=FIRST)

    # Yvelines only: it says nothing of Hauts-de-Seine, whatever it claims.
    summary = import_extract(store, extract(physio(3, structure="R3")), complete=True, now=LATER)

    assert summary.departments == ["78"]
    assert summary.units_ended == [unit_of(1, "R1")]
    assert units(store, unit_of(2, "R2"))[0]["ended_at"] is None


def test_a_complete_extract_without_any_kept_line_ends_nothing(store):
    import_extract(store, extract(physio(1, structure="R1")), now=FIRST)
    lyon = physio(9, structure="R9", **{"Code commune (coord. structure)": "69123", "Code postal (coord. structure)": "69001"})

    summary = import_extract(store, extract(lyon), complete=True, now=LATER)

    assert summary.units_ended == [] and summary.departments == []
    assert units(store, unit_of(1, "R1"))[0]["ended_at"] is None


def test_a_practitioner_named_by_a_bad_line_keeps_their_unit(store):
    import_extract(store, extract(physio(1, structure="R1"), physio(2, structure="R2")), now=FIRST)
    lines = extract(physio(1, structure="R1"), physio(2, structure="R2"))
    lines[2] = lines[2].replace("|Rue|", "|Rue|extra|")       # one column too many: the line is refused

    summary = import_extract(store, lines, complete=True, now=LATER)

    assert summary.bad_line_count == 1
    assert summary.units_ended == [] and summary.units_spared == [unit_of(2, "R2")]
    assert units(store, unit_of(2, "R2"))[0]["ended_at"] is None
    assert "une ligne en erreur nomme leur praticien : 1" in format_summary(summary)


def test_units_of_other_professions_are_not_ended_by_a_physiotherapists_extract(store):
    import_extract(store, extract(physio(1, structure="R1")), now=FIRST)
    nurse = make_rpps(5)
    with store.transaction() as conn:   # a nurse's unit at the same site, as another import would make it
        repository.upsert_practitioner(conn, {"rpps": nurse, "civility": "", "last_name": "LEROY", "first_name": "Ana",
                                              "profession": "60"})
        repository.insert_unit(conn, {"id": f"UO-{nurse}-R1", "eg_id": "EG-R1", "uo_type": "CONSULT_KINE",
                                      "name": "Soins infirmiers", "profession": "60", "owner_rpps": nurse})

    summary = import_extract(store, extract(physio(2, structure="R2")), complete=True, now=LATER)

    assert summary.units_ended == [unit_of(1, "R1")]
    assert units(store, f"UO-{nurse}-R1")[0]["ended_at"] is None


# --- coming back ---------------------------------------------------------------------------

def test_an_activity_listed_again_brings_its_unit_back_with_its_sheet(store):
    lines = extract(physio(1, structure="R1"), physio(2, structure="R2"))
    import_extract(store, lines, now=FIRST)
    unit_id = unit_of(2, "R2")
    before = edit(store, unit_id)
    import_extract(store, extract(physio(1, structure="R1")), complete=True, now=LATER)

    summary = import_extract(store, lines, now=LATEST)   # even a partial extract proves the activity exists

    assert summary.units_reactivated == [unit_id] and summary.units_created == 0
    (back,) = units(store, unit_id)
    assert back["ended_at"] is None
    assert editable(back) == editable(before) and back["updated_at"] == before["updated_at"]
    assert added_persons(store, unit_id) == [("Léa Petit", "stagiaire")]
    assert back["revision"] == before["revision"] + 2 and queued(store, unit_id)[-1] == back["revision"]
    assert [row for row in audit_of(store, unit_id) if row[1] == "ended_at"] == [
        ("rpps-import", "ended_at", None, iso(LATER)), ("rpps-import", "ended_at", iso(LATER), None)]
    assert f"Unités (UO) réactivées (activité de retour dans l'extraction) : 1\n    {unit_id}" in format_summary(summary)


# --- movers -----------------------------------------------------------------------------------

def test_a_practitioner_gone_from_one_site_and_new_at_another_takes_their_sheet_along(store):
    import_extract(store, extract(physio(1, structure="R1"), physio(2, structure="R2")), now=FIRST)
    old, new = unit_of(1, "R1"), unit_of(1, "R3")
    before = edit(store, old)

    summary = import_extract(store, extract(physio(1, structure="R3", insee=BOULOGNE), physio(2, structure="R2")),
                             complete=True, now=LATER)

    assert summary.moves == [Move(make_rpps(1), old, new)]
    assert summary.units_ended == [old] and summary.units_created == 1
    ended, moved = units(store, old, new)
    assert ended["ended_at"] == iso(LATER) and moved["ended_at"] is None
    assert editable(moved) == editable(before)
    assert moved["eg_id"] == "EG-R3" and moved["updated_at"] == iso(LATER)
    assert added_persons(store, new) == [("Léa Petit", "stagiaire")]
    trail = audit_of(store, new)
    assert ("rpps-import", "moved_from", None, old) in trail
    assert {row[1] for row in trail} >= {"aptitudes", "week", "comments", "resource_persons"}
    assert queued(store, new)[-1] == moved["revision"]
    report = format_summary(summary)
    assert f"Déménagements (fiche reportée sur le nouveau lieu) : 1\n    {old} → {new}" in report
    assert f"Unités (UO) fermées (activité absente de l'extraction) : 1\n    {old}" in report


def test_a_mover_with_several_old_sites_takes_the_sheet_updated_last(store):
    import_extract(store, extract(physio(1, structure="R1"), physio(1, structure="R2")), now=FIRST)
    edit(store, unit_of(1, "R1"), now=FIRST)
    with store.transaction() as conn:
        repository.update_unit(conn, unit_of(1, "R2"), {"comments": "Le plus récent."}, actor="account:1",
                               now=FIRST + timedelta(days=1))

    summary = import_extract(store, extract(physio(1, structure="R3")), complete=True, now=LATER)

    assert summary.units_ended == [unit_of(1, "R1"), unit_of(1, "R2")]
    assert summary.moves == [Move(make_rpps(1), unit_of(1, "R2"), unit_of(1, "R3"))]
    assert units(store, unit_of(1, "R3"))[0]["comments"] == "Le plus récent."


def test_a_practitioner_listed_at_both_sites_has_a_second_site_and_nothing_moves(store):
    import_extract(store, extract(physio(1, structure="R1")), now=FIRST)
    edit(store, unit_of(1, "R1"))

    summary = import_extract(store, extract(physio(1, structure="R1"), physio(1, structure="R2", insee=BOULOGNE)),
                             complete=True, now=LATER)

    assert summary.units_ended == [] and summary.moves == [] and summary.units_created == 1
    first, second = units(store, unit_of(1, "R1"), unit_of(1, "R2"))
    assert first["ended_at"] is None and first["comments"] == SHEET["comments"]
    assert second["ended_at"] is None
    assert (second["aptitudes"], second["comments"], second["week"], second["revision"]) == ([], "", {}, 1)
    assert added_persons(store, unit_of(1, "R2")) == []


def test_a_movers_activation_letter_goes_to_their_new_site(store):
    import_extract(store, extract(physio(1, structure="R1")), now=FIRST)
    moved = physio(1, structure="R2", **{"Libellé Voie (coord. structure)": "du Château"})
    import_extract(store, extract(moved), complete=True, now=LATER)   # the old site, R1, still comes first by id

    (letter,) = issue_codes(store, rpps_list=[make_rpps(1)], valid_days=30)

    assert letter.address == "12 B rue du Château"

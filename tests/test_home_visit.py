"""Home visits are one fact: for a physiotherapy UO the flag and the « Intervention à domicile » aptitude agree."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from catalog import repository
from catalog.repository import HOME_VISIT_APTITUDE, home_visit_fact
from catalog.schemas import UnitSheetSchema
from catalog.store import Store, open_store
from query_api import create_app
from tests.stores import fresh_location
from tests.world import fixed_clock

pytestmark = pytest.mark.both_stores   # runs on SQLite and on PostgreSQL (tests/conftest.py)

PHYSIO = "70"
VERSAILLES, LE_CHESNAY = "78646", "78158"
MONDAY_10H = "2026-11-30T10:00:00+01:00"


# --- the rule ---------------------------------------------------------------------------

@pytest.mark.parametrize("aptitudes, flag, expected", [
    (["KINE_REEDUC_RACHIS"], True, (["KINE_REEDUC_RACHIS", HOME_VISIT_APTITUDE], True)),
    (["KINE_REEDUC_RACHIS", HOME_VISIT_APTITUDE], False, (["KINE_REEDUC_RACHIS"], False)),
    ([HOME_VISIT_APTITUDE], None, ([HOME_VISIT_APTITUDE], True)),
    (["KINE_REEDUC_RACHIS"], None, (["KINE_REEDUC_RACHIS"], False)),
    ([], True, ([HOME_VISIT_APTITUDE], True)),
])
def test_for_a_physio_the_flag_sets_or_clears_the_aptitude_and_the_aptitude_alone_sets_the_flag(aptitudes, flag, expected):
    assert home_visit_fact(PHYSIO, aptitudes, flag) == expected


def test_an_added_aptitude_takes_its_place_in_the_nomenclature():
    # « Lieu d'intervention » comes after the equipment group and before education.
    aptitudes, _ = home_visit_fact(PHYSIO, ["KINE_BALNEOTHERAPIE", "KINE_ETP"], True)
    assert aptitudes == ["KINE_BALNEOTHERAPIE", HOME_VISIT_APTITUDE, "KINE_ETP"]


@pytest.mark.parametrize("profession", [None, "60"])
def test_other_units_keep_their_flag_alone(profession):
    assert home_visit_fact(profession, ["KINE_HAD"], True) == (["KINE_HAD"], True)
    assert home_visit_fact(profession, [HOME_VISIT_APTITUDE], False) == ([HOME_VISIT_APTITUDE], False)


def test_a_sheet_sending_only_the_aptitude_says_it_visits_at_home():
    full = UnitSheetSchema().load({"revision": 1, "aptitudes": [HOME_VISIT_APTITUDE], "home_visit_communes": [VERSAILLES]})
    partial = UnitSheetSchema().load({"revision": 1, "aptitudes": [HOME_VISIT_APTITUDE]}, partial=True)
    answered_no = UnitSheetSchema().load({"revision": 1, "aptitudes": [HOME_VISIT_APTITUDE], "home_visit": "non"})

    assert (full["home_visit"], full["home_visit_communes"]) == (True, [VERSAILLES])
    assert partial["home_visit"] is True
    assert answered_no["home_visit"] is False     # the answer given wins (the store then drops the aptitude)


# --- the store ------------------------------------------------------------------------------

def _store_with_units(path) -> Store:
    store = open_store(path)
    with store.transaction() as conn:
        repository.upsert_legal_entity(conn, "EJ-1", "Cabinet", "practitioner")
        repository.upsert_establishment(conn, {
            "id": "EG-1", "ej_id": "EJ-1", "name": "Cabinet du Parc", "category": "LIBERAL", "sector": None,
            "address": "", "postal_code": "78000", "insee": VERSAILLES, "lat": 48.80, "lon": 2.13,
            "phone": None, "source": "catalog"}, "test")
        repository.insert_units(conn, [
            dict(id="UO-K", eg_id="EG-1", uo_type="CONSULT_KINE", name="Consultation kinésithérapie",
                 profession=PHYSIO, aptitudes=["KINE_REEDUC_RACHIS"]),
            dict(id="UO-HAD", eg_id="EG-1", uo_type="HAD", name="HAD", profession=None,
                 aptitudes=["KINE_HAD"], home_visit=True, home_visit_communes=[VERSAILLES]),
        ])
    return store


def test_saving_a_physio_sheet_with_the_flag_ticks_and_unticks_the_aptitude(settings, tmp_path):
    store = _store_with_units(fresh_location(settings, tmp_path))
    with store.transaction() as conn:
        on = repository.update_unit(conn, "UO-K", {"home_visit": True, "home_visit_communes": [VERSAILLES]}, actor="test")
        off = repository.update_unit(conn, "UO-K", {"aptitudes": ["KINE_REEDUC_RACHIS", HOME_VISIT_APTITUDE],
                                                    "home_visit": False, "home_visit_communes": []}, actor="test")
    assert (on["aptitudes"], on["home_visit"]) == (["KINE_REEDUC_RACHIS", HOME_VISIT_APTITUDE], True)
    assert (off["aptitudes"], off["home_visit"]) == (["KINE_REEDUC_RACHIS"], False)


def test_saving_only_the_aptitude_sets_the_flag_and_the_flag_keeps_it(settings, tmp_path):
    store = _store_with_units(fresh_location(settings, tmp_path))
    with store.transaction() as conn:
        ticked = repository.update_unit(conn, "UO-K", {"aptitudes": [HOME_VISIT_APTITUDE]}, actor="test")
        # The flag is the source: unticking only the aptitude does not stop the home visits.
        unticked = repository.update_unit(conn, "UO-K", {"aptitudes": ["KINE_REEDUC_RACHIS"]}, actor="test")
    assert (ticked["aptitudes"], ticked["home_visit"]) == ([HOME_VISIT_APTITUDE], True)
    assert (unticked["aptitudes"], unticked["home_visit"]) == (["KINE_REEDUC_RACHIS", HOME_VISIT_APTITUDE], True)


def test_a_home_care_unit_keeps_its_flag_without_the_aptitude(settings, tmp_path):
    store = _store_with_units(fresh_location(settings, tmp_path))
    with store.transaction() as conn:
        unit = repository.update_unit(conn, "UO-HAD", {"comments": "Sur prescription."}, actor="test")
    assert (unit["aptitudes"], unit["home_visit"]) == (["KINE_HAD"], True)


def test_migration_makes_existing_physio_rows_agree_and_queues_them(settings, tmp_path):
    store = Store(fresh_location(settings, tmp_path))
    assert store.migrate(upto=2) == 2
    with store.transaction() as conn:
        repository.upsert_legal_entity(conn, "EJ-1", "Cabinet", "practitioner")
        repository.upsert_establishment(conn, {
            "id": "EG-1", "ej_id": "EJ-1", "name": "Cabinet", "category": "LIBERAL", "sector": None, "address": "",
            "postal_code": "78000", "insee": VERSAILLES, "lat": 48.80, "lon": 2.13, "phone": None,
            "source": "catalog"}, "test")
        rows = [  # id, profession, aptitudes, home_visit: as rows written before the rule
            ("UO-FLAG", PHYSIO, ["KINE_ETP", "KINE_BALNEOTHERAPIE"], 1),
            ("UO-APT", PHYSIO, [HOME_VISIT_APTITUDE], 0),
            ("UO-BOTH", PHYSIO, [HOME_VISIT_APTITUDE], 1),
            ("UO-NONE", PHYSIO, ["KINE_REEDUC_RACHIS"], 0),
            ("UO-SSIAD", "60", ["KINE_REEDUC_PERSONNE_AGEE"], 1),
        ]
        conn.executemany(
            "INSERT INTO units (id, eg_id, uo_type, name, profession, aptitudes, home_visit, updated_at) "
            "VALUES (?, 'EG-1', 'CONSULT_KINE', 'Consultation', ?, ?, ?, 'then')",
            [(i, p, json.dumps(a), h) for i, p, a, h in rows])

    assert store.migrate() >= 3

    with store.snapshot() as conn:
        units = {i: repository.get_unit(conn, i) for i, *_ in rows}
        queued = {r["unit_id"]: r["revision"] for r in conn.execute("SELECT unit_id, revision FROM outbox")}
        audited = {(r["target_id"], r["field"]) for r in conn.execute("SELECT target_id, field FROM audit_log")}
    state = {i: (u["aptitudes"], u["home_visit"], u["revision"]) for i, u in units.items()}
    assert state == {
        "UO-FLAG": (["KINE_BALNEOTHERAPIE", HOME_VISIT_APTITUDE, "KINE_ETP"], True, 2),
        "UO-APT": ([HOME_VISIT_APTITUDE], True, 2),
        "UO-BOTH": ([HOME_VISIT_APTITUDE], True, 1),
        "UO-NONE": (["KINE_REEDUC_RACHIS"], False, 1),
        "UO-SSIAD": (["KINE_REEDUC_PERSONNE_AGEE"], True, 1),
    }
    assert queued == {"UO-FLAG": 2, "UO-APT": 2}
    assert audited == {("UO-FLAG", "aptitudes"), ("UO-APT", "home_visit")}


# --- the search -----------------------------------------------------------------------------

@pytest.fixture
def api(settings, indexed_offer):
    return create_app(settings, clock=fixed_clock(MONDAY_10H)).test_client()


def _units(body) -> dict:
    return {u["id"]: u for r in body["results"] for u in r["units"]}


def test_a_unit_visiting_the_searched_commune_says_so_inside_the_radius_too(api):
    units = _units(api.get(f"/api/v1/search?where={VERSAILLES}&radius_km=10&per_page=50").get_json())
    # UO-B (Versailles) visits Versailles and is near; UO-D (Rambouillet) visits it from afar.
    assert (units["UO-B"]["match"], units["UO-B"]["visits_searched_commune"]) == ("nearby", True)
    assert (units["UO-D"]["match"], units["UO-D"]["visits_searched_commune"]) == ("home_visit", True)
    assert (units["UO-A"]["match"], units["UO-A"]["visits_searched_commune"]) == ("nearby", False)
    chesnay = _units(api.get(f"/api/v1/search?where={LE_CHESNAY}&radius_km=10&per_page=50").get_json())
    assert chesnay["UO-B"]["visits_searched_commune"] is True and chesnay["UO-A"]["visits_searched_commune"] is False
    assert "UO-D" not in chesnay    # visits Versailles and Rambouillet only
    around_point = _units(api.get("/api/v1/search?where=48.80,2.13&radius_km=10&per_page=50").get_json())
    assert around_point["UO-B"]["visits_searched_commune"] is False    # no commune searched


def test_results_page_tags_each_unit_visiting_the_searched_commune(api):
    html = api.get(f"/recherche?where={VERSAILLES}&radius_km=10").get_data(as_text=True)
    tagged = {row.split('"', 1)[0] for row in html.split('<tr data-unit="')[1:]
              if "Intervient à domicile dans votre commune" in row.split("</tr>", 1)[0]}
    assert tagged == {"UO-B", "UO-D"}


def test_demo_data_home_visit_facet_aptitude_and_free_text_give_the_same_units(demo_index):
    api = create_app(demo_index, clock=fixed_clock(MONDAY_10H)).test_client()
    for where in (f"where={VERSAILLES}", "where=75115", "where=48.85,2.35&radius_km=30"):
        base = f"/api/v1/search?{where}&per_page=100"
        by_facet = api.get(base + "&home_visit=true").get_json()
        by_aptitude = api.get(base + f"&aptitude={HOME_VISIT_APTITUDE}").get_json()
        everything = api.get(base).get_json()
        assert by_facet["total_units"] == by_aptitude["total_units"] > 0, where
        assert _units(by_facet).keys() == _units(by_aptitude).keys()
        # The third reading: the words typed as free text, in « Quoi ? » or as a phrase.
        for typed in ("&what=domicile", "&q=%C3%A0%20domicile", "&what=se%20d%C3%A9place"):
            by_text = api.get(base + typed).get_json()
            assert by_text["total_units"] == by_facet["total_units"], (where, typed)
            assert _units(by_text).keys() == _units(by_facet).keys()
        facet = {v["value"]: v["count"] for v in everything["facets"]["home_visit"]}
        aptitude = {v["value"]: v["count"] for v in everything["facets"]["aptitude"]}
        assert facet[True] == aptitude[HOME_VISIT_APTITUDE] == by_facet["total_units"]


def test_demo_store_physio_units_carry_the_aptitude_iff_the_flag(demo_index):
    with Store(demo_index.store_location).snapshot() as conn:
        rows = conn.execute("SELECT profession, aptitudes, home_visit FROM units").fetchall()
    agreement = Counter((r["profession"] == PHYSIO, (HOME_VISIT_APTITUDE in json.loads(r["aptitudes"])) == bool(r["home_visit"]))
                        for r in rows)
    assert agreement[(True, False)] == 0 and agreement[(True, True)] > 1000
    assert agreement[(False, False)] == 0      # the demo's HAD and SSIAD say it both ways too

"""Places and free text through GET /api/v1/search and /suggest, against the real engine.

A phrase must find exactly what the same facets find: each test asks both and
compares the units. Paris as a whole, departments, postal codes and the readings
of five digits run on a small data set of this module (Paris, Hauts-de-Seine,
Essonne); the guide's phrase runs on the shared offer of tests/offer_fixture.py.
"""
from __future__ import annotations

import dataclasses

import pytest

from catalog import repository
from catalog.communes import communes
from catalog.store import open_store
from indexer.reindex import reindex
from query_api import create_app
from query_api.search.places import haversine_km
from tests.world import fixed_clock

MONDAY_10H = "2026-11-30T10:00:00+01:00"
WEEK = {day: [(8 * 60, 20 * 60)] for day in range(1, 6)}
VEST, RACHIS, SPORT, BRONCHIO = ("KINE_REEDUC_VESTIBULAIRE", "KINE_REEDUC_RACHIS", "KINE_SPORT",
                                 "KINE_REEDUC_PNEUMO_PEDIATRIQUE")

ESTABLISHMENTS = [
    # id, name, category, insee, lat, lon
    ("EG-P13", "Cabinet Tolbiac", "LIBERAL", "75113", 48.8260, 2.3570),
    ("EG-P15", "Cabinet Convention", "LIBERAL", "75115", 48.8380, 2.2960),
    ("EG-P20", "Cabinet Gambetta", "LIBERAL", "75120", 48.8650, 2.3980),
    ("EG-PHOSP", "Hôpital de la Salpêtrière (test)", "ETABLISSEMENT", "75113", 48.8380, 2.3650),
    ("EG-BOUL", "Cabinet Billancourt", "LIBERAL", "92012", 48.8352, 2.2410),
    ("EG-NANT", "Cabinet de la Défense", "LIBERAL", "92050", 48.8924, 2.2071),
    ("EG-ATHIS", "Cabinet de l'Orge", "LIBERAL", "91027", 48.7090, 2.3890),
    ("EG-DOUR", "Cabinet du Château", "LIBERAL", "91200", 48.5290, 2.0110),
]


def _unit(uid, eg, aptitudes, ages=(0, 120), profession="70", uo_type="CONSULT_KINE", **more):
    return dict(id=uid, eg_id=eg, uo_type=uo_type, name="Consultation kinésithérapie", profession=profession,
                aptitudes=aptitudes, age_min=ages[0], age_max=ages[1], week=WEEK, **more)


UNITS = [
    _unit("U-P13", "EG-P13", [VEST]),
    _unit("U-P15", "EG-P15", [RACHIS], ages=(18, 120)),
    _unit("U-P20", "EG-P20", [BRONCHIO], ages=(0, 17)),
    _unit("U-PHOSP", "EG-PHOSP", [VEST], profession=None, uo_type="PLATEAU_REEDUC"),
    # Outside Paris (~8.5 km from its centre), visits patients at home in the 16e.
    _unit("U-BOUL", "EG-BOUL", [VEST], home_visit=True, home_visit_communes=["92012", "75116"]),
    _unit("U-NANT", "EG-NANT", [SPORT], ages=(18, 120), comments="Lombalgies et sciatique du sportif"),
    _unit("U-ATHIS", "EG-ATHIS", [VEST], ages=(0, 17)),
    _unit("U-DOUR", "EG-DOUR", [RACHIS]),
]
EG = {eg_id: dict(insee=insee, lat=lat, lon=lon) for eg_id, _, _, insee, lat, lon in ESTABLISHMENTS}




@pytest.fixture(scope="module")
def places_api(settings, search, tmp_path_factory):
    """This module's data set in its own indexes and store; a client with a Monday-10h clock."""
    mine = dataclasses.replace(settings, index_prefix=f"{settings.index_prefix}-places",
                               store_path=str(tmp_path_factory.mktemp("places") / "store.sqlite3"))
    store = open_store(mine.store_path)
    with store.transaction() as conn:
        for eg_id, name, category, insee, lat, lon in ESTABLISHMENTS:
            ej_id = "EJ-" + eg_id[3:]
            repository.upsert_legal_entity(conn, ej_id, name, "practitioner")
            repository.upsert_establishment(conn, {
                "id": eg_id, "ej_id": ej_id, "name": name, "category": category, "sector": None,
                "address": "1 rue de l'Exemple", "postal_code": "", "insee": insee, "lat": lat, "lon": lon,
                "phone": None, "source": "catalog"}, "fixture")
        repository.insert_units(conn, UNITS)
    reindex(store, search, mine, progress=False, grace_seconds=0)
    return create_app(mine, clock=fixed_clock(MONDAY_10H)).test_client()


@pytest.fixture
def offer_api(settings, indexed_offer):
    return create_app(settings, clock=fixed_clock(MONDAY_10H)).test_client()


def get_json(client, url, params=None, status=200):
    response = client.get(url, query_string=params)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def unit_ids(body) -> set[str]:
    return {u["id"] for r in body["results"] for u in r["units"]}


def same_as_facets(client, phrase_params: dict, facet_params: dict) -> dict:
    """Ask for the phrase and for the facets: both must find the same units."""
    by_phrase = get_json(client, "/api/v1/search", {**phrase_params, "per_page": 100})
    by_facets = get_json(client, "/api/v1/search", {**facet_params, "per_page": 100})
    assert unit_ids(by_phrase) == unit_ids(by_facets)
    assert (by_phrase["total_units"], by_phrase["total_establishments"]) == \
        (by_facets["total_units"], by_facets["total_establishments"])
    return by_phrase


# --- the guide's phrase, on the shared offer ------------------------------------------------

def test_q_alone_reads_place_aptitude_patients_and_home_visit(offer_api):
    body = same_as_facets(
        offer_api, {"q": "kiné vestibulaire enfant à domicile Versailles"},
        {"where": "78646", "aptitude": VEST, "age": "E", "home_visit": "true"})
    assert body["understood"] == {
        "place": {"type": "commune", "id": "78646", "label": "Versailles (78000)"},
        "aptitudes": [VEST], "patients": ["E"], "home_visit": True, "open_now": False,
        "profession": None, "text": "", "notes": []}
    assert body["origin"]["label"] == "Versailles (78000)"
    assert unit_ids(body) == {"UO-D"}      # Rambouillet, vestibular, children, visits Versailles at home


def test_phrase_in_what_with_a_commune_gives_what_the_facets_give(offer_api):
    body = same_as_facets(offer_api, {"what": "vestibulaire enfant domicile", "where": "78646"},
                          {"where": "78646", "aptitude": VEST, "age": "E", "home_visit": "true"})
    assert body["total_units"] > 0


def test_open_now_in_a_phrase_is_the_open_now_filter(offer_api):
    body = same_as_facets(offer_api, {"q": "ouvert maintenant", "where": "78646", "radius_km": "30"},
                          {"where": "78646", "radius_km": "30", "open_now": "true"})
    assert body["understood"]["open_now"] is True
    assert body["total_units"] > 0
    assert all(u["open_now"] for r in body["results"] for u in r["units"])


def test_facet_counts_are_those_of_the_recognised_filters(offer_api):
    by_phrase = get_json(offer_api, "/api/v1/search", {"what": "vestibulaire", "where": "78646"})
    by_facets = get_json(offer_api, "/api/v1/search", {"aptitude": VEST, "where": "78646"})
    assert by_phrase["facets"]["age"] == by_facets["facets"]["age"]


def test_without_free_text_nothing_is_understood(offer_api):
    assert get_json(offer_api, "/api/v1/search", {"where": "78646"})["understood"] is None


# --- Paris, departments, postal codes ----------------------------------------------------------

def test_paris_as_a_whole_city(places_api):
    body = get_json(places_api, "/api/v1/search", {"where": "75056", "per_page": 100})
    assert body["origin"] == {"label": "Paris", "lat": pytest.approx(48.8566), "lon": pytest.approx(2.3522)}
    assert body["radius_km"] == pytest.approx(6.0)
    near = {uid for uid in (u["id"] for u in UNITS)
            if haversine_km(48.8566, 2.3522, EG[next(u for u in UNITS if u["id"] == uid)["eg_id"]]["lat"],
                            EG[next(u for u in UNITS if u["id"] == uid)["eg_id"]]["lon"]) <= 6.0}
    assert near == {"U-P13", "U-P15", "U-P20", "U-PHOSP"}
    assert unit_ids(body) == near | {"U-BOUL"}           # Boulogne visits the 16e at home
    boulogne = next(u for r in body["results"] for u in r["units"] if u["id"] == "U-BOUL")
    assert boulogne["match"] == "home_visit"
    communes_facet = {v["value"]: v["label"] for v in body["facets"]["commune"]}
    assert communes_facet["75113"] == "Paris 13e Arrondissement (75013)"
    assert {"75113", "75115", "75120"} <= set(communes_facet)


def test_paris_typed_in_a_phrase_is_the_same_place(places_api):
    body = same_as_facets(places_api, {"q": "vestibulaire Paris"}, {"where": "75056", "aptitude": VEST})
    assert body["understood"]["place"] == {"type": "commune", "id": "75056", "label": "Paris"}
    assert unit_ids(body) == {"U-P13", "U-PHOSP", "U-BOUL"}


@pytest.mark.parametrize("phrase", ["rachis paris 15e", "rachis Paris 15", "rachis 75015", "rachis 15e arrondissement"])
def test_an_arrondissement_in_a_phrase(places_api, phrase):
    body = same_as_facets(places_api, {"q": phrase}, {"where": "75115", "aptitude": RACHIS})
    assert body["understood"]["place"]["id"] == "75115"
    assert "U-P15" in unit_ids(body)


def test_a_department_where_is_the_department_filter_without_origin(places_api):
    body = get_json(places_api, "/api/v1/search", {"where": "dep:92", "per_page": 100})
    assert body["origin"] is None and body["sort"] == "relevance"
    assert unit_ids(body) == {"U-BOUL", "U-NANT"}
    assert [v for v in body["facets"]["department"] if v["selected"]] == [
        {"value": "92", "label": "Hauts-de-Seine (92)", "count": 2, "selected": True}]


@pytest.mark.parametrize("phrase", ["sport Hauts-de-Seine", "sport 92", "sportif hauts de seine"])
def test_a_department_in_a_phrase(places_api, phrase):
    body = same_as_facets(places_api, {"q": phrase}, {"department": "92", "aptitude": SPORT})
    assert body["understood"]["place"] == {"type": "department", "id": "92", "label": "Hauts-de-Seine (92)"}
    assert body["origin"] is None
    assert unit_ids(body) == {"U-NANT"}


def test_five_digits_in_a_phrase_are_a_postal_code_and_the_insee_reading_is_named(places_api):
    body = same_as_facets(places_api, {"q": "vestibulaire 91200"}, {"where": "91027", "aptitude": VEST})
    assert body["understood"]["place"]["id"] == "91027"             # Athis-Mons (91200)
    assert any("Dourdan" in note for note in body["understood"]["notes"])
    assert "U-ATHIS" in unit_ids(body)


def test_five_digits_take_the_reading_that_has_results(places_api):
    # Nothing for the spine around Athis-Mons (postal code 91200); Dourdan (INSEE 91200) has one.
    assert get_json(places_api, "/api/v1/search", {"where": "91027", "aptitude": RACHIS})["total_units"] == 0
    body = same_as_facets(places_api, {"q": "rachis 91200"}, {"where": "91200", "aptitude": RACHIS})
    assert body["understood"]["place"]["id"] == "91200"
    assert unit_ids(body) == {"U-DOUR"}
    assert body["understood"]["notes"]


def test_a_reading_that_finds_something_is_searched_once_and_only_a_fallback_is_counted(places_api, monkeypatch):
    """The first reading's search answers the request: no count before it. A count is made only
    for another reading, when the first finds nothing."""
    from query_api.search import execute

    counted = []
    count = execute.count
    monkeypatch.setattr(execute, "count", lambda client, index, request, clock: counted.append(request)
                        or count(client, index, request, clock))
    body = get_json(places_api, "/api/v1/search", {"q": "vestibulaire 91200"})
    assert body["understood"]["place"]["id"] == "91027" and "U-ATHIS" in unit_ids(body)
    assert counted == []
    body = get_json(places_api, "/api/v1/search", {"q": "rachis 91200"})
    assert body["understood"]["place"]["id"] == "91200" and unit_ids(body) == {"U-DOUR"}
    assert len(counted) == 1


def test_a_lay_word_without_the_aptitude_around_is_searched_as_text(places_api):
    # « sciatique » names spine rehab, which nobody offers in the Hauts-de-Seine; a comment says it.
    assert get_json(places_api, "/api/v1/search", {"department": "92", "aptitude": RACHIS})["total_units"] == 0
    body = get_json(places_api, "/api/v1/search", {"q": "sciatique 92"})
    assert unit_ids(body) == {"U-NANT"}
    assert body["understood"]["aptitudes"] == [] and body["understood"]["text"] == "sciatique"
    assert "sciatique" in body["understood"]["notes"][0]


def test_a_where_of_five_digits_stays_an_insee_code(places_api):
    body = get_json(places_api, "/api/v1/search", {"where": "91200"})
    assert body["origin"]["label"] == communes()["91200"].label      # Dourdan


def test_kine_with_a_kine_aptitude_keeps_the_hospital_units(places_api):
    body = same_as_facets(places_api, {"q": "kiné vestibulaire paris"}, {"where": "75056", "aptitude": VEST})
    assert "U-PHOSP" in unit_ids(body)
    alone = same_as_facets(places_api, {"q": "kiné paris"}, {"where": "75056", "profession": "70"})
    assert alone["understood"]["profession"] == "70"
    assert "U-PHOSP" not in unit_ids(alone)


def test_typos_are_corrected_on_places_and_aptitudes(places_api):
    body = same_as_facets(places_api, {"q": "rééducation vestibulère Boulogne-Billancour"},
                          {"where": "92012", "aptitude": VEST})
    assert body["understood"]["place"]["id"] == "92012"
    assert body["understood"]["aptitudes"] == [VEST]
    notes = " ".join(body["understood"]["notes"])
    assert "vestibulère" in notes and "Boulogne-Billancourt" in notes
    assert "U-BOUL" in unit_ids(body)


def test_the_rest_of_a_phrase_stays_text(places_api):
    body = get_json(places_api, "/api/v1/search", {"q": "Cabinet Convention paris"})
    assert body["understood"]["text"] == "Cabinet Convention"
    assert unit_ids(body) == {"U-P15"}


@pytest.mark.parametrize("where", ["dep:99", "cp:13001", "75000", "dep:9"])
def test_unknown_departments_and_postal_codes_are_a_400(places_api, where):
    body = get_json(places_api, "/api/v1/search", {"where": where}, status=400)
    assert body["error"]["field"] == "where"


# --- suggestions -------------------------------------------------------------------------------

def first_where(client, typed):
    return get_json(client, "/api/v1/suggest", {"field": "where", "q": typed})["suggestions"][0]


@pytest.mark.parametrize("typed, where", [
    ("par", "75056"), ("paris", "75056"), ("Paris 13", "75113"), ("paris 13e", "75113"),
    ("13e arrondissement", "75113"), ("75013", "75113"), ("boulogne b", "92012"), ("Boulogne-Billancour", "92012"),
    ("st denis", "93066"), ("91200", "91027"), ("Hauts-de-Seine", "dep:92"),
])
def test_where_suggestions_put_the_place_named_first(places_api, typed, where):
    assert first_where(places_api, typed)["id"] == where


def test_paris_is_suggested_first_by_the_engine_too(places_api, search, settings):
    from indexer.engine import SUGGEST, alias_name
    from query_api.search.queries import suggest_body

    hits = search.search(index=alias_name(dataclasses.replace(settings, index_prefix=f"{settings.index_prefix}-places"),
                                          SUGGEST), body=suggest_body("where", "paris", None, 5))["hits"]["hits"]
    assert hits[0]["_source"]["code"] == "75056"


@pytest.mark.parametrize("typed", ["bronchio", "nourriss"])
def test_what_suggestions_know_lay_words(places_api, typed):
    labels = [s["label"] for s in get_json(places_api, "/api/v1/suggest", {"field": "what", "q": typed})["suggestions"]]
    assert "Rééducation pédiatrique pneumologique" in labels

"""GET /api/v1/search against the real engine, on the hand-made offer with known answers."""
from __future__ import annotations

import pytest

from catalog.communes import communes
from query_api import create_app
from query_api.search.places import haversine_km
from tests import offer_fixture
from tests.world import fixed_clock

pytestmark = pytest.mark.both_stores   # runs on SQLite and on PostgreSQL (tests/conftest.py)

# Monday 30 November 2026, 10:00 in Paris (UTC+1).
MONDAY_10H = "2026-11-30T10:00:00+01:00"




EG = {eg_id: dict(name=name, category=cat, insee=insee, lat=lat, lon=lon)
      for eg_id, name, cat, insee, lat, lon in offer_fixture.ESTABLISHMENTS}


def expected_units(insee: str, radius_km: float, keep=lambda unit: True):
    """Brute force over the fixture: near the commune or visiting it at home."""
    town = communes()[insee]
    found = []
    for unit in offer_fixture.UNITS:
        eg = EG[unit["eg_id"]]
        near = haversine_km(town.lat, town.lon, eg["lat"], eg["lon"]) <= radius_km
        visits = unit.get("home_visit") and insee in unit.get("home_visit_communes", [])
        if (near or visits) and keep(unit):
            found.append(unit)
    return found


@pytest.fixture
def api(settings, indexed_offer):
    def make(at=MONDAY_10H):
        return create_app(settings, clock=fixed_clock(at)).test_client()
    return make


def get_json(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def test_search_sorts_establishments_by_distance_from_commune(api):
    body = get_json(api(), "/api/v1/search?where=78646&radius_km=30&per_page=50")
    versailles = communes()["78646"]
    got = [r["establishment"]["id"] for r in body["results"]]
    distances = {eg_id: haversine_km(versailles.lat, versailles.lon, eg["lat"], eg["lon"]) for eg_id, eg in EG.items()}
    assert got == sorted(got, key=distances.get)
    for result in body["results"]:
        assert result["establishment"]["distance_km"] == pytest.approx(distances[result["establishment"]["id"]], abs=0.05)
        for unit in result["units"]:
            assert unit["distance_km"] == pytest.approx(distances[result["establishment"]["id"]], abs=0.05)
    assert body["origin"]["label"] == "Versailles (78000)"
    assert body["sort"] == "distance"


def test_totals_are_exact_and_units_are_grouped_by_establishment(api):
    body = get_json(api(), "/api/v1/search?where=78646&radius_km=30&per_page=50")
    expected = expected_units("78646", 30)
    assert body["total_units"] == len(expected)
    assert body["total_establishments"] == len({u["eg_id"] for u in expected})
    hospital = next(r for r in body["results"] if r["establishment"]["id"] == "EG-HOSP")
    assert hospital["units_total"] == 3
    assert sorted(u["id"] for u in hospital["units"]) == ["UO-H1", "UO-H2", "UO-H3"]


def test_physio_far_away_who_visits_the_commune_is_returned_as_home_visit(api):
    body = get_json(api(), "/api/v1/search?where=78646&radius_km=10")
    units = {u["id"]: u for r in body["results"] for u in r["units"]}
    rambouillet = EG["EG-RAMB"]
    versailles = communes()["78646"]
    assert haversine_km(versailles.lat, versailles.lon, rambouillet["lat"], rambouillet["lon"]) > 15
    assert units["UO-D"]["match"] == "home_visit"
    assert units["UO-A"]["match"] == "nearby"
    assert "UO-F" not in units  # Évry: neither near nor visiting


def test_aptitude_code_and_free_text_find_vestibular_rehab(api):
    by_code = get_json(api(), "/api/v1/search?where=78646&radius_km=30&what=KINE_REEDUC_VESTIBULAIRE")
    by_text = get_json(api(), "/api/v1/search?where=78646&radius_km=30&what=r%C3%A9%C3%A9ducation%20vestib")
    expected = {u["id"] for u in expected_units("78646", 30, lambda u: "KINE_REEDUC_VESTIBULAIRE" in u["aptitudes"])}
    for body in (by_code, by_text):
        assert {u["id"] for r in body["results"] for u in r["units"]} == expected


def test_category_restricts_to_health_establishments(api):
    body = get_json(api(), "/api/v1/search?where=78646&radius_km=30&category=ETABLISSEMENT")
    assert [r["establishment"]["id"] for r in body["results"]] == ["EG-HOSP"]


@pytest.mark.parametrize("selection, keep", [
    ("&age=E", lambda u: u.get("age_min") is not None and u["age_min"] < 18),
    ("&aptitude=KINE_REEDUC_VESTIBULAIRE&aptitude=KINE_LYMPHOEDEMES",
     lambda u: {"KINE_REEDUC_VESTIBULAIRE", "KINE_LYMPHOEDEMES"} & set(u["aptitudes"])),
    ("&home_visit=true", lambda u: bool(u.get("home_visit"))),
    ("&age=A&aptitude=KINE_REEDUC_RACHIS", lambda u: (u.get("age_max") or 0) >= 18 and "KINE_REEDUC_RACHIS" in u["aptitudes"]),
])
def test_facet_selection_filters_units_like_a_brute_force_count(api, selection, keep):
    body = get_json(api(), "/api/v1/search?where=78646&radius_km=30&per_page=50" + selection)
    expected = expected_units("78646", 30, keep)
    assert body["total_units"] == len(expected)
    assert {u["id"] for r in body["results"] for u in r["units"]} == {u["id"] for u in expected}


def test_facet_counts_ignore_their_own_selection_and_honour_the_others(api):
    body = get_json(api(), "/api/v1/search?where=78646&radius_km=30&age=E&aptitude=KINE_LYMPHOEDEMES")
    facets = body["facets"]
    children = lambda u: u.get("age_min") is not None and u["age_min"] < 18  # noqa: E731
    # Aptitude counts: every unit for children (the age selection), any aptitude.
    pool = expected_units("78646", 30, children)
    for value in facets["aptitude"]:
        assert value["count"] == sum(value["value"] in u["aptitudes"] for u in pool), value
    lymph = next(v for v in facets["aptitude"] if v["value"] == "KINE_LYMPHOEDEMES")
    assert lymph["selected"] is True
    # Age counts: every lymphoedema unit, any age.
    pool = expected_units("78646", 30, lambda u: "KINE_LYMPHOEDEMES" in u["aptitudes"])
    ages = {v["value"]: v["count"] for v in facets["age"]}
    assert ages.get("E", 0) == sum(children(u) for u in pool)
    assert ages.get("A", 0) == sum((u.get("age_max") or -1) >= 18 for u in pool)


def test_selected_facet_value_without_results_is_still_listed(api):
    body = get_json(api(), "/api/v1/search?where=78646&radius_km=30&aptitude=KINE_OSTEOPATHIE_NOUVEAU_NE")
    value = next(v for v in body["facets"]["aptitude"] if v["value"] == "KINE_OSTEOPATHIE_NOUVEAU_NE")
    assert value == {"value": "KINE_OSTEOPATHIE_NOUVEAU_NE", "label": value["label"], "count": 0,
                     "selected": True, "group": value["group"]}
    assert body["total_units"] == 0


def _open_units(client, extra=""):
    body = get_json(client, "/api/v1/search?where=78646&radius_km=30&per_page=50&open_now=true" + extra)
    return {u["id"] for r in body["results"] for u in r["units"]}


def test_open_now_follows_the_typical_week_at_the_minute(api):
    # UO-A: Monday 9h-12h.
    assert "UO-A" not in _open_units(api("2026-11-30T08:59:00+01:00"))
    assert "UO-A" in _open_units(api("2026-11-30T09:00:00+01:00"))
    assert "UO-A" not in _open_units(api("2026-11-30T12:00:00+01:00"))


def test_open_now_uses_paris_wall_clock_across_dst_change(api):
    # Monday 30 March 2026, day after the switch to summer time: 09:00 Paris = 07:00 UTC.
    assert "UO-A" in _open_units(api("2026-03-30T07:00:00+00:00"))
    assert "UO-A" not in _open_units(api("2026-03-30T06:59:00+00:00"))


def test_fourteenth_of_july_is_closed_unless_declared(api):
    # Tuesday 14 July 2026, 10:00: weekday hours do not apply on a public holiday.
    open_units = _open_units(api("2026-07-14T10:00:00+02:00"))
    assert "UO-C" not in open_units
    assert "UO-B" not in open_units
    assert "UO-H1" in open_units  # declared open on public holidays


def test_open_now_flag_on_units_matches_the_filter(api):
    client = api("2026-11-30T10:00:00+01:00")
    body = get_json(client, "/api/v1/search?where=78646&radius_km=30&per_page=50")
    flagged = {u["id"] for r in body["results"] for u in r["units"] if u["open_now"]}
    assert flagged == _open_units(client)
    facet = {v["value"]: v["count"] for v in body["facets"]["open_now"]}
    assert facet[True] == len(flagged)


def test_travel_time_grows_with_distance_within_a_zone():
    from query_api.search.travel import travel_minutes

    for zone in ("paris", "inner", "outer"):
        times = [travel_minutes(km / 2, zone) for km in range(0, 60)]
        assert times == sorted(times)
    assert travel_minutes(10, "paris") > travel_minutes(10, "outer")


def test_relevance_sort_still_reports_distances(api):
    body = get_json(api(), "/api/v1/search?where=78646&radius_km=30&what=vestibulaire&sort=relevance")
    assert body["sort"] == "relevance"
    assert all(u["distance_km"] is not None for r in body["results"] for u in r["units"])


@pytest.mark.parametrize("query, field", [
    ("where=123.0,2.3", "where"),
    ("where=nowhere", "where"),
    ("per_page=0", "per_page"),
    ("per_page=101", "per_page"),
    ("aptitude=KINE_DOES_NOT_EXIST", "aptitude"),
    ("sort=cheapest", "sort"),
    ("page=600&per_page=20", "page"),
])
def test_bad_parameters_get_a_400_naming_the_parameter(api, query, field):
    body = get_json(api(), f"/api/v1/search?{query}", status=400)
    assert body["error"]["field"] == field
    assert body["error"]["message"]


def test_deep_page_error_suggests_the_export(api):
    body = get_json(api(), "/api/v1/search?where=78646&page=600&per_page=20", status=400)
    assert "Excel" in body["error"]["message"]


def test_distance_sort_without_a_place_falls_back_to_relevance(api):
    # Every parameter is valid on its own (the OpenAPI document cannot tie « sort » to « where »): no 400.
    body = get_json(api(), "/api/v1/search?what=vestibulaire&sort=distance")
    assert body["sort"] == "relevance"
    assert body["total_units"] > 0

"""GET /api/v1/units/<id> and /establishments/<id>: full sheets, empty fields hidden."""
from __future__ import annotations

import pytest

from query_api import create_app
from tests.world import fixed_clock

pytestmark = pytest.mark.both_stores   # runs on SQLite and on PostgreSQL (tests/conftest.py)


@pytest.fixture
def api(settings, indexed_offer):
    return create_app(settings, clock=fixed_clock("2026-11-30T10:00:00+01:00")).test_client()


def test_unit_sheet_shows_filled_fields_grouped_aptitudes_and_week(api):
    response = api.get("/api/v1/units/UO-B")
    assert response.status_code == 200
    sheet = response.get_json()
    assert sheet["establishment"]["name"] == "Cabinet de kinésithérapie des Chantiers"
    assert sheet["establishment"]["commune"] == "Versailles"
    groups = {g["group"]: [i["code"] for i in g["items"]] for g in sheet["aptitudes"]}
    assert groups["Activité de rééducation"] == ["KINE_REEDUC_RACHIS"]
    assert [c["label"] for c in sheet["home_visit_communes"]] == ["Versailles (78000)", "Le Chesnay-Rocquencourt (78150)"]
    assert sheet["week"][0] == {"day": 1, "label": "lundi", "hours": "8h-20h"}
    assert sheet["patients"] == {"age_min": 18, "age_max": 120, "flags": ["A"]}
    assert sheet["open_now"] is True


def test_empty_fields_are_left_out_of_a_sheet(api):
    sheet = api.get("/api/v1/units/UO-C").get_json()
    for hidden in ("phone", "comments", "home_visit_communes", "practitioner", "aptitudes"):
        assert hidden not in sheet
    assert sheet["generalist"] is True


def test_direct_contacts_are_hidden_from_anonymous_visitors(api):
    sheet = api.get("/api/v1/units/UO-A").get_json()
    assert "mobile" not in sheet and "resource_persons" not in sheet
    assert sheet["phone"] == "01 39 00 00 01"


def test_establishment_sheet_lists_its_units(api):
    sheet = api.get("/api/v1/establishments/EG-HOSP").get_json()
    assert sheet["category"]["code"] == "ETABLISSEMENT"
    assert sorted(u["id"] for u in sheet["units"]) == ["UO-H1", "UO-H2", "UO-H3"]


@pytest.mark.parametrize("url", ["/api/v1/units/UO-NOPE", "/api/v1/establishments/EG-NOPE"])
def test_unknown_ids_get_a_404_with_a_message(api, url):
    response = api.get(url)
    assert response.status_code == 404
    assert "identifiant" in response.get_json()["error"]["message"]

"""GET /api/v1/suggest: the two typeahead boxes, from the third letter."""
from __future__ import annotations

import pytest


def labels(client, field, q, **extra):
    params = "&".join(f"{k}={v}" for k, v in extra.items())
    response = client.get(f"/api/v1/suggest?field={field}&q={q}&{params}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return [s["label"] for s in response.get_json()["suggestions"]]


@pytest.fixture
def api(app, indexed_offer):
    return app.test_client()


@pytest.mark.parametrize("typed", ["vest", "VEST", "rééd vest", "reeduc vestib"])
def test_what_suggests_vestibular_rehab_from_a_few_letters(api, typed):
    assert "Rééducation vestibulaire (trouble de l'équilibre)" in labels(api, "what", typed)


@pytest.mark.parametrize("typed", ["lymphoe", "lymphœ", "LYMPHŒDÈME"])
def test_lymphoedema_is_found_with_or_without_the_ligature(api, typed):
    assert "Traitement des lymphœdèmes" in labels(api, "what", typed)


def test_where_suggests_versailles_first(api):
    response = api.get("/api/v1/suggest?field=where&q=vers")
    first = response.get_json()["suggestions"][0]
    assert first["label"] == "Versailles (78000)"
    assert first["type"] == "commune" and first["id"] == "78646"


def test_where_finds_a_commune_by_postal_code(api):
    assert labels(api, "where", "78000")[0] == "Versailles (78000)"


def test_where_suggests_establishments_by_name(api):
    response = api.get("/api/v1/suggest?field=where&q=centre%20hosp")
    found = [(s["type"], s["id"]) for s in response.get_json()["suggestions"]]
    assert ("establishment", "EG-HOSP") in found


def test_what_suggestions_follow_the_category(api):
    # Balnéothérapie is only offered by the hospital in the fixture.
    assert "Balnéothérapie" in labels(api, "what", "balneo")
    assert "Balnéothérapie" in labels(api, "what", "balneo", category="ETABLISSEMENT")
    assert "Balnéothérapie" not in labels(api, "what", "balneo", category="LIBERAL")


def test_what_does_not_suggest_what_no_unit_offers(api):
    assert "Ostéopathie du nouveau-né" not in labels(api, "what", "osteo")


@pytest.mark.parametrize("typed", ["ma", "", "  v "])
def test_fewer_than_three_letters_is_a_400(api, typed):
    response = api.get(f"/api/v1/suggest?field=what&q={typed}")
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "q"


def test_unknown_field_is_a_400(api):
    response = api.get("/api/v1/suggest?field=who&q=vers")
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "field"

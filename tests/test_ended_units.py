"""An ended UO (its activity left the RPPS) is gone from every public face, and back when the activity is (issue #17)."""
from __future__ import annotations

import html as html_text
import io
from datetime import datetime, timedelta

import openpyxl

from catalog import directory, repository
from catalog.schedule import PARIS
from catalog.store import iso
from indexer.reindex import reindex
from indexer.sync import drain
from tests.world import PASSWORD_A, RPPS_A, send, signed_in

GONE_MESSAGE = "Cette unité n'existe plus depuis le 2 mars 2026."   # the world's clock: 2026-03-02 10:00 in Paris


def _sync(world, search) -> None:
    assert drain(world.store, search, world.settings).failed == 0
    search.indices.refresh(index=f"{world.settings.index_prefix}-*")


def _set_ended(world, ended: bool) -> None:
    change = repository.end_units if ended else repository.reactivate_units
    with world.store.transaction() as conn:
        change(conn, ["UO-KA"], actor="rpps-import", now=world.clock())


def _found(client, query: str = "where=78646&per_page=100") -> tuple[set[str], int]:
    body = client.get(f"/api/v1/search?{query}").get_json()
    return {u["id"] for r in body["results"] for u in r["units"]}, body["total_units"]


def _exported(client) -> set[str]:
    response = client.get("/api/v1/search.xlsx?where=78646")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("Identifiant UO")
    return {row[column] for row in rows[1:]}


def _fhir_total(client, query: str) -> int:
    return client.get(f"/fhir/HealthcareService?{query}&_total=accurate").get_json()["total"]


def test_an_ended_unit_leaves_search_export_fhir_and_the_directory_then_comes_back(world, search):
    reindex(world.store, search, world.settings, progress=False, grace_seconds=0)
    client = world.client()
    ids, total = _found(client)
    assert "UO-KA" in ids and "UO-KA" in _exported(client) and _fhir_total(client, "_id=UO-KA") == 1

    _set_ended(world, True)
    _sync(world, search)

    ids_after, total_after = _found(client)
    assert "UO-KA" not in ids_after and total_after == total - 1
    assert "UO-KA" not in _exported(client)
    assert _fhir_total(client, "_id=UO-KA") == 0
    with world.store.snapshot() as conn:
        rows = {r["id"]: r["units"] for r in directory.establishments_in_commune(conn, "78646", page=1, per_page=100)[1]}
        assert rows["EG-KA"] == 0
        assert "UO-KA" not in [u["id"] for eg in directory.establishments_of_legal_entity(conn, "EJ-KA", page=1, per_page=10)[1]
                               for u in eg["units"]]

    # Back: indexed again above the version it was deleted at, with its sheet as it was.
    _set_ended(world, False)
    _sync(world, search)

    assert "UO-KA" in _found(client)[0] and _fhir_total(client, "_id=UO-KA") == 1
    sheet = client.get("/api/v1/units/UO-KA")
    assert sheet.status_code == 200 and sheet.get_json()["phone"] == "01 39 00 00 42"


def test_reading_an_ended_unit_says_since_when_it_is_gone(world, search):
    _set_ended(world, True)
    client = world.client()

    api = client.get("/api/v1/units/UO-KA")
    assert api.status_code == 410
    assert api.get_json()["error"] == {"code": "gone", "message": GONE_MESSAGE, "field": None}

    page = client.get("/uo/UO-KA", headers={"Accept": "text/html"})
    assert page.status_code == 410
    html = html_text.unescape(page.get_data(as_text=True))
    assert GONE_MESSAGE in html and "Cette unité a été retirée de l'annuaire" in html

    for path in ("/fhir/HealthcareService/UO-KA", f"/fhir/PractitionerRole/{RPPS_A}-UO-KA"):
        fhir = client.get(path)
        assert fhir.status_code == 410, path
        outcome = fhir.get_json()
        assert outcome["resourceType"] == "OperationOutcome"
        assert outcome["issue"][0]["code"] == "deleted" and GONE_MESSAGE in outcome["issue"][0]["details"]["text"]

    # An unknown id is still a 404, not a 410.
    assert client.get("/api/v1/units/UO-NEVER").status_code == 404
    assert client.get("/fhir/HealthcareService/UO-NEVER").status_code == 404


def test_a_full_reindex_leaves_ended_units_and_their_empty_site_out(world, search):
    _set_ended(world, True)

    report = reindex(world.store, search, world.settings, progress=False, grace_seconds=0)

    with world.store.snapshot() as conn:
        assert report.documents == repository.count_units(conn)
    client = world.client()
    assert "UO-KA" not in _found(client)[0]
    suggested = client.get("/api/v1/suggest?field=where&q=Cabinet Claire Martin").get_json()["suggestions"]
    assert "EG-KA" not in {s["id"] for s in suggested}


def test_the_practitioner_sees_an_ended_unit_as_ended_and_cannot_save_it(world, search):
    client = signed_in(world, RPPS_A, PASSWORD_A)
    sheet = client.get("/api/v1/me/units/UO-KA").get_json()["sheet"]
    _set_ended(world, True)

    mine = {u["id"]: u for u in client.get("/api/v1/me").get_json()["units"]}
    assert mine["UO-KA"]["ended_at"] == iso(world.clock())

    saved = send(client, "PUT", "/api/v1/me/units/UO-KA", {**sheet, "comments": "Encore là ?"})
    assert saved.status_code == 410 and saved.get_json()["error"]["message"] == GONE_MESSAGE
    with world.store.snapshot() as conn:
        assert repository.get_unit(conn, "UO-KA")["comments"] == ""

    page = client.get("/mon-compte").get_data(as_text=True)
    assert "Fermée le 02/03/2026" in page
    assert 'href="/mon-compte/uo/UO-KA"' not in page
    assert client.get("/mon-compte/uo/UO-KA").status_code == 410


# --- freshness -------------------------------------------------------------------------------

def test_updated_within_days_keeps_the_units_whose_sheet_changed_recently(world, search):
    with world.store.snapshot() as conn:
        stored = {r["id"]: r["updated_at"] for r in conn.execute("SELECT id, updated_at FROM units")}
    world.clock.moment = max(datetime.fromisoformat(at) for at in stored.values()) + timedelta(days=200)
    with world.store.transaction() as conn:
        repository.update_unit(conn, "UO-KA", {"comments": "Nouveaux horaires."}, actor="account:1",
                               now=world.clock() - timedelta(days=5))
        stored["UO-KA"] = repository.get_unit(conn, "UO-KA")["updated_at"]
    reindex(world.store, search, world.settings, progress=False, grace_seconds=0)
    client = world.client()
    everything, _ = _found(client, "per_page=100")

    def fresh(days: int) -> set[str]:
        since = world.clock() - timedelta(days=days)
        return {unit_id for unit_id, at in stored.items() if datetime.fromisoformat(at) >= since} & everything

    assert fresh(30) == {"UO-KA"} and len(fresh(365)) > 1
    for days in (30, 365):
        ids, total = _found(client, f"per_page=100&updated_within_days={days}")
        assert ids == fresh(days) and total == len(fresh(days))
    # The same filter on the FHIR face's bound (_lastUpdated) agrees: one builder.
    assert _fhir_total(client, f"_lastUpdated=ge{(world.clock() - timedelta(days=30)).date().isoformat()}") == 1

    page = client.get("/recherche?updated_within_days=30").get_data(as_text=True)
    assert '<option value="30" selected>' in page and "Fiche mise à jour" in page


def test_updated_within_days_refuses_what_is_not_a_number_of_days(world, search):
    client = world.client()
    for value, words in (("0", "entre 1 et 3650"), ("-3", "entre 1 et 3650"), ("abc", "nombre entier de jours"),
                         ("2.5", "nombre entier de jours")):
        response = client.get(f"/api/v1/search?updated_within_days={value}")
        assert response.status_code == 400, value
        error = response.get_json()["error"]
        assert error["field"] == "updated_within_days" and words in error["message"], (value, error)


def test_the_sheet_says_when_it_was_last_updated(world, search):
    with world.store.snapshot() as conn:
        updated = repository.get_unit(conn, "UO-KB")["updated_at"]
    day = datetime.fromisoformat(updated).astimezone(PARIS).strftime("%d/%m/%Y")

    page = world.client().get("/uo/UO-KB").get_data(as_text=True)

    assert f"Fiche mise à jour le {day}." in page

"""GET /api/v1/search.xlsx: every matching UO, past the engine's 10,000-hit window."""
from __future__ import annotations

import dataclasses
import io

import pytest
from openpyxl import load_workbook

from catalog import demo
from catalog.store import open_store
from indexer.reindex import reindex
from query_api import create_app
from tests.world import fixed_clock


@pytest.fixture(scope="module")
def demo_api(settings, search, tmp_path_factory):
    """The generated Île-de-France demo data (11,000 physios), stored and indexed."""
    work = tmp_path_factory.mktemp("export")
    mine = dataclasses.replace(settings, index_prefix=f"{settings.index_prefix}-export",
                               store_path=str(work / "store.sqlite3"))
    store = open_store(mine.store_path)
    demo.load(store, demo.generate(work / "demo", physios=11_000, seed=7))
    reindex(store, search, mine, progress=False, grace_seconds=0)
    yield create_app(mine, clock=fixed_clock("2026-11-30T10:00:00+01:00")).test_client()
    search.indices.delete(index=f"{mine.index_prefix}-*", ignore_unavailable=True, expand_wildcards="all")


def _sheet(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return load_workbook(io.BytesIO(response.data), read_only=False).active


def test_export_has_every_matching_unit_beyond_ten_thousand(demo_api):
    total = demo_api.get("/api/v1/search?what=CONSULT_KINE").get_json()["total_units"]
    assert total > 10_000
    response = demo_api.get("/api/v1/search.xlsx?what=CONSULT_KINE")
    sheet = _sheet(response)
    assert sheet.max_row - 1 == total
    ids = [row[0] for row in sheet.iter_rows(min_row=2, min_col=sheet.max_column, max_col=sheet.max_column, values_only=True)]
    assert len(set(ids)) == total  # no unit twice, none missing


def test_export_is_a_readable_french_workbook(demo_api):
    response = demo_api.get("/api/v1/search.xlsx?where=78646&what=KINE_REEDUC_VESTIBULAIRE")
    assert response.headers["Content-Disposition"].startswith("attachment; filename=ror-recherche-2026-11-30")
    sheet = _sheet(response)
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Établissement", "Unité (UO)", "Praticien"]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")
    distance_col = header.index("Distance (km)") + 1
    distances = [sheet.cell(row=r, column=distance_col).value for r in range(2, sheet.max_row + 1)]
    assert distances and all(isinstance(d, float) for d in distances)
    assert distances == sorted(distances)
    expected = demo_api.get("/api/v1/search?where=78646&what=KINE_REEDUC_VESTIBULAIRE").get_json()["total_units"]
    assert len(distances) == expected


def test_export_lists_the_open_days_of_a_typical_week_in_week_order(demo_api):
    from catalog.schedule import DAY_NAMES

    sheet = _sheet(demo_api.get("/api/v1/search.xlsx?where=78646&radius_km=10"))
    header = [c.value for c in sheet[1]]
    column = header.index("Semaine type") + 1
    weeks = [sheet.cell(row=r, column=column).value for r in range(2, sheet.max_row + 1)]
    order = {name: i for i, name in enumerate(DAY_NAMES.values())}
    several = [w for w in weeks if w and w.count(";") >= 2]
    assert several                                     # units open three days or more
    for week in several:
        days = [part.strip().split(" ", 1)[0] for part in week.split(";")]
        assert all(day in order for day in days), week
        assert days == sorted(days, key=order.get), week


def test_export_rows_follow_the_engine_order_across_pages_and_slices(demo_api, search):
    """The export pages its point in time in slices at once and merges them: the rows must come
    in the order one plain chain of the search's flat pages gives (score down, then distance,
    then id): neither the merge nor the export's named « open now » filter may move a unit."""
    from flask import request

    from indexer.engine import UNITS, alias_name
    from query_api import context
    from query_api.api.search import current_clock, search_request_from_args
    from query_api.search.export import PAGE_SIZE, SLICES
    from query_api.search.queries import units_page_body

    path = "/api/v1/search.xlsx?where=78646&radius_km=40&sort=relevance&q=kinésithérapie"
    sheet = _sheet(demo_api.get(path))
    exported = [row[0] for row in sheet.iter_rows(min_row=2, min_col=sheet.max_column, max_col=sheet.max_column,
                                                  values_only=True)]
    with demo_api.application.test_request_context(path):
        clock = current_clock()
        body = units_page_body(search_request_from_args(request.args, clock), clock, 1_000, track_total=False)
        index = alias_name(context.settings(), UNITS)
    assert [next(iter(clause)) for clause in body["sort"]] == ["_score", "_geo_distance", "id"]
    expected, after = [], None
    while True:
        hits = search.search(index=index, body={**body, **({"search_after": after} if after else {})})["hits"]["hits"]
        if not hits:
            break
        expected += [hit["_id"] for hit in hits]
        after = hits[-1]["sort"]
    assert len(expected) > SLICES * PAGE_SIZE * 2   # several pages in each slice
    assert exported == expected


@pytest.fixture
def two_units(settings, search, tmp_path):
    """Two physios of the RPPS extract, stored and indexed; yields (API client, index name)."""
    from catalog.rpps_import import import_extract
    from indexer.engine import UNITS, alias_name
    from tests.rpps_lines import extract, physio

    mine = dataclasses.replace(settings, index_prefix=f"{settings.index_prefix}-export-two",
                               store_path=str(tmp_path / "store.sqlite3"))
    store = open_store(mine.store_path)
    assert import_extract(store, extract(physio(1), physio(2))).units_created == 2
    reindex(store, search, mine, progress=False, grace_seconds=0)
    try:
        yield create_app(mine, clock=fixed_clock("2026-11-30T10:00:00+01:00")).test_client(), alias_name(mine, UNITS)
    finally:
        search.indices.delete(index=f"{mine.index_prefix}-*", ignore_unavailable=True, expand_wildcards="all")


def _hand_written_copy(search, index: str, unit_id: str, change) -> None:
    """A copy of an indexed unit under ``unit_id``, its document passed through ``change`` (a
    document another mapping or an older builder would have written), its export row kept."""
    from indexer.export_row import decode_row, encode_row

    hit = search.search(index=index, body={"size": 1})["hits"]["hits"][0]
    cells = decode_row(hit["_source"]["row"])
    cells[-1] = unit_id
    document = change({**hit["_source"], "id": unit_id, "row": encode_row(cells)})
    search.index(index=index, id=unit_id, body=document, params={"refresh": "true"})


def test_a_unit_without_the_slicing_number_is_still_exported(two_units, search):
    """The export slices its point in time on ``establishment.key``: a unit without it (a document
    of another mapping, written here by hand) must still be in one slice, not left out of the file."""
    client, index = two_units

    def keyless(document):
        return {**document, "establishment": {k: v for k, v in document["establishment"].items() if k != "key"}}
    _hand_written_copy(search, index, "UO-SANS-CLE", keyless)
    assert client.get("/api/v1/search?where=78646").get_json()["total_units"] == 3
    sheet = _sheet(client.get("/api/v1/search.xlsx?where=78646"))
    ids = {row[0] for row in sheet.iter_rows(min_row=2, min_col=sheet.max_column, max_col=sheet.max_column,
                                              values_only=True)}
    assert len(ids) == 3 and "UO-SANS-CLE" in ids


def test_an_index_built_before_the_export_row_gets_a_clear_503_not_a_partial_file(two_units, search):
    client, index = two_units
    _hand_written_copy(search, index, "UO-SANS-LIGNE", lambda document: {k: v for k, v in document.items() if k != "row"})
    response = client.get("/api/v1/search.xlsx?where=78646")
    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith("application/json")
    assert "Traceback" not in response.get_data(as_text=True)


def test_every_cell_says_what_the_search_says_of_the_same_unit(demo_api):
    """The export reads its cells from the index's row and the engine's named « open now »; the
    search's JSON reads them from each unit's document: both must say the same for every unit."""
    path = "where=78646&radius_km=10&per_page=100"
    body = demo_api.get(f"/api/v1/search?{path}").get_json()
    shown = {unit["id"]: (result["establishment"], unit) for result in body["results"] for unit in result["units"]}
    sheet = _sheet(demo_api.get(f"/api/v1/search.xlsx?{path}"))
    header = [c.value for c in sheet[1]]
    rows = {row[-1]: dict(zip(header, row)) for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == body["total_units"] and len(shown) > 50
    assert set(shown) <= set(rows)
    opened = set()
    for unit_id, (establishment, unit) in shown.items():
        row = rows[unit_id]
        expected = {
            "Établissement": establishment["name"], "Unité (UO)": unit["name"], "Praticien": unit["practitioner"],
            "Adresse": establishment["address"] or None, "Code postal": establishment["postal_code"] or None,
            "Commune": establishment["commune"] or None, "Téléphone": unit["phone"],
            "Aptitudes": ", ".join(a["label"] for a in unit["aptitudes"]) or "Généraliste",
            "Patients": ", ".join({"E": "Enfants", "A": "Adultes"}[p] for p in unit["patients"]) or None,
            "Domicile": "oui" if unit["home_visit"] else "non",
            "Distance (km)": unit["distance_km"], "Trajet (min)": unit["travel_minutes"],
            "Ouvert maintenant": "ouvert" if unit["open_now"] else "fermé",
        }
        assert {title: row[title] for title in expected} == expected, unit_id
        opened.add(row["Ouvert maintenant"])
    assert opened == {"ouvert", "fermé"}     # Monday 10:00: some units open, some not
    open_now = demo_api.get(f"/api/v1/search?{path}&open_now=true").get_json()["total_units"]
    assert open_now == sum(row["Ouvert maintenant"] == "ouvert" for row in rows.values())


def test_a_search_over_the_export_limit_is_refused_with_its_count_and_leaves_nothing_open(demo_api, search, monkeypatch):
    """Above MAX_EXPORT_ROWS the user is told to narrow the search, with both numbers, before
    any row is read; the point in time opened to count is closed."""
    from query_api.search import export

    total = demo_api.get("/api/v1/search?what=CONSULT_KINE").get_json()["total_units"]
    def open_pits() -> set[str]:   # those of other tests may still be alive: compared, not required empty
        return {pit["pit_id"] for pit in search.transport.perform_request("GET", "/_search/point_in_time/_all")["pits"]}
    before = open_pits()
    monkeypatch.setattr(export, "MAX_EXPORT_ROWS", total - 1)
    response = demo_api.get("/api/v1/search.xlsx?what=CONSULT_KINE")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"]["code"] == "export_too_large"
    limit, count = (f"{n:,}".replace(",", " ") for n in (total - 1, total))
    assert f"limité à {limit} lignes" in body["error"]["message"]
    assert f"en compte {count}" in body["error"]["message"]
    assert open_pits() <= before
    monkeypatch.setattr(export, "MAX_EXPORT_ROWS", total)
    assert demo_api.get("/api/v1/search.xlsx?what=CONSULT_KINE").status_code == 200

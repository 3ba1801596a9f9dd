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
    in the order one plain chain of pages gives (score down, then distance, then id)."""
    from flask import request

    from indexer.engine import UNITS, alias_name
    from query_api import context
    from query_api.api.search import current_clock, search_request_from_args
    from query_api.search.export import PAGE_SIZE, SLICES
    from query_api.search.queries import export_body

    path = "/api/v1/search.xlsx?where=78646&radius_km=40&sort=relevance&q=kinésithérapie"
    sheet = _sheet(demo_api.get(path))
    exported = [row[0] for row in sheet.iter_rows(min_row=2, min_col=sheet.max_column, max_col=sheet.max_column,
                                                  values_only=True)]
    with demo_api.application.test_request_context(path):
        clock = current_clock()
        body = export_body(search_request_from_args(request.args, clock), clock, 1_000)
        index = alias_name(context.settings(), UNITS)
    assert [next(iter(clause)) for clause in body["sort"]] == ["_score", "_geo_distance", "id"]
    expected, after = [], None
    while True:
        hits = search.search(index=index, body={**body, **({"search_after": after} if after else {})})["hits"]["hits"]
        if not hits:
            break
        expected += [hit["_source"]["id"] for hit in hits]
        after = hits[-1]["sort"]
    assert len(expected) > SLICES * PAGE_SIZE * 2   # several pages in each slice
    assert exported == expected


def test_a_unit_without_the_slicing_number_is_still_exported(settings, search, tmp_path):
    """The export slices its point in time on ``establishment.key``: a unit without it (a document
    of another mapping, written here by hand) must still be in one slice, not left out of the file."""
    from catalog.rpps_import import import_extract
    from indexer.engine import UNITS, alias_name
    from tests.rpps_lines import extract, physio

    mine = dataclasses.replace(settings, index_prefix=f"{settings.index_prefix}-export-keyless",
                               store_path=str(tmp_path / "store.sqlite3"))
    store = open_store(mine.store_path)
    assert import_extract(store, extract(physio(1), physio(2))).units_created == 2
    reindex(store, search, mine, progress=False, grace_seconds=0)
    client = create_app(mine, clock=fixed_clock("2026-11-30T10:00:00+01:00")).test_client()
    try:
        index = alias_name(mine, UNITS)
        hit = search.search(index=index, body={"size": 1})["hits"]["hits"][0]
        keyless = {**hit["_source"], "id": "UO-SANS-CLE"}
        keyless["establishment"] = {k: v for k, v in keyless["establishment"].items() if k != "key"}
        search.index(index=index, id="UO-SANS-CLE", body=keyless, params={"refresh": "true"})
        assert client.get("/api/v1/search?where=78646").get_json()["total_units"] == 3
        sheet = _sheet(client.get("/api/v1/search.xlsx?where=78646"))
        ids = {row[0] for row in sheet.iter_rows(min_row=2, min_col=sheet.max_column, max_col=sheet.max_column,
                                                  values_only=True)}
        assert len(ids) == 3 and "UO-SANS-CLE" in ids
    finally:
        search.indices.delete(index=f"{mine.index_prefix}-*", ignore_unavailable=True, expand_wildcards="all")

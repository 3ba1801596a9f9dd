"""The Excel export never carries a formula: text that begins like one is written as text.

An RPPS extract whose names and addresses begin with "=", "+", "-" or "@" is
imported, indexed and exported through GET /api/v1/search.xlsx; the workbook is
opened and each such cell must be a plain string (data_type 's'), as written, with
Excel's quote prefix (editing the cell keeps it text).
"""
from __future__ import annotations

import dataclasses
import io

import pytest
from openpyxl import Workbook, load_workbook

from catalog.identifiers import make_rpps
from catalog.rpps_import import import_extract
from catalog.store import open_store
from indexer.reindex import reindex
from query_api import create_app
from query_api.search.export import text_cell
from tests.rpps_lines import extract, physio
from tests.world import fixed_clock

HYPERLINK = '=HYPERLINK("http://evil.example/","Cliquez ici")'
MINUS = "-2+3*4"   # (no '|': it separates the extract's columns)
AT_SUM = "@SUM(A1:A9)"
PLUS = "+33 1 39 12 34 56"


def _row_of(sheet, unit_id: str) -> dict:
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        cells = dict(zip(header, row))
        if cells["Identifiant UO"].value == unit_id:
            return cells
    raise AssertionError(f"{unit_id} is not in the export")


@pytest.fixture(scope="module")
def exported(settings, search, tmp_path_factory):
    """Three practitioners with formula-like names in Versailles, imported, indexed, exported."""
    work = tmp_path_factory.mktemp("export-formulas")
    mine = dataclasses.replace(settings, index_prefix=f"{settings.index_prefix}-formulas",
                               store_path=str(work / "store.sqlite3"))
    store = open_store(mine.store_path)
    lines = extract(
        physio(1, structure="R10000000000001", **{"Raison sociale site": HYPERLINK, "Prénom d'exercice": "",
                                                  "Nom d'exercice": "=1+2"}),
        physio(2, structure="R10000000000002", **{"Raison sociale site": PLUS, "Prénom d'exercice": AT_SUM,
                                                  "Nom d'exercice": "DURAND"}),
        physio(3, structure="R10000000000003", **{"Raison sociale site": MINUS, "Numéro Voie (coord. structure)": "-12"}),
    )
    summary = import_extract(store, lines)
    assert summary.units_created == 3 and summary.bad_line_count == 0
    reindex(store, search, mine, progress=False, grace_seconds=0)
    client = create_app(mine, clock=fixed_clock("2026-11-30T10:00:00+01:00")).test_client()
    response = client.get("/api/v1/search.xlsx?where=78646")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    yield load_workbook(io.BytesIO(response.data)).active
    search.indices.delete(index=f"{mine.index_prefix}-*", ignore_unavailable=True, expand_wildcards="all")


@pytest.mark.parametrize("serial, column, written", [
    (1, "Établissement", HYPERLINK),
    (1, "Praticien", "=1+2"),
    (2, "Établissement", PLUS),
    (2, "Praticien", f"{AT_SUM} DURAND"),
    (3, "Établissement", MINUS),
    (3, "Adresse", "-12 B rue de la Paix"),
])
def test_formula_like_text_from_an_rpps_extract_is_exported_as_text(exported, serial, column, written):
    cell = _row_of(exported, f"UO-{make_rpps(serial)}-R1000000000000{serial}")[column]
    assert cell.data_type == "s", f"{column} of practitioner {serial} is a {cell.data_type!r} cell"
    assert cell.value == written
    assert cell.quotePrefix, "Excel must keep it as text when the cell is edited"


def test_ordinary_cells_keep_their_types(exported):
    row = _row_of(exported, f"UO-{make_rpps(3)}-R10000000000003")
    assert row["Praticien"].value == "Claire DURAND3" and row["Praticien"].data_type == "s"
    assert isinstance(row["Distance (km)"].value, float) and row["Distance (km)"].data_type == "n"


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1", "@A1", "\t=1+2", "\r=1+2", "\tTabulation", "\rRetour"])
def test_every_formula_trigger_is_written_as_text(value):
    # The importer strips tabs and carriage returns around RPPS values: these two reach the
    # writer only from other sources, so the writer itself is checked with them.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Résultats")
    sheet.append([text_cell(sheet, value), text_cell(sheet, 4.5), text_cell(sheet, "Versailles")])
    out = io.BytesIO()
    workbook.save(out)
    cells = load_workbook(io.BytesIO(out.getvalue())).active[1]
    assert (cells[0].data_type, cells[0].value, cells[0].quotePrefix) == ("s", value, True)
    assert (cells[1].data_type, cells[1].value) == ("n", 4.5)
    assert (cells[2].data_type, cells[2].value, cells[2].quotePrefix) == ("s", "Versailles", False)

"""The export's workbook writer (query_api.search.export.write_workbook), on rows of its own.

The end-to-end checks (every matching UO, formula-like text from an RPPS extract) are in
test_export.py and test_export_formulas.py; here, what the writer itself must do whatever the
rows: every trigger of a formula written as text, empty values as no cell, numbers as numbers,
a header even without rows, and a failure while the rows are read raised, not swallowed.
"""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from query_api.search.export import COLUMNS, FORMULA_TRIGGERS, TITLES, write_workbook


def _row(**values) -> list:
    by_title = dict.fromkeys(TITLES, "x")
    by_title.update({"Distance (km)": 1.5, "Trajet (min)": 7})
    by_title.update(values)
    return [by_title[title] for title in TITLES]


def _written(rows) -> object:
    out = io.BytesIO()
    write_workbook(iter(rows), out)
    return load_workbook(io.BytesIO(out.getvalue())).active


# A carriage return is stored as Excel's escape _x000D_ (as XlsxWriter did), which openpyxl reads back
# literally: its text is checked in test_export_formulas.py through the writer that stores it raw.
@pytest.mark.parametrize("text", [trigger + "1+2" for trigger in FORMULA_TRIGGERS if trigger != "\r"]
                         + ['=HYPERLINK("http://evil.example/","Cliquez ici")', "@SUM(A1:A9)", "http://x.fr", "0123"])
def test_text_that_looks_like_a_formula_a_link_or_a_number_is_text_kept_as_text(text):
    sheet = _written([_row(**{"Établissement": text, "Commune": "Versailles"})])
    cells = dict(zip(TITLES, sheet[2]))
    assert (cells["Établissement"].value, cells["Établissement"].data_type) == (text, "s")
    assert cells["Établissement"].quotePrefix, "Excel must keep it as text when the cell is edited"
    assert (cells["Distance (km)"].value, cells["Distance (km)"].data_type) == (1.5, "n")
    assert (cells["Trajet (min)"].value, cells["Trajet (min)"].data_type) == (7, "n")


def test_empty_values_are_no_cell_and_the_sheet_is_laid_out_for_reading():
    sheet = _written([_row(**{"Praticien": "", "Téléphone": "", "Distance (km)": None, "Trajet (min)": None})] * 3)
    assert [c.value for c in sheet[1]] == TITLES and all(c.font.bold for c in sheet[1])
    cells = dict(zip(TITLES, sheet[2]))
    assert cells["Praticien"].value is None and cells["Distance (km)"].value is None
    assert sheet.max_row == 4
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:O{sheet.max_row}"
    assert round(sheet.column_dimensions["A"].width) == round(COLUMNS[0][1] + 0.71)


def test_a_search_without_results_still_has_its_header():
    sheet = _written([])
    assert [c.value for c in sheet[1]] == TITLES
    assert all(c.value is None for row in sheet.iter_rows(min_row=2) for c in row)


def test_a_failure_while_the_rows_are_read_is_raised_to_the_caller():
    class EngineGone(Exception):
        pass

    def rows():
        yield _row()
        raise EngineGone("le moteur ne répond plus")

    with pytest.raises(EngineGone):
        write_workbook(rows(), io.BytesIO())

"""Excel export of every matching UO: point-in-time + search_after, XlsxWriter in constant-memory mode.

Not capped at the engine's 10,000-hit window: a point-in-time keeps one consistent
view while we page through it with ``search_after`` on the search's own sort (which
ends with the unique UO id), and constant-memory mode streams rows to disk so memory
stays flat whatever the size.

No text from the data is ever written as a formula: a name, an address, any
text that begins like one (``=``, ``+``, ``-``, ``@``, a tab, a carriage return)
is a text cell (``text_cell``), shown as written.
"""
from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import xlsxwriter
from openpyxl.cell import WriteOnlyCell
from opensearchpy import OpenSearch

from catalog.phone import phone_or_none
from catalog.schedule import DAY_NAMES
from query_api.search.execute import whole
from query_api.search.queries import Clock, SearchRequest, export_body
from query_api.search.results import PATIENT_LABELS, distance_km, is_open
from query_api.search.travel import travel_minutes, zone_of_department

MAX_EXPORT_ROWS = 200_000   # documented in the API: above it, narrow the search
PAGE_SIZE = 2_000
KEEP_ALIVE = "2m"

COLUMNS = [
    ("Établissement", 38), ("Unité (UO)", 30), ("Praticien", 26), ("Adresse", 36), ("Code postal", 11),
    ("Commune", 24), ("Téléphone", 16), ("Aptitudes", 60), ("Patients", 16), ("Domicile", 10),
    ("Distance (km)", 13), ("Trajet (min)", 12), ("Ouvert maintenant", 17), ("Semaine type", 70), ("Identifiant UO", 24),
]


#: How a formula (or a DDE call) can begin once a spreadsheet reads a cell as typed
#: (openpyxl itself only takes "=" for one; Excel and LibreOffice take the others on editing or import).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class ExportTooLarge(Exception):
    def __init__(self, total: int):
        super().__init__(total)
        self.total = total


def _week_text(doc: dict) -> str:
    """The open days in week order: the engine's source filtering does not keep the keys' order."""
    days = doc.get("week_display") or {}
    return " ; ".join(f"{day} {days[day]}" for day in DAY_NAMES.values() if days.get(day, "fermé") != "fermé")


def text_cell(sheet, value):
    """For an openpyxl write-only sheet (the export wrote with openpyxl before; the bench's
    writer comparison still does): ``value`` as the sheet must hold it: a string a spreadsheet
    could take for a formula becomes a text cell (type 's', with Excel's quote prefix so that
    editing it keeps it text), its value unchanged; anything else is written as it is."""
    if formula_like(value):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return value


def _values(doc: dict, eg: dict, distance: float | None, clock: Clock) -> list:
    return [
        eg["name"], doc["name"], doc.get("owner_name") or "", eg["address"], eg["postal_code"], eg["commune"],
        phone_or_none(doc.get("phone")) or "",
        ", ".join(doc.get("aptitude_labels") or []) or "Généraliste",
        ", ".join(PATIENT_LABELS[p] for p in doc.get("patients") or []),
        "oui" if doc.get("home_visit") else "non",
        distance,
        travel_minutes(distance, zone_of_department(eg["department"])) if distance is not None else None,
        "ouvert" if is_open(doc, clock) else "fermé",
        _week_text(doc),
        doc["id"],
    ]


def formula_like(value) -> bool:
    """Whether a spreadsheet could take this value for a formula once a user edits or imports it."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def write_export(client: OpenSearch, index: str, request: SearchRequest, clock: Clock) -> tuple[tempfile.SpooledTemporaryFile, int]:
    """The .xlsx of every matching UO, in a temporary file; and the number of rows.

    Written with XlsxWriter in constant-memory mode (each row goes to disk once written):
    1.4-1.6 times as fast as openpyxl's write-only mode for the same workbook, cell for
    cell (bench/export_writers.py, bench/README.md)."""
    body = export_body(request, clock, PAGE_SIZE)
    # A point in time over the shards that answer would export their units only: refused whole.
    pit = client.create_pit(index=index, params={"keep_alive": KEEP_ALIVE, "allow_partial_pit_creation": "false"})["pit_id"]
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    # Nothing from the data is turned into a formula, a link or a number: strings stay strings.
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_urls": False, "strings_to_numbers": False})
    try:
        sheet = workbook.add_worksheet("Résultats")
        bold = workbook.add_format({"bold": True})
        # Excel's quote prefix: the cell stays text when a user edits it.
        as_text = workbook.add_format({"quote_prefix": True})
        for position, (title, width) in enumerate(COLUMNS):
            sheet.set_column(position, position, width)
            sheet.write_string(0, position, title, bold)
        sheet.freeze_panes(1, 0)
        rows = 0

        def fetch(search_after):
            page = {**body, "pit": {"id": pit, "keep_alive": KEEP_ALIVE}}
            if search_after is not None:
                page["search_after"] = search_after
                page["track_total_hits"] = False
            return whole(client.search(body=page, params={"allow_partial_search_results": "false"}))

        # The next page is fetched while this one is written: the engine and the
        # spreadsheet writer each wait for the other half as long otherwise.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ror-export") as prefetch:
            result = fetch(None)
            total = result["hits"]["total"]["value"]
            if total > MAX_EXPORT_ROWS:
                raise ExportTooLarge(total)
            while hits := result["hits"]["hits"]:
                pit = result.get("pit_id", pit)
                following = prefetch.submit(fetch, hits[-1]["sort"])
                for hit in hits:
                    rows += 1
                    doc = hit["_source"]
                    for column, value in enumerate(_values(doc, doc["establishment"], distance_km(hit, request), clock)):
                        if value is None or value == "":   # no cell, as openpyxl wrote for an empty text (both read back as None)
                            continue
                        if isinstance(value, str):
                            if formula_like(value):
                                sheet.write_string(rows, column, value, as_text)
                            else:
                                sheet.write_string(rows, column, value)
                        else:
                            sheet.write_number(rows, column, value)
                result = following.result()
        sheet.autofilter(0, 0, rows, len(COLUMNS) - 1)
        workbook.close()
        out.seek(0)
        return out, rows
    finally:
        client.delete_pit(body={"pit_id": [pit]})


def export_filename(now: datetime) -> str:
    return f"ror-recherche-{now:%Y-%m-%d}.xlsx"

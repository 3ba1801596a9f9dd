"""Excel export of every matching UO: point-in-time + search_after, rows streamed to rust_xlsxwriter.

Not capped at the engine's 10,000-hit window: a point-in-time keeps one consistent
view while we page through it with ``search_after`` on the search's own sort (which
ends with the unique UO id), and the writer pulls rows from a generator and streams
them to disk (rust_xlsxwriter's constant-memory mode), so memory stays flat whatever
the size.

No text from the data is ever written as a formula: the writer writes every string as
a string cell (never a formula, a number or a link), and the text columns carry Excel's
quote prefix, so that a name or an address that begins like a formula (``=``, ``+``,
``-``, ``@``, a tab, a carriage return) stays text when a user edits the cell.
"""
from __future__ import annotations

import heapq
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from openpyxl.cell import WriteOnlyCell
from opensearchpy import OpenSearch
from opensearchpy.exceptions import TransportError
from rustpy_xlsxwriter import Format, write_worksheet

from indexer.export_row import decode_row
from query_api.search.execute import whole
from query_api.search.queries import OPEN_NOW_QUERY, Clock, SearchRequest, export_body
from query_api.search.results import distance_km
from query_api.search.travel import travel_minutes, zone_of_department

MAX_EXPORT_ROWS = 200_000   # documented in the API: above it, narrow the search
PAGE_SIZE = 2_000
KEEP_ALIVE = "2m"
#: The point in time is paged in this many slices at once (one engine thread each): 100,000 rows at
#: 1M UO, 11-13 s of paging in one chain, 8.3 s in two (bench/README.md). Sliced on a numeric doc
#: value, which the engine reads only for the matching units (a unit without it falls in one slice:
#: tests/test_export.py); slicing on ``_id`` would hash every id of the index for each page.
SLICES = 2
SLICE_FIELD = "establishment.key"

COLUMNS = [
    ("Établissement", 38), ("Unité (UO)", 30), ("Praticien", 26), ("Adresse", 36), ("Code postal", 11),
    ("Commune", 24), ("Téléphone", 16), ("Aptitudes", 60), ("Patients", 16), ("Domicile", 10),
    ("Distance (km)", 13), ("Trajet (min)", 12), ("Ouvert maintenant", 17), ("Semaine type", 70), ("Identifiant UO", 24),
]
TITLES = [title for title, _ in COLUMNS]
NUMBER_COLUMNS = {"Distance (km)", "Trajet (min)"}
#: Where the search's own cells go among the unit's (indexer.export_row.UNIT_COLUMNS).
SEARCH_CELLS_AT = TITLES.index("Distance (km)")


#: How a formula (or a DDE call) can begin once a spreadsheet reads a cell as typed
#: (openpyxl itself only takes "=" for one; Excel and LibreOffice take the others on editing or import).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class ExportTooLarge(Exception):
    def __init__(self, total: int, limit: int):
        super().__init__(total, limit)
        self.total = total
        self.limit = limit


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


def row_values(hit: dict, request: SearchRequest) -> list:
    """The export's cells of one hit of ``export_body``: the unit's from its ``row`` doc value,
    the search's (distance, travel time, open now) from the hit itself."""
    try:
        cells = decode_row(hit["fields"]["row"][0])
    except KeyError:   # an index built before the row existed: the admin console asks for a reindex
        raise TransportError(503, "index_outdated", {"error": "units without an export row: a full reindex is needed"}) from None
    distance = distance_km(hit, request)
    travel = None
    if distance is not None:
        travel = travel_minutes(distance, zone_of_department(hit["fields"]["establishment.department"][0]))
    opened = "ouvert" if OPEN_NOW_QUERY in hit.get("matched_queries", ()) else "fermé"
    cells[SEARCH_CELLS_AT:SEARCH_CELLS_AT] = (distance, travel, opened)
    return cells


def formula_like(value) -> bool:
    """Whether a spreadsheet could take this value for a formula once a user edits or imports it."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def write_export(client: OpenSearch, index: str, request: SearchRequest, clock: Clock) -> tuple[tempfile.SpooledTemporaryFile, int]:
    """The .xlsx of every matching UO, in a temporary file; and the number of rows.

    The point in time is read in SLICES slices at once, each a ``search_after`` chain whose
    next page is fetched while this one is written, merged back into the search's order
    (the sort ends with the unique UO id: a total order). rust_xlsxwriter (rustpy-xlsxwriter)
    pulls the rows as they come: 7 times XlsxWriter's speed on the same rows, whose Python
    cell writing took two thirds of a 100,000-row export (bench/export_writers.py, bench/README.md)."""
    body = export_body(request, clock, PAGE_SIZE)
    order = hit_order(body["sort"])
    # A point in time over the shards that answer would export their units only: refused whole.
    pit = client.create_pit(index=index, params={"keep_alive": KEEP_ALIVE, "allow_partial_pit_creation": "false"})["pit_id"]
    pits = {pit}
    try:
        def fetch(part: int, search_after, pit_id: str) -> dict:
            page = {**body, "pit": {"id": pit_id, "keep_alive": KEEP_ALIVE}, "track_total_hits": False,
                    "slice": {"field": SLICE_FIELD, "id": part, "max": SLICES}}
            if search_after is not None:
                page["search_after"] = search_after
            answer = whole(client.search(body=page, params={"allow_partial_search_results": "false"}))
            pits.add(answer.get("pit_id", pit_id))
            return answer

        def hits_of(first: dict, part: int):
            result = first
            while hits := result["hits"]["hits"]:
                following = prefetch.submit(fetch, part, hits[-1]["sort"], result.get("pit_id", pit))
                yield from hits
                result = following.result()

        # Counted whole (export_body tracks the total), not per slice: a unit the slices missed
        # would make the file short of it.
        counted = {**body, "size": 0, "pit": {"id": pit, "keep_alive": KEEP_ALIVE}}
        total = whole(client.search(body=counted, params={"allow_partial_search_results": "false"}))["hits"]["total"]["value"]
        if total > MAX_EXPORT_ROWS:
            raise ExportTooLarge(total, MAX_EXPORT_ROWS)
        rows = 0
        with ThreadPoolExecutor(max_workers=SLICES, thread_name_prefix="ror-export") as prefetch:
            firsts = list(prefetch.map(lambda part: fetch(part, None, pit), range(SLICES)))

            def rows_in_order():
                nonlocal rows
                for hit in heapq.merge(*(hits_of(first, part) for part, first in enumerate(firsts)), key=order):
                    rows += 1
                    yield row_values(hit, request)

            out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
            write_workbook(rows_in_order(), out)
        if rows != total:   # never a file short of units: an error the user can retry
            out.close()
            raise TransportError(503, "export_incomplete", {"error": f"{rows} of {total} units read from the slices"})
        out.seek(0)
        return out, rows
    finally:
        client.delete_pit(body={"pit_id": sorted(pits)})


def hit_order(sort: list[dict]):
    """A key that orders hits as the engine's ``sort`` orders them, from their sort values.
    Only numbers are sorted descending (the score): a number's opposite is its descending order."""
    descending = [next(iter(clause.values())).get("order") == "desc" for clause in sort]

    def key(hit: dict) -> tuple:
        return tuple(-value if desc else value for value, desc in zip(hit["sort"], descending))
    return key


def write_workbook(rows: Iterable[list], out) -> None:
    """The export's workbook: a bold, frozen header with filters over ``rows`` (each the values of
    COLUMNS), written to ``out`` (a path or a binary file) as the rows come. Strings are string
    cells, never formulas, numbers or links; the text columns carry the quote prefix."""
    def records():
        written = False
        for values in rows:
            written = True
            yield dict(zip(TITLES, values))
        if not written:   # the header is the first record's keys: an empty search still has it
            yield dict.fromkeys(TITLES)

    as_text = Format().set_quote_prefix()
    write_worksheet(records(), out, sheet_name="Résultats", bold_headers=True, freeze_row=1, autofilter=True,
                    column_widths=dict(COLUMNS),
                    column_formats={title: as_text for title in TITLES if title not in NUMBER_COLUMNS})


def export_filename(now: datetime) -> str:
    return f"ror-recherche-{now:%Y-%m-%d}.xlsx"

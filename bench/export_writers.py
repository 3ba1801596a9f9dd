"""Excel writers side by side (issue #19, item 4): openpyxl's write-only mode, XlsxWriter in
constant-memory mode, and rust_xlsxwriter through rustpy-xlsxwriter (the export's writer:
``query_api.search.export.write_workbook``), on the same rows in the same run.

``python -m bench.export_writers [--units N] [--rows 100000]`` reads the rows of a search
with about that many UO from the benchmark's own index (bench/run.py's node and data set,
which must exist: run ``python -m bench.run --units N --keep-node`` first) into an NDJSON
file (untimed), then each writer, in its own child process, turns that file into a
workbook: wall time and the child's peak RSS (``ru_maxrss``). The workbooks are then
read back with openpyxl and compared with openpyxl's cell by cell (value, type, quote prefix
of formula-like text, bold header, widths, frozen pane, filter); a quote prefix on ordinary
text (rust_xlsxwriter puts it on every cell of a text column) is counted, not a difference.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import time
from pathlib import Path

import orjson
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from query_api.search.export import COLUMNS, FORMULA_TRIGGERS, formula_like, row_values, text_cell, write_workbook

WORK = Path("/tmp/ror-bench/export-writers")


def _rows(path: Path):
    with path.open("rb") as lines:
        for line in lines:
            yield orjson.loads(line)


def write_openpyxl(source: Path, out: Path) -> int:
    """What query_api.search.export.write_export does with each page of hits."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Résultats")
    for position, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "A2"
    header = []
    for title, _ in COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    rows = 0
    for values in _rows(source):
        sheet.append([text_cell(sheet, value) for value in values])
        rows += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{rows + 1}"
    workbook.save(out)
    return rows


def write_xlsxwriter(source: Path, out: Path) -> int:
    """The same workbook with XlsxWriter, rows streamed to disk (constant_memory)."""
    import xlsxwriter

    # Nothing from the data is read as a formula, a URL or a number: strings stay strings.
    workbook = xlsxwriter.Workbook(str(out), {"constant_memory": True, "strings_to_formulas": False,
                                              "strings_to_urls": False, "strings_to_numbers": False})
    sheet = workbook.add_worksheet("Résultats")
    bold = workbook.add_format({"bold": True})
    quoted = workbook.add_format({"quote_prefix": True})
    for position, (_, width) in enumerate(COLUMNS):
        sheet.set_column(position, position, width)
    sheet.freeze_panes(1, 0)
    for col, (title, _) in enumerate(COLUMNS):
        sheet.write_string(0, col, title, bold)
    row = 0
    for values in _rows(source):
        row += 1
        for col, value in enumerate(values):
            if value is None or value == "":   # no cell, as openpyxl wrote for an empty text (both read back as None)
                continue
            if isinstance(value, str):
                if value.startswith(FORMULA_TRIGGERS):
                    sheet.write_string(row, col, value, quoted)
                else:
                    sheet.write_string(row, col, value)
            else:
                sheet.write_number(row, col, value)
    sheet.autofilter(0, 0, row, len(COLUMNS) - 1)
    workbook.close()
    return row


def write_rust(source: Path, out: Path) -> int:
    """What the export does: the rows streamed to rust_xlsxwriter (query_api.search.export.write_workbook)."""
    rows = 0

    def counted():
        nonlocal rows
        for values in _rows(source):
            rows += 1
            yield values
    write_workbook(counted(), str(out))
    return rows


WRITERS = {"openpyxl write-only": write_openpyxl, "XlsxWriter constant_memory": write_xlsxwriter,
           "rust_xlsxwriter (rustpy-xlsxwriter)": write_rust}


def _status_mib(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _child(name: str, source: str, out: str, answer) -> None:
    import rustpy_xlsxwriter  # noqa: F401  (imported before the peak is reset, as openpyxl already is)
    import xlsxwriter  # noqa: F401

    # The peak from here on is the writer's: importing the project (nomenclatures, communes)
    # peaks higher than writing does, so the high-water mark is reset first (Linux: "5").
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_mib("VmRSS")
    t0 = time.perf_counter()
    rows = WRITERS[name](Path(source), Path(out))
    seconds = time.perf_counter() - t0
    answer.send({"rows": rows, "seconds": round(seconds, 2), "rss_before_mib": before,
                 "peak_rss_mib": _status_mib("VmHWM"),
                 "peak_rss_since_start_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                 "bytes": Path(out).stat().st_size})


def measure(name: str, source: Path, out: Path) -> dict:
    # spawn: a fresh interpreter, so the peak RSS is the writer's and not the parent's.
    context = multiprocessing.get_context("spawn")
    mine, theirs = context.Pipe()
    process = context.Process(target=_child, args=(name, str(source), str(out), theirs))
    process.start()
    result = mine.recv()
    process.join()
    return result


def compare(first: Path, second: Path) -> tuple[list[str], int]:
    """How two workbooks differ, as openpyxl reads them (empty: the same workbook), and how many
    ordinary text cells have a quote prefix in one only (a difference of form: the cell stays
    text when edited; formula-like text must have it in both)."""
    a, b = load_workbook(first).active, load_workbook(second).active
    differences = []
    quoted_apart = 0
    if a.max_row != b.max_row or a.max_column != b.max_column:
        differences.append(f"size {a.max_row}x{a.max_column} vs {b.max_row}x{b.max_column}")
    if a.freeze_panes != b.freeze_panes:
        differences.append(f"freeze panes {a.freeze_panes} vs {b.freeze_panes}")
    if a.auto_filter.ref != b.auto_filter.ref:
        differences.append(f"filter {a.auto_filter.ref} vs {b.auto_filter.ref}")
    for position in range(1, len(COLUMNS) + 1):
        letter = get_column_letter(position)
        wa, wb = a.column_dimensions[letter].width, b.column_dimensions[letter].width
        if abs((wa or 0) - (wb or 0)) > 0.72:   # XlsxWriter stores Excel's padded width (+0.71)
            differences.append(f"width of {letter}: {wa} vs {wb}")
    for row_a, row_b in zip(a.iter_rows(), b.iter_rows()):
        for ca, cb in zip(row_a, row_b):
            # An empty cell: openpyxl wrote an empty inline string, XlsxWriter writes no cell;
            # both read back as None, which is what is compared.
            type_a, type_b = (None if ca.value is None else ca.data_type), (None if cb.value is None else cb.data_type)
            quote_a, quote_b = bool(ca.quotePrefix) and ca.value is not None, bool(cb.quotePrefix) and cb.value is not None
            if quote_a != quote_b and not formula_like(ca.value):
                quoted_apart += 1
                quote_a = quote_b
            same = (ca.value, type_a, quote_a, bool(ca.font.b)) == (cb.value, type_b, quote_b, bool(cb.font.b))
            if not same:
                differences.append(f"{ca.coordinate}: {ca.value!r} {ca.data_type} q={ca.quotePrefix} b={ca.font.b} vs "
                                   f"{cb.value!r} {cb.data_type} q={cb.quotePrefix} b={cb.font.b}")
                if len(differences) > 20:
                    return differences, quoted_apart
    return differences, quoted_apart


def dump_rows(units: int, rows: int, seed: int, source: Path) -> int:
    """The rows of the search nearest ``rows`` UO, written as the export's cell values (untimed)."""
    from bench import dataset
    from bench.run import WORK_DIR, Bodies, bench_settings, paris_clock
    from indexer.engine import UNITS, alias_name, search_client
    from query_api.search.export import KEEP_ALIVE, PAGE_SIZE
    from query_api.search.queries import export_body

    data = dataset.ensure(WORK_DIR / "data", units, seed, log=print)
    settings = bench_settings(data["store_path"])
    client = search_client(settings, timeout=300)
    index = alias_name(settings, UNITS)
    bodies = Bodies(settings)
    best = None
    candidates = [[]] + [[("department", d), *extra] for d in ("75", "92", "93", "94", "78", "91", "95", "77")
                         for extra in ([], [("age", "A")], [("home_visit", "true")])]
    for params in candidates:
        count = bodies.export_count(client, index, params)
        if best is None or abs(count - rows) < abs(best[0] - rows):
            best = (count, params)
    print(f"search {best[1]}: {best[0]:,} UO")
    request, clock = bodies.search_request(best[1]), paris_clock()
    body = export_body(request, clock, PAGE_SIZE)
    pit = client.create_pit(index=index, params={"keep_alive": KEEP_ALIVE})["pit_id"]
    written = 0
    try:
        after = None
        with source.open("wb") as out:
            while True:
                page = {**body, "pit": {"id": pit, "keep_alive": KEEP_ALIVE}}
                if after is not None:
                    page["search_after"] = after
                hits = client.search(body=page)["hits"]["hits"]
                if not hits:
                    break
                for hit in hits:
                    out.write(orjson.dumps(row_values(hit, request)) + b"\n")
                written += len(hits)
                after = hits[-1]["sort"]
    finally:
        client.delete_pit(body={"pit_id": [pit]})
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.export_writers", description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--rounds", type=int, default=2, help="each writer this many times, interleaved")
    parser.add_argument("--reuse-rows", action="store_true", help="reuse the rows dumped by an earlier run")
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    source = WORK / f"rows-{args.units}-{args.rows}.ndjson"
    if args.reuse_rows and source.exists():
        rows = sum(1 for _ in source.open("rb"))
    else:
        rows = dump_rows(args.units, args.rows, args.seed, source)
    print(f"{rows:,} rows dumped")
    results: dict = {"rows": rows, "writers": {name: [] for name in WRITERS}}
    for round_ in range(args.rounds):
        for name in WRITERS:
            out = WORK / f"{name.split()[0]}.xlsx"
            result = measure(name, source, out)
            results["writers"][name].append(result)
            print(f"round {round_ + 1}: {name}: {result}")
    results["differences"] = {}
    for name in list(WRITERS)[1:]:
        differences, quoted_apart = compare(WORK / "openpyxl.xlsx", WORK / f"{name.split()[0]}.xlsx")
        results["differences"][name] = {"cells": differences, "ordinary_text_quoted_in_one_only": quoted_apart}
        print(f"{name} vs openpyxl: " + ("same workbook" if not differences else "DIFFERENT:\n  " + "\n  ".join(differences))
              + f"; ordinary text cells quote-prefixed in one only: {quoted_apart:,}")
    (WORK / "result.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(json.dumps(results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

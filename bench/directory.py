"""The « Répertoire »'s pages timed on a large store: ``python -m bench.directory --store S [--prefix P]``.

Copies nothing and starts nothing: it opens the given store (migrating it), builds the
index under ``--prefix`` on the configured engine when that alias is missing, and times
each level of the directory through the Flask app (the page's whole work: engine
aggregations, store pages, template), the deepest pages included (the last page of the
practitioners' legal entities is the largest OFFSET). Prints p50/p95 and writes
``bench/results/<date>-directory-<units>.json``.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import time
from datetime import UTC, datetime
from pathlib import Path

from catalog import repository
from catalog.store import open_store
from config import Settings
from indexer.engine import UNITS, alias_name, search_client
from indexer.reindex import reindex

RESULTS_DIR = Path(__file__).resolve().parent / "results"
WARMUP = 3


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def paths_to_time(conn) -> dict[str, str]:
    """One address per level, chosen as the heaviest of its kind in this store."""
    commune, egs = conn.execute(
        "SELECT insee, COUNT(*) AS n FROM establishments GROUP BY insee ORDER BY n DESC LIMIT 1").fetchone()
    department = commune[:2]
    group = conn.execute(
        "SELECT ej_id FROM establishments e JOIN legal_entities j ON j.id = e.ej_id WHERE j.kind = 'organisation' "
        "GROUP BY ej_id ORDER BY COUNT(*) DESC LIMIT 1").fetchone()[0]
    practitioners = conn.execute("SELECT COUNT(*) FROM legal_entities WHERE kind = 'practitioner'").fetchone()[0]
    last = max(1, -(-practitioners // 25))
    return {
        "régions (départements)": "/repertoire",
        f"département {department}": f"/repertoire/departement/{department}",
        f"commune {commune} ({egs} EG), page 1": f"/repertoire/commune/{commune}",
        f"commune {commune}, dernière page": f"/repertoire/commune/{commune}?page={max(1, -(-egs // 25))}",
        "EJ organisations, page 1": "/repertoire/entites?type=organisation",
        "EJ libéraux, page 1": "/repertoire/entites?type=practitioner",
        f"EJ libéraux, dernière page ({last})": f"/repertoire/entites?type=practitioner&page={last}",
        "EJ libéraux, lettre M": "/repertoire/entites?type=practitioner&lettre=M",
        "fiche EJ du plus grand groupe": f"/ej/{group}",
    }


def time_pages(app, paths: dict[str, str], iterations: int) -> dict[str, dict]:
    client = app.test_client()
    timings = {}
    for label, path in paths.items():
        seconds = []
        for i in range(WARMUP + iterations):
            started = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code}")
            if i >= WARMUP:
                seconds.append(elapsed)
        timings[label] = {"path": path, "p50_ms": round(percentile(seconds, 50) * 1000, 1),
                          "p95_ms": round(percentile(seconds, 95) * 1000, 1)}
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.directory")
    parser.add_argument("--store", required=True, help="a store of the size to measure (it is migrated)")
    parser.add_argument("--prefix", default="bench-directory", help="index prefix on the configured engine")
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--drop-index", action="store_true", help="delete this prefix's indexes at the end")
    args = parser.parse_args(argv)

    from query_api import create_app

    settings = dataclasses.replace(Settings.from_env(), store_path=args.store, index_prefix=args.prefix)
    store = open_store(settings.store_path)
    client = search_client(settings, timeout=120)
    with store.snapshot() as conn:
        units = repository.count_units(conn)
        paths = paths_to_time(conn)
    if not client.indices.exists_alias(name=alias_name(settings, UNITS)):
        report = reindex(store, client, settings, progress=False, grace_seconds=0)
        print(f"index: {report.documents} UO in {report.seconds:.0f} s", flush=True)
    try:
        timings = time_pages(create_app(settings), paths, args.iterations)
    finally:
        if args.drop_index:
            client.indices.delete(index=f"{args.prefix}-*", ignore_unavailable=True, expand_wildcards="all")
    for label, figures in timings.items():
        print(f"{label:<45} p50 {figures['p50_ms']:>7.1f} ms   p95 {figures['p95_ms']:>7.1f} ms")
    result = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "units": units,
              "iterations": args.iterations, "pages": timings}
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"{result['date'][:10]}-directory-{units}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"→ {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

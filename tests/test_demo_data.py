"""The demo data set: reproducible from its seed, realistic, loaded through the real importer."""
from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict

import pytest

from catalog import repository
from catalog.communes import communes
from catalog.demo import NAMED_STREETS, PRACTICE_LANDMARKS, PRACTICE_SAINTS, TREES, DemoFiles, generate, load
from catalog.nomenclature import nomenclature
from catalog.phone import normalize_phone
from catalog.repository import HOME_VISIT_APTITUDE
from catalog.rpps_import import EXTRACT_COLUMNS, extract_header
from catalog.schedule import validate_week
from catalog.store import open_store
from query_api import create_app
from query_api.search.places import haversine_km

PHYSIOS = 300




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


# --- names -----------------------------------------------------------------------------------

def words(text: str) -> tuple[str, ...]:
    """Lower-case words without accents: « Saint-Maur-des-Fossés » -> ('saint', 'maur', 'des', 'fosses')."""
    text = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    return tuple(re.findall(r"[a-z0-9]+", text))


def commune_names() -> dict[tuple[str, ...], set[str]]:
    """Each commune's name as words -> the INSEE codes it names (« Paris » names every arrondissement)."""
    names: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for commune in communes().values():
        names[words(commune.name.replace(" Arrondissement", ""))].add(commune.insee)
        if commune.insee.startswith("751"):
            names[("paris",)].add(commune.insee)
    return names


def communes_named_in(text: str, names: dict) -> list[set[str]]:
    """The communes a text names, longest name first (« Saint-Maur-des-Fossés » does not name Fosses)."""
    found, tokens, longest, at = [], words(text), max(map(len, names)), 0
    while at < len(tokens):
        size = next((k for k in range(longest, 0, -1) if tokens[at:at + k] in names), 0)
        if size:
            found.append(names[tokens[at:at + size]])
        at += size or 1
    return found


def test_the_words_practices_are_named_after_name_no_commune():
    names = commune_names()
    for word in (*PRACTICE_LANDMARKS, *PRACTICE_SAINTS, *NAMED_STREETS, *TREES):
        assert communes_named_in(word, names) == [], word


def test_an_establishment_whose_name_names_a_commune_is_in_that_commune(demo):
    _, store, _, _ = demo
    names = commune_names()
    with store.snapshot() as conn:
        establishments = conn.execute("SELECT name, insee FROM establishments").fetchall()
    naming = [(eg["name"], eg["insee"], named) for eg in establishments for named in communes_named_in(eg["name"], names)]

    assert len(naming) > 10           # « SCM KINE VERSAILLES », « Centre hospitalier de Meaux »…
    assert [(name, insee) for name, insee, named in naming if insee not in named] == []


def test_practice_names_are_varied_and_look_like_real_ones(demo):
    _, store, _, _ = demo
    with store.snapshot() as conn:
        rows = conn.execute(
            "SELECT e.id, e.name, p.last_name FROM units u JOIN establishments e ON e.id = u.eg_id "
            "JOIN practitioners p ON p.rpps = u.owner_rpps").fetchall()
    names = {row["id"]: row["name"] for row in rows}
    counts = Counter(names.values())

    assert len(counts) > 0.6 * len(names)
    assert counts.most_common(1)[0][1] <= max(3, 0.03 * len(names))
    for start in ("Cabinet de kinésithérapie ", "Centre Kiné ", "Kiné Santé ", "Cabinet de "):
        assert any(name.startswith(start) for name in counts), start
    # Named after their practitioners: a solo practice by default, some group practices too.
    surnames = defaultdict(set)
    for row in rows:
        surnames[row["id"]].add(words(row["last_name"]))
    assert sum(any(set(last) <= set(words(names[eg])) for last in surnames[eg]) for eg in names) > 0.3 * len(names)


def test_typing_the_start_of_a_town_suggests_establishments_of_that_town_only(demo_index):
    """« vers » once suggested « Kiné de Versailles » practices of Champigny and Suresnes."""
    api = create_app(demo_index).test_client()
    with open_store(demo_index.store_path).snapshot() as conn:
        where = {row["id"]: row["insee"] for row in conn.execute("SELECT id, insee FROM establishments")}
    places = communes()
    busiest = Counter(where.values())
    towns = [places[insee] for insee, _ in busiest.most_common(60)
             if re.fullmatch(r"[A-Za-zÀ-ÿ]{6,}", places[insee].name)][:20]
    names = commune_names()
    naming_a_town = 0
    for town in [places["78646"], *towns]:
        typed = words(town.name)[0][:5]
        body = api.get(f"/api/v1/suggest?field=where&q={typed}&size=20").get_json()
        for item in body["suggestions"]:
            if item["type"] != "establishment":
                continue
            for named in communes_named_in(item["label"], names):
                naming_a_town += 1
                assert where[item["id"]] in named, (typed, item)
    assert naming_a_town >= 10

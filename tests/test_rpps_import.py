"""The RPPS importer: the ANS extract, its two layouts, its defects, re-imports."""
from __future__ import annotations

import random

import pytest

from catalog import repository
from catalog.communes import communes
from catalog.identifiers import make_rpps
from catalog.phone import normalize_phone
from catalog.rpps_import import (
    EXTRACT_COLUMNS,
    LEGACY_COLUMNS,
    BadLine,
    RppsFormatError,
    RppsLine,
    format_summary,
    import_extract,
    normalize_phone_fast,
    read_extract,
)
from catalog.store import open_store
from query_api.search.places import haversine_km
from tests.rpps_lines import BOULOGNE, VERSAILLES, extract, physio
from tests.stores import fresh_location

pytestmark = pytest.mark.both_stores   # runs on SQLite and on PostgreSQL (tests/conftest.py)


@pytest.fixture
def store(settings, tmp_path):
    return open_store(fresh_location(settings, tmp_path))


def outbox_rows(store) -> list[tuple[str, int]]:
    with store.snapshot() as conn:
        return [(r["unit_id"], r["revision"]) for r in conn.execute("SELECT unit_id, revision FROM outbox ORDER BY id")]


# --- layouts and encodings ------------------------------------------------------------

@pytest.mark.parametrize("columns", [EXTRACT_COLUMNS, LEGACY_COLUMNS], ids=["56-columns", "52-columns"])
def test_import_creates_practitioner_site_and_unit_from_either_layout(store, columns):
    line = physio(1, **{"Raison sociale site": ""})
    summary = import_extract(store, extract(line, columns=columns))

    rpps = make_rpps(1)
    assert (summary.lines_read, summary.practitioners_created, summary.establishments_created, summary.units_created) == (1, 1, 1, 1)
    with store.snapshot() as conn:
        practitioner = repository.get_practitioner(conn, rpps)
        eg = repository.get_establishment(conn, "EG-R10000000000001")
        unit = repository.get_unit(conn, f"UO-{rpps}-R10000000000001")
        persons = repository.resource_persons(conn, unit["id"])
    assert (practitioner["civility"], practitioner["last_name"], practitioner["first_name"], practitioner["profession"]) == ("Madame", "DURAND1", "Claire", "70")
    assert eg["name"] == "Cabinet de Claire DURAND1"
    assert eg["ej_id"] == "EJ-R10000000000001" and eg["ej_name"] == eg["name"]
    assert (eg["address"], eg["postal_code"], eg["insee"]) == ("12 B rue de la Paix", "78000", VERSAILLES)
    assert (eg["category"], eg["sector"], eg["source"], eg["phone"]) == ("LIBERAL", "SA07", "rpps", "+33139123456")
    assert (unit["uo_type"], unit["name"], unit["owner_rpps"], unit["eg_id"]) == ("CONSULT_KINE", "Consultation kinésithérapie", rpps, eg["id"])
    assert (unit["aptitudes"], unit["week"], unit["home_visit"], unit["revision"]) == ([], {}, False, 1)
    assert [(p["source"], p["rpps"], p["name"]) for p in persons] == [("rpps", rpps, "Claire DURAND1")]
    assert outbox_rows(store) == [(unit["id"], 1)]


def test_import_reads_a_file_with_bom_and_crlf_line_endings(store, tmp_path):
    path = tmp_path / "PS_LibreAcces_Personne_activite_202601010000.txt"
    text = "".join(extract(physio(1), physio(2, structure="R10000000000002"), newline="\r\n"))
    path.write_bytes(("\ufeff" + text).encode("utf-8"))

    summary = import_extract(store, path)

    assert (summary.lines_read, summary.bad_line_count, summary.units_created) == (2, 0, 2)
    with store.snapshot() as conn:
        assert repository.get_establishment(conn, "EG-R10000000000002")["address"] == "12 B rue de la Paix"


def test_columns_are_matched_by_name_not_by_position(store):
    shuffled = list(EXTRACT_COLUMNS)
    random.Random(5).shuffle(shuffled)

    summary = import_extract(store, extract(physio(1), columns=shuffled))

    assert summary.units_created == 1 and summary.bad_line_count == 0
    with store.snapshot() as conn:
        assert repository.get_practitioner(conn, make_rpps(1))["last_name"] == "DURAND1"


def test_a_file_that_is_not_an_rpps_extract_is_refused(store, tmp_path):
    path = tmp_path / "communes.csv"
    path.write_text("insee,name,postal_codes\n78646,Versailles,78000\n", encoding="utf-8")

    with pytest.raises(RppsFormatError, match="n'est pas une extraction RPPS"):
        import_extract(store, path)
    with pytest.raises(RppsFormatError, match="vide"):
        import_extract(store, [])


def test_a_header_missing_a_needed_column_names_it(store):
    columns = [c for c in EXTRACT_COLUMNS if c != "Code profession"]

    with pytest.raises(RppsFormatError, match="Code profession"):
        import_extract(store, extract(physio(1), columns=columns))


# --- defects, filters -----------------------------------------------------------------

def test_broken_lines_are_reported_with_number_and_reason_while_the_rest_loads(store):
    good = physio(1)
    bad_key = physio(2, structure="R2")
    bad_key["Identifiant PP"] = bad_key["Identifiant PP"][:-1] + str((int(bad_key["Identifiant PP"][-1]) + 1) % 10)
    unknown_commune = physio(3, structure="R3", insee="75999")
    no_identifier = physio(4, structure="R4", **{"Identifiant PP": ""})
    lines = extract(good, bad_key, unknown_commune, no_identifier, physio(5, structure="R5"))
    lines.insert(3, "8|10000000009|810000000009|cut here|\n")   # becomes line 4

    summary = import_extract(store, lines)

    assert summary.lines_read == 6
    assert summary.units_created == 2
    reasons = {bad.line_number: bad.reason for bad in summary.bad_lines}
    assert sorted(reasons) == [3, 4, 5, 6] and summary.bad_line_count == 4
    assert "clé de contrôle" in reasons[3] and bad_key["Identifiant PP"] in reasons[3]
    assert reasons[4] == "nombre de colonnes incorrect : 4 au lieu de 56"
    assert "75999" in reasons[5] and "inconnu" in reasons[5]
    assert "identifiant" in reasons[6]
    report = format_summary(summary)
    assert "Lignes en erreur : 4" in report and "ligne 4 : nombre de colonnes incorrect" in report


def test_lines_outside_the_region_and_of_other_professions_are_counted_not_reported(store):
    lyon = physio(2, structure="R2", insee="69123", **{"Code postal (coord. structure)": "69003"})
    doctor = physio(3, structure="R3", **{"Code profession": "10", "Libellé profession": "Médecin"})
    no_site = physio(4, structure="", insee="")

    summary = import_extract(store, extract(physio(1), lyon, doctor, no_site))

    assert (summary.skipped_outside_region, summary.skipped_other_professions, summary.skipped_without_site) == (1, 1, 1)
    assert summary.bad_line_count == 0 and summary.units_created == 1
    report = format_summary(summary)
    assert "1 hors Île-de-France" in report and "1 d'autres professions" in report


def test_a_profession_without_a_liberal_unit_type_is_skipped_with_a_reason(store):
    nurse = physio(2, structure="R2", **{"Code profession": "60", "Libellé profession": "Infirmier"})

    summary = import_extract(store, extract(physio(1), nurse), professions=("70", "60"))

    assert (summary.units_created, summary.skipped_without_unit_type, summary.skipped_other_professions) == (1, 1, 0)
    assert "faute de type d'UO" in format_summary(summary)


def test_read_extract_says_why_a_line_is_skipped():
    lyon = physio(2, structure="R2", insee="69123")
    doctor = physio(3, structure="R3", **{"Code profession": "10"})

    items = list(read_extract(extract(physio(1), lyon, doctor), professions={"70"}))

    assert [type(item) for item in items] == [RppsLine, RppsLine, RppsLine]
    assert [item.skipped for item in items] == [None, "region", "profession"]
    assert [item.line_number for item in items] == [2, 3, 4]
    assert items[0].address == "12 B rue de la Paix"


def test_an_invalid_rpps_of_another_profession_is_not_ours_to_report():
    doctor = physio(3, **{"Code profession": "10", "Identifiant PP": "12345678901"})

    items = list(read_extract(extract(doctor), professions={"70"}))

    assert not any(isinstance(item, BadLine) for item in items)


def test_paris_given_as_the_whole_city_is_placed_in_its_arrondissement(store):
    line = physio(1, insee="75056", **{"Code postal (coord. structure)": "75015"})

    import_extract(store, extract(line))

    with store.snapshot() as conn:
        assert repository.get_establishment(conn, "EG-R10000000000001")["insee"] == "75115"


def test_an_invalid_rpps_phone_is_dropped_not_shown(store):
    import_extract(store, extract(physio(1, **{"Téléphone (coord. structure)": "0712345678"})))

    with store.snapshot() as conn:
        assert repository.get_establishment(conn, "EG-R10000000000001")["phone"] is None


# --- sites ----------------------------------------------------------------------------

def test_a_group_practice_is_one_establishment_named_after_its_company(store):
    company = {"Raison sociale site": "SCM KINE DE LA GARE"}
    lines = [physio(n, structure="R77", **company) for n in (1, 2, 3)]

    summary = import_extract(store, extract(*lines))

    assert (summary.establishments_created, summary.units_created) == (1, 3)
    with store.snapshot() as conn:
        assert repository.get_establishment(conn, "EG-R77")["name"] == "SCM KINE DE LA GARE"
        assert len(repository.units_of_establishment(conn, "EG-R77")) == 3


def test_a_trade_name_wins_over_the_company_name(store):
    line = physio(1, **{"Raison sociale site": "SCM KINE", "Enseigne commerciale site": "Kiné du Parc"})

    import_extract(store, extract(line))

    with store.snapshot() as conn:
        assert repository.get_establishment(conn, "EG-R10000000000001")["name"] == "Kiné du Parc"


def test_a_site_without_structure_id_gets_a_stable_key_per_practitioner(store):
    lines = extract(physio(1, structure=""), physio(2, structure=""))

    import_extract(store, lines)
    again = import_extract(store, lines)

    with store.snapshot() as conn:
        ids = [r["id"] for r in conn.execute("SELECT id FROM establishments ORDER BY id")]
        units = [r["id"] for r in conn.execute("SELECT id FROM units ORDER BY id")]
    assert len(ids) == 2 and all(i.startswith("EG-H") for i in ids)
    assert sorted(u.split("-", 2)[2] for u in units) == sorted(i[3:] for i in ids)
    assert (again.establishments_created, again.units_created) == (0, 0)


def test_practices_of_one_commune_are_spread_within_400_metres_of_its_point(store):
    lines = [physio(n, structure=f"R{n}") for n in range(1, 41)]

    import_extract(store, extract(*lines))

    town = communes()[VERSAILLES]
    with store.snapshot() as conn:
        points = [(r["lat"], r["lon"]) for r in conn.execute("SELECT lat, lon FROM establishments")]
    distances = [1000 * haversine_km(town.lat, town.lon, lat, lon) for lat, lon in points]
    assert len(set(points)) == 40
    assert max(distances) <= 401
    assert sum(d > 100 for d in distances) > 20      # spread, not stacked on the town hall


def test_a_practitioner_with_two_sites_has_two_units(store):
    first = physio(1, structure="R1")
    second = physio(1, structure="R2", insee=BOULOGNE)

    summary = import_extract(store, extract(first, second))

    assert (summary.practitioners_created, summary.establishments_created, summary.units_created) == (1, 2, 2)
    with store.snapshot() as conn:
        assert [u["eg_id"] for u in repository.units_of_owner(conn, make_rpps(1))] == ["EG-R1", "EG-R2"]


# --- re-imports -----------------------------------------------------------------------

def test_reimport_creates_nothing_and_keeps_what_the_practitioner_entered(store):
    lines = extract(physio(1), physio(2, structure="R2"))
    import_extract(store, lines)
    unit_id = f"UO-{make_rpps(1)}-R10000000000001"
    edits = {"phone": "+33139000001", "aptitudes": ["KINE_REEDUC_RACHIS"], "week": {1: [(540, 720)]}, "comments": "Cabinet au 1er étage."}
    with store.transaction() as conn:
        edited = repository.update_unit(conn, unit_id, edits, actor="account:1")
    queued_before = outbox_rows(store)

    summary = import_extract(store, lines)

    assert (summary.practitioners_created, summary.practitioners_updated) == (0, 0)
    assert (summary.establishments_created, summary.establishments_updated, summary.units_created) == (0, 0, 0)
    with store.snapshot() as conn:
        unit = repository.get_unit(conn, unit_id)
        assert len(repository.resource_persons(conn, unit_id)) == 1
    assert unit == edited
    assert outbox_rows(store) == queued_before


def test_an_rpps_address_change_updates_the_establishment_and_requeues_its_units(store):
    company = {"Raison sociale site": "SCM KINE"}
    import_extract(store, extract(physio(1, **company), physio(2, **company)))
    unit_ids = [f"UO-{make_rpps(n)}-R10000000000001" for n in (1, 2)]
    with store.transaction() as conn:
        repository.update_unit(conn, unit_ids[0], {"comments": "Parking."}, actor="account:1")
    moved = {**company, "Numéro Voie (coord. structure)": "3", "Indice répétition voie (coord. structure)": "",
             "Libellé type de voie (coord. structure)": "Avenue", "Libellé Voie (coord. structure)": "de Paris"}

    summary = import_extract(store, extract(physio(1, **moved), physio(2, **moved)))

    assert summary.establishments_updated == 1 and summary.units_created == 0
    with store.snapshot() as conn:
        eg = repository.get_establishment(conn, "EG-R10000000000001")
        units = [repository.get_unit(conn, unit_id) for unit_id in unit_ids]
        audit = [r["field"] for r in conn.execute("SELECT field FROM audit_log WHERE target_type = 'EG' AND actor = 'rpps-import'")]
    assert eg["address"] == "3 avenue de Paris" and eg["revision"] == 2
    assert [u["revision"] for u in units] == [3, 2]
    assert units[0]["comments"] == "Parking."
    assert sorted(outbox_rows(store)[-2:]) == [(unit_ids[0], 3), (unit_ids[1], 2)]
    assert audit == ["address"]


def test_a_practitioner_renamed_in_the_rpps_is_renamed_everywhere(store):
    company = {"Raison sociale site": "SCM KINE"}
    import_extract(store, extract(physio(1, **company)))
    unit_id = f"UO-{make_rpps(1)}-R10000000000001"

    summary = import_extract(store, extract(physio(1, **company, **{"Nom d'exercice": "MARTIN"})))

    assert summary.practitioners_updated == 1
    with store.snapshot() as conn:
        assert repository.get_practitioner(conn, make_rpps(1))["last_name"] == "MARTIN"
        assert [p["name"] for p in repository.resource_persons(conn, unit_id)] == ["Claire MARTIN"]
        assert repository.get_unit(conn, unit_id)["revision"] == 2
    assert outbox_rows(store)[-1] == (unit_id, 2)


def test_progress_is_told_every_line_read(store):
    told = []
    lines = extract(*(physio(n, structure=f"R{n}") for n in range(1, 8)))

    summary = import_extract(store, lines, progress=told.append)

    assert sum(told) == summary.lines_read == 7


# --- phones ---------------------------------------------------------------------------

def test_fast_phone_normalisation_agrees_with_normalize_phone():
    rng = random.Random(42)

    def outcome(function, text, mobile):
        try:
            return function(text, mobile=mobile)
        except ValueError as error:
            return str(error)

    for _ in range(5_000):
        digits = f"0{rng.randrange(1, 10)}{rng.randrange(10**8):08d}"
        text = digits if rng.random() < 0.5 else " ".join(digits[i:i + 2] for i in range(0, 10, 2))
        mobile = rng.random() < 0.5
        assert outcome(normalize_phone_fast, text, mobile) == outcome(normalize_phone, text, mobile), text


def test_a_line_with_a_nul_character_is_a_bad_line_and_the_others_are_imported(store):
    broken = physio(2, structure="R2", **{"Nom d'exercice": "DUR\x00AND"})
    summary = import_extract(store, extract(physio(1), broken, physio(3, structure="R3")))

    assert summary.units_created == 2
    assert [(bad.line_number, bad.reason) for bad in summary.bad_lines] == [(3, "caractère nul (\\0) dans la ligne")]
    with store.snapshot() as conn:
        assert conn.execute("SELECT COUNT(*) FROM practitioners").fetchone()[0] == 2

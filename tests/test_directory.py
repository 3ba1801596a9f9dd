"""The « Répertoire »: department → commune → establishments, legal entity → establishments → UO, the EJ sheet."""
from __future__ import annotations

import re

import pytest

from catalog import directory
from catalog.identifiers import make_rpps
from catalog.rpps_import import EXTRACT_COLUMNS, format_extract_line, import_extract
from catalog.store import open_store
from indexer.reindex import reindex
from query_api import create_app
from tests import directory_fixture as fx
from tests import offer_fixture


@pytest.fixture(scope="module")
def world(settings, search, tmp_path_factory):
    mine = fx.world_settings(settings, tmp_path_factory.mktemp("directory"), "directory")
    store = fx.open_world(mine)
    reindex(store, search, mine, progress=False, grace_seconds=0)
    return create_app(mine), store


def _row_units(html: str, attribute: str, value: str) -> int:
    """The « Unités » figure of one table row of a directory page."""
    row = re.search(rf'<tr {attribute}="{re.escape(value)}">(.*?)</tr>', html, re.S)
    assert row, f"no row {attribute}={value}"
    return int(re.search(r"<td class=\"num\" data-units>([0-9\u202f]+)</td>", row.group(1)).group(1).replace("\u202f", ""))


def test_departments_show_the_units_counted_from_the_data(world):
    app, _ = world
    html = app.test_client().get("/repertoire").get_data(as_text=True)
    expected = fx.units_by_department()
    for department, units in expected.items():
        assert _row_units(html, "data-department", department) == units
    assert _row_units(html, "data-department", "93") == 0       # no offer there: shown at zero, not a link
    assert 'href="/repertoire/departement/93"' not in html


def test_a_department_lists_its_communes_and_a_commune_its_establishments(world):
    app, _ = world
    client = app.test_client()
    html = client.get("/repertoire/departement/78").get_data(as_text=True)
    # Versailles: EG-VER1 (UO-A, UO-B) and EG-HOSP (three UO).
    assert _row_units(html, "data-insee", "78646") == 5
    assert _row_units(html, "data-insee", "78517") == 2          # Rambouillet: UO-D and the group's second site
    names = re.findall(r'<tr data-insee="\d+">\s*<th scope="row"><a [^>]*>([^<]+)</a>', html)
    assert names == sorted(names)                                 # by name (Le Chesnay, Rambouillet, Versailles)
    html = client.get("/repertoire/commune/78646").get_data(as_text=True)
    assert _row_units(html, "data-eg", "EG-HOSP") == 3 and _row_units(html, "data-eg", "EG-VER1") == 2
    assert 'href="/eg/EG-HOSP"' in html and f'href="/ej/{fx.GROUP_EJ}"' in html


def test_bad_directory_addresses_are_french_4xx(world):
    app, _ = world
    client = app.test_client()
    assert client.get("/repertoire/departement/13").status_code == 404
    assert client.get("/repertoire/commune/99999").status_code == 404
    bad_page = client.get("/repertoire/commune/78646?page=abc")
    assert bad_page.status_code == 400 and "numéro de page" in bad_page.get_data(as_text=True)
    assert client.get("/repertoire/commune/78646?page=9").status_code == 404
    assert client.get("/repertoire/entites?type=autre").status_code == 400
    assert client.get("/repertoire/entites?lettre=%C3%A9").status_code == 400
    assert client.get("/ej/EJ-NOPE").status_code == 404


def test_legal_entities_are_listed_by_kind_and_initial_with_counts(world):
    app, store = world
    client = app.test_client()
    html = client.get("/repertoire/entites?type=organisation").get_data(as_text=True)
    assert _row_units(html, "data-ej", fx.GROUP_EJ) == 4           # three at Versailles, one at Rambouillet
    assert f"FINESS {fx.GROUP_FINESS}" in html
    assert 'data-ej="EJ-VER1"' not in html                          # a practitioner's EJ is under the other tab
    practitioners = client.get("/repertoire/entites?type=practitioner&lettre=C").get_data(as_text=True)
    expected = sorted(name for eg_id, name, category, *_ in offer_fixture.ESTABLISHMENTS if category == "LIBERAL")
    assert re.findall(r'<tr data-ej="[^"]+">\s*<th scope="row"><a [^>]*>([^<]+)</a>', practitioners) == \
        [name.replace("'", "&#39;") for name in expected]
    with store.snapshot() as conn:
        assert directory.legal_entities(conn, "practitioner", initial="Z", page=1, per_page=5) == (0, [])


def test_the_ej_sheet_shows_identifiers_establishments_units_and_the_anomaly_button(world):
    app, _ = world
    html = app.test_client().get(f"/ej/{fx.GROUP_EJ}").get_data(as_text=True)
    assert f"<dd data-finess>{fx.GROUP_FINESS}</dd>" in html and f"<dd data-siren>{fx.GROUP_SIREN}</dd>" in html
    assert "177 rue de Versailles" in html
    assert re.findall(r'<article class="directory-eg" data-eg="([^"]+)"', html) == ["EG-HOSP", "EG-HOSP-RAMB"]
    for unit in ("UO-H1", "UO-H2", "UO-H3", "UO-R1"):
        assert f'href="/uo/{unit}"' in html
    assert f'value="EJ|{fx.GROUP_EJ}"' in html and "Signaler une anomalie" in html
    # The EG sheet links its EJ.
    assert f'href="/ej/{fx.GROUP_EJ}"' in app.test_client().get("/eg/EG-HOSP").get_data(as_text=True)


def test_an_anomaly_on_an_ej_reaches_the_cell_with_a_link_to_the_sheet(world):
    app, _ = world
    client = fx.signed_in(app, fx.PRACTITIONER_RPPS, fx.PRACTITIONER_PASSWORD)
    sent = fx.send(client, "POST", "/api/v1/anomalies",
                   {"target_type": "EJ", "target_id": fx.GROUP_EJ, "message": "Le SIREN a changé après la fusion."})
    assert sent.status_code == 201, sent.get_json()
    admin = fx.signed_in(app, fx.ADMIN_EMAIL, fx.ADMIN_PASSWORD)
    queue = admin.get("/cellule/anomalies?target_type=EJ").get_data(as_text=True)
    assert f'href="/ej/{fx.GROUP_EJ}"' in queue


def test_rpps_import_stores_the_finess_and_siren_the_extract_gives(tmp_path):
    store = open_store(tmp_path / "s.sqlite3")
    base = {"Type d'identifiant PP": "8", "Nom d'exercice": "MARTIN", "Prénom d'exercice": "Julie",
            "Code profession": "70", "Libellé profession": "Masseur-Kinésithérapeute",
            "Code postal (coord. structure)": "78000", "Code commune (coord. structure)": "78646",
            "Libellé Voie (coord. structure)": "de la Paroisse", "Libellé type de voie (coord. structure)": "Rue",
            "Numéro Voie (coord. structure)": "12"}
    lines = ["|".join(EXTRACT_COLUMNS) + "|",
             format_extract_line({**base, "Identifiant PP": make_rpps(1), "Identifiant technique de la structure": "S1",
                                  "Numéro SIREN site": "123456789", "Numéro FINESS établissement juridique": "780123456"}),
             format_extract_line({**base, "Identifiant PP": make_rpps(2), "Identifiant technique de la structure": "S2",
                                  "Numéro SIREN site": "12AB", "Numéro FINESS établissement juridique": ""})]
    summary = import_extract(store, lines)
    assert summary.units_created == 2
    with store.snapshot() as conn:
        first, second = directory.legal_entity(conn, "EJ-S1"), directory.legal_entity(conn, "EJ-S2")
    assert (first["finess"], first["siren"], first["address"], first["insee"]) == ("780123456", "123456789", "12 rue de la Paroisse", "78646")
    assert (second["finess"], second["siren"]) == (None, None)        # a garbled SIREN is left out, not shown

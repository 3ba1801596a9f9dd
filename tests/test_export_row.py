"""The export's row of a unit, built with its document (indexer/export_row.py). Pure: no engine."""
from __future__ import annotations

import orjson

from indexer.documents import unit_document
from indexer.export_row import UNIT_COLUMNS, decode_row, encode_row
from query_api.search.export import SEARCH_CELLS_AT, TITLES


def _record(**changes) -> dict:
    record = {
        "id": "UO-1", "name": "Cabinet de kinésithérapie", "uo_type": "CONSULT_KINE", "profession": "70",
        "aptitudes": ["KINE_REEDUC_VESTIBULAIRE"], "comments": "", "owner_name": "Anne Martin",
        "establishment": {"id": "EG-1", "name": "=Cabinet Martin", "address": "1 rue de Paris", "postal_code": "78000",
                          "insee": "78646", "lat": 48.8, "lon": 2.13, "category": "cabinet", "ej_id": None, "ej_name": None},
        # Thursday before Monday in the stored JSON: the row lists the days in week order.
        "week_json": orjson.dumps({"4": [[840, 1080]], "1": [[540, 750], [840, 1080]]}).decode(),
        "age_min": 0, "age_max": None, "home_visit": True, "home_visit_communes": ["78646"],
        "open_on_holidays": False, "phone": "+33123456789", "revision": 3,
        "updated_at": "2026-11-30T10:00:00+00:00", "created_at": "2026-01-01T00:00:00+00:00",
    }
    return {**record, **changes}


def test_the_row_holds_the_units_cells_as_the_export_shows_them():
    document = unit_document(_record())
    row = dict(zip(UNIT_COLUMNS, decode_row(document["row"]), strict=True))
    assert row == {
        "Établissement": "=Cabinet Martin", "Unité (UO)": "Cabinet de kinésithérapie", "Praticien": "Anne Martin",
        "Adresse": "1 rue de Paris", "Code postal": "78000", "Commune": "Versailles", "Téléphone": "01 23 45 67 89",
        "Aptitudes": ", ".join(document["aptitude_labels"]), "Patients": "Enfants, Adultes", "Domicile": "oui",
        "Semaine type": "lundi 9h-12h30 14h-18h ; jeudi 14h-18h", "Identifiant UO": "UO-1",
    }
    assert document["aptitude_labels"]


def test_empty_fields_give_the_exports_words_or_empty_cells():
    document = unit_document(_record(aptitudes=[], age_min=None, age_max=None, home_visit=False, phone=None,
                                     owner_name=None, week_json="{}"))
    row = dict(zip(UNIT_COLUMNS, decode_row(document["row"]), strict=True))
    assert (row["Aptitudes"], row["Patients"], row["Domicile"], row["Téléphone"], row["Praticien"], row["Semaine type"]) \
        == ("Généraliste", "", "non", "", "", "")


def test_the_row_decodes_as_the_engine_returns_it_without_base64_padding():
    for cells in (["a"], ["é" * n for n in range(1, 5)], ["", "x;y", "\t=1+1"]):
        encoded = encode_row(cells)
        assert decode_row(encoded.rstrip("=")) == cells


def test_the_export_columns_are_the_rows_with_the_searchs_cells_among_them():
    search_cells = ("Distance (km)", "Trajet (min)", "Ouvert maintenant")
    assert TITLES[SEARCH_CELLS_AT:SEARCH_CELLS_AT + 3] == list(search_cells)
    assert tuple(t for t in TITLES if t not in search_cells) == UNIT_COLUMNS

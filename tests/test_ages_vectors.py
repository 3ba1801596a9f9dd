"""The server reads the patients' ages of every case of tests/vectors/ages.json as written there.

The sheet form's live summary (ages.js) runs the same file in tests/test_browser_ages.py: what
the form says while typing is what the server will accept, or refuse in the same words.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from marshmallow import ValidationError

from catalog.schemas import UnitSheetSchema
from indexer.documents import patients
from query_api.errors import all_errors
from query_api.web.pages import patients_text

CASES = json.loads((Path(__file__).parent / "vectors" / "ages.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['age_min']!r}-{c['age_max']!r}" for c in CASES])
def test_server_reads_each_shared_ages_case(case):
    sheet = {"revision": 1, "age_min": case["age_min"], "age_max": case["age_max"]}
    if "errors" in case:
        with pytest.raises(ValidationError) as raised:
            UnitSheetSchema().load(sheet)
        assert all_errors(raised.value) == case["errors"]
        return
    loaded = UnitSheetSchema().load(sheet)
    low, high = loaded["age_min"], loaded["age_max"]
    flags = patients(low, high)
    shown = None if low is None else patients_text({"age_min": low, "age_max": high, "flags": flags})
    assert (shown, flags) == (case["shown"], case["flags"])


def test_the_shared_ages_cases_cover_every_rule():
    # An inverted range, one age alone each way, out of range, not a number, and valid ranges.
    messages = {e["message"] for c in CASES for e in c.get("errors", [])}
    assert {"L'âge maximum doit être supérieur ou égal à l'âge minimum.",
            "Indiquez aussi l'âge maximum des patients accueillis.",
            "Indiquez aussi l'âge minimum des patients accueillis.",
            "L'âge minimum doit être compris entre 0 et 120 ans.",
            "L'âge maximum doit être un nombre entier d'années."} <= messages
    assert sum("shown" in c for c in CASES) >= 8

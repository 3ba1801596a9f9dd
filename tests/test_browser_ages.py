"""The sheet form's live ages summary (ages.js, as the app serves it) reads every case of
tests/vectors/ages.json exactly as the server does (tests/test_ages_vectors.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from query_api import create_app
from tests.browser import LiveServer, run_module_on_cases

CASES = json.loads((Path(__file__).parent / "vectors" / "ages.json").read_text(encoding="utf-8"))["cases"]


@pytest.fixture(scope="module")
def live(settings, search):
    with LiveServer(create_app(settings)) as server:
        yield server


def test_browser_reads_each_shared_ages_case_like_the_server(browser, live):
    results, problems = run_module_on_cases(browser, live.url, "ages.js", "m.readAges(c.age_min, c.age_max)", CASES)
    expected = [{"errors": c["errors"]} if "errors" in c else {"shown": c["shown"], "flags": c["flags"]} for c in CASES]
    disagreements = [(case, got) for case, got, want in zip(CASES, results, expected) if got != want]
    assert len(results) == len(CASES) and disagreements == []
    assert problems == []

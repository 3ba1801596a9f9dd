"""The browser's week-text parser (week.js, as the app serves it) reads every case of
tests/vectors/week_text.json exactly as catalog.schedule does (tests/test_week_text_vectors.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from query_api import create_app
from tests.browser import LiveServer, run_module_on_cases

CASES = json.loads((Path(__file__).parent / "vectors" / "week_text.json").read_text(encoding="utf-8"))["cases"]


@pytest.fixture(scope="module")
def live(settings, search):
    with LiveServer(create_app(settings)) as server:
        yield server


def test_browser_parser_reads_each_shared_case_like_the_server(browser, live):
    results, problems = run_module_on_cases(browser, live.url, "week.js", "m.parseDay(c.text, c.day)", CASES)
    disagreements = [
        (case, got) for case, got in zip(CASES, results)
        if got != ({"error": case["error"]} if "error" in case else {"slots": case["slots"]})
    ]
    assert len(results) == len(CASES) and disagreements == []
    assert problems == []

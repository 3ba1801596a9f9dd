"""The server's week-text parser reads every case of tests/vectors/week_text.json as written there.

The browser's parser (week.js) runs the same file in tests/test_browser_week_text.py, so a
case added for one is a case for both.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog.schedule import ScheduleError, parse_day_text

CASES = json.loads((Path(__file__).parent / "vectors" / "week_text.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['day']}:{c['text']!r}" for c in CASES])
def test_server_parser_reads_each_shared_case(case):
    if "error" in case:
        with pytest.raises(ScheduleError) as raised:
            parse_day_text(case["text"], case["day"])
        assert raised.value.message == case["error"]
    else:
        assert [list(slot) for slot in parse_day_text(case["text"], case["day"])] == case["slots"]


def test_the_shared_cases_cover_valid_and_invalid_days():
    # A file that lost its errors (or its slots) would let the two parsers drift on them.
    assert sum("error" in c for c in CASES) >= 8 and sum("slots" in c for c in CASES) >= 20

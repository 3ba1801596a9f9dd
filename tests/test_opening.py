"""Next opening and closing of a typical week, in French, public holidays included."""
from __future__ import annotations

from datetime import datetime

import pytest

from catalog.opening import Change, describe_change, next_change
from catalog.schedule import PARIS

# Monday to Friday 8h30-12h30 and 14h-19h30; Saturday 9h-12h.
WEEK = {d: [(510, 750), (840, 1170)] for d in range(1, 6)} | {6: [(540, 720)]}


def paris(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def said(week, at: str, holidays: bool = False) -> str | None:
    moment = paris(at)
    return describe_change(next_change(week, moment, holidays), moment)


@pytest.mark.parametrize("at, expected", [
    ("2026-12-01 10:00", "Ferme à 12h30"),                 # Tuesday morning, open
    ("2026-12-01 12:30", "Ouvre à 14h"),                   # the lunch break starts at 12h30 sharp
    ("2026-12-01 18:00", "Ferme à 19h30"),
    ("2026-12-01 20:00", "Ouvre demain à 8h30"),           # Tuesday evening
    ("2026-12-01 07:00", "Ouvre à 8h30"),
    ("2026-12-05 13:00", "Ouvre lundi à 8h30"),            # Saturday afternoon: Sunday closed
    ("2026-12-04 20:00", "Ouvre demain à 9h"),             # Friday evening: Saturday morning
])
def test_next_change_is_said_as_people_say_it(at, expected):
    assert said(WEEK, at) == expected


def test_a_public_holiday_is_skipped_unless_the_unit_opens_on_holidays():
    # Thursday 24 December 2026, evening: Friday 25 is Christmas, so Saturday 26 at 9h.
    assert said(WEEK, "2026-12-24 20:00") == "Ouvre samedi à 9h"
    assert said(WEEK, "2026-12-24 20:00", holidays=True) == "Ouvre demain à 8h30"
    # On the holiday itself the unit is closed, whatever the week says.
    change = next_change(WEEK, paris("2026-12-25 10:00"))
    assert change == Change(False, paris("2026-12-26 09:00"))


def test_an_opening_more_than_a_week_away_names_the_date():
    only_first_monday = {1: [(540, 600)]}
    # Monday 28 December 2026 after 10h: the next Monday, 4 January, is 7 days away.
    assert said(only_first_monday, "2026-12-28 11:00") == "Ouvre le lundi 4 janvier à 9h"


def test_spans_that_touch_at_midnight_close_once():
    night = {2: [(1200, 1440)], 3: [(0, 120)]}
    assert said(night, "2026-12-01 23:00") == "Ferme demain à 2h"
    assert said({2: [(1200, 1440)]}, "2026-12-01 23:00") == "Ferme à 24h"


def test_a_week_without_hours_says_nothing_and_always_open_says_so():
    assert said({}, "2026-12-01 10:00") is None
    always = {d: [(0, 1440)] for d in range(1, 8)}
    assert said(always, "2026-12-01 10:00", holidays=True) == "Ouvert en continu"


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError):
        next_change(WEEK, datetime(2026, 12, 1, 10, 0))

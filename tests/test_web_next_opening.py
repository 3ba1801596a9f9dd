"""Sheets and results say when a unit next opens or closes (catalog.opening), at the app's clock."""
from __future__ import annotations

import re

import pytest

from query_api import create_app
from tests.world import fixed_clock

MONDAY_10H = "2026-11-30T10:00:00+01:00"
CHRISTMAS_EVE_20H = "2026-12-24T20:00:00+01:00"   # a Thursday; Friday 25 is a public holiday


def client_at(settings, moment: str):
    return create_app(settings, clock=fixed_clock(moment)).test_client()


def next_change_on_sheet(client, unit_id: str) -> str | None:
    html = client.get(f"/uo/{unit_id}").get_data(as_text=True)
    found = re.search(r'<p class="next-change" data-next-change>([^<]*)</p>', html)
    return found.group(1) if found else None


def next_change_in_results(html: str, unit_id: str) -> str | None:
    row = re.search(rf'<tr data-unit="{unit_id}">(.*?)</tr>', html, re.S)
    assert row, unit_id
    found = re.search(r'data-next-change>([^<]*)<', row.group(1))
    return found.group(1) if found else None


@pytest.mark.parametrize("unit_id, expected", [
    ("UO-A", "Ferme à 12h"),               # Monday 9h-12h, open at 10h
    ("UO-D", "Ouvre demain à 9h"),         # Tuesday 9h-18h
    ("UO-E", "Ouvre samedi à 9h"),         # Saturday 9h-12h
    ("UO-H1", "Ouvert en continu"),        # around the clock, holidays included
])
def test_a_unit_sheet_says_when_it_next_opens_or_closes(settings, indexed_offer, unit_id, expected):
    assert next_change_on_sheet(client_at(settings, MONDAY_10H), unit_id) == expected


def test_the_results_say_it_for_every_listed_unit(settings, indexed_offer):
    html = client_at(settings, MONDAY_10H).get("/recherche?where=78646&radius_km=30").get_data(as_text=True)
    assert next_change_in_results(html, "UO-A") == "Ferme à 12h"
    assert next_change_in_results(html, "UO-D") == "Ouvre demain à 9h"
    assert next_change_in_results(html, "UO-E") == "Ouvre samedi à 9h"


def test_a_public_holiday_is_skipped(settings, indexed_offer):
    # Thursday 24 December, 20h: a weekday unit (8h-20h) would open tomorrow, but Friday 25 is
    # Christmas, so Monday 28.
    client = client_at(settings, CHRISTMAS_EVE_20H)
    assert next_change_on_sheet(client, "UO-C") == "Ouvre lundi à 8h"
    assert next_change_on_sheet(client, "UO-D") == "Ouvre mardi à 9h"

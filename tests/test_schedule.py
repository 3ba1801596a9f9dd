"""Typical week: parsing, validation, formatting, search intervals, open now."""

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from catalog.schedule import (
    DAY_NAMES,
    ScheduleError,
    format_day,
    format_minutes,
    format_week,
    is_open,
    is_public_holiday,
    minute_of_week,
    parse_day_text,
    parse_week_text,
    validate_week,
    week_intervals,
)

PARIS = ZoneInfo("Europe/Paris")
UTC = UTC

# Minutes written out so the expectations do not reuse the code under test.
H9, H12, H12_30, H14, H18 = 540, 720, 750, 840, 1080
MORNING_AFTERNOON = [(H9, H12_30), (H14, H18)]


# --- days -------------------------------------------------------------------

def test_days_are_numbered_monday_1_to_sunday_7_with_french_names():
    assert DAY_NAMES == {
        1: "lundi", 2: "mardi", 3: "mercredi", 4: "jeudi",
        5: "vendredi", 6: "samedi", 7: "dimanche",
    }


# --- parse_day_text -----------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    [
        "9h-12h30 14h-18h",
        "9h - 12h30, 14h-18h",
        "09:00-12:30 / 14:00-18:00",
        "  9h-12h30   14h-18h  ",
        "9H-12H30 14H-18H",
        "9h–12h30 ; 14h—18h",
        "9 h - 12 h30 et 14 h - 18 h",
        "9h à 12h30 14h à 18h",
        "9hà12h30 14hà18h",
        "9h\u00a0-\u00a012h30\u202f14h-18h",  # non-breaking spaces from copy-paste
    ],
)
def test_typed_day_variants_give_the_same_slots(text):
    assert parse_day_text(text) == MORNING_AFTERNOON


def test_half_hour_start_is_read():
    assert parse_day_text("9h30-12h") == [(570, 720)]


def test_long_single_slot_is_read():
    assert parse_day_text("8h-20h") == [(480, 1200)]


def test_bare_hours_are_read_as_hours():
    assert parse_day_text("9-12") == [(H9, H12)]


def test_midnight_to_midnight_is_the_whole_day():
    assert parse_day_text("0h-24h") == [(0, 1440)]
    assert parse_day_text("00:00-24:00") == [(0, 1440)]


@pytest.mark.parametrize("text", ["", "   ", "fermé", "Fermé", "FERMÉ", "ferme", "fermée", None])
def test_closed_day_gives_no_slot(text):
    assert parse_day_text(text) == []


def test_slots_are_returned_sorted():
    assert parse_day_text("14h-18h 9h-12h30") == MORNING_AFTERNOON


def test_touching_slots_are_merged():
    assert parse_day_text("9h-12h 12h-14h") == [(H9, H14)]


@pytest.mark.parametrize(
    "text, piece",
    [
        ("9h-25h", "9h-25h"),
        ("9h60-12h", "9h60-12h"),
        ("24h30-12h", "24h30-12h"),
        ("9h12h", "9h12h"),
        ("9h-12h 14h", "14h"),
        ("de 9h-12h", "de"),
        ("9h-12h 14h-18h!", "14h-18h!"),
        ("matin", "matin"),
        ("9h:30-12h", "9h:30-12h"),
    ],
)
def test_unparsable_piece_is_named_in_the_message(text, piece):
    with pytest.raises(ScheduleError) as caught:
        parse_day_text(text, day=1)
    assert caught.value.message == f"lundi : « {piece} » n'est pas un créneau valide"
    assert str(caught.value) == caught.value.message
    assert caught.value.day == 1
    assert caught.value.slot == piece


def test_schedule_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse_day_text("n'importe quoi")


def test_message_without_day_has_no_day_prefix():
    with pytest.raises(ScheduleError) as caught:
        parse_day_text("9h-25h")
    assert caught.value.message == "« 9h-25h » n'est pas un créneau valide"
    assert caught.value.day is None


# --- validate_week / parse_week_text -----------------------------------------

def test_week_text_is_parsed_day_by_day():
    week = parse_week_text({1: "9h-12h30 14h-18h", 3: "8h-20h", 6: "fermé"})
    assert week == {1: MORNING_AFTERNOON, 3: [(480, 1200)]}


def test_unparsable_time_is_refused_naming_the_day_and_piece():
    with pytest.raises(ScheduleError) as caught:
        parse_week_text({1: "9h-25h"})
    assert str(caught.value) == "lundi : « 9h-25h » n'est pas un créneau valide"
    assert caught.value.day == 1
    assert caught.value.slot == "9h-25h"


def test_reversed_slot_is_refused_naming_the_day():
    with pytest.raises(ScheduleError) as caught:
        parse_week_text({2: "14h-12h"})
    assert str(caught.value) == "mardi : le créneau 14h-12h finit avant de commencer"
    assert caught.value.day == 2
    assert caught.value.slot == (H14, H12)


def test_empty_slot_is_refused():
    with pytest.raises(ScheduleError) as caught:
        parse_week_text({5: "9h-9h"})
    assert str(caught.value) == "vendredi : le créneau 9h-9h a une durée nulle"


def test_overlapping_slots_are_refused_naming_the_day():
    with pytest.raises(ScheduleError) as caught:
        parse_week_text({4: "9h-12h 11h-13h"})
    assert str(caught.value) == "jeudi : les créneaux 9h-12h et 11h-13h se chevauchent"
    assert caught.value.day == 4
    assert caught.value.slot == (660, 780)


def test_overlap_is_reported_with_the_slots_as_typed_even_next_to_a_touching_one():
    # 9h-12h and 12h-14h touch (allowed); 13h-15h overlaps 12h-14h, which is what the user typed.
    with pytest.raises(ScheduleError) as caught:
        parse_week_text({4: "9h-12h 12h-14h 13h-15h"})
    assert str(caught.value) == "jeudi : les créneaux 12h-14h et 13h-15h se chevauchent"


def test_identical_slots_overlap():
    with pytest.raises(ScheduleError, match="se chevauchent"):
        parse_week_text({7: "9h-12h 9h-12h"})


def test_touching_slots_are_allowed_and_merged_in_a_week():
    assert parse_week_text({1: "9h-12h 12h-14h"}) == {1: [(H9, H14)]}


def test_week_of_minutes_is_normalised_sorted_merged_and_closed_days_dropped():
    week = validate_week({3: [(840, 1080), [540, 720], (720, 750)], 1: [], 2: None})
    assert week == {3: [(H9, H12_30), (H14, H18)]}
    assert list(week) == [3]


def test_json_style_string_day_keys_are_accepted():
    assert validate_week({"1": [[540, 720]], "7": "9h-12h"}) == {1: [(H9, H12)], 7: [(H9, H12)]}


@pytest.mark.parametrize("slot", [(-60, 600), (600, 1500), (1440, 1500)])
def test_out_of_range_minutes_are_refused(slot):
    with pytest.raises(ScheduleError) as caught:
        validate_week({1: [slot]})
    assert caught.value.message.startswith("lundi : ")
    assert "sort de la journée" in caught.value.message
    assert caught.value.slot == slot


def test_slot_ending_at_24h_is_allowed():
    assert validate_week({7: [(1200, 1440)]}) == {7: [(1200, 1440)]}


@pytest.mark.parametrize("day", [0, 8, "lundi", True, None])
def test_unknown_day_is_refused(day):
    with pytest.raises(ScheduleError, match="jour inconnu"):
        validate_week({day: [(H9, H12)]})


@pytest.mark.parametrize("slot", [(540,), (540, 720, 800), ("9h", "12h"), (540.0, 720.0), (True, 720)])
def test_malformed_slot_is_refused_naming_the_day(slot):
    with pytest.raises(ScheduleError) as caught:
        validate_week({2: [slot]})
    assert caught.value.message.startswith("mardi : ")
    assert caught.value.day == 2


def test_reversed_minutes_slot_is_refused():
    with pytest.raises(ScheduleError, match="^mercredi : le créneau 12h-9h finit avant de commencer$"):
        validate_week({3: [(H12, H9)]})


def test_week_must_be_a_mapping():
    with pytest.raises(ScheduleError):
        validate_week([(H9, H12)])


# --- formatting ---------------------------------------------------------------

@pytest.mark.parametrize(
    "minutes, text",
    [(0, "0h"), (540, "9h"), (570, "9h30"), (545, "9h05"), (750, "12h30"), (1439, "23h59"), (1440, "24h")],
)
def test_minutes_are_formatted_the_french_way(minutes, text):
    assert format_minutes(minutes) == text


@pytest.mark.parametrize("minutes", [-1, 1441])
def test_formatting_refuses_minutes_outside_the_day(minutes):
    with pytest.raises(ValueError):
        format_minutes(minutes)


def test_day_is_formatted_with_spaces_between_slots():
    assert format_day(MORNING_AFTERNOON) == "9h-12h30 14h-18h"


def test_closed_day_is_formatted_as_ferme():
    assert format_day([]) == "fermé"


@pytest.mark.parametrize(
    "slots",
    [[], [(0, 1440)], MORNING_AFTERNOON, [(545, 601), (602, 1439)], [(480, 1200)]],
)
def test_format_then_parse_gives_back_the_slots(slots):
    assert parse_day_text(format_day(slots)) == slots


def test_parse_then_format_gives_the_canonical_text():
    assert format_day(parse_day_text("09:00-12:30 / 14:00-18:00")) == "9h-12h30 14h-18h"


def test_week_is_formatted_for_all_seven_days_in_order():
    assert format_week({1: MORNING_AFTERNOON, 6: [(H9, H12)]}) == [
        ("lundi", "9h-12h30 14h-18h"),
        ("mardi", "fermé"),
        ("mercredi", "fermé"),
        ("jeudi", "fermé"),
        ("vendredi", "fermé"),
        ("samedi", "9h-12h"),
        ("dimanche", "fermé"),
    ]


# --- search intervals -----------------------------------------------------------

def test_monday_slots_start_at_minute_zero_of_the_week():
    assert week_intervals({1: MORNING_AFTERNOON}) == [
        {"gte": 540, "lt": 750},
        {"gte": 840, "lt": 1080},
    ]


def test_later_days_are_offset_by_whole_days():
    # Wednesday = day 3: 2 * 1440 = 2880 minutes after Monday 0h.
    assert week_intervals({3: [(H9, H12)]}) == [{"gte": 2880 + 540, "lt": 2880 + 720}]


def test_sunday_until_midnight_ends_at_10080():
    # Sunday = day 7: 6 * 1440 = 8640; 8640 + 1440 = 10080.
    assert week_intervals({7: [(1200, 1440)]}) == [{"gte": 9840, "lt": 10080}]


def test_night_across_midnight_gives_one_interval():
    # Monday 20h-24h then Tuesday 0h-8h: 1200..1440 + 1440..1920.
    assert week_intervals({1: [(1200, 1440)], 2: [(0, 480)]}) == [{"gte": 1200, "lt": 1920}]


def test_closed_week_has_no_interval():
    assert week_intervals({}) == []


# --- minute_of_week -------------------------------------------------------------

def test_minute_of_week_of_monday_midnight_is_zero():
    assert minute_of_week(datetime(2026, 1, 5, 0, 0, tzinfo=PARIS)) == 0


def test_minute_of_week_of_sunday_last_minute():
    assert minute_of_week(datetime(2026, 1, 11, 23, 59, tzinfo=PARIS)) == 10079


def test_minute_of_week_converts_utc_to_paris_winter_time():
    # 2026-01-05 is a Monday; 08:00 UTC = 09:00 Paris (UTC+1).
    assert minute_of_week(datetime(2026, 1, 5, 8, 0, tzinfo=UTC)) == 540


def test_minute_of_week_converts_utc_to_paris_summer_time():
    # 2026-07-06 is a Monday; 07:00 UTC = 09:00 Paris (UTC+2).
    assert minute_of_week(datetime(2026, 7, 6, 7, 0, tzinfo=UTC)) == 540


def test_minute_of_week_crosses_the_day_in_paris_not_in_utc():
    # Sunday 2026-01-04 23:30 UTC = Monday 00:30 Paris.
    assert minute_of_week(datetime(2026, 1, 4, 23, 30, tzinfo=UTC)) == 30


def test_minute_of_week_drops_seconds():
    assert minute_of_week(datetime(2026, 1, 5, 9, 0, 59, tzinfo=PARIS)) == 540


def test_both_0230_of_the_autumn_dst_change_are_the_same_wall_clock_minute():
    # 2026-10-25 (Sunday): 00:30 UTC = 02:30 CEST, 01:30 UTC = 02:30 CET.
    expected = 6 * 1440 + 150
    assert minute_of_week(datetime(2026, 10, 25, 0, 30, tzinfo=UTC)) == expected
    assert minute_of_week(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)) == expected


def test_minute_of_week_accepts_other_offsets():
    # 10:00 at UTC+2 (not Paris) on Monday 2026-01-05 = 08:00 UTC = 09:00 Paris.
    assert minute_of_week(datetime(2026, 1, 5, 10, 0, tzinfo=timezone(timedelta(hours=2)))) == 540


def test_minute_of_week_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        minute_of_week(datetime(2026, 1, 5, 9, 0))


# --- is_open ------------------------------------------------------------------

MONDAY_MORNING = {1: [(H9, H12)]}


@pytest.mark.parametrize(
    "hour, minute, expected",
    [(8, 59, False), (9, 0, True), (11, 59, True), (12, 0, False)],
)
def test_slot_is_half_open(hour, minute, expected):
    # 2026-01-05 is a Monday.
    at = datetime(2026, 1, 5, hour, minute, tzinfo=PARIS)
    assert is_open(MONDAY_MORNING, at) is expected


def test_other_day_is_closed():
    assert is_open(MONDAY_MORNING, datetime(2026, 1, 6, 10, 0, tzinfo=PARIS)) is False


def test_utc_instant_is_converted_to_paris_before_checking():
    # 08:00 UTC = 09:00 Paris on Monday 2026-01-05 -> open; 07:59 UTC -> closed.
    assert is_open(MONDAY_MORNING, datetime(2026, 1, 5, 8, 0, tzinfo=UTC)) is True
    assert is_open(MONDAY_MORNING, datetime(2026, 1, 5, 7, 59, tzinfo=UTC)) is False


def test_spring_dst_change_day_uses_the_wall_clock():
    # 2026-03-29 is a Sunday; clocks go from 02:00 to 03:00, so 07:30 UTC = 09:30 CEST.
    sunday_morning = {7: [(H9, H12)]}
    assert is_open(sunday_morning, datetime(2026, 3, 29, 9, 30, tzinfo=PARIS)) is True
    assert is_open(sunday_morning, datetime(2026, 3, 29, 7, 30, tzinfo=UTC)) is True
    # 06:59 UTC = 08:59 CEST closed, 07:00 UTC = 09:00 CEST open.
    assert is_open(sunday_morning, datetime(2026, 3, 29, 6, 59, tzinfo=UTC)) is False
    assert is_open(sunday_morning, datetime(2026, 3, 29, 7, 0, tzinfo=UTC)) is True
    # 10:30 UTC = 12:30 CEST: closed, although it would be 11:30 at UTC+1.
    assert is_open(sunday_morning, datetime(2026, 3, 29, 10, 30, tzinfo=UTC)) is False


def test_monday_after_the_spring_dst_change_opens_at_0900_paris():
    # 2026-03-30 09:00 CEST = 07:00 UTC.
    assert is_open(MONDAY_MORNING, datetime(2026, 3, 30, 9, 0, tzinfo=PARIS)) is True
    assert is_open(MONDAY_MORNING, datetime(2026, 3, 30, 7, 0, tzinfo=UTC)) is True
    assert is_open(MONDAY_MORNING, datetime(2026, 3, 30, 6, 59, tzinfo=UTC)) is False


def test_national_day_is_closed_unless_open_on_holidays():
    # 2026-07-14 is a Tuesday.
    tuesday_morning = {2: [(H9, H12)]}
    at = datetime(2026, 7, 14, 10, 0, tzinfo=PARIS)
    assert is_open(tuesday_morning, at) is False
    assert is_open(tuesday_morning, at, open_on_holidays=True) is True
    # The next Tuesday is an ordinary day.
    assert is_open(tuesday_morning, datetime(2026, 7, 21, 10, 0, tzinfo=PARIS)) is True


def test_holiday_is_decided_on_the_paris_date():
    # 2026-07-13 22:30 UTC = 2026-07-14 00:30 Paris (UTC+2): already the national day.
    all_day_tuesday = {2: [(0, 1440)]}
    at = datetime(2026, 7, 13, 22, 30, tzinfo=UTC)
    assert is_open(all_day_tuesday, at) is False
    assert is_open(all_day_tuesday, at, open_on_holidays=True) is True


def test_is_open_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        is_open(MONDAY_MORNING, datetime(2026, 1, 5, 9, 0))


# --- public holidays ------------------------------------------------------------

@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 1),
        date(2026, 4, 6),    # Easter Monday (Easter 2026: 5 April)
        date(2026, 5, 1),
        date(2026, 5, 8),
        date(2026, 5, 14),   # Ascension (Easter + 39)
        date(2026, 5, 25),   # Whit Monday (Easter + 50)
        date(2026, 7, 14),
        date(2026, 8, 15),
        date(2026, 11, 1),
        date(2026, 11, 11),
        date(2026, 12, 25),
    ],
)
def test_french_public_holidays_are_known(day):
    assert is_public_holiday(day) is True


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 3, 29),
        date(2026, 4, 3),    # Good Friday: a holiday in Alsace-Moselle only
        date(2026, 12, 26),  # St Stephen: Alsace-Moselle only
        date(2026, 7, 13),
    ],
)
def test_ordinary_days_in_ile_de_france_are_not_holidays(day):
    assert is_public_holiday(day) is False


def test_aware_datetime_holiday_check_uses_the_paris_date():
    assert is_public_holiday(datetime(2026, 7, 13, 22, 30, tzinfo=UTC)) is True

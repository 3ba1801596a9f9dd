"""Typical week ("semaine type") of a unit: parsing, validation, formatting, "open now".

Days are numbered 1 (Monday) to 7 (Sunday) as in the national ROR (TRE_R252).
A slot is ``(start_minute, end_minute)`` with ``0 <= start < end <= 1440``.
A week is ``dict[int, list[tuple[int, int]]]``; a missing day is closed.
Times are local wall-clock times in Europe/Paris.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "DAY_NAMES",
    "DAY_TEXT_PATTERN",
    "MINUTES_PER_DAY",
    "MINUTES_PER_WEEK",
    "PARIS",
    "ScheduleError",
    "Slot",
    "Week",
    "format_day",
    "format_minutes",
    "format_week",
    "is_open",
    "is_public_holiday",
    "minute_of_week",
    "parse_day_text",
    "parse_week_text",
    "validate_week",
    "week_intervals",
]

Slot = tuple[int, int]
Week = dict[int, list[Slot]]

DAY_NAMES: dict[int, str] = {
    1: "lundi",
    2: "mardi",
    3: "mercredi",
    4: "jeudi",
    5: "vendredi",
    6: "samedi",
    7: "dimanche",
}
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
PARIS = ZoneInfo("Europe/Paris")

CLOSED_TEXT = "fermé"
_CLOSED_WORDS = {"", "ferme", "fermé", "fermee", "fermée", "-", "–", "—"}

# A time: "9", "9h", "9H30", "09:00". Minutes must follow "h" directly, otherwise
# "12h 14h-18h" would read as 12h14.
_TIME = r"(\d{1,2})(?:h(\d{2})?|:(\d{2}))?"
_SLOT_RE = re.compile(rf"{_TIME}-{_TIME}", re.ASCII)
# Spaces and dash variants around the range sign are folded to a bare "-" so that
# "9h - 12h30" and "9h à 12h30" become one piece before splitting on spaces.
_RANGE_SIGN_RE = re.compile(r"\s*(?:[-‐‑‒–—]|à)\s*")
_DIGIT_SPACE_H_RE = re.compile(r"(\d)\s+h")
_SEPARATORS_RE = re.compile(r"(?:[\s,;/+&]|\bet\b)+")


def _hours_pattern(first: int, last: int) -> str:
    """A pattern for the hours first..last (at most 23), one digit ones with or without their 0."""
    def digits(low: int, high: int) -> str:
        return str(low) if low == high else f"[{low}-{high}]"
    spellings = []
    if first <= 9:
        spellings.append("0?" + digits(first, min(last, 9)))
    for tens in (1, 2):
        low, high = max(first, 10 * tens), min(last, 10 * tens + 9)
        if low <= high:
            spellings.append(f"{tens}{digits(low % 10, high % 10)}")
    return "|".join(spellings)


def _time_pattern(first: int, last: int) -> str:
    """A pattern for a time of the grammar whose hour is in first..last: "9", "09h", "9h30", "09:30", "24h"."""
    spellings = [f"(?:{_hours_pattern(first, min(last, 23))})(?:h(?:[0-5][0-9])?|:[0-5][0-9])?"] if first <= 23 else []
    if last == 24:
        spellings.append("24(?:h(?:00)?|:00)?")  # the end of the day, no minute after it
    return "(?:" + "|".join(spellings) + ")"


def _slot_pattern(first: int, last: int) -> str:
    """A pattern for a slot "start-end" whose hours are within first..last, the end's hour after the start's."""
    sign = "(?: ?[-–] ?| ?à ?)"
    return "(?:" + "|".join(f"{_time_pattern(start, start)}{sign}{_time_pattern(start + 1, last)}"
                            for start in range(first, last)) + ")"


# What the API's document promises a day's text to be (a JSON-Schema pattern): closed, one slot, or a
# morning slot (hours up to 12) then an afternoon one (from 13h). Slots in order that cannot overlap,
# whatever their minutes, and each ending at a later hour than it starts: every text of this form is
# accepted (tested). The API accepts more (any order, any number of slots, "9h-9h30"), checked then.
DAY_TEXT_PATTERN = (
    rf"^ *(?:fermé|{_slot_pattern(0, 24)}|{_slot_pattern(0, 12)}(?:, ?| | et ){_slot_pattern(13, 24)})? *$"
)


class ScheduleError(ValueError):
    """Invalid typical week. ``message`` is French, for the user.

    ``day`` is the day number (or None), ``slot`` the offending piece: the text
    as typed for unparsable input, else the ``(start, end)`` tuple.
    """

    def __init__(self, message: str, day: int | None = None, slot: object = None):
        super().__init__(message)
        self.message = message
        self.day = day
        self.slot = slot


def _error(day: int | None, text: str, slot: object) -> ScheduleError:
    prefix = f"{DAY_NAMES[day]} : " if day in DAY_NAMES else ""
    return ScheduleError(prefix + text, day, slot)


def format_minutes(m: int) -> str:
    """540 -> "9h", 750 -> "12h30", 1440 -> "24h"."""
    if isinstance(m, bool) or not isinstance(m, int) or not 0 <= m <= MINUTES_PER_DAY:
        raise ValueError(f"minute hors de la journée : {m!r}")
    hours, minutes = divmod(m, 60)
    return f"{hours}h{minutes:02d}" if minutes else f"{hours}h"


def _format_slot(slot: Slot) -> str:
    return f"{format_minutes(slot[0])}-{format_minutes(slot[1])}"


def _time_to_minutes(hours: str, minutes_h: str | None, minutes_colon: str | None) -> int | None:
    h = int(hours)
    m = int(minutes_h or minutes_colon or 0)
    if m > 59 or h > 24 or (h == 24 and m != 0):
        return None
    return h * 60 + m


def _check_day(day: int | None, slots: list[Slot]) -> list[Slot]:
    """Order, refuse reversed/empty/overlapping slots, merge touching ones."""
    for start, end in slots:
        if not (0 <= start <= MINUTES_PER_DAY and 0 <= end <= MINUTES_PER_DAY):
            raise _error(
                day,
                f"le créneau {start}-{end} (en minutes) sort de la journée (de 0h à 24h)",
                (start, end),
            )
        if end < start:
            raise _error(day, f"le créneau {_format_slot((start, end))} finit avant de commencer", (start, end))
        if end == start:
            raise _error(day, f"le créneau {_format_slot((start, end))} a une durée nulle", (start, end))
    ordered = sorted(slots)
    # Overlaps are checked on the slots as given, before merging, so the message
    # names what the user typed rather than a merged slot.
    for previous, current in zip(ordered, ordered[1:]):
        if current[0] < previous[1]:
            raise _error(
                day,
                f"les créneaux {_format_slot(previous)} et {_format_slot(current)} se chevauchent",
                current,
            )
    merged: list[Slot] = []
    for start, end in ordered:
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def parse_day_text(text: str, day: int | None = None) -> list[Slot]:
    """Parse "9h-12h30 14h-18h" (or "09:00-12:30 / 14:00-18:00", "fermé", "") into sorted slots.

    Touching slots are merged. ``day`` only serves to name the day in error messages.
    """
    if text is None:
        return []
    if not isinstance(text, str):
        raise _error(day, f"« {text!r} » n'est pas un créneau valide", text)
    folded = text.strip().lower()
    if folded in _CLOSED_WORDS:
        return []
    folded = _DIGIT_SPACE_H_RE.sub(r"\1h", folded)
    folded = _RANGE_SIGN_RE.sub("-", folded)
    slots: list[Slot] = []
    for piece in _SEPARATORS_RE.split(folded):
        if not piece:
            continue
        match = _SLOT_RE.fullmatch(piece)
        start = end = None
        if match:
            start = _time_to_minutes(*match.group(1, 2, 3))
            end = _time_to_minutes(*match.group(4, 5, 6))
        if start is None or end is None:
            raise _error(day, f"« {piece} » n'est pas un créneau valide", piece)
        slots.append((start, end))
    return _check_day(day, slots)


def _day_number(key: object) -> int:
    # JSON objects have string keys, so "1" is accepted as well as 1.
    if isinstance(key, str) and key.strip().isascii() and key.strip().isdigit():
        key = int(key)
    if isinstance(key, bool) or not isinstance(key, int) or key not in DAY_NAMES:
        raise ScheduleError(f"jour inconnu : « {key} » (attendu : 1 = lundi … 7 = dimanche)", None, None)
    return key


def _coerce_slot(day: int, raw: object) -> Slot:
    if (
        isinstance(raw, (tuple, list))
        and len(raw) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in raw)
    ):
        return (raw[0], raw[1])
    raise _error(day, f"« {raw!r} » n'est pas un créneau valide", raw)


def validate_week(week: Mapping) -> Week:
    """Check a week and return its normal form.

    Each day's value may be a list of ``(start, end)`` minutes or a text for
    :func:`parse_day_text`. The result has int keys in order, only open days,
    sorted and merged slots.
    """
    if not isinstance(week, Mapping):
        raise ScheduleError("la semaine type doit associer un jour à ses créneaux", None, None)
    result: Week = {}
    for key, value in week.items():
        day = _day_number(key)
        if day in result:
            raise _error(day, "ce jour est donné deux fois", None)
        if value is None or isinstance(value, str):
            slots = parse_day_text(value, day)
        elif isinstance(value, (list, tuple)):
            slots = _check_day(day, [_coerce_slot(day, raw) for raw in value])
        else:
            raise _error(day, f"« {value!r} » n'est pas un créneau valide", value)
        result[day] = slots
    return {day: result[day] for day in sorted(result) if result[day]}


def parse_week_text(texts: Mapping) -> Week:
    """Parse ``{day: "9h-12h 14h-18h", ...}`` (keys 1..7 or "1".."7") into a validated week."""
    return validate_week(texts)


def format_day(slots: list[Slot]) -> str:
    """[(540, 750), (840, 1080)] -> "9h-12h30 14h-18h"; [] -> "fermé"."""
    if not slots:
        return CLOSED_TEXT
    return " ".join(_format_slot(slot) for slot in slots)


def format_week(week: Mapping[int, list[Slot]]) -> list[tuple[str, str]]:
    """All seven days in order as (French day name, text), closed days as "fermé"."""
    return [(name, format_day(week.get(day, []))) for day, name in DAY_NAMES.items()]


def week_intervals(week: Mapping[int, list[Slot]]) -> list[dict[str, int]]:
    """Half-open minute-of-week intervals ``{"gte": a, "lt": b}``; Monday 0h = 0, Sunday 24h = 10080.

    A day ending at 24h and the next one starting at 0h give one interval, so
    the index holds no artificial break at midnight. Sunday 24h does not wrap
    to Monday 0h: 10080 is outside every week minute.
    """
    intervals: list[dict[str, int]] = []
    for day in sorted(week):
        offset = (day - 1) * MINUTES_PER_DAY
        for start, end in week[day]:
            gte, lt = offset + start, offset + end
            if intervals and intervals[-1]["lt"] == gte:
                intervals[-1]["lt"] = lt
            else:
                intervals.append({"gte": gte, "lt": lt})
    return intervals


def _to_paris(at: datetime) -> datetime:
    if not isinstance(at, datetime):
        raise TypeError("a datetime is expected")
    if at.tzinfo is None or at.utcoffset() is None:
        # A naive time is ambiguous (server clock? UTC?); guessing would shift
        # "open now" by one or two hours.
        raise ValueError("naive datetime refused: give a timezone-aware datetime")
    return at.astimezone(PARIS)


def minute_of_week(dt: datetime) -> int:
    """Minute of the week of an aware datetime, in Paris wall-clock time (seconds dropped).

    The typical week is wall-clock time, so on DST-change days 9h is 9h: no
    offset arithmetic, only the local fields.
    """
    local = _to_paris(dt)
    return (local.isoweekday() - 1) * MINUTES_PER_DAY + local.hour * 60 + local.minute


@lru_cache(maxsize=64)
def _holidays_of_year(year: int) -> frozenset[date]:
    # National (metropolitan) list: Île-de-France has no regional extra days,
    # unlike Alsace-Moselle. Cached per year as an immutable set, so calls stay
    # pure and thread-safe (a shared holidays.France() fills itself lazily).
    return frozenset(holidays.France(years=year).keys())


def is_public_holiday(day: date) -> bool:
    """True for a French public holiday. An aware datetime is first converted to Paris."""
    if isinstance(day, datetime):
        day = _to_paris(day).date()
    return day in _holidays_of_year(day.year)


def is_open(week: Mapping[int, list[Slot]], at: datetime, open_on_holidays: bool = False) -> bool:
    """Is a validated week open at the aware instant ``at``? Slots are half-open [start, end)."""
    local = _to_paris(at)
    if not open_on_holidays and is_public_holiday(local.date()):
        return False
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in week.get(local.isoweekday(), ()))

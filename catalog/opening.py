"""When a typical week next opens or closes, said in French: « Ouvre demain à 8h30 », « Ferme à 19h30 ».

Pure functions over a validated week (catalog.schedule): wall-clock Europe/Paris time,
public holidays closed unless the unit declares it opens on them, as "open now" does.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from catalog.schedule import DAY_NAMES, MINUTES_PER_DAY, PARIS, Slot, format_minutes, is_public_holiday

__all__ = ["MONTHS", "Change", "describe_change", "long_date", "next_change"]

#: How far ahead to look: two weeks covers a week closed by a holiday on its only open day.
HORIZON_DAYS = 15

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")


@dataclass(frozen=True)
class Change:
    """Open at the asked instant or not, and when that changes (None: not within the horizon)."""
    open: bool
    at: datetime | None


def _open_spans(week: Mapping[int, list[Slot]], start: date, open_on_holidays: bool) -> list[tuple[datetime, datetime]]:
    """Open spans as naive Paris wall-clock datetimes from ``start`` on, touching spans joined (across midnight too)."""
    spans: list[tuple[datetime, datetime]] = []
    for offset in range(HORIZON_DAYS):
        day = start + timedelta(days=offset)
        if not open_on_holidays and is_public_holiday(day):
            continue
        midnight = datetime(day.year, day.month, day.day)
        for begin, end in week.get(day.isoweekday(), ()):
            span = (midnight + timedelta(minutes=begin), midnight + timedelta(minutes=end))
            if spans and spans[-1][1] == span[0]:
                spans[-1] = (spans[-1][0], span[1])
            else:
                spans.append(span)
    return spans


def next_change(week: Mapping[int, list[Slot]], at: datetime, open_on_holidays: bool = False) -> Change:
    """Open at the aware instant ``at``? And when does it close, or next open (Paris time, aware)?"""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("naive datetime refused: give a timezone-aware datetime")
    local = at.astimezone(PARIS)
    now = datetime(local.year, local.month, local.day, local.hour, local.minute)
    spans = _open_spans(week, now.date() - timedelta(days=1), open_on_holidays)
    for begin, end in spans:
        if begin <= now < end:
            horizon_end = end.date() >= now.date() + timedelta(days=HORIZON_DAYS - 1)
            return Change(True, None if horizon_end else end.replace(tzinfo=PARIS))
        if begin > now:
            return Change(False, begin.replace(tzinfo=PARIS))
    return Change(False, None)


def long_date(moment: datetime) -> str:
    """« 30 novembre 2026 »: the Paris date of an aware instant, as a sentence says it."""
    day = moment.astimezone(PARIS).date()
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


def _when(moment: datetime, today: date) -> str:
    """« à 8h30 », « demain à 8h30 », « jeudi à 8h30 », « le lundi 5 janvier à 8h30 »."""
    day = moment.date()
    minutes = moment.hour * 60 + moment.minute
    clock = format_minutes(minutes)
    gap = (day - today).days
    if gap == 0:
        return f"à {clock}"
    if gap == 1:
        return f"demain à {clock}"
    if gap < 7:
        return f"{DAY_NAMES[day.isoweekday()]} à {clock}"
    return f"le {DAY_NAMES[day.isoweekday()]} {day.day} {MONTHS[day.month - 1]} à {clock}"


def describe_change(change: Change, at: datetime) -> str | None:
    """The French line under « Ouvert » / « Fermé »; None when there is nothing to say (no opening hours)."""
    today = at.astimezone(PARIS).date()
    if change.open:
        if change.at is None:
            return "Ouvert en continu"
        moment = change.at.astimezone(PARIS)
        # A span ending at 24h closes at midnight: « Ferme à 24h », not « demain à 0h ».
        if moment.hour == 0 and moment.minute == 0:
            moment_text = _when(moment - timedelta(minutes=1), today).replace("23h59", format_minutes(MINUTES_PER_DAY))
            return f"Ferme {moment_text}"
        return f"Ferme {_when(moment, today)}"
    if change.at is None:
        return None
    return f"Ouvre {_when(change.at.astimezone(PARIS), today)}"

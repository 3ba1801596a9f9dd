"""Professional identifiers: Luhn key and RPPS numbers."""

from __future__ import annotations

import re

__all__ = ["luhn_check_digit", "luhn_is_valid", "make_rpps", "validate_rpps"]

RPPS_LENGTH = 11
# ASCII only: str.isdigit() would also accept "²" or Arabic-Indic digits.
_DIGITS_RE = re.compile(r"[0-9]+")
_RPPS_RE = re.compile(r"[0-9]{11}")
_WHITESPACE_RE = re.compile(r"\s+")


def _luhn_sum(digits: str, double_first: bool) -> int:
    """Luhn sum read from the right; ``double_first`` doubles the rightmost digit."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if (position % 2 == 0) == double_first:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total


def luhn_is_valid(digits: str) -> bool:
    """True if ``digits`` (ASCII digits only, key included) passes the Luhn test."""
    if not isinstance(digits, str) or not _DIGITS_RE.fullmatch(digits):
        return False
    return _luhn_sum(digits, double_first=False) % 10 == 0


def luhn_check_digit(partial: str) -> str:
    """The Luhn key to append to ``partial`` (ASCII digits)."""
    if not isinstance(partial, str) or not _DIGITS_RE.fullmatch(partial):
        raise ValueError(f"digits expected, got {partial!r}")
    # Once the key is appended, the rightmost digit of ``partial`` sits in an
    # even position and is doubled.
    return str((10 - _luhn_sum(partial, double_first=True) % 10) % 10)


def validate_rpps(value: str) -> str:
    """Return the 11 digits of an RPPS number typed with or without spaces.

    Raises ValueError with a French message for the user.
    """
    digits = _WHITESPACE_RE.sub("", value) if isinstance(value, str) else ""
    if not _RPPS_RE.fullmatch(digits):
        raise ValueError("Le numéro RPPS doit comporter 11 chiffres.")
    if not luhn_is_valid(digits):
        raise ValueError("Le numéro RPPS n'est pas valide (clé de contrôle incorrecte).")
    return digits


def make_rpps(serial: int) -> str:
    """A valid RPPS number "1" + 9-digit serial + Luhn key, for demo data."""
    if isinstance(serial, bool) or not isinstance(serial, int) or not 0 <= serial < 10**9:
        raise ValueError(f"serial must be an int in [0, 10**9), got {serial!r}")
    partial = f"1{serial:09d}"
    return partial + luhn_check_digit(partial)

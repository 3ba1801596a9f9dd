"""French phone numbers: normal form (E.164) and display."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

__all__ = ["MOBILE_PATTERN", "PHONE_PATTERN", "display_phone", "normalize_phone"]

REGION = "FR"
# Only what people put around digits. phonenumbers would otherwise turn letters
# into digits ("01 23 45 67 8a" becomes a 9-digit number) and read "ext." tails.
_ALLOWED_RE = re.compile(r"[0-9\s.\-/()+]+")
_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def _typed_in_france(first_digits: str) -> str:
    """A pattern for numbers written "0X XX XX XX XX" (spaces or dots between pairs, or none) or "+33 X XX...".

    ``first_digits`` is a pattern for the first three digits of the national number, split "X XX" by a
    separator the pattern puts in. The document of the API states these (JSON-Schema patterns): every
    string they match is accepted by :func:`normalize_phone` (tested), which accepts more spellings.
    """
    return rf"^(?:(?:0|\+33 ?)(?:{first_digits})(?:[ .]?[0-9]{{2}}){{3}})?$"


# The ranges of phonenumbers' pinned metadata for France (fixed lines 01-05, mobiles 06-07, 09), the
# separator after the first digit written in. No 08 (toll-free, shared-cost and premium numbers), no 07 0x
# to 07 2x (not allocated): those the API may accept or not, the document does not promise them.
_MOBILE_FIRST_DIGITS = r"6[ .]?(?:[0-24-8][0-9]|3[0-8]|9[589])|7[ .]?[3-9][0-9]"
#: Every number of this pattern is accepted as a mobile (or blank: no number).
MOBILE_PATTERN = _typed_in_france(_MOBILE_FIRST_DIGITS)
#: Every number of this pattern is accepted as a phone (or blank: no number).
PHONE_PATTERN = _typed_in_france(
    r"[139][ .]?[0-9]{2}|2[ .]?(?:[0-57-9][0-9]|6[013-9])|4[ .]?[1-9][0-9]|5[ .]?(?:[0-8][0-9]|9[1-35-9])|"
    + _MOBILE_FIRST_DIGITS)


def _invalid(text: str) -> ValueError:
    return ValueError(f"Ce numéro de téléphone n'est pas valide : {text.strip()}")


def normalize_phone(text: str, *, mobile: bool | None = None) -> str:
    """Parse a number typed in France and return it in E.164 ("+33123456789").

    ``mobile=True`` refuses non-mobile numbers; False or None accept any valid
    number. Raises ValueError with a French message for the user.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("Aucun numéro de téléphone saisi.")
    if not _ALLOWED_RE.fullmatch(text.strip()):
        raise _invalid(text)
    try:
        number = phonenumbers.parse(text, REGION)
    except NumberParseException:
        raise _invalid(text) from None
    # Strict validity, no "possible number + 0[1-9] prefix" fallback: the
    # guide-style examples (01 23 45 67 89, 06 12 34 56 78) are valid in the
    # pinned metadata (checked in tests), and the fallback would let through
    # unallocated ranges such as 07 12 xx xx xx that nobody can call.
    if not phonenumbers.is_valid_number(number):
        raise _invalid(text)
    if mobile and phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise ValueError(f"Ce numéro de téléphone n'est pas un numéro de mobile : {text.strip()}")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


_FRENCH_E164 = re.compile(r"\+33([1-79]\d{8})")


def display_phone(e164: str) -> str:
    """"+33123456789" -> "01 23 45 67 89"; numbers from other countries keep their +code."""
    french = _FRENCH_E164.fullmatch(e164)
    if french:
        # The stored normal form: grouping by pairs is the national format, without the
        # ~25 µs of a phonenumbers parse per call (an export formats 100,000 of them).
        # 08 numbers are left to phonenumbers: some are grouped "0 8xx xx xx xx".
        digits = "0" + french.group(1)
        return " ".join(digits[i:i + 2] for i in range(0, 10, 2))
    try:
        number = phonenumbers.parse(e164, REGION)
    except NumberParseException:
        raise ValueError(f"not a phone number: {e164!r}") from None
    if number.country_code == phonenumbers.country_code_for_region(REGION):
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def phone_or_none(e164: str | None) -> str | None:
    """The display form of a stored number, or None when there is none (hidden field)."""
    return display_phone(e164) if e164 else None

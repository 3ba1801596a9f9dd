"""The French fields every form of the directory is read with (marshmallow 4).

Messages are French and written for the person who typed the value; a field
strips what people add by accident (spaces), reads « oui »/« non », and names
each wrong code in a list. Record schemas (catalog/schemas.py) and the API's
query-string schemas (query_api/api/schemas/) are built from these.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from catalog.phone import MOBILE_PATTERN, PHONE_PATTERN, normalize_phone
from catalog.schedule import DAY_NAMES, ScheduleError, validate_week


def doc(fr: str, en: str, example: Any = None, **extra) -> dict:
    """A field's ``metadata``: its meaning in French then English (for the API's document), and an example."""
    metadata = {"description": f"{fr}\n\n*{en}*", **extra}
    if example is not None:
        metadata["example"] = example
    return metadata


def any_case(word: str) -> str:
    """A pattern matching ``word`` in any case (JSON Schema patterns have no flags)."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.lower() != c.upper() else re.escape(c) for c in word)


# What str.strip() strips (Python's \s), spelled out: \s is another set in the document's regex
# engine (ECMA 262 has \ufeff, not \x1c-\x1f nor \x85), and the document's patterns say what is stripped.
SPACE_CHARS = r"\t-\r\x1c- \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# A Str refuses the NUL character (PostgreSQL's text cannot hold it): NOT_NUL is any character it takes.
NOT_NUL = r"[^\x00]"
SPACE, NOT_SPACE = f"[{SPACE_CHARS}]", rf"[^{SPACE_CHARS}\x00]"


def spaced(values: Iterable[str], *, ignore_case: bool = False, blank: bool = False) -> str:
    """A pattern matching one of ``values`` with spaces around (in any case; or blank): what a field accepts."""
    alternatives = "|".join(any_case(v) if ignore_case else re.escape(v) for v in values)
    return rf"^{SPACE}*({alternatives}){'?' if blank else ''}{SPACE}*$"


def describe(schema: type[Schema], table: dict[str, tuple]) -> None:
    """Describe a form's fields, ``{name: (fr, en, example)}``: kept apart from the rules so each reads alone."""
    for name, (fr, en, example) in table.items():
        schema._declared_fields[name].metadata = {**schema._declared_fields[name].metadata, **doc(fr, en, example)}


MSG_REQUIRED = "Ce champ est obligatoire."
MSG_NULL = "Ce champ ne peut pas être vide."
MSG_UNKNOWN_FIELD = "Champ inconnu : il ne fait pas partie de ce formulaire."
MSG_NOT_AN_OBJECT = "Les données doivent être un objet JSON (des paires « champ : valeur »)."


def thousands(n: int) -> str:
    """2000 -> "2 000" (French grouping)."""
    return f"{n:,}".replace(",", " ")


# --- French fields -----------------------------------------------------------------------


class French:
    """Mixin: French messages for the errors every field can give."""

    default_error_messages = {
        "required": MSG_REQUIRED,
        "null": MSG_NULL,
        "validator_failed": "Valeur non valide.",
    }


class Str(French, fields.String):
    """A string, stripped; ``blank_as_none`` turns "" into None (then ``allow_none`` applies)."""

    default_error_messages = {
        "invalid": "Texte attendu.",
        "invalid_utf8": "Texte non valide (encodage UTF-8 attendu).",
        "blank": MSG_NULL,
        "nul": "Le texte contient un caractère nul (\\0), qui n'est pas accepté.",
    }

    def __init__(self, *, strip: bool = True, blank_as_none: bool = False, null_as: Any = None, **kwargs):
        self.strip = strip
        self.blank_as_none = blank_as_none
        self.null_as = null_as  # what an accepted None (or blank) loads as
        super().__init__(**kwargs)

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if value is None and self.allow_none:
            return self.null_as
        if isinstance(value, str):
            if "\x00" in value:   # PostgreSQL's text cannot hold it: refused on both stores alike
                raise self.make_error("nul")
            if self.strip:
                value = value.strip()
            if self.blank_as_none and value == "":
                if not self.allow_none:
                    raise self.make_error("blank")
                return self.null_as
        return super().deserialize(value, attr, data, **kwargs)


class Int(French, fields.Integer):
    default_error_messages = {"invalid": "Nombre entier attendu.", "too_large": "Nombre trop grand."}

    def _validated(self, value):
        # int(2.5) would silently give 2.
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid", input=value)
        if isinstance(value, str):
            value = value.strip()
            if not re.fullmatch(r"[+-]?[0-9]{1,18}", value):
                raise self.make_error("invalid", input=value)
        return super()._validated(value)


class Float(French, fields.Float):
    default_error_messages = {
        "invalid": "Nombre attendu.",
        "too_large": "Nombre trop grand.",
        "special": "Nombre attendu.",
    }


TRUE_WORDS = frozenset({"true", "1", "oui", "o", "yes", "y", "on", "t", "vrai"})
FALSE_WORDS = frozenset({"false", "0", "non", "n", "no", "off", "f", "faux"})


class Bool(French, fields.Boolean):
    """true/false, 1/0, oui/non (any case), JSON booleans."""

    default_error_messages = {"invalid": "Valeur attendue : oui ou non (true ou false)."}

    def _deserialize(self, value, attr, data, **kwargs):
        if value is True or value is False:
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            word = value.strip().lower()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
        raise self.make_error("invalid", input=value)


class Email(Str):
    """An e-mail address, stripped and lower-cased."""

    default_error_messages = {"invalid_email": "Adresse e-mail non valide : {input}"}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._email_validator = validate.Email()

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).lower()
        if len(text) > 254:
            raise self.make_error("invalid_email", input=text[:40] + "…")
        try:
            self._email_validator(text)
        except ValidationError:
            raise self.make_error("invalid_email", input=text) from None
        return text


class Phone(Str):
    """A French phone number normalised to E.164 by catalog.phone; "" -> None."""

    def __init__(self, *, mobile: bool | None = None, **kwargs):
        self.mobile = mobile
        kwargs.setdefault("blank_as_none", True)
        super().__init__(**kwargs)
        # For the API's document: the numbers it promises (the API accepts more spellings).
        self.metadata = {"pattern": MOBILE_PATTERN if mobile else PHONE_PATTERN, **self.metadata}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalize_phone(text, mobile=self.mobile)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class Codes(French, fields.List):
    """A list of codes checked against a reference.

    Accepts a list, or one string (split on commas when ``split_commas``).
    Blanks are dropped, duplicates removed; every unknown code gets its own
    message naming it. ``order`` (an iterable of all codes) sorts the result in
    the reference's order; otherwise the order given is kept. None -> [].
    """

    default_error_messages = {
        "invalid": "Liste attendue.",
        "item": "Valeur non valide dans la liste : {input!r}",
        "too_many": "{max} valeurs au plus.",
    }

    def __init__(
        self,
        known: Callable[[], Mapping | frozenset | set | tuple],
        unknown_message: str,
        *,
        ignore_case: bool = False,
        order: Callable[[], Iterable[str]] | None = None,
        max_items: int | None = None,
        split_commas: bool = False,
        **kwargs,
    ):
        kwargs.setdefault("allow_none", True)
        super().__init__(fields.String(), **kwargs)
        self.known = known
        self.unknown_message = unknown_message
        # Codes are upper-case; ``ignore_case`` reads "e" as "E" (the OpenAPI document says so).
        self.ignore_case = ignore_case
        self.normalize = (lambda code: code.strip().upper()) if ignore_case else str.strip
        self.order = order
        self.max_items = max_items
        self.split_commas = split_commas

    def spellings(self) -> list[str]:
        """Every code the reference knows (read on demand, for the OpenAPI document)."""
        return list(self.known())

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if value is None:
            value = []
        return super().deserialize(value, attr, data, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise self.make_error("invalid")
        if self.max_items is not None and len(value) > self.max_items:
            raise self.make_error("too_many", max=self.max_items)  # as sent: 31 × the same code too
        items: list[str] = []
        for raw in value:
            if isinstance(raw, int) and not isinstance(raw, bool):
                raw = str(raw)
            if not isinstance(raw, str):
                raise self.make_error("item", input=raw)
            pieces = raw.split(",") if self.split_commas else [raw]
            for piece in pieces:
                code = self.normalize(piece.strip())
                if code and code not in items:
                    items.append(code)
        if self.max_items is not None and len(items) > self.max_items:
            raise self.make_error("too_many", max=self.max_items)
        known = self.known()
        unknown = [code for code in items if code not in known]
        if unknown:
            raise ValidationError([self.unknown_message.format(code=code) for code in unknown])
        if self.order is not None:
            rank = {code: i for i, code in enumerate(self.order())}
            items.sort(key=lambda code: rank.get(code, len(rank)))
        return items


class List(French, fields.List):
    """A list; None loads as []; more than ``max_items`` items is refused before any is read."""

    default_error_messages = {"invalid": "Liste attendue.", "too_many": "{max} éléments au plus."}

    def __init__(self, *args, max_items: int | None = None, **kwargs):
        self.max_items = max_items
        super().__init__(*args, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if self.max_items is not None and isinstance(value, (list, tuple)) and len(value) > self.max_items:
            raise self.make_error("too_many", max=self.max_items)
        return super()._deserialize(value, attr, data, **kwargs)

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if value is None:
            value = []
        return super().deserialize(value, attr, data, **kwargs)


class Week(French, fields.Field):
    """A typical week checked by catalog.schedule.validate_week.

    Input: ``{"1".."7" (or 1..7): "9h-12h30 14h-18h" | [[540, 750], ...] | null | ""}``.
    Output: ``{day: [(start, end), ...]}`` with only open days. Errors are keyed
    by day: ``{"2": ["mardi : les créneaux ... se chevauchent"]}``.
    """

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if value is None:
            value = {}
        return super().deserialize(value, attr, data, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, Mapping):
            raise ValidationError(
                "La semaine type doit associer chaque jour (1 = lundi … 7 = dimanche) à ses créneaux."
            )
        errors: dict[str, list[str]] = {}
        # Day by day first, so that every wrong day is reported at once.
        for key, slots in value.items():
            try:
                validate_week({key: slots})
            except ScheduleError as error:
                errors.setdefault(_day_key(key, error), []).append(_schedule_message(error))
        if errors:
            raise ValidationError(errors)
        try:
            return validate_week(value)  # e.g. a day given both as 2 and "2"
        except ScheduleError as error:
            if error.day is None:
                raise ValidationError(_schedule_message(error)) from None
            raise ValidationError({str(error.day): [_schedule_message(error)]}) from None


def _day_key(key: object, error: ScheduleError) -> str:
    if error.day is not None:
        return str(error.day)
    return str(key).strip()


def _schedule_message(error: ScheduleError) -> str:
    message = error.message
    if error.day in DAY_NAMES:
        return message  # "mardi : ..." as the schedule module words it
    return message[:1].upper() + message[1:]


# --- small validators --------------------------------------------------------------------


def max_chars(limit: int, label: str) -> Callable[[str], None]:
    """A validator: ``label`` ne doit pas dépasser ``limit`` caractères."""

    def check(value: str) -> None:
        if value is not None and len(value) > limit:
            raise ValidationError(
                f"{label} ne doit pas dépasser {thousands(limit)} caractères "
                f"(vous en avez saisi {thousands(len(value))})."
            )

    return check


def known(reference: Callable[[], Iterable[str]], error: str) -> Callable[[str], bool]:
    """Like ``validate.OneOf``, with the reference read on first use: importing a schema reads no data file."""

    def check(value: str) -> bool:
        if value not in reference():
            raise ValidationError(error.format(input=value))
        return True

    return check


def one_of(choices: Iterable[str], label: str) -> validate.OneOf:
    choices = tuple(choices)
    return validate.OneOf(choices, error=f"{label} inconnu : « {{input}} » (valeurs possibles : {', '.join(choices)}).")


# --- base schema -------------------------------------------------------------------------


class BaseSchema(Schema):
    """Refuses unknown fields, in French."""

    error_messages = {"unknown": MSG_UNKNOWN_FIELD, "type": MSG_NOT_AN_OBJECT}

    class Meta:
        unknown = RAISE

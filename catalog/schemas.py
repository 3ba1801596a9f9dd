"""Input schemas (marshmallow 4) of the write path and of the query API.

Every message is French and written for the person who typed the value (a
physiotherapist, a colleague searching, another application's developer).
Errors are keyed by field, so the API's error handler can name the field:
:func:`first_error` flattens a marshmallow error into ``(dotted_field, message)``.

Schemas:

- :class:`UnitSheetSchema` — a practitioner's UO sheet (PUT /api/v1/me/units/<id>);
  loads into the editable fields of ``repository.update_unit`` plus ``revision``
  and ``resource_persons``.
- :class:`AnomalyReportSchema`, :class:`AnomalyUpdateSchema` — anomalies.
- :class:`ActivationSchema`, :class:`AccountDetailsSchema`, :class:`LoginSchema` — accounts.
- :class:`SearchParamsSchema` (+ :func:`parse_search_params`) and
  :class:`SuggestParamsSchema` (+ :func:`parse_suggest_params`) — query parameters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from marshmallow import (
    EXCLUDE,
    INCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from catalog.communes import DEPARTMENTS, PARIS_INSEE, communes
from catalog.identifiers import validate_rpps
from catalog.nomenclature import nomenclature
from catalog.phone import normalize_phone
from catalog.repository import EDITABLE_UNIT_FIELDS, HOME_VISIT_APTITUDE
from catalog.schedule import DAY_NAMES, ScheduleError, validate_week

__all__ = [
    "AccountDetailsSchema",
    "ActivationSchema",
    "AnomalyReportSchema",
    "AnomalyUpdateSchema",
    "LoginSchema",
    "RESOURCE_PERSON_ROLES",
    "RPPS_SOURCED_FIELDS",
    "RPPS_FIELD_MESSAGE",
    "ResourcePersonSchema",
    "SEARCH_IGNORED_PARAMS",
    "SEARCH_LIST_PARAMS",
    "SearchParamsSchema",
    "SuggestParamsSchema",
    "UnitSheetSchema",
    "first_error",
    "parse_search_params",
    "parse_suggest_params",
    "password_problems",
]

# --- constants ---------------------------------------------------------------------------

#: Fields of a sheet that come from the RPPS (or are managed by the directory):
#: a practitioner who sends them gets :data:`RPPS_FIELD_MESSAGE`.
RPPS_SOURCED_FIELDS = frozenset(
    {
        "id",
        "name",
        "rpps",
        "owner_rpps",
        "last_name",
        "first_name",
        "civility",
        "profession",
        "address",
        "postal_code",
        "establishment",
        "insee",
        "lat",
        "lon",
        "eg_id",
        "uo_type",
    }
)
RPPS_FIELD_MESSAGE = "Ce champ provient du RPPS et ne peut pas être modifié ici."

RESOURCE_PERSON_ROLES = ("stagiaire", "confrère", "remplaçant", "assistant", "autre")
_ROLE_SPELLINGS = {"confrere": "confrère", "remplacant": "remplaçant"}

ANOMALY_TARGET_TYPES = ("EJ", "EG", "UO")
ANOMALY_STATUSES = ("new", "in_progress", "resolved", "rejected")

AGE_MIN, AGE_MAX = 0, 120
COMMENTS_MAX = 2000
RESOURCE_PERSONS_MAX = 20
PASSWORD_MIN, PASSWORD_MAX = 8, 128
ACTIVATION_CODE_LENGTH = 12
SEARCH_TEXT_MAX = 200
SEARCH_APTITUDES_MAX = 30
SEARCH_LIST_MAX = 100
#: OpenSearch's default index.max_result_window: results past it cannot be paged to.
SEARCH_RESULT_WINDOW = 10_000
SUGGEST_MIN_CHARS, SUGGEST_MAX_CHARS = 3, 100

#: Query parameters that are accepted and ignored (cache-busters added by browsers/JS).
SEARCH_IGNORED_PARAMS = frozenset({"_"})
#: Parameters of /search that may be repeated (``aptitude=A&aptitude=B``).
SEARCH_LIST_PARAMS = frozenset({"aptitude", "age", "department", "commune", "profession"})

MSG_REQUIRED = "Ce champ est obligatoire."
MSG_NULL = "Ce champ ne peut pas être vide."
MSG_UNKNOWN_FIELD = "Champ inconnu : il ne fait pas partie de ce formulaire."
MSG_NOT_AN_OBJECT = "Les données doivent être un objet JSON (des paires « champ : valeur »)."
MSG_HOME_VISIT_COMMUNE = "Indiquez au moins une commune d'intervention."
MSG_ANOMALY_MESSAGE = "Décrivez l'anomalie en quelques mots (10 caractères au moins)."
MSG_DECISION_NOTE = "Ajoutez une note expliquant la décision."
MSG_ACTIVATION_CODE = "Le code d'activation ne semble pas valide : vérifiez le courrier reçu."
MSG_PASSWORD_MISMATCH = "Les deux mots de passe ne correspondent pas."
MSG_ACCEPT_TERMS = "Vous devez accepter les conditions d'utilisation."
MSG_SUGGEST_TOO_SHORT = "Saisissez au moins 3 caractères."
MSG_REPEATED_PARAM = "Ce paramètre ne peut être donné qu'une fois."

PASSWORD_TOO_SHORT = "Au moins 8 caractères."
PASSWORD_NO_UPPER = "Au moins une lettre majuscule."
PASSWORD_NO_LOWER = "Au moins une lettre minuscule."
PASSWORD_NO_DIGIT = "Au moins un chiffre."
PASSWORD_TOO_LONG = "Au plus 128 caractères."


def _thousands(n: int) -> str:
    """2000 -> "2 000" (French grouping)."""
    return f"{n:,}".replace(",", " ")


# --- French fields -----------------------------------------------------------------------


class _French:
    """Mixin: French messages for the errors every field can give."""

    default_error_messages = {
        "required": MSG_REQUIRED,
        "null": MSG_NULL,
        "validator_failed": "Valeur non valide.",
    }


class _Str(_French, fields.String):
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


class _Int(_French, fields.Integer):
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


class _Float(_French, fields.Float):
    default_error_messages = {
        "invalid": "Nombre attendu.",
        "too_large": "Nombre trop grand.",
        "special": "Nombre attendu.",
    }


_TRUE_WORDS = frozenset({"true", "1", "oui", "o", "yes", "y", "on", "t", "vrai"})
_FALSE_WORDS = frozenset({"false", "0", "non", "n", "no", "off", "f", "faux"})


class _Bool(_French, fields.Boolean):
    """true/false, 1/0, oui/non (any case), JSON booleans."""

    default_error_messages = {"invalid": "Valeur attendue : oui ou non (true ou false)."}

    def _deserialize(self, value, attr, data, **kwargs):
        if value is True or value is False:
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            word = value.strip().lower()
            if word in _TRUE_WORDS:
                return True
            if word in _FALSE_WORDS:
                return False
        raise self.make_error("invalid", input=value)


class _Email(_Str):
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


class _Phone(_Str):
    """A French phone number normalised to E.164 by catalog.phone; "" -> None."""

    def __init__(self, *, mobile: bool | None = None, **kwargs):
        self.mobile = mobile
        kwargs.setdefault("blank_as_none", True)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalize_phone(text, mobile=self.mobile)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class _Codes(_French, fields.List):
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
        normalize: Callable[[str], str] = str.strip,
        order: Callable[[], Iterable[str]] | None = None,
        max_items: int | None = None,
        split_commas: bool = False,
        **kwargs,
    ):
        kwargs.setdefault("allow_none", True)
        super().__init__(fields.String(), **kwargs)
        self.known = known
        self.unknown_message = unknown_message
        self.normalize = normalize
        self.order = order
        self.max_items = max_items
        self.split_commas = split_commas

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if value is None:
            value = []
        return super().deserialize(value, attr, data, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise self.make_error("invalid")
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


class _List(_French, fields.List):
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


class _Week(_French, fields.Field):
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


class _Where(_French, fields.Field):
    """``where`` of a search: INSEE code (75056: Paris as a whole), ``dep:<department>``,
    ``cp:<postal code>``, ``eg:<id>`` or ``lat,lon``."""

    _POINT_RE = re.compile(r"\s*([+-]?[0-9]{1,3}(?:\.[0-9]+)?)\s*[,;]\s*([+-]?[0-9]{1,3}(?:\.[0-9]+)?)\s*")
    _INSEE_RE = re.compile(r"[0-9][0-9AB][0-9]{3}")
    _EG_RE = re.compile(r"eg:(\S{1,64})", re.IGNORECASE)
    _AREA_RE = re.compile(r"(dep|cp):([0-9]{2}|[0-9]{5})", re.IGNORECASE)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError(f"Lieu non reconnu : {value!r}")
        text = value.strip()
        unrecognised = (
            f"Lieu non reconnu : « {text} ». Indiquez le code INSEE d'une commune "
            "d'Île-de-France, « dep:<numéro> » d'un département, « cp:<code> » d'un code postal, "
            "« eg:<identifiant> » d'un établissement ou des "
            "coordonnées « latitude,longitude »."
        )
        if text == PARIS_INSEE:
            return {"kind": "commune", "insee": PARIS_INSEE, "label": "Paris"}
        match = self._AREA_RE.fullmatch(text)
        if match:
            kind, code = match.group(1).lower(), match.group(2)
            if kind == "dep":
                if code not in DEPARTMENTS:
                    raise ValidationError(
                        f"Département inconnu : « {code} » (départements d'Île-de-France : {', '.join(DEPARTMENTS)})."
                    )
                return {"kind": "department", "code": code}
            if not any(code in c.postal_codes for c in communes().values()):
                raise ValidationError(f"Aucune commune d'Île-de-France n'a le code postal « {code} ».")
            return {"kind": "postal_code", "code": code}
        if self._INSEE_RE.fullmatch(text):
            commune = communes().get(text)
            if commune is None:
                raise ValidationError(
                    f"Lieu non reconnu : « {text} » n'est pas le code INSEE d'une commune d'Île-de-France."
                )
            return {
                "kind": "commune",
                "insee": commune.insee,
                "label": commune.label,
                "lat": commune.lat,
                "lon": commune.lon,
            }
        match = self._EG_RE.fullmatch(text)
        if match:
            return {"kind": "establishment", "id": match.group(1)}
        match = self._POINT_RE.fullmatch(text)
        if match:
            lat, lon = float(match.group(1)), float(match.group(2))
            if not -90 <= lat <= 90:
                raise ValidationError(
                    f"Latitude hors limites : {match.group(1)} (elle doit être comprise entre -90 et 90)."
                )
            if not -180 <= lon <= 180:
                raise ValidationError(
                    f"Longitude hors limites : {match.group(2)} (elle doit être comprise entre -180 et 180)."
                )
            return {"kind": "point", "lat": lat, "lon": lon}
        raise ValidationError(unrecognised)


class _What(_Str):
    """``what`` of a search: an aptitude, UO type or profession code, else free text."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        _max_chars(SEARCH_TEXT_MAX, "La recherche")(text)
        nomen = nomenclature()
        if text in nomen.aptitudes:
            return {"kind": "aptitude", "code": text, "label": nomen.aptitudes[text].label}
        if text in nomen.uo_types:
            return {"kind": "uo_type", "code": text, "label": nomen.uo_types[text]["label"]}
        if text in nomen.professions:
            return {"kind": "profession", "code": text, "label": nomen.professions[text]["label"]}
        return {"kind": "text", "text": text}


class _Category(_Str):
    """A category code, or "all" / "" for the whole ROR (-> None)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("blank_as_none", True)
        kwargs.setdefault("allow_none", True)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text.lower() in ("all", "tout", "tous"):
            return None
        if text not in nomenclature().categories:
            known = ", ".join(nomenclature().categories)
            raise ValidationError(f"Catégorie inconnue : « {text} » (valeurs possibles : all, {known}).")
        return text


# --- small validators --------------------------------------------------------------------


def _max_chars(limit: int, label: str) -> Callable[[str], None]:
    """A validator: ``label`` ne doit pas dépasser ``limit`` caractères."""

    def check(value: str) -> None:
        if value is not None and len(value) > limit:
            raise ValidationError(
                f"{label} ne doit pas dépasser {_thousands(limit)} caractères "
                f"(vous en avez saisi {_thousands(len(value))})."
            )

    return check


def _one_of(choices: Iterable[str], label: str) -> validate.OneOf:
    choices = tuple(choices)
    return validate.OneOf(choices, error=f"{label} inconnu : « {{input}} » (valeurs possibles : {', '.join(choices)}).")


# --- base schema -------------------------------------------------------------------------


class _BaseSchema(Schema):
    """Refuses unknown fields, in French."""

    error_messages = {"unknown": MSG_UNKNOWN_FIELD, "type": MSG_NOT_AN_OBJECT}

    class Meta:
        unknown = RAISE


# --- the UO sheet ------------------------------------------------------------------------


class ResourcePersonSchema(_BaseSchema):
    """A person added to a sheet (trainee, colleague...); RPPS ones are not edited here."""

    name = _Str(
        required=True,
        blank_as_none=True,
        validate=_max_chars(120, "Le nom"),
        error_messages={
            "required": "Indiquez le nom de la personne ressource.",
            "null": "Indiquez le nom de la personne ressource.",
            "blank": "Indiquez le nom de la personne ressource.",
        },
    )
    role = _Str(
        load_default="autre",
        allow_none=False,
        blank_as_none=True,
        pre_load=lambda v: _ROLE_SPELLINGS.get(v.strip().lower(), v.strip().lower()) if isinstance(v, str) else v,
        validate=validate.OneOf(
            RESOURCE_PERSON_ROLES,
            error="Rôle inconnu : « {input} ». Choisissez parmi : " + ", ".join(RESOURCE_PERSON_ROLES) + ".",
        ),
        error_messages={"blank": "Choisissez un rôle : " + ", ".join(RESOURCE_PERSON_ROLES) + "."},
    )
    phone = _Phone(load_default=None, allow_none=True)
    email = _Email(load_default=None, allow_none=True, blank_as_none=True)


class UnitSheetSchema(_BaseSchema):
    """What a practitioner submits to edit the sheet of one of their UOs.

    ``load`` returns the editable fields of ``repository.update_unit`` plus
    ``revision`` (to pass as ``expected_revision``) and ``resource_persons``
    (the persons added by the practitioner, stored apart). A full load fills
    absent fields with their empty value (an empty field is hidden on the
    sheet); a partial load (``partial=True``) returns only the fields sent —
    ``revision`` stays required even then.
    """

    revision = _Int(
        required=True,
        validate=validate.Range(min=1, error="Numéro de révision de la fiche non valide : rechargez la page."),
        error_messages={
            "required": "Le numéro de révision de la fiche manque : rechargez la page puis recommencez.",
            "invalid": "Numéro de révision de la fiche non valide : rechargez la page.",
            "null": "Le numéro de révision de la fiche manque : rechargez la page puis recommencez.",
        },
    )
    phone = _Phone(load_default=None, allow_none=True)
    mobile = _Phone(mobile=True, load_default=None, allow_none=True)
    aptitudes = _Codes(
        lambda: nomenclature().aptitudes,
        "Aptitude inconnue : « {code} ».",
        order=lambda: nomenclature().aptitudes,
        load_default=list,
    )
    age_min = _Int(
        load_default=None,
        allow_none=True,
        pre_load=lambda v: None if isinstance(v, str) and not v.strip() else v,
        validate=validate.Range(
            min=AGE_MIN, max=AGE_MAX, error="L'âge minimum doit être compris entre 0 et 120 ans."
        ),
        error_messages={"invalid": "L'âge minimum doit être un nombre entier d'années."},
    )
    age_max = _Int(
        load_default=None,
        allow_none=True,
        pre_load=lambda v: None if isinstance(v, str) and not v.strip() else v,
        validate=validate.Range(
            min=AGE_MIN, max=AGE_MAX, error="L'âge maximum doit être compris entre 0 et 120 ans."
        ),
        error_messages={"invalid": "L'âge maximum doit être un nombre entier d'années."},
    )
    home_visit = _Bool(load_default=False, allow_none=False)
    home_visit_communes = _Codes(
        lambda: communes(),
        "Commune inconnue : « {code} » (code INSEE d'une commune d'Île-de-France attendu).",
        load_default=list,
    )
    week = _Week(load_default=dict)
    open_on_holidays = _Bool(load_default=False, allow_none=False)
    comments = _Str(
        load_default="",
        allow_none=True,
        null_as="",
        validate=_max_chars(COMMENTS_MAX, "Le champ « Informations complémentaires »"),
    )
    resource_persons = _List(
        fields.Nested(ResourcePersonSchema, error_messages={"type": "Chaque personne ressource doit être un objet."}),
        load_default=list,
        allow_none=True,
        max_items=RESOURCE_PERSONS_MAX,
        error_messages={"too_many": f"{RESOURCE_PERSONS_MAX} personnes ressources au plus."},
    )

    def load(self, data, *, many=None, partial=None, unknown=None):
        # A partial load still needs the revision: without it optimistic
        # concurrency would silently be off.
        if partial is None:
            partial = self.partial
        if partial is True:
            partial = tuple(name for name in self.load_fields if name != "revision")
        return super().load(data, many=many, partial=partial, unknown=unknown)

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _check_ages(self, data, original_data, **kwargs):
        has_min, has_max = data.get("age_min") is not None, data.get("age_max") is not None
        # A value sent but refused already has its message: no second one.
        if has_min and not has_max and not _refused(original_data, data, "age_max"):
            raise ValidationError("Indiquez aussi l'âge maximum des patients accueillis.", "age_max")
        if has_max and not has_min and not _refused(original_data, data, "age_min"):
            raise ValidationError("Indiquez aussi l'âge minimum des patients accueillis.", "age_min")
        if has_min and has_max and data["age_min"] > data["age_max"]:
            raise ValidationError("L'âge maximum doit être supérieur ou égal à l'âge minimum.", "age_max")

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _check_home_visit(self, data, original_data, **kwargs):
        if data.get("home_visit") is not True or _refused(original_data, data, "home_visit_communes"):
            return
        if not data.get("home_visit_communes"):
            raise ValidationError(MSG_HOME_VISIT_COMMUNE, "home_visit_communes")

    @post_load(pass_original=True)
    def _settle_home_visit(self, data, original_data, **kwargs):
        # A sheet that ticks « Intervention à domicile » without answering the home-visit
        # question visits at home (repository.home_visit_fact keeps the two agreeing).
        flag_sent = isinstance(original_data, Mapping) and "home_visit" in original_data
        if not flag_sent and HOME_VISIT_APTITUDE in (data.get("aptitudes") or ()):
            data["home_visit"] = True
        if data.get("home_visit") is False:
            data["home_visit_communes"] = []
        ordered = {name: data[name] for name in ("revision", *EDITABLE_UNIT_FIELDS, "resource_persons") if name in data}
        return ordered

    def handle_error(self, error, data, *, many, **kwargs):
        # marshmallow words every unknown field the same way; RPPS-sourced
        # fields get their own message.
        messages = error.messages
        if not isinstance(messages, dict) or not isinstance(data, Mapping):
            return
        rewritten = dict(messages)
        changed = False
        for name in data:
            if name in RPPS_SOURCED_FIELDS and name in rewritten:
                rewritten[name] = [RPPS_FIELD_MESSAGE]
                changed = True
        if changed:
            raise ValidationError(rewritten, data=error.data, valid_data=error.valid_data)


def _refused(original: object, data: Mapping, name: str) -> bool:
    """Was ``name`` sent but refused (so it already carries an error message)?"""
    return isinstance(original, Mapping) and name in original and name not in data


# --- anomalies ---------------------------------------------------------------------------


class AnomalyReportSchema(_BaseSchema):
    """A data-quality report on an EJ, EG or UO."""

    target_type = _Str(
        required=True,
        blank_as_none=True,
        pre_load=lambda v: v.strip().upper() if isinstance(v, str) else v,
        validate=validate.OneOf(
            ANOMALY_TARGET_TYPES,
            error="Type de fiche inconnu : « {input} » (valeurs possibles : EJ, EG, UO).",
        ),
        error_messages={
            "required": "Indiquez le type de fiche concernée (EJ, EG ou UO).",
            "blank": "Indiquez le type de fiche concernée (EJ, EG ou UO).",
        },
    )
    target_id = _Str(
        required=True,
        blank_as_none=True,
        validate=_max_chars(64, "L'identifiant de la fiche"),
        error_messages={
            "required": "Indiquez l'identifiant de la fiche concernée.",
            "blank": "Indiquez l'identifiant de la fiche concernée.",
        },
    )
    message = _Str(
        required=True,
        validate=[
            validate.Length(min=10, error=MSG_ANOMALY_MESSAGE),
            _max_chars(COMMENTS_MAX, "La description de l'anomalie"),
        ],
        error_messages={"required": MSG_ANOMALY_MESSAGE, "null": MSG_ANOMALY_MESSAGE},
    )
    field = _Str(
        load_default=None,
        allow_none=True,
        blank_as_none=True,
        validate=_max_chars(64, "Le nom du champ"),
    )
    theme = _Str(
        load_default=None,
        allow_none=True,
        blank_as_none=True,
        validate=lambda code: _known_theme(code),
    )


def _known_theme(code: str) -> bool:
    themes = nomenclature().anomaly_themes
    if code not in themes:
        known = ", ".join(f"{c} ({t['label']})" for c, t in themes.items())
        raise ValidationError(f"Thème d'anomalie inconnu : « {code} » (valeurs possibles : {known}).")
    return True


class AnomalyUpdateSchema(_BaseSchema):
    """An admin's change to an anomaly: status, note, assignee (each optional)."""

    status = _Str(
        validate=_one_of(ANOMALY_STATUSES, "Statut"),
        pre_load=lambda v: v.strip().lower() if isinstance(v, str) else v,
    )
    note = _Str(
        allow_none=True,
        blank_as_none=True,
        validate=_max_chars(COMMENTS_MAX, "La note"),
    )
    assignee_id = _Int(
        allow_none=True,
        validate=validate.Range(min=1, error="Identifiant de responsable non valide."),
        error_messages={"invalid": "Identifiant de responsable non valide."},
    )

    @validates_schema(skip_on_field_errors=False)
    def _check_decision(self, data, **kwargs):
        if data.get("status") in ("resolved", "rejected") and not data.get("note"):
            raise ValidationError(MSG_DECISION_NOTE, "note")

    @validates_schema(skip_on_field_errors=True)
    def _check_not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Indiquez au moins une modification (statut, note ou responsable).")


# --- accounts ----------------------------------------------------------------------------


def password_problems(password: object) -> list[str]:
    """Every password rule the value breaks, one French message each (empty list = fine).

    Rules (the activation page of the guide): at least 8 characters, one
    upper-case letter, one lower-case letter, one digit; at most 128 characters.
    """
    text = password if isinstance(password, str) else ""
    problems = []
    if len(text) < PASSWORD_MIN:
        problems.append(PASSWORD_TOO_SHORT)
    if not any(c.isupper() for c in text):
        problems.append(PASSWORD_NO_UPPER)
    if not any(c.islower() for c in text):
        problems.append(PASSWORD_NO_LOWER)
    if not any(c in "0123456789" for c in text):
        problems.append(PASSWORD_NO_DIGIT)
    if len(text) > PASSWORD_MAX:
        problems.append(PASSWORD_TOO_LONG)
    return problems


def _check_password(value: str) -> None:
    problems = password_problems(value)
    if problems:
        raise ValidationError(problems)


_CODE_NOISE_RE = re.compile(r"[\s\-‐‑‒–—_.]+")
_CODE_RE = re.compile(rf"[A-Z0-9]{{{ACTIVATION_CODE_LENGTH}}}")


class _Rpps(_Str):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return validate_rpps(text)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class _ActivationCode(_Str):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        code = _CODE_NOISE_RE.sub("", text).upper()
        if not _CODE_RE.fullmatch(code):
            raise ValidationError(MSG_ACTIVATION_CODE)
        return code


class ActivationSchema(_BaseSchema):
    """Account activation: RPPS number + one-time code from the letter + password.

    Loads into ``{"rpps", "code", "password"}`` (the confirmation is dropped).
    """

    rpps = _Rpps(required=True, error_messages={"required": "Saisissez votre numéro RPPS."})
    code = _ActivationCode(
        required=True,
        error_messages={"required": "Saisissez le code d'activation reçu par courrier."},
    )
    password = _Str(
        required=True,
        strip=False,
        validate=_check_password,
        error_messages={"required": "Choisissez un mot de passe."},
    )
    password_confirmation = _Str(
        required=True,
        strip=False,
        error_messages={"required": "Saisissez une deuxième fois le mot de passe."},
    )

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _check_confirmation(self, data, original_data, **kwargs):
        # Compared as typed: a password that breaks a rule is not in ``data``.
        if not isinstance(original_data, Mapping):
            return
        password, confirmation = original_data.get("password"), original_data.get("password_confirmation")
        if isinstance(password, str) and isinstance(confirmation, str) and password != confirmation:
            raise ValidationError(MSG_PASSWORD_MISMATCH, "password_confirmation")

    @post_load
    def _drop_confirmation(self, data, **kwargs):
        data.pop("password_confirmation", None)
        return data


class AccountDetailsSchema(_BaseSchema):
    """Details required after activation: e-mail and terms acceptance."""

    email = _Email(
        required=True,
        blank_as_none=True,
        error_messages={
            "required": "Saisissez votre adresse e-mail.",
            "blank": "Saisissez votre adresse e-mail.",
            "null": "Saisissez votre adresse e-mail.",
        },
    )
    accept_terms = _Bool(
        required=True,
        error_messages={"required": MSG_ACCEPT_TERMS, "null": MSG_ACCEPT_TERMS},
    )

    @validates_schema(skip_on_field_errors=False)
    def _check_terms(self, data, **kwargs):
        if data.get("accept_terms") is False:
            raise ValidationError(MSG_ACCEPT_TERMS, "accept_terms")


class LoginSchema(_BaseSchema):
    """Sign-in with an RPPS number or an e-mail address.

    Loads into ``{"login", "password", "login_kind"}``: an RPPS number typed
    with spaces loses them (``login_kind`` "rpps"), an e-mail is lower-cased
    (``login_kind`` "email"). The RPPS key is not checked here: a wrong login
    gets the same answer as a wrong password.
    """

    login = _Str(
        required=True,
        blank_as_none=True,
        validate=_max_chars(254, "L'identifiant"),
        error_messages={
            "required": "Saisissez votre numéro RPPS ou votre adresse e-mail.",
            "blank": "Saisissez votre numéro RPPS ou votre adresse e-mail.",
            "null": "Saisissez votre numéro RPPS ou votre adresse e-mail.",
        },
    )
    password = _Str(
        required=True,
        strip=False,
        validate=[
            validate.Length(min=1, error="Saisissez votre mot de passe."),
            _max_chars(PASSWORD_MAX, "Le mot de passe"),
        ],
        error_messages={"required": "Saisissez votre mot de passe.", "null": "Saisissez votre mot de passe."},
    )

    @post_load
    def _normalise_login(self, data, **kwargs):
        login = data["login"]
        compact = re.sub(r"\s+", "", login)
        if re.fullmatch(r"[0-9]+", compact):
            data["login"], data["login_kind"] = compact, "rpps"
        else:
            data["login"], data["login_kind"] = login.lower(), "email"
        return data


# --- search and typeahead ----------------------------------------------------------------


class _QuerySchema(_BaseSchema):
    """Query-string schemas: a blank parameter counts as absent."""

    @pre_load
    def _drop_blanks(self, data, **kwargs):
        if not isinstance(data, Mapping):
            return data
        cleaned = {}
        for key, value in data.items():
            if isinstance(value, (list, tuple)):
                value = [v for v in value if not (v is None or (isinstance(v, str) and not v.strip()))]
                if not value:
                    continue
            elif value is None or (isinstance(value, str) and not value.strip()):
                continue
            cleaned[key] = value
        return cleaned


class SearchParamsSchema(_QuerySchema):
    """Query parameters of GET /api/v1/search (and search.xlsx).

    Blank values count as absent. Prefer :func:`parse_search_params` on
    ``request.args``: it collects repeated parameters and names unknown ones.
    """

    where = _Where(load_default=None)
    what = _What(load_default=None, allow_none=True)
    q = _Str(load_default=None, allow_none=True, validate=_max_chars(SEARCH_TEXT_MAX, "Le texte recherché"))
    category = _Category(load_default=None)
    aptitude = _Codes(
        lambda: nomenclature().aptitudes,
        "Aptitude inconnue : « {code} ».",
        normalize=lambda s: s.strip(),
        max_items=SEARCH_APTITUDES_MAX,
        split_commas=True,
        load_default=list,
        error_messages={"too_many": f"{SEARCH_APTITUDES_MAX} aptitudes au plus."},
    )
    age = _Codes(
        lambda: ("E", "A"),
        "Âge des patients inconnu : « {code} » (E = enfants, A = adultes).",
        normalize=lambda s: s.strip().upper(),
        split_commas=True,
        load_default=list,
    )
    home_visit = _Bool(load_default=None, allow_none=True)
    open_now = _Bool(load_default=None, allow_none=True)
    department = _Codes(
        lambda: DEPARTMENTS,
        "Département inconnu : « {code} » (départements d'Île-de-France : " + ", ".join(DEPARTMENTS) + ").",
        split_commas=True,
        load_default=list,
    )
    commune = _Codes(
        lambda: communes(),
        "Commune inconnue : « {code} » (code INSEE d'une commune d'Île-de-France attendu).",
        split_commas=True,
        max_items=SEARCH_LIST_MAX,
        load_default=list,
    )
    profession = _Codes(
        lambda: nomenclature().professions,
        "Profession inconnue : « {code} ».",
        split_commas=True,
        load_default=list,
    )
    radius_km = _Float(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0.5, max=100, error="Le rayon doit être compris entre 0,5 et 100 km."),
        error_messages={
            "invalid": "Le rayon doit être un nombre de kilomètres (par exemple 10 ou 2.5).",
            "special": "Le rayon doit être un nombre de kilomètres (par exemple 10 ou 2.5).",
        },
    )
    sort = _Str(
        load_default=None,
        allow_none=True,
        pre_load=lambda v: v.strip().lower() if isinstance(v, str) else v,
        validate=validate.OneOf(
            ("distance", "relevance"), error="Tri inconnu : « {input} » (valeurs possibles : distance, relevance)."
        ),
    )
    page = _Int(
        load_default=1,
        validate=validate.Range(min=1, error="Le numéro de page doit être 1 ou plus."),
        error_messages={"invalid": "Le numéro de page doit être un nombre entier."},
    )
    per_page = _Int(
        load_default=20,
        validate=validate.Range(min=1, max=100, error="Le nombre de résultats par page doit être compris entre 1 et 100."),
        error_messages={"invalid": "Le nombre de résultats par page doit être un nombre entier."},
    )

    @validates_schema(skip_on_field_errors=True)
    def _check_result_window(self, data, **kwargs):
        page, per_page = data.get("page", 1), data.get("per_page", 20)
        if page * per_page > SEARCH_RESULT_WINDOW:
            raise ValidationError(
                f"Page trop lointaine : seuls les {_thousands(SEARCH_RESULT_WINDOW)} premiers résultats "
                "peuvent être parcourus. Affinez la recherche ou exportez la liste complète au format Excel.",
                "page",
            )


class SuggestParamsSchema(_QuerySchema):
    """Query parameters of GET /api/v1/suggest (typeahead)."""

    field = _Str(
        required=True,
        pre_load=lambda v: v.strip().lower() if isinstance(v, str) else v,
        validate=validate.OneOf(("what", "where"), error="Champ inconnu : « {input} » (valeurs possibles : what, where)."),
        error_messages={"required": "Indiquez le champ à compléter : what ou where."},
    )
    q = _Str(
        required=True,
        validate=[
            validate.Length(min=SUGGEST_MIN_CHARS, error=MSG_SUGGEST_TOO_SHORT),
            _max_chars(SUGGEST_MAX_CHARS, "Le texte saisi"),
        ],
        error_messages={"required": MSG_SUGGEST_TOO_SHORT, "null": MSG_SUGGEST_TOO_SHORT},
    )
    category = _Category(load_default=None)
    size = _Int(
        load_default=8,
        validate=validate.Range(min=1, max=20, error="Le nombre de suggestions doit être compris entre 1 et 20."),
        error_messages={"invalid": "Le nombre de suggestions doit être un nombre entier."},
    )


# --- catalog records (establishments and their units, loaded by the catalog) ------------

# Île-de-France, with a margin: a point outside is a data error, not a place.
IDF_LAT, IDF_LON = (48.0, 49.3), (1.3, 3.7)


class LegalEntitySchema(_BaseSchema):
    """An EJ as the catalog loads it."""

    id = _Str(required=True, validate=validate.Length(min=1, max=64, error="Identifiant d'EJ manquant ou trop long."))
    name = _Str(required=True, validate=[validate.Length(min=1, error="Indiquez le nom de l'entité juridique."),
                                         _max_chars(200, "Le nom")])
    kind = _Str(required=True, validate=_one_of(("practitioner", "organisation"), "Type d'entité juridique"))


class EstablishmentSchema(_BaseSchema):
    """An EG (one place) as the catalog loads it; its commune must be in the reference."""

    id = _Str(required=True, validate=validate.Length(min=1, max=64, error="Identifiant d'EG manquant ou trop long."))
    name = _Str(required=True, validate=[validate.Length(min=1, error="Indiquez le nom de l'établissement."),
                                         _max_chars(200, "Le nom")])
    category = _Str(required=True, validate=validate.OneOf(
        tuple(nomenclature().categories), error="Catégorie inconnue : « {input} »."))
    sector = _Str(load_default=None, allow_none=True, validate=_max_chars(8, "Le secteur d'activité"))
    address = _Str(load_default="", validate=_max_chars(200, "L'adresse"))
    postal_code = _Str(required=True, validate=validate.Regexp(r"^\d{5}$", error="Code postal à 5 chiffres attendu."))
    insee = _Str(required=True, validate=validate.OneOf(
        tuple(communes()), error="Commune inconnue : « {input} » (code INSEE d'Île-de-France attendu)."))
    lat = _Float(required=True, validate=validate.Range(*IDF_LAT, error="Latitude hors d'Île-de-France."))
    lon = _Float(required=True, validate=validate.Range(*IDF_LON, error="Longitude hors d'Île-de-France."))
    phone = _Phone(load_default=None, allow_none=True)


_UNIT_IDENTITY = ("id", "uo_type", "name", "profession")


class UnitRecordSchema(Schema):
    """A UO as the catalog loads it: its identity, and a sheet checked by UnitSheetSchema."""

    class Meta:
        unknown = INCLUDE  # the sheet's fields, checked in _sheet by the practitioners' own schema

    id = _Str(required=True, validate=validate.Length(min=1, max=64, error="Identifiant d'UO manquant ou trop long."))
    uo_type = _Str(required=True, validate=validate.OneOf(
        tuple(nomenclature().uo_types), error="Type d'unité inconnu : « {input} »."))
    name = _Str(required=True, validate=[validate.Length(min=1, error="Indiquez le nom de l'unité."),
                                         _max_chars(200, "Le nom")])
    profession = _Str(load_default=None, allow_none=True, validate=validate.OneOf(
        tuple(nomenclature().professions), error="Profession inconnue : « {input} »."))

    @post_load
    def _sheet(self, data, **kwargs):
        identity = {key: data.pop(key) for key in _UNIT_IDENTITY}
        sheet = UnitSheetSchema().load({**data, "revision": 1})
        for key in ("revision", "resource_persons"):
            sheet.pop(key)
        return {**identity, **sheet}


class EstablishmentRecordSchema(_BaseSchema):
    """One line of an establishments file: an EJ, its EG and the EG's UOs."""

    ej = fields.Nested(LegalEntitySchema, required=True)
    eg = fields.Nested(EstablishmentSchema, required=True)
    units = fields.List(fields.Nested(UnitRecordSchema), required=True,
                        validate=validate.Length(min=1, max=200, error="Entre 1 et 200 unités par établissement."))


# --- query strings -----------------------------------------------------------------------


def _items(args) -> list[tuple[str, list]]:
    """(name, [values]) of a MultiDict, a dict of lists or a plain dict."""
    if hasattr(args, "getlist"):
        return [(key, list(args.getlist(key))) for key in args.keys()]
    if isinstance(args, Mapping):
        return [(key, list(v) if isinstance(v, (list, tuple)) else [v]) for key, v in args.items()]
    raise TypeError("a MultiDict or a mapping is expected")


def _parse_query(schema: Schema, args, list_params: frozenset, ignored: frozenset) -> dict:
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {}
    for key, values in _items(args):
        if key in ignored:
            continue
        if key not in schema.fields:
            errors[key] = [f"Paramètre inconnu : {key}"]
            continue
        if key in list_params:
            # Counted as sent, before duplicates are merged: 500 × aptitude=X is refused, not read.
            if len(values) > SEARCH_LIST_MAX:
                errors[key] = [f"Ce paramètre ne peut être répété plus de {SEARCH_LIST_MAX} fois."]
                continue
            data[key] = values
            continue
        present = [v for v in values if not (v is None or (isinstance(v, str) and not v.strip()))]
        if len(present) > 1:
            errors[key] = [MSG_REPEATED_PARAM]
        elif present:
            data[key] = present[0]
        elif values:
            data[key] = values[0]  # blank: the schema decides (absent for search, error for required ones)
    try:
        loaded = schema.load(data, unknown=EXCLUDE)
    except ValidationError as error:
        merged = {**errors, **error.normalized_messages()} if errors else error.normalized_messages()
        raise ValidationError(merged, data=data, valid_data=error.valid_data) from None
    if errors:
        raise ValidationError(errors, data=data, valid_data=loaded)
    return loaded


def parse_search_params(args) -> dict:
    """Load the query string of /search from ``request.args`` (a MultiDict) or a dict of lists.

    Repeated parameters are collected for the list fields (aptitude, age,
    department, commune, profession); for other fields a repetition is an
    error. Unknown parameters are refused by name, except
    :data:`SEARCH_IGNORED_PARAMS`. Raises ``ValidationError`` keyed by parameter.
    """
    return _parse_query(SearchParamsSchema(), args, SEARCH_LIST_PARAMS, SEARCH_IGNORED_PARAMS)


def parse_suggest_params(args) -> dict:
    """Same as :func:`parse_search_params` for /suggest (no repeated parameter)."""
    return _parse_query(SuggestParamsSchema(), args, frozenset(), SEARCH_IGNORED_PARAMS)


# --- errors for the API ------------------------------------------------------------------


def first_error(err: ValidationError) -> tuple[str | None, str]:
    """The first ``(dotted field, message)`` of a marshmallow error.

    ``{"week": {"2": ["mardi : ..."]}}`` -> ``("week.2", "mardi : ...")``;
    ``{"resource_persons": {0: {"name": [...]}}}`` -> ``("resource_persons.0.name", ...)``.
    Schema-level errors have no field (None).
    """
    found = _first(err.messages, [])
    if found is None:
        return None, "Requête non valide."
    path, message = found
    parts = [str(p) for p in path if p != "_schema"]
    return (".".join(parts) or None), message


def _first(node: Any, path: list) -> tuple[list, str] | None:
    if isinstance(node, str):
        return path, node
    if isinstance(node, Mapping):
        for key, value in node.items():
            found = _first(value, [*path, key])
            if found:
                return found
        return None
    if isinstance(node, (list, tuple)):
        for item in node:
            found = _first(item, path)
            if found:
                return found
    return None

"""Schemas of the domain's records and forms (marshmallow 4), built from catalog/fields.py.

Every message is French and written for the person who typed the value. Errors are
keyed by field (query_api/errors.py flattens them into the API's 400).

- :class:`UnitSheetSchema` — a practitioner's UO sheet (PUT /api/v1/me/units/<id>);
  loads into the editable fields of ``repository.update_unit`` plus ``revision``
  and ``resource_persons``.
- :class:`AnomalyReportSchema`, :class:`AnomalyUpdateSchema` — anomalies.
- :class:`ActivationSchema`, :class:`AccountDetailsSchema`, :class:`LoginSchema` — accounts.
- :class:`EstablishmentRecordSchema` — an establishment file's line (EJ, EG, UOs).

The API's query strings (search, suggestions) are read in query_api/api/schemas/.
Importing this module reads no data file: nomenclatures and communes are read on
first use.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from marshmallow import INCLUDE, Schema, ValidationError, fields, post_load, validate, validates_schema

from catalog.communes import communes
from catalog.fields import (
    MSG_NOT_AN_OBJECT,
    MSG_NULL,
    MSG_REQUIRED,
    MSG_UNKNOWN_FIELD,
    NOT_NUL,
    NOT_SPACE,
    SPACE,
    SPACE_CHARS,
    TRUE_WORDS,
    BaseSchema,
    Bool,
    Codes,
    Email,
    Float,
    Int,
    List,
    Phone,
    Str,
    Week,
    describe,
    known,
    max_chars,
    one_of,
    spaced,
)
from catalog.identifiers import validate_rpps
from catalog.nomenclature import nomenclature
from catalog.repository import EDITABLE_UNIT_FIELDS, HOME_VISIT_APTITUDE

__all__ = [
    "AccountDetailsSchema",
    "ActivationSchema",
    "AnomalyReportSchema",
    "AnomalyUpdateSchema",
    "EstablishmentRecordSchema",
    "LoginSchema",
    "MSG_NOT_AN_OBJECT",
    "MSG_NULL",
    "MSG_REQUIRED",
    "MSG_UNKNOWN_FIELD",
    "RESOURCE_PERSON_ROLES",
    "RPPS_SOURCED_FIELDS",
    "RPPS_FIELD_MESSAGE",
    "ResourcePersonSchema",
    "UnitSheetSchema",
    "first_password_problem",
    "password_message",
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


MSG_HOME_VISIT_COMMUNE = "Indiquez au moins une commune d'intervention."
MSG_ANOMALY_MESSAGE = "Décrivez l'anomalie en quelques mots (10 caractères au moins)."
MSG_DECISION_NOTE = "Ajoutez une note expliquant la décision."
MSG_ACTIVATION_CODE = "Le code d'activation ne semble pas valide : vérifiez le courrier reçu."
MSG_ACCEPT_TERMS = "Vous devez accepter les conditions d'utilisation."

PASSWORD_TOO_SHORT = "Au moins 8 caractères."
PASSWORD_NO_UPPER = "Au moins une lettre majuscule."
PASSWORD_NO_LOWER = "Au moins une lettre minuscule."
PASSWORD_NO_DIGIT = "Au moins un chiffre."
PASSWORD_TOO_LONG = "Au plus 128 caractères."
PASSWORD_RULES = frozenset({PASSWORD_TOO_SHORT, PASSWORD_NO_UPPER, PASSWORD_NO_LOWER, PASSWORD_NO_DIGIT, PASSWORD_TOO_LONG})


# --- the UO sheet ------------------------------------------------------------------------


class ResourcePersonSchema(BaseSchema):
    """A person added to a sheet (trainee, colleague...); RPPS ones are not edited here."""

    name = Str(
        required=True,
        blank_as_none=True,
        validate=max_chars(120, "Le nom"),
        error_messages={
            "required": "Indiquez le nom de la personne ressource.",
            "null": "Indiquez le nom de la personne ressource.",
            "blank": "Indiquez le nom de la personne ressource.",
        },
    )
    role = Str(
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
    phone = Phone(load_default=None, allow_none=True)
    email = Email(load_default=None, allow_none=True, blank_as_none=True)


def _ages_in_order() -> dict:
    """age_min <= age_max in JSON Schema, which compares a field with constants only: no m such that
    age_max < m <= age_min."""
    return {"not": {"required": ["age_min", "age_max"], "anyOf": [
        {"properties": {"age_min": {"type": "integer", "minimum": age}, "age_max": {"type": "integer", "maximum": age - 1}}}
        for age in range(AGE_MIN + 1, AGE_MAX + 1)]}}


class UnitSheetSchema(BaseSchema):
    """What a practitioner submits to edit the sheet of one of their UOs.

    ``load`` returns the editable fields of ``repository.update_unit`` plus
    ``revision`` (to pass as ``expected_revision``) and ``resource_persons``
    (the persons added by the practitioner, stored apart). A full load fills
    absent fields with their empty value (an empty field is hidden on the
    sheet); a partial load (``partial=True``) returns only the fields sent —
    ``revision`` stays required even then.
    """

    # What the fields alone cannot say, for the API's document (both checked in _check_ages and
    # _check_home_visit): the ages come both or neither, the minimum at most the maximum; a sheet that
    # visits at home names at least one commune (a blank item is dropped, so not every item may be blank).
    OPENAPI = {"allOf": [
        {"anyOf": [{"properties": {"age_min": {"enum": [None]}, "age_max": {"enum": [None]}}},
                   {"required": ["age_min", "age_max"], "properties": {"age_min": {"type": "integer"},
                                                                       "age_max": {"type": "integer"}}}]},
        _ages_in_order(),
        {"anyOf": [
            {"not": {"required": ["home_visit"], "properties": {"home_visit": {"anyOf": [
                {"enum": [True, 1]}, {"type": "string", "pattern": spaced(sorted(TRUE_WORDS), ignore_case=True)}]}}}},
            {"required": ["home_visit_communes"],
             "properties": {"home_visit_communes": {"type": "array", "not": {"items": {"pattern": f"^{SPACE}*$"}}}}},
        ]},
    ]}

    revision = Int(
        required=True,
        validate=validate.Range(min=1, error="Numéro de révision de la fiche non valide : rechargez la page."),
        error_messages={
            "required": "Le numéro de révision de la fiche manque : rechargez la page puis recommencez.",
            "invalid": "Numéro de révision de la fiche non valide : rechargez la page.",
            "null": "Le numéro de révision de la fiche manque : rechargez la page puis recommencez.",
        },
    )
    phone = Phone(load_default=None, allow_none=True)
    mobile = Phone(mobile=True, load_default=None, allow_none=True)
    aptitudes = Codes(
        lambda: nomenclature().aptitudes,
        "Aptitude inconnue : « {code} ».",
        order=lambda: nomenclature().aptitudes,
        load_default=list,
    )
    age_min = Int(
        load_default=None,
        allow_none=True,
        pre_load=lambda v: None if isinstance(v, str) and not v.strip() else v,
        validate=validate.Range(
            min=AGE_MIN, max=AGE_MAX, error="L'âge minimum doit être compris entre 0 et 120 ans."
        ),
        error_messages={"invalid": "L'âge minimum doit être un nombre entier d'années."},
    )
    age_max = Int(
        load_default=None,
        allow_none=True,
        pre_load=lambda v: None if isinstance(v, str) and not v.strip() else v,
        validate=validate.Range(
            min=AGE_MIN, max=AGE_MAX, error="L'âge maximum doit être compris entre 0 et 120 ans."
        ),
        error_messages={"invalid": "L'âge maximum doit être un nombre entier d'années."},
    )
    home_visit = Bool(load_default=False, allow_none=False)
    home_visit_communes = Codes(
        lambda: communes(),
        "Commune inconnue : « {code} » (code INSEE d'une commune d'Île-de-France attendu).",
        load_default=list,
    )
    week = Week(load_default=dict)
    open_on_holidays = Bool(load_default=False, allow_none=False)
    comments = Str(
        load_default="",
        allow_none=True,
        null_as="",
        validate=max_chars(COMMENTS_MAX, "Le champ « Informations complémentaires »"),
    )
    resource_persons = List(
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


class AnomalyReportSchema(BaseSchema):
    """A data-quality report on an EJ, EG or UO."""

    target_type = Str(
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
    target_id = Str(
        required=True,
        blank_as_none=True,
        validate=max_chars(64, "L'identifiant de la fiche"),
        error_messages={
            "required": "Indiquez l'identifiant de la fiche concernée.",
            "blank": "Indiquez l'identifiant de la fiche concernée.",
        },
    )
    message = Str(
        required=True,
        validate=[
            validate.Length(min=10, error=MSG_ANOMALY_MESSAGE),
            max_chars(COMMENTS_MAX, "La description de l'anomalie"),
        ],
        error_messages={"required": MSG_ANOMALY_MESSAGE, "null": MSG_ANOMALY_MESSAGE},
    )
    field = Str(
        load_default=None,
        allow_none=True,
        blank_as_none=True,
        validate=max_chars(64, "Le nom du champ"),
    )
    theme = Str(
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


class AnomalyUpdateSchema(BaseSchema):
    """An admin's change to an anomaly: status, note, assignee (each optional)."""

    # What the fields alone cannot say, for the API's document: something must change, and a
    # decision (resolved, rejected) comes with a note.
    OPENAPI = {"minProperties": 1, "anyOf": [
        {"not": {"required": ["status"]}},
        {"properties": {"status": {"pattern": spaced(("new", "in_progress"), ignore_case=True)}}},
        {"required": ["note"], "properties": {"note": {"type": "string", "pattern": r"\S"}}},
    ]}

    status = Str(
        validate=one_of(ANOMALY_STATUSES, "Statut"),
        pre_load=lambda v: v.strip().lower() if isinstance(v, str) else v,
    )
    note = Str(
        allow_none=True,
        blank_as_none=True,
        validate=max_chars(COMMENTS_MAX, "La note"),
    )
    assignee_id = Int(
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
    Letters are Unicode's Lu and Ll, as the page's live rules (\\p{Lu}) and the
    API's document (:data:`PASSWORD_PATTERN`) read them.
    """
    text = password if isinstance(password, str) else ""
    problems = []
    if len(text) < PASSWORD_MIN:
        problems.append(PASSWORD_TOO_SHORT)
    if not any(unicodedata.category(c) == "Lu" for c in text):
        problems.append(PASSWORD_NO_UPPER)
    if not any(unicodedata.category(c) == "Ll" for c in text):
        problems.append(PASSWORD_NO_LOWER)
    if not any(c in "0123456789" for c in text):
        problems.append(PASSWORD_NO_DIGIT)
    if len(text) > PASSWORD_MAX:
        problems.append(PASSWORD_TOO_LONG)
    return problems


def password_message(problems: list[str]) -> str:
    """Every broken rule at once, so the user fixes the password in one go."""
    return "Mot de passe trop faible : " + " ".join(problems)


def first_password_problem(problems: list[dict]) -> dict:
    """What the API's 400 says first (query_api/errors.py) of a form with a new password: every
    broken password rule in one message; ``errors`` keeps one problem per rule."""
    rules = [p["message"] for p in problems if p["field"] == "password" and p["message"] in PASSWORD_RULES]
    if problems[0]["field"] == "password" and rules:
        return {"field": "password", "message": password_message(rules)}
    return problems[0]


def _check_password(value: str) -> None:
    problems = password_problems(value)
    if problems:
        raise ValidationError(problems)


#: The password rules as the API's document states them (ECMA 262 pattern, as the page's own check).
PASSWORD_PATTERN = (rf"^(?={NOT_NUL}*\p{{Lu}})(?={NOT_NUL}*\p{{Ll}})(?={NOT_NUL}*[0-9])"
                    rf"{NOT_NUL}{{{PASSWORD_MIN},{PASSWORD_MAX}}}$")

_CODE_NOISE = rf"[{SPACE_CHARS}\-‐‑‒–—_.]"
_CODE_NOISE_RE = re.compile(_CODE_NOISE + "+")
_CODE_RE = re.compile(rf"[A-Za-z0-9]{{{ACTIVATION_CODE_LENGTH}}}")
#: What the code field takes: 12 letters and digits, any case, spaces and dashes anywhere.
ACTIVATION_CODE_PATTERN = rf"^{_CODE_NOISE}*([A-Za-z0-9]{_CODE_NOISE}*){{{ACTIVATION_CODE_LENGTH}}}$"
#: What the RPPS field takes before its check digit is read: 11 digits, spaces anywhere.
RPPS_PATTERN = rf"^{SPACE}*([0-9]{SPACE}*){{11}}$"


class _Rpps(Str):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return validate_rpps(text)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class _ActivationCode(Str):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        code = _CODE_NOISE_RE.sub("", text)
        # ASCII checked before upper-casing: "ß".upper() is "SS", and the document says letters and digits.
        if not _CODE_RE.fullmatch(code):
            raise ValidationError(MSG_ACTIVATION_CODE)
        return code.upper()


class ActivationSchema(BaseSchema):
    """Account activation: RPPS number + one-time code from the letter + password.

    Loads into ``{"rpps", "code", "password"}``. Typing the password twice is the
    page's business (static/account.js compares the two fields): no schema can state
    that two fields are equal, and the API takes what its document says.
    """

    rpps = _Rpps(required=True, error_messages={"required": "Saisissez votre numéro RPPS."})
    code = _ActivationCode(
        required=True,
        error_messages={"required": "Saisissez le code d'activation reçu par courrier."},
    )
    password = Str(
        required=True,
        strip=False,
        validate=_check_password,
        error_messages={"required": "Choisissez un mot de passe."},
    )

    first_problem = staticmethod(first_password_problem)   # query_api/errors.py::invalid_input


class AccountDetailsSchema(BaseSchema):
    """Details required after activation: e-mail and terms acceptance."""

    email = Email(
        required=True,
        blank_as_none=True,
        error_messages={
            "required": "Saisissez votre adresse e-mail.",
            "blank": "Saisissez votre adresse e-mail.",
            "null": "Saisissez votre adresse e-mail.",
        },
    )
    accept_terms = Bool(
        required=True,
        error_messages={"required": MSG_ACCEPT_TERMS, "null": MSG_ACCEPT_TERMS},
    )

    @validates_schema(skip_on_field_errors=False)
    def _check_terms(self, data, **kwargs):
        if data.get("accept_terms") is False:
            raise ValidationError(MSG_ACCEPT_TERMS, "accept_terms")


class LoginSchema(BaseSchema):
    """Sign-in with an RPPS number or an e-mail address.

    Loads into ``{"login", "password", "login_kind"}``: an RPPS number typed
    with spaces loses them (``login_kind`` "rpps"), an e-mail is lower-cased
    (``login_kind`` "email"). The RPPS key is not checked here: a wrong login
    gets the same answer as a wrong password.
    """

    login = Str(
        required=True,
        blank_as_none=True,
        validate=max_chars(254, "L'identifiant"),
        error_messages={
            "required": "Saisissez votre numéro RPPS ou votre adresse e-mail.",
            "blank": "Saisissez votre numéro RPPS ou votre adresse e-mail.",
            "null": "Saisissez votre numéro RPPS ou votre adresse e-mail.",
        },
    )
    password = Str(
        required=True,
        strip=False,
        validate=[
            validate.Length(min=1, error="Saisissez votre mot de passe."),
            max_chars(PASSWORD_MAX, "Le mot de passe"),
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


# --- catalog records (establishments and their units, loaded by the catalog) ------------

# Île-de-France, with a margin: a point outside is a data error, not a place.
IDF_LAT, IDF_LON = (48.0, 49.3), (1.3, 3.7)


class LegalEntitySchema(BaseSchema):
    """An EJ as the catalog loads it."""

    id = Str(required=True, validate=validate.Length(min=1, max=64, error="Identifiant d'EJ manquant ou trop long."))
    name = Str(required=True, validate=[validate.Length(min=1, error="Indiquez le nom de l'entité juridique."),
                                         max_chars(200, "Le nom")])
    kind = Str(required=True, validate=one_of(("practitioner", "organisation"), "Type d'entité juridique"))


class EstablishmentSchema(BaseSchema):
    """An EG (one place) as the catalog loads it; its commune must be in the reference."""

    id = Str(required=True, validate=validate.Length(min=1, max=64, error="Identifiant d'EG manquant ou trop long."))
    name = Str(required=True, validate=[validate.Length(min=1, error="Indiquez le nom de l'établissement."),
                                         max_chars(200, "Le nom")])
    category = Str(required=True, validate=known(
        lambda: nomenclature().categories, "Catégorie inconnue : « {input} »."))
    sector = Str(load_default=None, allow_none=True, validate=max_chars(8, "Le secteur d'activité"))
    address = Str(load_default="", validate=max_chars(200, "L'adresse"))
    postal_code = Str(required=True, validate=validate.Regexp(r"^\d{5}$", error="Code postal à 5 chiffres attendu."))
    insee = Str(required=True, validate=known(
        communes, "Commune inconnue : « {input} » (code INSEE d'Île-de-France attendu)."))
    lat = Float(required=True, validate=validate.Range(*IDF_LAT, error="Latitude hors d'Île-de-France."))
    lon = Float(required=True, validate=validate.Range(*IDF_LON, error="Longitude hors d'Île-de-France."))
    phone = Phone(load_default=None, allow_none=True)


_UNIT_IDENTITY = ("id", "uo_type", "name", "profession")


class UnitRecordSchema(Schema):
    """A UO as the catalog loads it: its identity, and a sheet checked by UnitSheetSchema."""

    class Meta:
        unknown = INCLUDE  # the sheet's fields, checked in _sheet by the practitioners' own schema

    id = Str(required=True, validate=validate.Length(min=1, max=64, error="Identifiant d'UO manquant ou trop long."))
    uo_type = Str(required=True, validate=known(
        lambda: nomenclature().uo_types, "Type d'unité inconnu : « {input} »."))
    name = Str(required=True, validate=[validate.Length(min=1, error="Indiquez le nom de l'unité."),
                                         max_chars(200, "Le nom")])
    profession = Str(load_default=None, allow_none=True, validate=known(
        lambda: nomenclature().professions, "Profession inconnue : « {input} »."))

    @post_load
    def _sheet(self, data, **kwargs):
        identity = {key: data.pop(key) for key in _UNIT_IDENTITY}
        sheet = UnitSheetSchema().load({**data, "revision": 1})
        for key in ("revision", "resource_persons"):
            sheet.pop(key)
        return {**identity, **sheet}


class EstablishmentRecordSchema(BaseSchema):
    """One line of an establishments file: an EJ, its EG and the EG's UOs."""

    ej = fields.Nested(LegalEntitySchema, required=True)
    eg = fields.Nested(EstablishmentSchema, required=True)
    units = fields.List(fields.Nested(UnitRecordSchema), required=True,
                        validate=validate.Length(min=1, max=200, error="Entre 1 et 200 unités par établissement."))


# --- what each field of a form means (the API's document shows it) ----------------------

describe(ResourcePersonSchema, {
    "name": ("Nom de la personne (120 caractères au plus).", "The person's name (120 characters at most).",
             "Camille Martin"),
    "role": ("Rôle : " + ", ".join(RESOURCE_PERSON_ROLES) + ".", "Role (a trainee, a colleague, a locum...).",
             "stagiaire"),
    "phone": ("Téléphone (numéro français, mis en forme E.164).", "Phone (a French number, stored as E.164).",
              "01 39 50 12 34"),
    "email": ("Adresse e-mail.", "E-mail address.", "camille.martin@exemple.fr"),
})
describe(UnitSheetSchema, {
    "revision": ("Révision de la fiche lue (GET) : si elle a changé depuis, rien n'est écrit (409).",
                 "Revision of the sheet as read (GET): if it changed since, nothing is written (409).", 3),
    "phone": ("Téléphone de prise de rendez-vous (public).", "Public appointment phone.", "01 39 50 12 34"),
    "mobile": ("Mobile direct (professionnels connectés seulement).", "Direct mobile (signed-in professionals only).",
               "06 12 34 56 78"),
    "aptitudes": ("Aptitudes de l'unité (codes de la nomenclature) ; aucune = généraliste.",
                  "The unit's aptitudes (nomenclature codes); none = generalist.", ["KINE_REEDUC_VESTIBULAIRE"]),
    "age_min": ("Âge minimum des patients accueillis, en années (0 à 120).", "Minimum age of patients, in years.", 0),
    "age_max": ("Âge maximum des patients accueillis, en années (0 à 120).", "Maximum age of patients, in years.", 120),
    "home_visit": ("Intervient à domicile (alors au moins une commune d'intervention).",
                   "Makes home visits (then at least one commune).", True),
    "home_visit_communes": ("Communes d'intervention à domicile (codes INSEE d'Île-de-France).",
                            "Communes of home visits (Île-de-France INSEE codes).", ["78646"]),
    "week": ("Semaine type : jour (1 = lundi … 7 = dimanche) → créneaux en texte (« 8h30-12h30, 14h-19h ») ; "
             "null, vide ou absent = fermé. Le document décrit un créneau, ou un du matin (heures jusqu'à 12) puis "
             "un de l'après-midi (à partir de 13h) ; l'API lit aussi plus de créneaux, dans n'importe quel ordre "
             "(remis dans l'ordre), et des minutes depuis minuit ([[540, 720]]), s'ils ne se chevauchent pas.",
             "Typical week: day (1 = Monday … 7 = Sunday) → slots as text; null, blank or absent = closed. The "
             "document states one slot, or a morning one then an afternoon one; the API also reads more slots, in "
             "any order (put back in order), and minutes since midnight, when they do not overlap.",
             {"1": "9h-12h 14h-18h", "3": "8h30-12h30, 14h-19h"}),
    "open_on_holidays": ("Ouvert les jours fériés.", "Open on public holidays.", False),
    "comments": ("Informations complémentaires (2 000 caractères au plus).",
                 "Further information (2,000 characters at most).", "Parking devant le cabinet."),
    "resource_persons": ("Personnes ressources ajoutées (20 au plus) ; celles du RPPS ne se modifient pas ici.",
                         "Added resource persons (20 at most); those from the RPPS are not edited here.", []),
})
describe(AnomalyReportSchema, {
    "target_type": ("Type de fiche concernée : EJ, EG ou UO.", "Type of record: EJ, EG or UO.", "UO"),
    "target_id": ("Identifiant de la fiche (64 caractères au plus).", "The record's id (64 characters at most).",
                  "UO-KA"),
    "message": ("Description de l'anomalie (10 à 2 000 caractères).", "What is wrong (10 to 2,000 characters).",
                "Le téléphone ne répond pas."),
    "field": ("Champ concerné, s'il y en a un.", "Field concerned, if any.", "phone"),
    "theme": ("Thème (code de la nomenclature des thèmes d'anomalie).", "Theme (a code of the anomaly themes).", "01"),
})
describe(AnomalyUpdateSchema, {
    "status": ("Nouveau statut : new, in_progress, resolved, rejected (les deux derniers avec une note).",
               "New status (resolved and rejected need a note).", "in_progress"),
    "note": ("Note de la cellule (2 000 caractères au plus).", "The cell's note (2,000 characters at most).",
             "Numéro corrigé avec le praticien."),
    "assignee_id": ("Compte de la cellule responsable ; null = personne.", "Cell account in charge; null = nobody.", 1),
})
describe(ActivationSchema, {
    "rpps": ("Numéro RPPS : 11 chiffres, espaces permis ; format « rpps » : le dernier chiffre est la clé de Luhn "
             "des dix autres.", "RPPS number: 11 digits, spaces allowed; format « rpps »: the last digit is the Luhn "
             "check digit of the other ten.", "10000000017"),
    "code": ("Code d'activation reçu par courrier (12 lettres et chiffres ; espaces et tirets ignorés).",
             "Activation code from the letter (12 letters and digits; spaces and dashes ignored).", "ABCD-EFGH-1234"),
    "password": ("Mot de passe : 8 à 128 caractères, dont une majuscule, une minuscule et un chiffre.",
                 "Password: 8 to 128 characters, with an upper-case letter, a lower-case letter and a digit.",
                 "Kine2024!"),
})
describe(AccountDetailsSchema, {
    "email": ("Adresse e-mail (un lien de confirmation y est envoyé).", "E-mail address (a confirmation link is sent).",
              "lea.martin@exemple.fr"),
    "accept_terms": ("Acceptation des conditions d'utilisation (obligatoire).", "Terms of use accepted (required).",
                     True),
})
NOT_BLANK = rf"^{NOT_NUL}*{NOT_SPACE}{NOT_NUL}*$"  # a field that strips its value and refuses what is left blank

for _schema, _name in ((AnomalyReportSchema, "target_id"), (LoginSchema, "login"), (ResourcePersonSchema, "name")):
    _schema._declared_fields[_name].metadata["pattern"] = NOT_BLANK
LoginSchema._declared_fields["password"].metadata["minLength"] = 1
# Stricter than the check (marshmallow's, with IDN domains): every address of this form is accepted.
_EMAIL = r"[A-Za-z0-9_%+-]+(\.[A-Za-z0-9_%+-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,6}"
AccountDetailsSchema._declared_fields["email"].metadata.update(pattern=rf"^{SPACE}*{_EMAIL}{SPACE}*$", maxLength=254)
# A resource person's address is optional: blank is no address.
ResourcePersonSchema._declared_fields["email"].metadata.update(pattern=rf"^{SPACE}*({_EMAIL})?{SPACE}*$", maxLength=254)
UnitSheetSchema._declared_fields["comments"].metadata["pattern"] = rf"^{NOT_NUL}*$"
AccountDetailsSchema._declared_fields["accept_terms"].metadata["true_only"] = True
# A format is how the document names a rule no pattern states: the RPPS's Luhn check digit.
ActivationSchema._declared_fields["rpps"].metadata.update(pattern=RPPS_PATTERN, format="rpps")
ActivationSchema._declared_fields["code"].metadata["pattern"] = ACTIVATION_CODE_PATTERN
ActivationSchema._declared_fields["password"].metadata.update(pattern=PASSWORD_PATTERN, minLength=PASSWORD_MIN,
                                                              maxLength=PASSWORD_MAX)
AnomalyUpdateSchema._declared_fields["status"].metadata["accepts"] = lambda: spaced(ANOMALY_STATUSES, ignore_case=True)
AnomalyUpdateSchema._declared_fields["note"].metadata["maxLength"] = COMMENTS_MAX
AnomalyReportSchema._declared_fields["target_id"].metadata["maxLength"] = 64
AnomalyReportSchema._declared_fields["message"].metadata.update(
    pattern=rf"^{NOT_NUL}*{NOT_SPACE}{NOT_NUL}{{8,}}{NOT_SPACE}{NOT_NUL}*$", maxLength=COMMENTS_MAX)
AnomalyReportSchema._declared_fields["field"].metadata["maxLength"] = 64
# The API's document lists the codes a field takes, read from the nomenclature when the document is built.
AnomalyReportSchema._declared_fields["theme"].metadata["accepts"] = lambda: spaced(nomenclature().anomaly_themes,
                                                                                   blank=True)

describe(LoginSchema, {
    "login": ("Numéro RPPS ou adresse e-mail.", "RPPS number or e-mail address.", "10000000017"),
    "password": ("Mot de passe.", "Password.", "Kine2024!"),
})

"""The query strings of the search API (search, search.xlsx, suggest), read and checked.

Moved from catalog/: parsing what a client typed in a URL is the API's business,
the catalog keeps the records and the domain's rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from marshmallow import EXCLUDE, ValidationError, fields, pre_load, validate

from catalog.communes import DEPARTMENTS, PARIS_INSEE, communes
from catalog.fields import NOT_NUL, NOT_SPACE, SPACE, BaseSchema, Bool, Codes, Float, French, Int, Str, max_chars
from catalog.nomenclature import nomenclature
from query_api.api.schemas.common import any_case, doc, spaced

SEARCH_TEXT_MAX = 200
SEARCH_APTITUDES_MAX = 30
SEARCH_LIST_MAX = 100
SUGGEST_MIN_CHARS, SUGGEST_MAX_CHARS = 3, 100
#: 100 pages of 100 reach OpenSearch's default index.max_result_window (10,000): past it, results cannot be paged to.
SEARCH_PAGE_MAX = 100
#: Ten years: any longer is no filter (and keeps the date computed from it far from any overflow).
UPDATED_WITHIN_DAYS_MAX = 3650
#: 3 to 100 characters once the surrounding spaces are stripped.
SUGGEST_TEXT_PATTERN = rf"^{SPACE}*{NOT_SPACE}{NOT_NUL}{{1,98}}{NOT_SPACE}{SPACE}*$"

MSG_SUGGEST_TOO_SHORT = "Saisissez au moins 3 caractères."
MSG_REPEATED_PARAM = "Ce paramètre ne peut être donné qu'une fois."


class Where(French, fields.Field):
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


class What(Str):
    """``what`` of a search: an aptitude, UO type or profession code, else free text."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        max_chars(SEARCH_TEXT_MAX, "La recherche")(text)
        nomen = nomenclature()
        if text in nomen.aptitudes:
            return {"kind": "aptitude", "code": text, "label": nomen.aptitudes[text].label}
        if text in nomen.uo_types:
            return {"kind": "uo_type", "code": text, "label": nomen.uo_types[text]["label"]}
        if text in nomen.professions:
            return {"kind": "profession", "code": text, "label": nomen.professions[text]["label"]}
        return {"kind": "text", "text": text}


class Category(Str):
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



class QuerySchema(BaseSchema):
    """Query-string schemas, read from ``request.args`` (a MultiDict) or a dict of lists.

    Leniency kept on purpose, as a browser's form sends a query string (and declared
    in the OpenAPI document): a blank parameter counts as absent, codes are read
    whatever their case and surrounding spaces. Parameters named in ``LIST_PARAMS``
    may be repeated (``aptitude=A&aptitude=B``); any other repeated parameter and any
    unknown one is refused by name, except ``IGNORED_PARAMS`` (cache-busters).
    """

    LIST_PARAMS: frozenset = frozenset()
    IGNORED_PARAMS = frozenset({"_"})

    def load(self, data, *, many=None, partial=None, unknown=None):
        errors: dict[str, list[str]] = {}
        collected: dict[str, Any] = {}
        for key, values in _items(data):
            if key in self.IGNORED_PARAMS:
                continue
            if key not in self.fields:
                errors[key] = [f"Paramètre inconnu : {key}"]
                continue
            if key in self.LIST_PARAMS:
                # Counted as sent, before duplicates are merged: 500 × aptitude=X is refused, not read.
                if len(values) > SEARCH_LIST_MAX:
                    errors[key] = [f"Ce paramètre ne peut être répété plus de {SEARCH_LIST_MAX} fois."]
                    continue
                collected[key] = values
                continue
            present = [v for v in values if not (v is None or (isinstance(v, str) and not v.strip()))]
            if len(present) > 1:
                errors[key] = [MSG_REPEATED_PARAM]
            elif present:
                collected[key] = present[0]
            elif values:
                collected[key] = values[0]  # blank: the schema decides (absent, or an error for required ones)
        try:
            loaded = super().load(collected, many=many, partial=partial, unknown=EXCLUDE)
        except ValidationError as error:
            merged = {**errors, **error.normalized_messages()} if errors else error.normalized_messages()
            raise ValidationError(merged, data=collected, valid_data=error.valid_data) from None
        if errors:
            raise ValidationError(errors, data=collected, valid_data=loaded)
        return loaded

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


def _where_pattern() -> str:
    """Every ``where`` the API takes, as a pattern (the INSEE and postal codes come from the reference)."""
    towns = communes().values()
    insee = "|".join(sorted({c.insee for c in towns} | {PARIS_INSEE}))
    postal = "|".join(sorted({code for c in towns for code in c.postal_codes}))
    departments = "|".join(DEPARTMENTS)
    lat = r"[+-]?(90(\.0+)?|[0-8]?[0-9](\.[0-9]+)?)"
    lon = r"[+-]?(180(\.0+)?|1[0-7][0-9](\.[0-9]+)?|[0-9]?[0-9](\.[0-9]+)?)"
    return (rf"^\s*({insee}|{any_case('dep:')}({departments})|{any_case('cp:')}({postal})|"
            rf"{any_case('eg:')}\S{{1,64}}|{lat}\s*[,;]\s*{lon})\s*$")


def _category_pattern() -> str:
    return (r"^\s*(" + "|".join(any_case(w) for w in ("all", "tout", "tous")) + "|"
            + "|".join(re.escape(code) for code in nomenclature().categories) + r")?\s*$")


CATEGORY_DOC = doc("Catégorie d'établissements : « all » (ou absent) pour tout le ROR, sinon un code de la "
                   "nomenclature des catégories.", "Category of establishments: « all » (or absent) for the whole "
                   "ROR, else a code of the categories' nomenclature.", "LIBERAL", accepts=_category_pattern)


class SearchParamsSchema(QuerySchema):
    """Query parameters of GET /api/v1/search (and search.xlsx)."""

    LIST_PARAMS = frozenset({"aptitude", "age", "department", "commune", "profession"})

    where = Where(load_default=None, metadata=doc(
        "Où chercher : code INSEE d'une commune d'Île-de-France (75056 : Paris entier), « dep:<numéro> » "
        "(un département, filtre sans point de départ), « cp:<code postal> », « eg:<identifiant> » (un "
        "établissement) ou « latitude,longitude » (WGS 84, degrés décimaux). Une commune donne le point de "
        "départ des distances ; une unité y correspond si elle est proche ou si elle intervient à domicile "
        "dans cette commune. Un établissement inconnu donne 404.",
        "Where to search: INSEE code of an Île-de-France commune (75056: the whole of Paris), « dep:<number> » "
        "(a department, a filter without origin), « cp:<postal code> », « eg:<id> » (an establishment) or "
        "« latitude,longitude » (WGS 84, decimal degrees). A commune sets the origin of distances; a unit "
        "matches when near it or when it visits that commune at home. An unknown establishment gives 404.",
        "78646", accepts=_where_pattern))
    what = What(load_default=None, allow_none=True, metadata=doc(
        "Quoi : un code d'aptitude, de type d'UO ou de profession, sinon du texte libre (200 caractères au plus) "
        "lu comme une phrase (« kiné vestibulaire enfant à domicile Versailles ») : ce qui y est reconnu "
        "filtre comme les facettes (voir « understood » dans la réponse).",
        "What: an aptitude, UO type or profession code, else free text (200 characters at most) read as a "
        "phrase: what it names filters as the facets do (see « understood » in the response).",
        "vestibulaire", pattern=rf"^{NOT_NUL}*$"))
    q = Str(load_default=None, allow_none=True, validate=max_chars(SEARCH_TEXT_MAX, "Le texte recherché"),
            metadata=doc("Texte libre supplémentaire (200 caractères au plus), lu comme « what ».",
                         "More free text (200 characters at most), read as « what » is.", "enfant à domicile",
                         pattern=rf"^{NOT_NUL}*$"))
    category = Category(load_default=None, metadata=CATEGORY_DOC)
    aptitude = Codes(
        lambda: nomenclature().aptitudes,
        "Aptitude inconnue : « {code} ».",
        max_items=SEARCH_APTITUDES_MAX,
        split_commas=True,
        load_default=list,
        error_messages={"too_many": f"{SEARCH_APTITUDES_MAX} aptitudes au plus."},
        metadata=doc("Aptitudes exigées (toutes), codes de la nomenclature ; paramètre répétable, 30 au plus.",
                     "Required aptitudes (all of them), nomenclature codes; repeatable, 30 at most.",
                     ["KINE_REEDUC_VESTIBULAIRE"]),
    )
    age = Codes(
        lambda: ("E", "A"),
        "Âge des patients inconnu : « {code} » (E = enfants, A = adultes).",
        ignore_case=True,
        split_commas=True,
        load_default=list,
        metadata=doc("Patients accueillis : E (enfants), A (adultes) ; répétable.",
                     "Patients seen: E (children), A (adults); repeatable.", ["E"]),
    )
    home_visit = Bool(load_default=None, allow_none=True, metadata=doc(
        "Intervention à domicile : true (seulement celles qui en font), false (seulement les autres).",
        "Home visits: true (only units that make them), false (only the others).", True))
    open_now = Bool(load_default=None, allow_none=True, metadata=doc(
        "Ouvert maintenant (heure de Paris, semaine type ; jours fériés fermés sauf mention).",
        "Open now (Paris time, typical week; closed on public holidays unless stated).", True))
    department = Codes(
        lambda: DEPARTMENTS,
        "Département inconnu : « {code} » (départements d'Île-de-France : " + ", ".join(DEPARTMENTS) + ").",
        split_commas=True,
        load_default=list,
        metadata=doc("Départements d'Île-de-France (numéros) ; répétable.",
                     "Île-de-France departments (numbers); repeatable.", ["92"]),
    )
    commune = Codes(
        lambda: communes(),
        "Commune inconnue : « {code} » (code INSEE d'une commune d'Île-de-France attendu).",
        split_commas=True,
        max_items=SEARCH_LIST_MAX,
        load_default=list,
        metadata=doc("Communes de l'établissement (codes INSEE d'Île-de-France), filtre ; répétable.",
                     "Communes of the establishment (Île-de-France INSEE codes), a filter; repeatable.",
                     ["78646"]),
    )
    profession = Codes(
        lambda: nomenclature().professions,
        "Profession inconnue : « {code} ».",
        split_commas=True,
        load_default=list,
        metadata=doc("Professions (codes de la nomenclature) ; répétable.",
                     "Professions (nomenclature codes); repeatable.", ["70"]),
    )
    radius_km = Float(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0.5, max=100, error="Le rayon doit être compris entre 0,5 et 100 km."),
        error_messages={
            "invalid": "Le rayon doit être un nombre de kilomètres (par exemple 10 ou 2.5).",
            "special": "Le rayon doit être un nombre de kilomètres (par exemple 10 ou 2.5).",
        },
        metadata=doc("Rayon autour du lieu, en kilomètres (0,5 à 100 ; par défaut selon le lieu).",
                     "Radius around the place, in kilometres (0.5 to 100; default depends on the place).", 10),
    )
    updated_within_days = Int(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=UPDATED_WITHIN_DAYS_MAX, error=(
            f"La fraîcheur doit être un nombre de jours entre 1 et {UPDATED_WITHIN_DAYS_MAX} (par exemple 30).")),
        error_messages={"invalid": "La fraîcheur doit être un nombre entier de jours (par exemple 30)."},
        metadata=doc("Fraîcheur : seulement les unités dont la fiche a été mise à jour dans les N derniers jours "
                     f"(1 à {UPDATED_WITHIN_DAYS_MAX}).",
                     "Freshness: only units whose sheet was updated within the last N days "
                     f"(1 to {UPDATED_WITHIN_DAYS_MAX}).", 30),
    )
    sort = Str(
        load_default=None,
        allow_none=True,
        pre_load=lambda v: v.strip().lower() if isinstance(v, str) else v,
        validate=validate.OneOf(
            ("distance", "relevance"), error="Tri inconnu : « {input} » (valeurs possibles : distance, relevance)."
        ),
        metadata=doc("Tri : distance (il faut un lieu) ou relevance (pertinence puis distance). Par défaut : "
                     "relevance avec du texte, sinon distance s'il y a un lieu.",
                     "Sort: distance (needs a place) or relevance (match, then distance). Default: relevance "
                     "with text, else distance when there is a place.", "distance",
                     accepts=lambda: spaced(("distance", "relevance"), ignore_case=True)),
    )
    page = Int(
        load_default=1,
        validate=validate.Range(min=1, max=SEARCH_PAGE_MAX, error=(
            f"Le numéro de page doit être compris entre 1 et {SEARCH_PAGE_MAX} : seuls les 10 000 premiers résultats "
            "peuvent être parcourus. Affinez la recherche ou exportez la liste complète au format Excel.")),
        error_messages={"invalid": "Le numéro de page doit être un nombre entier."},
        metadata=doc(f"Page de résultats (1 à {SEARCH_PAGE_MAX}) ; au-delà, l'export Excel donne tout.",
                     f"Page of results (1 to {SEARCH_PAGE_MAX}); past that, the Excel export gives everything.", 1),
    )
    per_page = Int(
        load_default=20,
        validate=validate.Range(min=1, max=100, error="Le nombre de résultats par page doit être compris entre 1 et 100."),
        error_messages={"invalid": "Le nombre de résultats par page doit être un nombre entier."},
        metadata=doc("Établissements par page (1 à 100).", "Establishments per page (1 to 100).", 20),
    )


class SuggestParamsSchema(QuerySchema):
    """Query parameters of GET /api/v1/suggest (typeahead)."""

    field = Str(
        required=True,
        pre_load=lambda v: v.strip().lower() if isinstance(v, str) else v,
        validate=validate.OneOf(("what", "where"), error="Champ inconnu : « {input} » (valeurs possibles : what, where)."),
        error_messages={"required": "Indiquez le champ à compléter : what ou where."},
        metadata=doc("La case à compléter : what (« Quoi ? » : aptitudes, types d'UO, professions) ou where "
                     "(« Où ? » : communes, codes postaux, départements, établissements).",
                     "The box to complete: what (aptitudes, UO types, professions) or where (communes, postal "
                     "codes, departments, establishments).", "where",
                     accepts=lambda: spaced(("what", "where"), ignore_case=True)),
    )
    q = Str(
        required=True,
        validate=[
            validate.Length(min=SUGGEST_MIN_CHARS, error=MSG_SUGGEST_TOO_SHORT),
            max_chars(SUGGEST_MAX_CHARS, "Le texte saisi"),
        ],
        error_messages={"required": MSG_SUGGEST_TOO_SHORT, "null": MSG_SUGGEST_TOO_SHORT},
        metadata=doc("Ce qui est saisi : 3 à 100 caractères (espaces autour non comptés) ; accents et casse "
                     "ignorés (« reed » trouve « Rééducation »).",
                     "What was typed: 3 to 100 characters (surrounding spaces not counted); accents and case "
                     "folded.", "vers", accepts=lambda: SUGGEST_TEXT_PATTERN),
    )
    category = Category(load_default=None, metadata=CATEGORY_DOC)
    size = Int(
        load_default=8,
        validate=validate.Range(min=1, max=20, error="Le nombre de suggestions doit être compris entre 1 et 20."),
        error_messages={"invalid": "Le nombre de suggestions doit être un nombre entier."},
        metadata=doc("Nombre de suggestions (1 à 20).", "Number of suggestions (1 to 20).", 8),
    )


def parse_search_params(args) -> dict:
    """The query string of /search, from ``request.args`` or a dict of lists (ValidationError keyed by parameter)."""
    return SearchParamsSchema().load(args)


def parse_suggest_params(args) -> dict:
    """Same as :func:`parse_search_params` for /suggest (no repeated parameter)."""
    return SuggestParamsSchema().load(args)


def _items(args) -> list[tuple[str, list]]:
    """(name, [values]) of a MultiDict, a dict of lists or a plain dict."""
    if hasattr(args, "getlist"):
        return [(key, list(args.getlist(key))) for key in args.keys()]
    if isinstance(args, Mapping):
        return [(key, list(v) if isinstance(v, (list, tuple)) else [v]) for key, v in args.items()]
    raise TypeError("a MultiDict or a mapping is expected")

"""FHIR search parameters → the one ``SearchRequest`` of query_api.search.queries. Pure, no I/O.

Strict: a parameter this server does not support, a modifier it does not know or a
malformed value is refused (``FhirError`` 400, French and English), never ignored —
a client must never believe a filter was applied when it was not. The tables below
are also what the CapabilityStatement lists.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from catalog.communes import communes
from catalog.nomenclature import nomenclature
from indexer.text import fold
from query_api.fhir import profiles as p
from query_api.fhir.outcome import FhirError
from query_api.search import places
from query_api.search.queries import OfferMatch, Origin, SearchRequest

MAX_COUNT = 200
DEFAULT_COUNT = 20
MAX_NEAR_KM = 200.0
DEFAULT_NEAR_KM = 5.0
MAX_VALUES = 100          # values in one parameter (comma-separated)


@dataclass(frozen=True)
class ParamSpec:
    type: str
    doc: str


SEARCH_PARAMS: dict[str, dict[str, ParamSpec]] = {
    "HealthcareService": {
        "_id": ParamSpec("token", "Identifiant de l'offre (UO)"),
        "_lastUpdated": ParamSpec("date", "Date de dernière mise à jour (préfixes eq, gt, ge, lt, le)"),
        "name": ParamSpec("string", "Nom de l'offre (commence par ces mots)"),
        "specialty": ParamSpec("token", "Activité opérationnelle (TRE_R211) ou aptitude / type d'UO (codes locaux)"),
        "characteristic": ParamSpec("token", "Acte spécifique (TRE_R210), aptitude locale, modalité d'accueil 05 (TRE_R338)"),
        "age-range-low": ParamSpec("quantity", "Âge minimum de la patientèle (préfixes eq, gt, ge, lt, le ; en années)"),
        "age-range-high": ParamSpec("quantity", "Âge maximum de la patientèle (préfixes eq, gt, ge, lt, le ; en années)"),
        "intervention-zone": ParamSpec("token", "Commune (code INSEE) d'intervention à domicile"),
        "location.near": ParamSpec("special", "latitude|longitude|distance|km (ou m)"),
        "location.near-insee-code": ParamSpec("special", "code INSEE|distance|km (ou m)"),
        "location.commune-cog": ParamSpec("token", "Commune (code INSEE) du lieu"),
        "location.address-postalcode": ParamSpec("string", "Code postal du lieu"),
        "organization.type": ParamSpec("token", "Catégorie de l'établissement (code local)"),
    },
    "Location": {
        "_id": ParamSpec("token", "Identifiant du lieu (EG)"),
        "near": ParamSpec("special", "latitude|longitude|distance|km (ou m)"),
        "near-insee-code": ParamSpec("special", "code INSEE|distance|km (ou m)"),
        "commune-cog": ParamSpec("token", "Commune (code INSEE)"),
        "address-postalcode": ParamSpec("string", "Code postal"),
        "address-city": ParamSpec("string", "Commune (nom, commence par)"),
    },
    "Organization": {
        "_id": ParamSpec("token", "Identifiant de l'EG ou de l'EJ"),
        "identifier": ParamSpec("token", "Identifiant de l'EG ou de l'EJ"),
        "name": ParamSpec("string", "Nom de l'EG ou de l'EJ (commence par)"),
        "type": ParamSpec("token", "EG, EJ (type-organisation) ou catégorie d'EG (code local)"),
    },
}
INCLUDES = {"HealthcareService": ("HealthcareService:location", "HealthcareService:organization")}
REVINCLUDES = {"HealthcareService": ("PractitionerRole:service",)}
GENERAL = frozenset({"_count", "_total", "_include", "_revinclude", "_format", "_elements", "_summary", "_pretty",
                     "_page"})
FORMATS = frozenset({"json", "application/json", "application/fhir+json"})
PREFIXES = {"eq": None, "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}


@dataclass
class FhirSearch:
    resource_type: str
    request: SearchRequest
    count: int = DEFAULT_COUNT
    total: str = "accurate"              # none | estimate | accurate
    summary_count: bool = False
    includes: list[str] = field(default_factory=list)
    revincludes: list[str] = field(default_factory=list)
    elements: list[str] = field(default_factory=list)
    page: str | None = None              # the paging token of a next/previous link
    organization_kinds: frozenset[str] = frozenset({"EG", "EJ"})   # what an Organization search returns


def bad(message: str, english: str, expression: str | None = None) -> FhirError:
    return FhirError(400, message, english, expression)


# --- value readers -----------------------------------------------------------------------------

def _values(name: str, raw: str) -> list[str]:
    values = [v.strip() for v in raw.split(",")]
    if not raw.strip() or any(not v for v in values):
        raise bad(f"Le paramètre « {name} » est vide.", f"Parameter '{name}' has an empty value.", name)
    if len(values) > MAX_VALUES:
        raise bad(f"Le paramètre « {name} » compte trop de valeurs (au plus {MAX_VALUES}).",
                  f"Too many values for '{name}' (at most {MAX_VALUES}).", name)
    return values


def _token(value: str) -> tuple[str | None, str]:
    """``system|code``, ``|code`` or ``code`` → (system or None, code)."""
    if "|" in value:
        system, _, code = value.partition("|")
        return (system or None), code
    return None, value


def _number(name: str, text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise bad(f"« {text} » n'est pas un nombre (paramètre « {name} »).", f"'{text}' is not a number ('{name}').", name)
    return number


def _distance_km(name: str, amount: str, unit: str) -> float:
    distance = _number(name, amount)
    if unit in ("km", "", "urn:ucum|km"):
        km = distance
    elif unit == "m":
        km = distance / 1000
    else:
        raise bad(f"Unité de distance inconnue « {unit} » (km ou m).", f"Unknown distance unit '{unit}' (km or m).", name)
    if not 0 < km <= MAX_NEAR_KM:
        raise bad(f"La distance doit être comprise entre 0 et {MAX_NEAR_KM:g} km.",
                  f"The distance must be between 0 and {MAX_NEAR_KM:g} km.", name)
    return km


def _near(name: str, value: str) -> Origin:
    parts = value.split("|")
    if len(parts) not in (2, 3, 4):
        raise bad(f"« {name} » attend latitude|longitude|distance|unité, par exemple 48.80|2.13|10|km.",
                  f"'{name}' expects latitude|longitude|distance|unit, e.g. 48.80|2.13|10|km.", name)
    lat, lon = _number(name, parts[0]), _number(name, parts[1])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise bad("Coordonnées hors limites (latitude -90 à 90, longitude -180 à 180).",
                  "Coordinates out of range (latitude -90..90, longitude -180..180).", name)
    km = _distance_km(name, parts[2], parts[3] if len(parts) == 4 else "km") if len(parts) >= 3 else DEFAULT_NEAR_KM
    return Origin(lat, lon, f"{lat:.5f}, {lon:.5f}", radius_km=km)


def _near_insee(name: str, value: str) -> Origin:
    parts = value.split("|")
    if len(parts) not in (1, 2, 3):
        raise bad(f"« {name} » attend code INSEE|distance|unité, par exemple 78646|10|km.",
                  f"'{name}' expects INSEE code|distance|unit, e.g. 78646|10|km.", name)
    place = _commune(name, parts[0])
    km = _distance_km(name, parts[1], parts[2] if len(parts) == 3 else "km") if len(parts) >= 2 else DEFAULT_NEAR_KM
    # The distance from the commune's centre only: FHIR « near » is about the place of the offer.
    return Origin(place.lat, place.lon, place.label, radius_km=km)


def _commune(name: str, insee: str):
    place = places.commune_or_paris(insee) if re.fullmatch(r"[0-9AB]{5}", insee or "") else None
    if place is None:
        raise bad(f"Commune inconnue : « {insee} » (code INSEE d'une commune d'Île-de-France attendu).",
                  f"Unknown commune '{insee}' (an INSEE code of Île-de-France expected).", name)
    return place


def _communes_of(name: str, raw: str) -> set[str]:
    found: set[str] = set()
    for value in _values(name, raw):
        _, insee = _token(value)
        found.update(_commune(name, insee).communes)
    return found


def _postal_communes(name: str, raw: str) -> set[str]:
    found: set[str] = set()
    for value in _values(name, raw):
        if not re.fullmatch(r"[0-9]{1,5}", value):
            raise bad(f"Code postal non valide : « {value} ».", f"Invalid postal code '{value}'.", name)
        found.update(c.insee for c in communes().values() if any(cp.startswith(value) for cp in c.postal_codes))
    return found


def _city_communes(name: str, raw: str) -> set[str]:
    found: set[str] = set()
    for value in _values(name, raw):
        typed = fold(value)
        if not typed:
            raise bad(f"Nom de commune non valide : « {value} ».", f"Invalid city name '{value}'.", name)
        found.update(c.insee for c in communes().values() if fold(c.name).startswith(typed))
    return found


def _ages(name: str, raw: str) -> list[tuple[str, int]]:
    bounds = []
    for value in _values(name, raw):
        prefix = value[:2] if value[:2] in ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap") else "eq"
        text = value[2:] if value[:2] == prefix else value
        number_text, _, unit = text.partition("|")
        if prefix not in PREFIXES:
            raise bad(f"Préfixe « {prefix} » non pris en charge (eq, gt, ge, lt, le).",
                      f"Unsupported prefix '{prefix}' (eq, gt, ge, lt, le).", name)
        if unit and unit.rsplit("|", 1)[-1] not in ("a", "ans", "years"):
            raise bad("L'âge s'exprime en années (unité « a »).", "Ages are in years (unit 'a').", name)
        years = _number(name, number_text)
        if not 0 <= years <= 150 or years != int(years):
            raise bad(f"Âge non valide : « {number_text} » (nombre entier d'années de 0 à 150).",
                      f"Invalid age '{number_text}' (whole years, 0 to 150).", name)
        op = PREFIXES[prefix]
        bounds += [("gte", int(years)), ("lte", int(years))] if op is None else [(op, int(years))]
    if len(raw.split(",")) > 1:
        raise bad(f"« {name} » : une seule valeur à la fois (répétez le paramètre pour combiner).",
                  f"'{name}': one value at a time (repeat the parameter to combine).", name)
    return bounds


_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def _updated(name: str, raw: str) -> list[tuple[str, str]]:
    value = raw.strip()
    prefix = value[:2] if value[:2].isalpha() else "eq"
    text = value[2:] if value[:2].isalpha() else value
    if prefix not in PREFIXES:
        raise bad(f"Préfixe « {prefix} » non pris en charge (eq, gt, ge, lt, le).",
                  f"Unsupported prefix '{prefix}' (eq, gt, ge, lt, le).", name)
    try:
        start, end = _period(text)
    except ValueError:
        raise bad(f"Date non valide : « {text} » (AAAA, AAAA-MM, AAAA-MM-JJ ou date et heure ISO 8601).",
                  f"Invalid date '{text}' (YYYY, YYYY-MM, YYYY-MM-DD or an ISO 8601 date-time).", name) from None
    return {"eq": [("gte", start), ("lt", end)], "gt": [("gte", end)], "ge": [("gte", start)],
            "lt": [("lt", start)], "le": [("lt", end)]}[prefix]


def _period(text: str) -> tuple[str, str]:
    """The instants a FHIR date covers, [start, end), in ISO 8601 UTC."""
    match = _DATE.fullmatch(text)
    if match:
        year, month, day = int(match[1]), int(match[2] or 1), int(match[3] or 1)
        start = date(year, month, day)
        if match[3]:
            end = start + timedelta(days=1)
        elif match[2]:
            end = date(year + month // 12, month % 12 + 1, 1)
        else:
            end = date(year + 1, 1, 1)
        return f"{start.isoformat()}T00:00:00+00:00", f"{end.isoformat()}T00:00:00+00:00"
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("a date-time needs its offset")
    moment = moment.astimezone(UTC)
    return moment.isoformat(), (moment + timedelta(seconds=1)).isoformat()


def _offer_codes(name: str, raw: str, kind: str, names: p.LocalNames) -> OfferMatch | None:
    """A specialty or characteristic (comma-separated: any of them) → the aptitudes and UO types
    it names; None for the home-visit modality (a fact of its own)."""
    nom = nomenclature()
    aptitudes: list[str] = []
    uo_types: list[str] = []
    home_visit = False
    for value in _values(name, raw):
        system, code = _token(value)
        national_system = {p.TRE_R211_OPERATIONAL_ACTIVITY: "JDV_J17", p.TRE_R210_SPECIFIC_ACT: "JDV_J16"}.get(system)
        if kind == "characteristic" and system == p.TRE_R338_RECEPTION_MODALITY:
            if code != p.RECEPTION_HOME_VISIT[0]:
                raise bad(f"Modalité d'accueil non prise en charge : « {code} » (seule 05 l'est).",
                          f"Unsupported reception modality '{code}' (only 05 is).", name)
            home_visit = True
            continue
        if system in (None, names.aptitude) and code in nom.aptitudes:
            aptitudes.append(code)
        elif system in (None, names.uo_type) and code in nom.uo_types and kind == "specialty":
            uo_types.append(code)
        elif national_system or system is None:
            wanted = {national_system} if national_system else (
                {"JDV_J17"} if kind == "specialty" else {"JDV_J16"})
            aptitudes += [a.code for a in nom.aptitudes.values()
                          if a.national and a.national["system"] in wanted and a.national["code"] == code]
            if kind == "specialty":
                uo_types += [t for t, spec in nom.uo_types.items()
                             if (spec.get("national") or {}).get("system") in wanted
                             and spec["national"]["code"] == code]
        elif system not in (names.aptitude, names.uo_type):
            raise bad(f"Système de codes non pris en charge pour « {name} » : {system}.",
                      f"Unsupported code system for '{name}': {system}.", name)
    if home_visit and not aptitudes and not uo_types:
        return None
    if home_visit:
        raise bad("La modalité d'accueil 05 ne se combine pas avec d'autres codes dans une même valeur.",
                  "Reception modality 05 cannot be OR-ed with other codes.", name)
    return OfferMatch(tuple(dict.fromkeys(aptitudes)), tuple(dict.fromkeys(uo_types)))


# --- the parser -------------------------------------------------------------------------------------

def _pairs(args) -> list[tuple[str, str]]:
    return list(args.items(multi=True)) if hasattr(args, "items") and hasattr(args, "getlist") else [
        (k, v) for k, values in args.items() for v in (values if isinstance(values, list) else [values])]


def general_options(args) -> dict:
    """_format and _pretty, which every interaction accepts (read, search, metadata)."""
    options = {"pretty": False}
    for name, value in _pairs(args):
        if name == "_format" and value not in FORMATS:
            raise FhirError(406, f"Format non pris en charge : « {value} » (seul JSON l'est).",
                            f"Unsupported format '{value}' (JSON only).", "_format")
        if name == "_pretty":
            if value not in ("true", "false"):
                raise bad("_pretty vaut true ou false.", "_pretty must be true or false.", "_pretty")
            options["pretty"] = value == "true"
    return options


def read_options(args) -> dict:
    """A read accepts only the general parameters."""
    for name, value in _pairs(args):
        if name == "_summary" and value != "false":
            raise bad("Une lecture n'accepte que _summary=false.", "A read accepts only _summary=false.", name)
        if name not in ("_format", "_pretty", "_elements", "_summary"):
            raise bad(f"Paramètre non pris en charge pour une lecture : « {name} ».",
                      f"Unsupported parameter for a read: '{name}'.", name)
    return general_options(args)


def parse_search(resource_type: str, args, names: p.LocalNames) -> FhirSearch:
    """The query string of ``GET /fhir/<resource_type>`` → a FhirSearch (400 on anything we
    do not support or cannot read); ``names``: the URLs of our own code systems."""
    supported = SEARCH_PARAMS[resource_type]
    search = FhirSearch(resource_type, SearchRequest(per_page=DEFAULT_COUNT))
    req = search.request
    commune_sets: list[set[str]] = []
    seen: set[str] = set()
    for raw_name, value in _pairs(args):
        name, _, modifier = raw_name.partition(":")
        if name in GENERAL:
            _general(search, name, modifier, value, seen)
            continue
        if name not in supported:
            known = ", ".join(sorted(supported))
            raise bad(f"Paramètre de recherche inconnu ou non pris en charge : « {raw_name} » "
                      f"(pris en charge : {known}).",
                      f"Unknown or unsupported search parameter '{raw_name}' (supported: {known}).", raw_name)
        if modifier:
            raise bad(f"Modificateur non pris en charge : « {raw_name} ».", f"Unsupported modifier: '{raw_name}'.",
                      raw_name)
        if name in ("name", "organization.type", "type"):
            _single(name, seen)
        kinds = _criterion(resource_type, req, name, value, commune_sets, names)
        if kinds is not None:
            search.organization_kinds = kinds
    if commune_sets:
        common = set.intersection(*commune_sets)
        # Nothing in common: a commune no UO can be in (the filter then finds nothing).
        req.communes = sorted(common) or ["-"]
    req.sort = "distance" if req.origin else "relevance"
    req.per_page = search.count
    return search


def _single(name: str, seen: set[str]) -> None:
    if name in seen:
        raise bad(f"Le paramètre « {name} » ne peut être donné qu'une fois.", f"Parameter '{name}' given twice.", name)
    seen.add(name)


def _general(search: FhirSearch, name: str, modifier: str, value: str, seen: set[str]) -> None:
    if modifier:
        raise bad(f"Modificateur non pris en charge : « {name}:{modifier} ».",
                  f"Unsupported modifier: '{name}:{modifier}'.", name)
    if name not in ("_include", "_revinclude"):
        _single(name, seen)
    if name == "_count":
        if not re.fullmatch(r"[0-9]{1,4}", value) or int(value) > MAX_COUNT:
            raise bad(f"_count doit être un nombre entier de 0 à {MAX_COUNT}.",
                      f"_count must be a whole number from 0 to {MAX_COUNT}.", name)
        search.count = int(value)
    elif name == "_total":
        if value not in ("none", "estimate", "accurate"):
            raise bad("_total vaut none, estimate ou accurate.", "_total must be none, estimate or accurate.", name)
        search.total = value
    elif name == "_summary":
        if value == "count":
            search.summary_count = True
        elif value != "false":
            raise bad("Seul _summary=count (ou false) est pris en charge.", "Only _summary=count (or false) is supported.",
                      name)
    elif name == "_elements":
        search.elements = _values(name, value)
        if any(not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", e) for e in search.elements):
            raise bad("_elements attend des noms d'éléments séparés par des virgules.",
                      "_elements expects comma-separated element names.", name)
    elif name == "_include":
        if value not in INCLUDES.get(search.resource_type, ()):
            allowed = ", ".join(INCLUDES.get(search.resource_type, ())) or "aucun"
            raise bad(f"_include non pris en charge : « {value} » (pris en charge : {allowed}).",
                      f"Unsupported _include '{value}' (supported: {allowed}).", name)
        search.includes.append(value)
    elif name == "_revinclude":
        if value not in REVINCLUDES.get(search.resource_type, ()):
            allowed = ", ".join(REVINCLUDES.get(search.resource_type, ())) or "aucun"
            raise bad(f"_revinclude non pris en charge : « {value} » (pris en charge : {allowed}).",
                      f"Unsupported _revinclude '{value}' (supported: {allowed}).", name)
        search.revincludes.append(value)
    elif name == "_page":
        search.page = value
    else:   # _format, _pretty
        general_options({name: value})


def _criterion(resource_type: str, req: SearchRequest, name: str, value: str, commune_sets: list[set[str]],
               names: p.LocalNames) -> frozenset[str] | None:
    """Puts one criterion into the request; returns the kinds of organization a type names."""
    plain = name.removeprefix("location.")
    if name == "_id" or (resource_type == "Organization" and name == "identifier"):
        ids = [_token(v)[1] for v in _values(name, value)]
        if any(not re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", i) for i in ids):
            raise bad("Identifiant non valide (lettres, chiffres, « - » et « . », 64 au plus).",
                      "Invalid id (letters, digits, '-' and '.', at most 64).", name)
        targets = {"HealthcareService": (req.unit_ids,), "Location": (req.establishment_ids,),
                   "Organization": (req.establishment_ids, req.legal_entity_ids)}[resource_type]
        for target in targets:
            target[:] = sorted(set(target) & set(ids)) if target else ids
            if not target:
                target.append("-")
    elif name == "_lastUpdated":
        req.updated += _updated(name, value)
    elif name == "name" and resource_type == "HealthcareService":
        req.unit_name = value.strip() or _empty(name)
    elif name == "name":
        req.establishment_name = value.strip() or _empty(name)
        if resource_type == "Organization":
            req.legal_entity_name = req.establishment_name
    elif name in ("specialty", "characteristic"):
        offer = _offer_codes(name, value, name, names)
        if offer is None:
            req.home_visit = True
        else:
            req.offers.append(offer)
    elif name == "age-range-low":
        req.age_min += _ages(name, value)
    elif name == "age-range-high":
        req.age_max += _ages(name, value)
    elif name == "intervention-zone":
        communes_wanted = _communes_of(name, value)
        req.intervention_communes = sorted(set(req.intervention_communes) & communes_wanted
                                           if req.intervention_communes else communes_wanted) or ["-"]
    elif plain == "near" or plain == "near-insee-code":
        if req.origin is not None:
            raise bad("Un seul point de recherche (near ou near-insee-code).",
                      "One search point only (near or near-insee-code).", name)
        req.origin = _near(name, value) if plain == "near" else _near_insee(name, value)
        req.radius_km = req.origin.radius_km
    elif plain == "commune-cog":
        commune_sets.append(_communes_of(name, value))
    elif plain == "address-postalcode":
        commune_sets.append(_postal_communes(name, value))
    elif plain == "address-city":
        commune_sets.append(_city_communes(name, value))
    elif name in ("organization.type", "type"):
        return _organization_type(req, name, value, names)
    return None


def _empty(name: str):
    raise bad(f"Le paramètre « {name} » est vide.", f"Parameter '{name}' has an empty value.", name)


def _organization_type(req: SearchRequest, name: str, value: str, names: p.LocalNames) -> frozenset[str]:
    """The kinds of organization a type names (EG, EJ: type-organisation; a category names EGs
    of that category: an EJ has none), OR-ed; the category goes into the request."""
    categories = nomenclature().categories
    kinds, wanted = set(), []
    for token in _values(name, value):
        system, code = _token(token)
        if system in (None, names.organization_kind) and code in p.ORGANIZATION_KINDS:
            kinds.add(code)
        elif system in (None, names.category) and code in categories:
            wanted.append(code)
        else:
            raise bad(f"Type d'organisation inconnu : « {token} » (EG, EJ ou catégories : {', '.join(categories)}).",
                      f"Unknown organization type '{token}' (EG, EJ or categories: {', '.join(categories)}).", name)
    if len(set(wanted)) > 1 or (req.category and wanted and req.category != wanted[0]):
        raise bad("Une seule catégorie d'établissement à la fois.", "One establishment category at a time.", name)
    if name == "organization.type" and kinds == {"EJ"} and not wanted:
        raise bad("Une offre est rattachée à une EG : organization.type=EJ ne trouverait rien.",
                  "A HealthcareService is provided by an EG: organization.type=EJ would find nothing.", name)
    if wanted and "EG" not in kinds:
        req.category = wanted[0]
    return frozenset(kinds | ({"EG"} if wanted else set()))


def organization_requests(search: FhirSearch) -> dict[str, SearchRequest]:
    """The criteria of each kind of organization the search returns: a Location search, EGs; an
    Organization search, EGs (ids, names, category) and EJs (ids, names), as its type says."""
    req = search.request
    if search.resource_type != "Organization":
        return {"EG": req}
    found = {}
    if "EG" in search.organization_kinds:
        found["EG"] = replace(req, legal_entity_ids=[], legal_entity_name=None)
    if "EJ" in search.organization_kinds:
        found["EJ"] = replace(req, establishment_ids=[], establishment_name=None, category=None)
    return found

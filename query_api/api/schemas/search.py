"""Responses of the search operations: health, suggestions, a page of results."""
from __future__ import annotations

from marshmallow import Schema, fields

from catalog.fields import describe
from query_api.api.schemas.common import CodeLabel, NFloat, NStr, Str, doc


class EngineState(Schema):
    status = Str(required=True)
    version = Str()


class Warning(Schema):
    code = Str(required=True, metadata=doc(
        "Ce qui est signalé : outbox_late, engine_yellow, engine_red, engine_unreachable, no_index, mapping_behind.",
        "What is flagged.", "outbox_late"))
    level = Str(required=True, metadata={"enum": ["warning", "error"]})
    message = Str(required=True, metadata=doc(
        "L'alerte en français, pour la personne qui exploite le service.", "The alert in French, for the operator."))


class Health(Schema):
    status = Str(required=True)
    message = Str()
    opensearch = fields.Nested(EngineState, required=True)
    warnings = fields.List(fields.Nested(Warning), metadata=doc(
        "Ce qu'un administrateur doit savoir (outbox en retard, index à reconstruire, moteur jaune ou rouge) ; "
        "le service reste 200 tant que le moteur répond.",
        "What an operator must know; the service answers 200 while the engine answers."))


class Suggestion(Schema):
    type = Str(required=True, metadata={"enum": ["aptitude", "uo_type", "profession", "commune", "establishment",
                                                 "department", "postal_code"]})
    id = Str(required=True)
    label = Str(required=True)
    label_html = Str(required=True, metadata={
        "description": "Le libellé échappé pour HTML, les mots saisis en gras (<b>), préfixes compris."})
    group = NStr()
    department = NStr()
    lat = NFloat()
    lon = NFloat()
    detail = NStr()


class Suggestions(Schema):
    suggestions = fields.List(fields.Nested(Suggestion), required=True)


class ResultAptitude(CodeLabel):
    label_html = Str()


class FacetValue(Schema):
    value = fields.Raw(required=True, metadata={"description": "Code, booléen ou code INSEE selon la facette."})
    label = Str(required=True)
    count = fields.Integer(required=True)
    selected = fields.Boolean(required=True)
    group = NStr(metadata={"description": "Groupe d'aptitudes (facette aptitude)."})


class Origin(Schema):
    label = Str(required=True)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)


class ResultEstablishment(Schema):
    id = Str(required=True)
    name = Str(required=True)
    address = Str(required=True)
    postal_code = Str(required=True)
    commune = Str(required=True)
    insee = Str(required=True)
    department = Str(required=True)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    distance_km = NFloat(required=True)


class ResultUnit(Schema):
    id = Str(required=True)
    name = Str(required=True)
    name_html = Str(metadata={"description": "Présent quand le texte recherché y figure : le nom échappé pour "
                                             "HTML, les mots trouvés en gras (<b>)."})
    type = fields.Nested(CodeLabel, required=True)
    practitioner = NStr(required=True)
    aptitudes = fields.List(fields.Nested(ResultAptitude), required=True)
    patients = fields.List(Str(metadata={"enum": ["E", "A"]}), required=True)
    home_visit = fields.Boolean(required=True)
    match = NStr(required=True, metadata={"enum": ["nearby", "home_visit", None],
                                          "description": "Trouvée près du lieu (nearby) ou seulement parce qu'elle "
                                                         "intervient à domicile dans la commune cherchée (home_visit)."})
    visits_searched_commune = fields.Boolean(
        required=True, metadata={"description": "L'unité intervient à domicile dans la commune cherchée "
                                                "(qu'elle soit proche ou non)."})
    open_now = fields.Boolean(required=True)
    distance_km = NFloat(required=True)
    travel_minutes = fields.Integer(allow_none=True, required=True)
    phone = NStr(required=True)


class Result(Schema):
    establishment = fields.Nested(ResultEstablishment, required=True)
    units_total = fields.Integer(required=True)
    units = fields.List(fields.Nested(ResultUnit), required=True)


class UnderstoodPlace(Schema):
    type = Str(required=True, metadata={"enum": ["commune", "postal_code", "department"]})
    id = Str(required=True, metadata={"description": "Code INSEE (75056 : Paris entier), code postal ou numéro "
                                                     "de département."})
    label = Str(required=True)


class Understood(Schema):
    place = fields.Nested(UnderstoodPlace, allow_none=True, required=True)
    aptitudes = fields.List(Str(), required=True)
    patients = fields.List(Str(metadata={"enum": ["E", "A"]}), required=True)
    home_visit = fields.Boolean(allow_none=True, required=True)
    open_now = fields.Boolean(required=True)
    profession = NStr(required=True)
    text = Str(required=True, metadata={"description": "Les mots cherchés comme texte."})
    notes = fields.List(Str(), required=True, metadata={"description": "Autre lecture possible, correction faite."})


class SearchResponse(Schema):
    total_establishments = fields.Integer(required=True)
    total_units = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    sort = Str(required=True, metadata={"enum": ["distance", "relevance"]})
    radius_km = NFloat(required=True)
    origin = fields.Nested(Origin, allow_none=True, required=True)
    understood = fields.Nested(Understood, allow_none=True, required=True, metadata={
        "description": "Ce que le texte libre (what, q) a permis de reconnaître : lieu, aptitudes, patients, "
                       "intervention à domicile, ouvert maintenant, profession ; ces éléments filtrent comme "
                       "les facettes. null sans texte libre."})
    facets = fields.Dict(keys=Str(), values=fields.List(fields.Nested(FacetValue)), required=True)
    results = fields.List(fields.Nested(Result), required=True)


# --- what each field means (French, then English), for /api/docs -------------------------

describe(EngineState, {
    "status": ("État du moteur : green, yellow, red ou unreachable.", "Engine state.", "green"),
    "version": ("Version d'OpenSearch.", "OpenSearch version.", "2.19.6"),
})
describe(Warning, {"level": ("Gravité : warning (à surveiller) ou error (à traiter).",
                             "Severity: warning (to watch) or error (to fix).", "warning")})
describe(ResultAptitude, {"label_html": ("Présent quand le texte recherché y figure : le libellé échappé pour HTML, "
                                         "les mots trouvés en gras (<b>).", "Present when the searched text is in it: "
                                         "the label escaped for HTML, the words found in bold (<b>).",
                                         "Rééducation <b>vestibulaire</b>")})
describe(Health, {
    "status": ("ok, degraded ou unavailable.", "ok, degraded or unavailable.", "ok"),
    "message": ("Ce qui ne va pas, en français.", "What is wrong, in French.", None),
    "opensearch": ("Le moteur de recherche.", "The search engine.", None),
})
describe(Suggestion, {
    "type": ("Ce que c'est : aptitude, uo_type, profession, commune, establishment, department, postal_code.",
             "What it is.", "commune"),
    "id": ("Valeur à passer à /search (what ou where) : code, code INSEE, « eg:<id> », « dep:<n> », « cp:<code> ».",
           "Value to pass to /search (what or where).", "78646"),
    "label": ("Libellé affiché.", "Label shown.", "Versailles (78000)"),
    "label_html": ("Le libellé échappé pour HTML, les mots saisis en gras (<b>), préfixes compris.",
                   "The label escaped for HTML, the typed words in bold (<b>).", "<b>Vers</b>ailles (78000)"),
    "group": ("Groupe d'aptitudes.", "Aptitude group.", "Rééducation"),
    "department": ("Département (numéro).", "Department (number).", "78"),
    "lat": ("Latitude (WGS 84).", "Latitude (WGS 84).", 48.8005),
    "lon": ("Longitude (WGS 84).", "Longitude (WGS 84).", 2.1304),
    "detail": ("Précision (adresse d'un établissement, communes d'un code postal).",
               "Detail (an establishment's address, a postal code's communes).", None),
})
describe(Suggestions, {"suggestions": ("Les suggestions, les meilleures d'abord.", "Suggestions, best first.", None)})
describe(FacetValue, {
    "value": ("Valeur à passer au paramètre de même nom : code, booléen ou code INSEE.",
              "Value to pass to the parameter of the same name.", "E"),
    "label": ("Libellé affiché.", "Label shown.", "Enfants"),
    "count": ("Nombre d'unités, les autres facettes choisies appliquées.", "Units, the other chosen facets applied.", 12),
    "selected": ("Choisie dans cette recherche.", "Chosen in this search.", False),
    "group": ("Groupe d'aptitudes (facette aptitude).", "Aptitude group (aptitude facet).", None),
})
describe(Origin, {
    "label": ("Le lieu d'où partent les distances.", "Where distances are measured from.", "Versailles (78000)"),
    "lat": ("Latitude (WGS 84).", "Latitude (WGS 84).", 48.8005),
    "lon": ("Longitude (WGS 84).", "Longitude (WGS 84).", 2.1304),
})
describe(ResultEstablishment, {
    "id": ("Identifiant de l'établissement (EG).", "Establishment id.", "EG-VER1"),
    "name": ("Nom.", "Name.", "Cabinet de kinésithérapie des Chantiers"),
    "address": ("Adresse.", "Address.", "12 rue des Chantiers"),
    "postal_code": ("Code postal.", "Postal code.", "78000"),
    "commune": ("Commune.", "Commune.", "Versailles"),
    "insee": ("Code INSEE de la commune.", "INSEE code of the commune.", "78646"),
    "department": ("Département (numéro).", "Department (number).", "78"),
    "lat": ("Latitude (WGS 84).", "Latitude (WGS 84).", 48.796),
    "lon": ("Longitude (WGS 84).", "Longitude (WGS 84).", 2.135),
    "distance_km": ("Distance au lieu cherché, en km (null sans lieu).", "Distance from the place, km.", 0.8),
})
describe(ResultUnit, {
    "id": ("Identifiant de l'unité (UO).", "Unit id.", "UO-KA"),
    "name": ("Nom de l'unité.", "Unit name.", "Consultation kinésithérapie"),
    "name_html": ("Présent quand le texte cherché y figure : le nom échappé pour HTML, mots trouvés en gras.",
                  "When the searched text is in it: the name escaped for HTML, found words in bold.", None),
    "type": ("Type d'UO (code et libellé).", "UO type (code and label).", None),
    "practitioner": ("Praticien titulaire, s'il y en a un.", "Practitioner owning it, if any.", "Claire Martin"),
    "aptitudes": ("Aptitudes de l'unité.", "The unit's aptitudes.", None),
    "patients": ("Patients accueillis : E (enfants), A (adultes).", "Patients seen: E (children), A (adults).",
                 ["E", "A"]),
    "home_visit": ("Intervient à domicile.", "Makes home visits.", True),
    "match": ("Trouvée près du lieu (nearby) ou seulement parce qu'elle intervient à domicile dans la commune "
              "cherchée (home_visit) ; null sans lieu.", "Found near the place, or only for its home visits.",
              "nearby"),
    "visits_searched_commune": ("Intervient à domicile dans la commune cherchée (proche ou non).",
                                "Visits the searched commune at home (near or not).", False),
    "open_now": ("Ouverte maintenant (heure de Paris, semaine type).", "Open now (Paris time, typical week).", True),
    "distance_km": ("Distance au lieu cherché, en km.", "Distance from the place, km.", 0.8),
    "travel_minutes": ("Temps de trajet estimé, en minutes.", "Estimated travel time, minutes.", 4),
    "phone": ("Téléphone de prise de rendez-vous.", "Appointment phone.", "+33139501234"),
})
describe(Result, {
    "establishment": ("L'établissement (EG).", "The establishment.", None),
    "units_total": ("Nombre de ses unités qui correspondent.", "How many of its units match.", 2),
    "units": ("Ses unités qui correspondent.", "Its matching units.", None),
})
describe(UnderstoodPlace, {
    "type": ("commune, postal_code ou department.", "commune, postal_code or department.", "commune"),
    "id": ("Code INSEE (75056 : Paris entier), code postal ou numéro de département.",
           "INSEE code (75056: all of Paris), postal code or department number.", "78646"),
    "label": ("Libellé.", "Label.", "Versailles (78000)"),
})
describe(Understood, {
    "place": ("Le lieu reconnu.", "The place recognised.", None),
    "aptitudes": ("Aptitudes reconnues (codes).", "Aptitudes recognised (codes).", ["KINE_REEDUC_VESTIBULAIRE"]),
    "patients": ("Patients reconnus (E, A).", "Patients recognised.", ["E"]),
    "home_visit": ("« à domicile » reconnu.", "« at home » recognised.", True),
    "open_now": ("« ouvert maintenant » reconnu.", "« open now » recognised.", False),
    "profession": ("Profession reconnue (code).", "Profession recognised (code).", "70"),
    "text": ("Les mots cherchés comme texte.", "The words searched as text.", ""),
    "notes": ("Autre lecture possible, correction faite.", "Another reading, a correction made.", []),
})
describe(SearchResponse, {
    "total_establishments": ("Établissements qui correspondent (exact jusqu'à 10 000, à 1 % près au-delà).",
                             "Matching establishments (exact up to 10,000, within 1 % beyond).", 14),
    "total_units": ("Unités qui correspondent.", "Matching units.", 17),
    "page": ("Page rendue.", "Page returned.", 1),
    "per_page": ("Établissements par page.", "Establishments per page.", 20),
    "sort": ("Tri appliqué : distance ou relevance.", "Sort applied.", "distance"),
    "radius_km": ("Rayon appliqué, en km (null sans lieu).", "Radius applied, km (null without a place).", 10),
    "origin": ("Point de départ des distances (null sans lieu).", "Origin of distances (null without a place).",
               None),
    "understood": ("Ce que le texte libre (what, q) a permis de reconnaître ; ces éléments filtrent comme les "
                   "facettes. null sans texte libre.", "What the free text was read as; it filters as the "
                   "facets do. null without free text.", None),
    "facets": ("Facettes : nom → valeurs avec leur nombre.", "Facets: name → values with their counts.", None),
    "results": ("Les établissements de la page, chacun avec ses unités.", "The page's establishments with their "
                "units.", None),
})

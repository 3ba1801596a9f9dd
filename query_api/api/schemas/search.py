"""Responses of the search operations: health, suggestions, a page of results."""
from __future__ import annotations

from marshmallow import Schema, fields

from query_api.api.schemas.common import CodeLabel, NFloat, NStr, Str


class EngineState(Schema):
    status = Str(required=True)
    version = Str()


class Health(Schema):
    status = Str(required=True)
    message = Str()
    opensearch = fields.Nested(EngineState, required=True)


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
    label_html = Str(metadata={"description": "Présent quand le texte recherché y figure : le libellé échappé "
                                              "pour HTML, les mots trouvés en gras (<b>)."})


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

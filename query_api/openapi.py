"""GET /api/v1/openapi.json and /api/docs: the API described from its marshmallow schemas.

Request schemas are the ones the views validate with (catalog/schemas.py); the
response schemas below describe what the views return, field by field, so that
other applications (and the fuzzing tests) can rely on them.
"""
from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, current_app, jsonify, render_template_string
from marshmallow import Schema, fields

from catalog import schemas as requests

blueprint = Blueprint("openapi", __name__)

Str = lambda **kw: fields.String(**kw)  # noqa: E731
NStr = lambda **kw: fields.String(allow_none=True, **kw)  # noqa: E731
NFloat = lambda **kw: fields.Float(allow_none=True, **kw)  # noqa: E731


class ErrorDetail(Schema):
    code = Str(required=True)
    message = Str(required=True, metadata={"description": "Message en français, lisible par une personne."})
    field = NStr(required=True, metadata={"description": "Paramètre ou champ en cause, s'il y en a un."})


class Error(Schema):
    error = fields.Nested(ErrorDetail, required=True)


class EngineState(Schema):
    status = Str(required=True)
    version = Str()


class Health(Schema):
    status = Str(required=True)
    message = Str()
    opensearch = fields.Nested(EngineState, required=True)


class Suggestion(Schema):
    type = Str(required=True, metadata={"enum": ["aptitude", "uo_type", "profession", "commune", "establishment"]})
    id = Str(required=True)
    label = Str(required=True)
    group = NStr()
    department = NStr()
    lat = NFloat()
    lon = NFloat()
    detail = NStr()


class Suggestions(Schema):
    suggestions = fields.List(fields.Nested(Suggestion), required=True)


class CodeLabel(Schema):
    code = Str(required=True)
    label = NStr(required=True)


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
    type = fields.Nested(CodeLabel, required=True)
    practitioner = NStr(required=True)
    aptitudes = fields.List(fields.Nested(CodeLabel), required=True)
    patients = fields.List(Str(metadata={"enum": ["E", "A"]}), required=True)
    home_visit = fields.Boolean(required=True)
    match = NStr(required=True, metadata={"enum": ["nearby", "home_visit", None]})
    open_now = fields.Boolean(required=True)
    distance_km = NFloat(required=True)
    travel_minutes = fields.Integer(allow_none=True, required=True)
    phone = NStr(required=True)


class Result(Schema):
    establishment = fields.Nested(ResultEstablishment, required=True)
    units_total = fields.Integer(required=True)
    units = fields.List(fields.Nested(ResultUnit), required=True)


class SearchResponse(Schema):
    total_establishments = fields.Integer(required=True)
    total_units = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    sort = Str(required=True, metadata={"enum": ["distance", "relevance"]})
    radius_km = NFloat(required=True)
    origin = fields.Nested(Origin, allow_none=True, required=True)
    facets = fields.Dict(keys=Str(), values=fields.List(fields.Nested(FacetValue)), required=True)
    results = fields.List(fields.Nested(Result), required=True)


class SheetAptitudeGroup(Schema):
    group = Str(required=True)
    items = fields.List(fields.Nested(CodeLabel), required=True)


class SheetEstablishment(Schema):
    id = Str(required=True)
    name = Str(required=True)
    category = fields.Dict()
    address = Str()
    postal_code = Str()
    commune = Str()
    insee = Str()
    department = fields.Dict()
    lat = fields.Float()
    lon = fields.Float()
    phone = Str()
    legal_entity = fields.Dict()
    source = Str()
    units = fields.List(fields.Dict())


class EstablishmentSheet(SheetEstablishment):
    pass


class UnitSheet(Schema):
    id = Str(required=True)
    name = Str(required=True)
    type = fields.Dict()
    profession = fields.Dict()
    establishment = fields.Nested(SheetEstablishment, required=True)
    practitioner = fields.Dict()
    phone = Str()
    mobile = Str(metadata={"description": "Professionnels connectés uniquement."})
    aptitudes = fields.List(fields.Nested(SheetAptitudeGroup))
    generalist = fields.Boolean()
    patients = fields.Dict()
    home_visit = fields.Boolean()
    home_visit_communes = fields.List(fields.Dict())
    week = fields.List(fields.Dict())
    open_on_holidays = fields.Boolean()
    open_now = fields.Boolean()
    comments = Str()
    resource_persons = fields.List(fields.Dict(), metadata={"description": "Professionnels connectés uniquement."})
    revision = fields.Integer()
    updated_at = Str()


def _json(schema: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": _json("Error", "Paramètre invalide : le message dit lequel et pourquoi."),
    "503": _json("Error", "Moteur de recherche indisponible."),
}

# Endpoints documented here; other blueprints add theirs through ``EXTRA_PATHS``.
EXTRA_PATHS: list[tuple[str, dict]] = []


def build_spec() -> APISpec:
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="ROR search — API de recherche de l'offre de santé",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[plugin],
        info={"description": "Recherche de l'offre de soins d'Île-de-France (ROR) : recherche, "
                             "suggestions, fiches, export, signalements. Messages d'erreur en français."},
        servers=[{"url": "/"}],
    )
    # "where" is parsed by a custom field: INSEE code, eg:<id> or "lat,lon", all strings.
    plugin.map_to_openapi_type(requests._Where, "string", None)
    for name, schema in [("Error", Error), ("Health", Health), ("Suggestions", Suggestions),
                         ("SearchResponse", SearchResponse), ("UnitSheet", UnitSheet),
                         ("EstablishmentSheet", EstablishmentSheet)]:
        spec.components.schema(name, schema=schema)
    search_params = [{"in": "query", "schema": requests.SearchParamsSchema}]
    spec.path(path="/api/v1/health", operations={"get": {
        "summary": "État du service et du moteur de recherche",
        "responses": {"200": _json("Health", "Service opérationnel."), "503": _json("Health", "Moteur indisponible.")}}})
    spec.path(path="/api/v1/suggest", operations={"get": {
        "summary": "Suggestions dès 3 lettres (Où ? / Quoi ?)",
        "parameters": [{"in": "query", "schema": requests.SuggestParamsSchema}],
        "responses": {"200": _json("Suggestions", "Suggestions, les meilleures d'abord."), **ERRORS}}})
    spec.path(path="/api/v1/search", operations={"get": {
        "summary": "Recherche groupée par établissement, avec facettes",
        "parameters": search_params,
        "responses": {"200": _json("SearchResponse", "Une page de résultats."), **ERRORS}}})
    spec.path(path="/api/v1/search.xlsx", operations={"get": {
        "summary": "Export Excel de toutes les unités correspondantes",
        "parameters": search_params,
        "responses": {"200": {"description": "Classeur Excel.", "content": {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}}}}, **ERRORS}}})
    not_found = {"404": _json("Error", "Identifiant inconnu.")}
    spec.path(path="/api/v1/units/{unit_id}", operations={"get": {
        "summary": "Fiche complète d'une unité opérationnelle (UO)",
        "parameters": [{"in": "path", "name": "unit_id", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": _json("UnitSheet", "La fiche ; les champs vides sont omis."), **not_found}}})
    spec.path(path="/api/v1/establishments/{eg_id}", operations={"get": {
        "summary": "Fiche d'un établissement (EG) et de ses UO",
        "parameters": [{"in": "path", "name": "eg_id", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": _json("EstablishmentSheet", "La fiche."), **not_found}}})
    for path, operations in EXTRA_PATHS:
        spec.path(path=path, operations=operations)
    return spec


def spec_dict() -> dict:
    """Built once per app: the schemas do not change while it runs."""
    spec = current_app.extensions["ror"].get("openapi")
    if spec is None:
        spec = current_app.extensions["ror"]["openapi"] = build_spec().to_dict()
    return spec


@blueprint.get("/api/v1/openapi.json")
def openapi_json():
    return jsonify(spec_dict())


DOCS_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>API ROR search</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
code,pre{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}h2{margin-top:2rem}
.op{border-left:4px solid #1b5fa8;padding-left:1rem;margin:1.5rem 0}.method{font-weight:700;color:#1b5fa8}</style>
</head><body><h1>API de ROR search</h1>
<p>Document OpenAPI : <a href="/api/v1/openapi.json"><code>/api/v1/openapi.json</code></a>.
Toutes les erreurs ont la forme <code>{"error": {"code", "message", "field"}}</code>, message en français.</p>
{% for path, ops in spec.paths.items() %}{% for method, op in ops.items() %}
<div class="op"><h2><span class="method">{{ method|upper }}</span> <code>{{ path }}</code></h2>
<p>{{ op.summary }}</p>{% if op.parameters %}<ul>{% for p in op.parameters %}
<li><code>{{ p.name }}</code> ({{ p["in"] }}{% if p.required %}, obligatoire{% endif %})</li>{% endfor %}</ul>{% endif %}
</div>{% endfor %}{% endfor %}</body></html>"""


@blueprint.get("/api/docs")
def docs():
    return render_template_string(DOCS_PAGE, spec=spec_dict())

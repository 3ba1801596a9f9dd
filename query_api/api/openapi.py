"""GET /api/v1/openapi.json and /api/docs: the document generated from the operations' declarations.

Each view declares its operation (query_api/api/operations.py); this module only
sets up the document (title, security schemes, how our own field types travel)
and serves it. Authentication (see query_api/security.py):
- ``session``: Flask's signed session cookie; GET /api/v1/session creates it.
- ``csrf``: the session's token, echoed in ``X-CSRF-Token`` by every write,
  signed in or not (login and activation too).
- ``apiKey``: ``Authorization: Bearer <key>``, read-only, rate-limited.
"""
from __future__ import annotations

from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint as PageBlueprint
from flask import Flask, current_app, jsonify, render_template_string

from catalog import fields as french
from catalog.schedule import DAY_NAMES, DAY_TEXT_PATTERN
from query_api.api.operations import PUBLIC_READ, SECURITY_SCHEMES, Blueprint, RorApi
from query_api.api.schemas import query
from query_api.api.schemas.common import spaced

blueprint = Blueprint("openapi", __name__, description="Ce document. *This document.*")
docs_page = PageBlueprint("api_docs", __name__)

DESCRIPTION = (
    "Recherche de l'offre de soins d'Île-de-France (ROR) : recherche, suggestions, fiches, export, comptes "
    "des praticiens, signalements, administration. Toutes les erreurs ont la forme "
    "{\"error\": {\"code\", \"message\", \"field\"}}, message en français ; un 400 donne en plus « errors », "
    "la liste de tous les problèmes.\n\n"
    "Souplesse voulue des paramètres de requête (query string), comme un formulaire les envoie : un paramètre "
    "vide compte comme absent ; les codes sont lus sans tenir compte de la casse ni des espaces autour.\n\n"
    "*Search of the Île-de-France health-care offer (ROR). Every error is {\"error\": {\"code\", \"message\", "
    "\"field\"}}, message in French; a 400 also gives « errors », every problem. Query strings are read as "
    "a form sends them: a blank parameter is absent; codes are read whatever their case and surrounding "
    "spaces.*"
)


def _schema_name(schema) -> str:
    """Component names: the class name without "Schema"; request schemas end in "Input"."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    return f"{name}Input" if cls.__module__ in ("catalog.schemas", query.__name__) else name


def _lenient_boolean(self, field, ret, **kwargs) -> dict:
    """A request boolean also takes 0/1 and "oui"/"non" words, as forms send them (catalog.fields.Bool)."""
    if not isinstance(field, french.Bool) or ret.get("type") != "boolean":
        return {}
    del ret["type"]
    if field.metadata.get("true_only"):  # a box that must be ticked (the terms of use)
        return {"oneOf": [{"type": "boolean", "enum": [True]}, {"type": "integer", "enum": [1]},
                          {"type": "string", "pattern": spaced(sorted(french.TRUE_WORDS), ignore_case=True)}]}
    words = sorted(french.TRUE_WORDS | french.FALSE_WORDS)
    return {"oneOf": [{"type": "boolean"}, {"type": "integer", "enum": [0, 1]},
                      {"type": "string", "pattern": spaced(words, ignore_case=True)}]}


# A day of a typical week (catalog.fields.Week), once for the seven days: closed (null, "" or an empty
# list), or a text of the form catalog.schedule.DAY_TEXT_PATTERN states.
WEEK_DAY = {"anyOf": [{"type": "string", "nullable": True, "pattern": DAY_TEXT_PATTERN},
                      {"type": "array", "maxItems": 0}]}


ENGLISH_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _week(self, field, ret, **kwargs) -> dict:
    """A week (catalog.fields.Week): days "1" (Monday) to "7", each a WeekDayInput; null loads as an empty week."""
    if not isinstance(field, french.Week):
        return {}
    # allOf: the description of each day beside the shared $ref (a $ref's siblings are ignored in OpenAPI 3.0).
    days = {str(number): {**french.doc(f"Créneaux du {name}.", f"Slots on {english}."),
                          "allOf": [{"$ref": "#/components/schemas/WeekDayInput"}]}
            for (number, name), english in zip(DAY_NAMES.items(), ENGLISH_DAY_NAMES)}
    return {"nullable": True, "properties": days, "additionalProperties": False}


def _codes(self, field, ret, **kwargs) -> dict:
    """A list of codes (catalog.fields.Codes) documents the codes its reference knows, read on demand."""
    if not isinstance(field, french.Codes):
        return {}
    items = dict(ret.get("items") or {"type": "string"})
    items["pattern"] = spaced(field.spellings(), ignore_case=field.ignore_case, blank=True)
    ret["items"] = items
    return {}


def _declared_pattern(self, field, ret, **kwargs) -> dict:
    """A field whose accepted spellings are a pattern built on demand (``metadata["accepts"]``): the
    pattern says all it takes (spaces, case, a code list read from a data file), the enum goes."""
    accepts = field.metadata.get("accepts")
    if not accepts:
        return {}
    ret.pop("enum", None)
    return {"pattern": accepts()}


def _blank_is_absent(self, field, ret, **kwargs) -> dict:
    """An optional query parameter of a query schema may be sent blank: it then counts as absent."""
    return {"allowEmptyValue": True} if isinstance(field.parent, query.QuerySchema) and not field.required else {}


class SchemasPlugin(MarshmallowPlugin):
    """apispec's marshmallow plugin; a schema may add, in ``OPENAPI``, a rule its fields alone cannot state."""

    def schema_helper(self, name, _, schema=None, **kwargs):
        described = super().schema_helper(name, _, schema=schema, **kwargs)
        cls = schema if isinstance(schema, type) else type(schema)
        return {**described, **getattr(cls, "OPENAPI", {})} if described is not None else described


def init_app(app: Flask) -> RorApi:
    """The flask-smorest Api of this app; blueprints of the JSON API are registered through it."""
    app.config.update(API_TITLE="ROR search — API de recherche de l'offre de santé", API_VERSION="1.0.0",
                      OPENAPI_VERSION="3.0.3")
    plugin = SchemasPlugin(schema_name_resolver=_schema_name)
    api = RorApi(app, spec_kwargs={"marshmallow_plugin": plugin, "info": {"description": DESCRIPTION},
                                   "servers": [{"url": "/"}]})
    plugin.map_to_openapi_type(query.Where, "string", None)
    plugin.map_to_openapi_type(french.Week, "object", None)
    for function in (_lenient_boolean, _week, _codes, _declared_pattern):
        plugin.converter.add_attribute_function(function)
    plugin.converter.add_parameter_attribute_function(_blank_is_absent)
    api.spec.components.schema("WeekDayInput", WEEK_DAY)
    for name, scheme in SECURITY_SCHEMES.items():
        api.spec.components.security_scheme(name, scheme)
    app.register_blueprint(docs_page)
    return api


def document(app: Flask | None = None) -> dict:
    """The OpenAPI document, as served (built once per app: declarations do not change while it runs)."""
    app = app or current_app
    ror = app.extensions["ror"]
    if "openapi" not in ror:
        ror["openapi"] = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    return ror["openapi"]


@blueprint.get("/openapi.json")
@blueprint.declare(security=PUBLIC_READ, summary="Ce document OpenAPI")
@blueprint.response(200, {"type": "object"}, description="Le document OpenAPI 3. *The OpenAPI 3 document.*")
def openapi_json():
    return jsonify(document())


DOCS_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>API ROR search</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{{ url_for('static', filename='api-docs.css') }}">
</head><body><h1>API de ROR search</h1>
<p>Document OpenAPI : <a href="/api/v1/openapi.json"><code>/api/v1/openapi.json</code></a>.
Toutes les erreurs ont la forme <code>{"error": {"code", "message", "field"}}</code>, message en français ;
un 400 donne en plus <code>errors</code>, tous les problèmes.</p>
<p>Écritures : cookie de session (<code>GET /api/v1/session</code>) et son jeton dans l'en-tête
<code>X-CSRF-Token</code>. Autres applications : <code>Authorization: Bearer &lt;clé&gt;</code>, consultation seulement.</p>
{% for path, ops in spec.paths.items() %}{% for method, op in ops.items() if method != "parameters" %}
<div class="op"><h2><span class="method">{{ method|upper }}</span> <code>{{ path }}</code></h2>
<p>{{ op.summary }}</p>{% if op.description %}<p>{{ op.description }}</p>{% endif %}
{% set params = (ops.parameters or []) + (op.parameters or []) %}{% if params %}<ul>{% for p in params %}
<li><code>{{ p.name }}</code> ({{ p["in"] }}{% if p.required %}, obligatoire{% endif %}){% if p.description %} :
{{ p.description }}{% endif %}{% if p.example is defined %} — exemple : <code>{{ p.example }}</code>{% endif %}</li>
{% endfor %}</ul>{% endif %}
</div>{% endfor %}{% endfor %}</body></html>"""


@docs_page.get("/api/docs")
def docs():
    return render_template_string(DOCS_PAGE, spec=document())

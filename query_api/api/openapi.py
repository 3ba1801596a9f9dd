"""GET /api/v1/openapi.json and /api/docs: the API described from its marshmallow schemas.

Request schemas are the ones the views validate with (catalog/schemas.py, and the
admin queue's filters in query_api/anomalies.py); the response schemas below
describe what the views return, field by field and status by status, so that
other applications (and tests/test_fuzz_api.py, which fuzzes every operation
with schemathesis) can rely on them. A response schema refuses fields it does
not list: a view that starts returning a new field must be documented here.

Authentication (see query_api/security.py):
- ``session``: Flask's signed session cookie; GET /api/v1/session creates it.
- ``csrf``: the session's token, echoed in ``X-CSRF-Token`` by every write,
  signed in or not (login and activation too).
- ``apiKey``: ``Authorization: Bearer <key>``, read-only, rate-limited.
"""
from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, current_app, jsonify, render_template_string
from marshmallow import INCLUDE, Schema, fields, validate

from catalog import anomalies as anomaly_states
from catalog import schemas as requests
from catalog.store import MAX_ROWID

blueprint = Blueprint("openapi", __name__)

Str = lambda **kw: fields.String(**kw)  # noqa: E731
NStr = lambda **kw: fields.String(allow_none=True, **kw)  # noqa: E731
NFloat = lambda **kw: fields.Float(allow_none=True, **kw)  # noqa: E731
NInt = lambda **kw: fields.Integer(allow_none=True, **kw)  # noqa: E731
Int = fields.Integer
Bool = fields.Boolean
Float = fields.Float


def Enum(values, **kw):  # noqa: N802 - reads like a field type
    return fields.String(validate=validate.OneOf(values), **kw)


# --- errors ------------------------------------------------------------------------------

class ErrorDetail(Schema):
    code = Str(required=True)
    message = Str(required=True, metadata={"description": "Message en français, lisible par une personne."})
    field = NStr(required=True, metadata={"description": "Paramètre ou champ en cause, s'il y en a un."})


class Error(Schema):
    error = fields.Nested(ErrorDetail, required=True)


# --- search, suggestions, sheets ---------------------------------------------------------

class EngineState(Schema):
    status = Str(required=True)
    version = Str()


class Warning_(Schema):
    code = Str(required=True, metadata={"enum": ["outbox_late", "engine_unreachable", "engine_yellow", "engine_red",
                                                 "no_index", "mapping_behind"]})
    level = Str(required=True, metadata={"enum": ["warning", "error"]})
    message = Str(required=True)


class Health(Schema):
    status = Str(required=True)
    message = Str()
    opensearch = fields.Nested(EngineState, required=True)
    warnings = fields.List(fields.Nested(Warning_), metadata={
        "description": "Ce qu'un administrateur doit savoir (file d'attente en retard, mapping en retard, moteur jaune ou rouge) ; "
                       "la réponse reste 200 tant que le moteur répond."})


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


class CodeLabel(Schema):
    code = Str(required=True)
    label = NStr(required=True)


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


# --- accounts ------------------------------------------------------------------------------

class Account(Schema):
    id = Int(required=True)
    role = Enum(("practitioner", "admin"), required=True)
    rpps = NStr(required=True)
    email = NStr(required=True)
    display_name = Str(required=True)
    email_confirmed = Bool(required=True)
    terms_accepted = Bool(required=True)
    needs_details = Bool(required=True, metadata={
        "description": "Vrai tant que l'adresse e-mail et l'acceptation des conditions manquent."})
    created_at = Str(required=True)


class SessionState(Schema):
    signed_in = Bool(required=True)
    account = fields.Nested(Account, allow_none=True, required=True)
    csrf_token = Str(required=True, metadata={"description": "À renvoyer dans l'en-tête X-CSRF-Token de chaque écriture."})


class Activated(Schema):
    activated = Bool(required=True)
    account = fields.Nested(Account, required=True)
    message = Str(required=True)


class DetailsSaved(Schema):
    account = fields.Nested(Account, required=True)
    email_sent = Bool(required=True)
    message = Str(required=True)


class EmailConfirmed(Schema):
    confirmed = Bool(required=True)
    email = Str(required=True)
    message = Str(required=True)


class Message(Schema):
    message = Str(required=True)


class ResetLinkState(Schema):
    valid = Bool(required=True)
    expires_at = Str(required=True)
    message = Str(required=True)


class PasswordChanged(Schema):
    reset = Bool(required=True)
    csrf_token = Str(required=True)
    message = Str(required=True)


class PasswordResetRequest(Schema):
    class Meta:
        unknown = INCLUDE  # the view reads its fields and ignores any other

    login = Str(required=True, metadata={"description": "Numéro RPPS ou adresse e-mail."})


class PasswordResetConfirmation(Schema):
    class Meta:
        unknown = INCLUDE  # the view reads its fields and ignores any other

    token = Str(required=True, metadata={"description": "Le jeton du lien reçu par e-mail."})
    password = Str(required=True, metadata={"description": "8 à 128 caractères, dont une majuscule, une minuscule et un chiffre."})
    password_confirmation = Str(metadata={"description": "Par défaut : le mot de passe lui-même."})


# --- « Mon compte » ------------------------------------------------------------------------

class LegalEntityRef(Schema):
    id = Str(required=True)
    name = NStr(required=True)


class EstablishmentSummary(Schema):
    id = Str(required=True)
    name = Str(required=True)
    category = fields.Nested(CodeLabel, required=True)
    address = Str(required=True)
    postal_code = Str(required=True)
    commune = NStr(required=True)
    insee = Str(required=True)
    department = fields.Nested(CodeLabel, allow_none=True, required=True)
    lat = Float(required=True)
    lon = Float(required=True)
    phone = NStr(required=True)
    legal_entity = fields.Nested(LegalEntityRef, required=True)
    source = Str(required=True, metadata={"description": "« rpps » (lecture seule) ou « catalog »."})


class Practitioner(Schema):
    rpps = Str(required=True)
    civility = Str(required=True)
    first_name = Str(required=True)
    last_name = Str(required=True)
    name = Str(required=True)
    profession = fields.Nested(CodeLabel, required=True)


class MyUnit(Schema):
    id = Str(required=True)
    name = Str(required=True)
    type = fields.Nested(CodeLabel, required=True)
    revision = Int(required=True)
    establishment = fields.Nested(EstablishmentSummary, required=True)


class Me(Schema):
    account = fields.Nested(Account, required=True)
    practitioner = fields.Nested(Practitioner, allow_none=True, required=True)
    units = fields.List(fields.Nested(MyUnit), required=True)


class RppsPerson(Schema):
    rpps = NStr(required=True)
    name = Str(required=True)
    role = Str(required=True)
    phone = NStr(required=True)
    email = NStr(required=True)


class AddedPerson(Schema):
    name = Str(required=True)
    role = Str(required=True)
    phone = NStr(required=True)
    email = NStr(required=True)


class RppsPart(Schema):
    practitioner = fields.Nested(Practitioner, allow_none=True, required=True)
    establishment = fields.Nested(EstablishmentSummary, required=True)
    resource_persons = fields.List(fields.Nested(RppsPerson), required=True)


class EditableSheet(Schema):
    """Exactly what PUT /api/v1/me/units/{unit_id} takes back."""

    revision = Int(required=True)
    phone = NStr(required=True)
    mobile = NStr(required=True)
    aptitudes = fields.List(Str(), required=True)
    age_min = NInt(required=True)
    age_max = NInt(required=True)
    home_visit = Bool(required=True)
    home_visit_communes = fields.List(Str(), required=True)
    week = fields.Dict(keys=Str(), values=fields.List(fields.List(Int())), required=True, metadata={
        "description": "Jour (1 = lundi … 7 = dimanche) → créneaux [début, fin] en minutes depuis minuit."})
    open_on_holidays = Bool(required=True)
    comments = Str(required=True)
    resource_persons = fields.List(fields.Nested(AddedPerson), required=True)


class AnomalyTarget(Schema):
    type = Enum(("EJ", "EG", "UO"), required=True)
    id = Str(required=True)
    name = NStr(required=True)
    type_label = Str(required=True)


class AnomalyTheme(Schema):
    code = Str(required=True)
    label = Str(required=True)


class PractitionerAnomaly(Schema):
    """A report as the practitioner concerned sees it (without who reported it)."""

    id = Int(required=True)
    target = fields.Nested(AnomalyTarget, required=True)
    field = NStr(required=True)
    theme = fields.Nested(AnomalyTheme, allow_none=True, required=True)
    message = Str(required=True)
    status = Enum(tuple(anomaly_states.STATUS_LABELS), required=True)
    status_label = Str(required=True)
    note = Str(required=True)
    created_at = Str(required=True)
    updated_at = Str(required=True)


class Reporter(Schema):
    id = Int(required=True)
    name = NStr(required=True)
    email = NStr(required=True)


class Assignee(Schema):
    id = Int(required=True)
    name = NStr(required=True)


class Anomaly(PractitionerAnomaly):
    reporter = fields.Nested(Reporter, allow_none=True, required=True)
    assignee = fields.Nested(Assignee, allow_none=True, required=True)


class OwnerSheet(Schema):
    id = Str(required=True)
    name = Str(required=True)
    type = fields.Nested(CodeLabel, required=True)
    revision = Int(required=True)
    updated_at = Str(required=True)
    rpps = fields.Nested(RppsPart, required=True, metadata={"description": "Issu du RPPS : affiché, jamais modifié ici."})
    sheet = fields.Nested(EditableSheet, required=True)
    anomalies = fields.List(fields.Nested(PractitionerAnomaly), required=True)


class StaleSheet(Schema):
    error = fields.Nested(ErrorDetail, required=True)
    current = fields.Nested(OwnerSheet, required=True, metadata={"description": "La fiche telle qu'elle est maintenant."})


class MyAnomalies(Schema):
    anomalies = fields.List(fields.Nested(PractitionerAnomaly), required=True,
                            metadata={"description": "Signalements sur mes UO, leurs EG et EJ."})
    reported = fields.List(fields.Nested(PractitionerAnomaly), required=True,
                           metadata={"description": "Signalements que j'ai faits."})


# --- administration -------------------------------------------------------------------------

class AnomalyPage(Schema):
    total = Int(required=True)
    page = Int(required=True)
    per_page = Int(required=True)
    results = fields.List(fields.Nested(Anomaly), required=True)


class ReindexState(Schema):
    running = Bool(required=True)
    id = Int()
    status = Str(metadata={"enum": ["none", "running", "succeeded", "failed"]})
    phase = Str(metadata={"enum": ["starting", "loading", "finishing", "done"]})
    actor = Str()
    actor_name = Str()
    total = Int(metadata={"description": "UO à écrire."})
    written = Int(metadata={"description": "UO écrites jusqu'ici."})
    percent = Float()
    rate = Float(allow_none=True, metadata={"description": "UO écrites par seconde."})
    seconds_left = Float(allow_none=True, metadata={"description": "Temps restant estimé, en secondes."})
    started_at = Str()
    finished_at = NStr()
    index = NStr()
    documents = Int()
    seconds = Float()
    error = NStr()


class ReindexStarted(Schema):
    reindex = fields.Nested(ReindexState, required=True)
    message = Str(required=True)


class StoreCount(Schema):
    units = Int(required=True)


class IndexState(Schema):
    alias = Str(required=True)
    mapping_version = Int()
    health = Str(metadata={"enum": ["green", "yellow", "red"]})
    indexes = fields.List(Str())
    documents = Int()
    mapping_current = Bool(metadata={"description": "L'index a été construit avec le mapping actuel (sinon : réindexation complète nécessaire)."})
    reachable = Bool(required=True)
    error = Str()


class OutboxState(Schema):
    depth = Int(required=True)
    oldest = NStr(required=True)


class IndexStatus(Schema):
    store = fields.Nested(StoreCount, required=True)
    index = fields.Nested(IndexState, required=True)
    outbox = fields.Nested(OutboxState, required=True)
    in_sync = Bool(required=True)
    reindex = fields.Nested(ReindexState, required=True)
    history = fields.List(fields.Nested(ReindexState), metadata={"description": "Les dernières réindexations, la plus récente d'abord."})
    warnings = fields.List(fields.Nested(Warning_))


class ActivationCodesRequest(Schema):
    class Meta:
        unknown = INCLUDE  # the view reads its fields and ignores any other

    rpps_list = fields.List(Str(), allow_none=True, metadata={
        "description": "Ces praticiens seulement (courrier perdu) ; absent : tous ceux qui n'ont ni compte ni code valide."})


class IssuedCode(Schema):
    rpps = Str(required=True)
    code = Str(required=True)
    expires_at = Str(required=True)
    name = Str(required=True)
    address = NStr(required=True)
    postal_code = NStr(required=True)
    commune = Str(required=True)


class IssuedCodes(Schema):
    codes = fields.List(fields.Nested(IssuedCode), required=True)
    count = Int(required=True)
    message = Str(required=True)


class ApiKeyRequest(Schema):
    class Meta:
        unknown = INCLUDE  # the view reads its fields and ignores any other

    name = Str(required=True, validate=validate.Length(min=1, max=100),
               metadata={"description": "L'application qui utilisera la clé."})


class ApiKey(Schema):
    id = Int(required=True)
    name = Str(required=True)
    prefix = Str(required=True)
    created_at = Str(required=True)
    revoked_at = NStr(required=True)
    last_used_at = NStr(required=True)


class ApiKeys(Schema):
    api_keys = fields.List(fields.Nested(ApiKey), required=True)


class NewApiKey(Schema):
    name = Str(required=True)
    key = Str(required=True, metadata={"description": "Affichée une seule fois."})
    prefix = Str(required=True)
    message = Str(required=True)


class KeyRevoked(Schema):
    revoked = Bool(required=True)
    id = Int(required=True)


class AuditActor(Schema):
    kind = Str(required=True, metadata={"description": "« account » : un membre de la cellule ; "
                                                       "« cli » : une commande ror lancée sur le serveur."})
    id = Int(allow_none=True, metadata={"description": "Le compte, pour « account »."})
    name = Str(required=True)
    email = Str(allow_none=True)


class AuditEntry(Schema):
    id = Int(required=True)
    at = Str(required=True, metadata={"description": "Date et heure (ISO 8601, UTC)."})
    actor = fields.Nested(AuditActor, required=True)
    target_type = Str(required=True, metadata={"description": "index, api_key, activation_code ou anomaly."})
    target_label = Str(required=True)
    target_id = Str(required=True, metadata={"description": "L'alias de l'index, le n° de la clé, le numéro RPPS, "
                                                            "le n° de l'anomalie."})
    action = Str(required=True, metadata={"description": "reindex ; created, revoked ; issued ; status, note, assignee_id."})
    old_value = Str(allow_none=True)
    new_value = Str(allow_none=True)


class AuditPage(Schema):
    total = Int(required=True)
    page = Int(required=True)
    per_page = Int(required=True)
    results = fields.List(fields.Nested(AuditEntry), required=True)


# --- the document ---------------------------------------------------------------------------

RESPONSE_SCHEMAS = [  # leaves first: a schema nested in a later one is then referenced, not copied
    ("Error", Error), ("Account", Account), ("PractitionerAnomaly", PractitionerAnomaly), ("Anomaly", Anomaly),
    ("Warning", Warning_), ("Health", Health), ("Suggestions", Suggestions), ("SearchResponse", SearchResponse),
    ("UnitSheet", UnitSheet), ("EstablishmentSheet", EstablishmentSheet),
    ("SessionState", SessionState), ("Activated", Activated), ("DetailsSaved", DetailsSaved),
    ("EmailConfirmed", EmailConfirmed), ("Message", Message), ("ResetLinkState", ResetLinkState),
    ("PasswordChanged", PasswordChanged), ("Me", Me), ("OwnerSheet", OwnerSheet), ("StaleSheet", StaleSheet),
    ("MyAnomalies", MyAnomalies), ("AnomalyPage", AnomalyPage), ("ReindexStarted", ReindexStarted),
    ("IndexStatus", IndexStatus), ("IssuedCodes", IssuedCodes), ("ApiKeys", ApiKeys), ("NewApiKey", NewApiKey),
    ("KeyRevoked", KeyRevoked), ("AuditEntry", AuditEntry), ("AuditPage", AuditPage),
]

SECURITY_SCHEMES = {
    "session": {"type": "apiKey", "in": "cookie", "name": "session",
                "description": "Cookie de session signé, créé par GET /api/v1/session, complété à la connexion."},
    "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
             "description": "Jeton de la session (champ csrf_token de GET /api/v1/session), obligatoire pour "
                            "toute écriture, connecté ou non."},
    "apiKey": {"type": "http", "scheme": "bearer",
               "description": "Clé d'API d'une autre application : consultation seulement (GET), limitée à "
                              "600 requêtes par minute."},
}
# Who may call an operation.
PUBLIC_READ = [{}, {"apiKey": []}, {"session": []}]     # anyone; a key or a session are optional
SIGNED_IN = [{"session": []}]                            # a signed-in account (GET)
SIGNED_IN_WRITE = [{"session": [], "csrf": []}]          # a signed-in account, with its CSRF token
SESSION_WRITE = [{"session": [], "csrf": []}]            # anyone with a session cookie and its CSRF token

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def _json(schema: str, description: str, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {JSON: {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


RETRY_AFTER = {"Retry-After": {"description": "Secondes avant de réessayer.", "required": True,
                               "schema": {"type": "integer", "minimum": 1}}}
R400 = {"400": _json("Error", "Paramètre ou champ invalide : le message dit lequel et pourquoi.")}
R401_KEY = {"401": _json("Error", "Clé d'API inconnue ou révoquée.")}
R401 = {"401": _json("Error", "Non connecté (ou clé d'API inconnue).")}
R403 = {"403": _json("Error", "Interdit : clé d'API (lecture seule), jeton CSRF absent ou faux, ou droits insuffisants.")}
R404 = {"404": _json("Error", "Identifiant inconnu.")}
R409 = {"409": _json("Error", "Conflit avec l'état actuel.")}
R413 = {"413": _json("Error", "Corps de requête trop volumineux (256 Kio au plus).")}
R429 = {"429": _json("Error", "Trop de requêtes : réessayer après Retry-After secondes.", RETRY_AFTER)}
R503 = {"503": _json("Error", "Moteur de recherche indisponible.")}
READ_ERRORS = {**R401_KEY, **R429}                    # any GET may carry a (bad or over-used) API key
WRITE_ERRORS = {**R403, **R413}                       # any write: CSRF, API keys are read-only, body size


def _body(schema, *, form: bool = False, required: bool = True) -> dict:
    content = {JSON: {"schema": schema}}
    if form:
        content[FORM] = {"schema": schema}
    return {"required": required, "content": content}


def _path_param(name: str, kind: str = "string", example=None) -> dict:
    schema = {"type": kind}
    if kind == "integer":
        schema.update(format="int64", minimum=0, maximum=MAX_ROWID)
    param = {"in": "path", "name": name, "required": True, "schema": schema}
    if example is not None:
        param["example"] = example
    return param


def _query_param(name: str, description: str) -> dict:
    return {"in": "query", "name": name, "required": False, "schema": {"type": "string"}, "description": description}


def _operations() -> list[tuple[str, dict]]:
    search_params = [{"in": "query", "schema": requests.SearchParamsSchema}]
    unit_id = _path_param("unit_id", example="UO-KA")
    anomaly_id = _path_param("anomaly_id", "integer", example=1)
    key_id = _path_param("key_id", "integer", example=1)
    from query_api.api.admin import AuditFiltersSchema
    from query_api.api.anomalies import AnomalyFiltersSchema

    return [
        # --- search, suggestions, sheets
        ("/api/v1/health", {"get": {
            "tags": ["recherche"], "summary": "État du service et du moteur de recherche",
            "security": PUBLIC_READ,
            "responses": {"200": _json("Health", "Service opérationnel."),
                          "503": _json("Health", "Moteur indisponible."), **READ_ERRORS}}}),
        ("/api/v1/suggest", {"get": {
            "tags": ["recherche"], "summary": "Suggestions dès 3 lettres (Où ? / Quoi ?)",
            "security": PUBLIC_READ,
            "parameters": [{"in": "query", "schema": requests.SuggestParamsSchema}],
            "responses": {"200": _json("Suggestions", "Suggestions, les meilleures d'abord."),
                          **R400, **READ_ERRORS, **R503}}}),
        ("/api/v1/search", {"get": {
            "tags": ["recherche"], "summary": "Recherche groupée par établissement, avec facettes",
            "security": PUBLIC_READ,
            "parameters": search_params,
            "responses": {"200": _json("SearchResponse", "Une page de résultats."), **R400, **READ_ERRORS, **R503}}}),
        ("/api/v1/search.xlsx", {"get": {
            "tags": ["recherche"], "summary": "Export Excel de toutes les unités correspondantes",
            "security": PUBLIC_READ,
            "parameters": search_params,
            "responses": {"200": {"description": "Classeur Excel.", "content": {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}}}}, **R400, **READ_ERRORS, **R503}}}),
        ("/api/v1/units/{unit_id}", {"get": {
            "tags": ["recherche"], "summary": "Fiche complète d'une unité opérationnelle (UO)",
            "description": "Le mobile et les personnes ressources ne sont donnés qu'aux professionnels connectés.",
            "security": PUBLIC_READ,
            "parameters": [_path_param("unit_id", example="UO-A")],
            "responses": {"200": _json("UnitSheet", "La fiche ; les champs vides sont omis."),
                          **R404, **READ_ERRORS}}}),
        ("/api/v1/establishments/{eg_id}", {"get": {
            "tags": ["recherche"], "summary": "Fiche d'un établissement (EG) et de ses UO",
            "security": PUBLIC_READ,
            "parameters": [_path_param("eg_id", example="EG-VER1")],
            "responses": {"200": _json("EstablishmentSheet", "La fiche."), **R404, **READ_ERRORS}}}),
        ("/api/v1/openapi.json", {"get": {
            "tags": ["recherche"], "summary": "Ce document OpenAPI",
            "security": PUBLIC_READ,
            "responses": {"200": {"description": "Le document OpenAPI 3.", "content": {JSON: {"schema": {"type": "object"}}}},
                          **READ_ERRORS}}}),
        # --- accounts
        ("/api/v1/session", {"get": {
            "tags": ["comptes"], "summary": "Session en cours et jeton CSRF (le crée au besoin)",
            "security": PUBLIC_READ,
            "responses": {"200": _json("SessionState", "La session."), **READ_ERRORS}}}),
        ("/api/v1/activation", {"post": {
            "tags": ["comptes"], "summary": "Activer son compte : numéro RPPS, code reçu par courrier, mot de passe",
            "security": SESSION_WRITE,
            "requestBody": _body(requests.ActivationSchema, form=True),
            "responses": {"201": _json("Activated", "Compte activé."), **R400,
                          "409": _json("Error", "Un compte existe déjà pour ce numéro RPPS."),
                          **WRITE_ERRORS, **R429}}}),
        ("/api/v1/login", {"post": {
            "tags": ["comptes"], "summary": "Se connecter (numéro RPPS ou adresse e-mail)",
            "security": SESSION_WRITE,
            "requestBody": _body(requests.LoginSchema, form=True),
            "responses": {"200": _json("SessionState", "Connecté ; le jeton CSRF change."), **R400,
                          "401": _json("Error", "Identifiant ou mot de passe incorrect, ou compte bloqué."),
                          **WRITE_ERRORS, **R429}}}),
        ("/api/v1/logout", {"post": {
            "tags": ["comptes"], "summary": "Se déconnecter",
            "security": SESSION_WRITE,
            "responses": {"200": _json("SessionState", "Déconnecté ; nouveau jeton CSRF."), **WRITE_ERRORS}}}),
        ("/api/v1/account/details", {"post": {
            "tags": ["comptes"], "summary": "Informations obligatoires : adresse e-mail et conditions d'utilisation",
            "security": SIGNED_IN_WRITE,
            "requestBody": _body(requests.AccountDetailsSchema, form=True),
            "responses": {"200": _json("DetailsSaved", "Enregistré ; un e-mail de confirmation est envoyé "
                                                       "si l'adresse est nouvelle."),
                          **R400, **R401, **WRITE_ERRORS,
                          "409": _json("Error", "Adresse e-mail déjà utilisée par un autre compte.")}}}),
        ("/api/v1/account/confirm-email/resend", {"post": {
            "tags": ["comptes"], "summary": "Renvoyer l'e-mail de confirmation",
            "security": SIGNED_IN_WRITE,
            "responses": {"200": _json("DetailsSaved", "E-mail renvoyé (ou non, email_sent le dit)."),
                          **R401, **WRITE_ERRORS, "409": _json("Error", "Adresse déjà confirmée.")}}}),
        ("/api/v1/account/confirm-email", {"get": {
            "tags": ["comptes"], "summary": "Confirmer son adresse e-mail (lien reçu)",
            "security": PUBLIC_READ,
            "parameters": [_query_param("token", "Le jeton du lien.")],
            "responses": {"200": _json("EmailConfirmed", "Adresse confirmée."),
                          "400": _json("Error", "Lien inconnu, déjà utilisé ou expiré."), **READ_ERRORS}}}),
        ("/api/v1/account/password-reset", {
            "post": {
                "tags": ["comptes"], "summary": "Mot de passe oublié : recevoir un lien par e-mail",
                "description": "La réponse est la même que l'identifiant existe ou non.",
                "security": SESSION_WRITE,
                "requestBody": _body(PasswordResetRequest, form=True),
                "responses": {"202": _json("Message", "Demande prise en compte."), **R400, **WRITE_ERRORS, **R429}},
            "get": {
                "tags": ["comptes"], "summary": "Ce lien de réinitialisation est-il encore valable ?",
                "security": PUBLIC_READ,
                "parameters": [_query_param("token", "Le jeton du lien.")],
                "responses": {"200": _json("ResetLinkState", "Lien valable."),
                              "400": _json("Error", "Lien inconnu, déjà utilisé ou expiré."), **READ_ERRORS}},
        }),
        ("/api/v1/account/password-reset/confirm", {"post": {
            "tags": ["comptes"], "summary": "Choisir un nouveau mot de passe (lien reçu)",
            "security": SESSION_WRITE,
            "requestBody": _body(PasswordResetConfirmation, form=True),
            "responses": {"200": _json("PasswordChanged", "Mot de passe changé ; la session est fermée."),
                          **R400, **WRITE_ERRORS}}}),
        # --- « Mon compte »
        ("/api/v1/me", {"get": {
            "tags": ["mon compte"], "summary": "Mon compte, mon identité RPPS et mes UO",
            "security": SIGNED_IN,
            "responses": {"200": _json("Me", "Le compte connecté."), **R401, **R403, **READ_ERRORS}}}),
        ("/api/v1/me/units/{unit_id}", {
            "get": {
                "tags": ["mon compte"], "summary": "Ma fiche d'UO, telle que je la modifie",
                "security": SIGNED_IN,
                "parameters": [unit_id],
                "responses": {"200": _json("OwnerSheet", "La fiche ; « sheet » est ce que PUT reprend."),
                              **R401, **R403, **R404, **READ_ERRORS}},
            "put": {
                "tags": ["mon compte"], "summary": "Enregistrer ma fiche d'UO",
                "description": "« revision » est celle de la fiche lue : si elle a changé depuis, la réponse est "
                               "409 avec la version actuelle, et rien n'est écrit.",
                "security": SIGNED_IN_WRITE,
                "parameters": [unit_id],
                "requestBody": _body(requests.UnitSheetSchema),
                "responses": {"200": _json("OwnerSheet", "Enregistrée ; la recherche la voit sous quelques secondes."),
                              **R400, **R401, **R404, **WRITE_ERRORS,
                              "409": _json("StaleSheet", "La fiche a changé depuis sa lecture.")}},
        }),
        ("/api/v1/me/anomalies", {"get": {
            "tags": ["mon compte"], "summary": "Signalements sur mes fiches et signalements que j'ai faits",
            "security": SIGNED_IN,
            "responses": {"200": _json("MyAnomalies", "Les signalements."), **R401, **R403, **READ_ERRORS}}}),
        # --- anomalies
        ("/api/v1/anomalies", {"post": {
            "tags": ["anomalies"], "summary": "Signaler une anomalie sur une fiche EJ, EG ou UO",
            "security": SIGNED_IN_WRITE,
            "requestBody": _body(requests.AnomalyReportSchema),
            "responses": {"201": _json("Anomaly", "Signalement enregistré ; la cellule de gestion est prévenue."),
                          **R400, **R401, **WRITE_ERRORS,
                          "404": _json("Error", "Aucune fiche de ce type ne porte cet identifiant."), **R429}}}),
        ("/api/v1/admin/anomalies", {"get": {
            "tags": ["administration"], "summary": "File des anomalies (les plus anciennes d'abord)",
            "security": SIGNED_IN,
            "parameters": [{"in": "query", "schema": AnomalyFiltersSchema}],
            "responses": {"200": _json("AnomalyPage", "Une page de la file."), **R400, **R401, **R403, **READ_ERRORS}}}),
        ("/api/v1/admin/anomalies/{anomaly_id}", {
            "get": {
                "tags": ["administration"], "summary": "Une anomalie",
                "security": SIGNED_IN,
                "parameters": [anomaly_id],
                "responses": {"200": _json("Anomaly", "L'anomalie."), **R401, **R403, **R404, **READ_ERRORS}},
            "patch": {
                "tags": ["administration"], "summary": "Traiter une anomalie : statut, note, responsable",
                "security": SIGNED_IN_WRITE,
                "parameters": [anomaly_id],
                "requestBody": _body(requests.AnomalyUpdateSchema),
                "responses": {"200": _json("Anomaly", "L'anomalie modifiée."), **R400, **R401, **R404,
                              **WRITE_ERRORS, "409": _json("Error", "Changement de statut impossible depuis l'état actuel.")}},
        }),
        # --- administration
        ("/api/v1/admin/reindex", {"post": {
            "tags": ["administration"], "summary": "Réindexation complète en arrière-plan (sans interruption)",
            "security": SIGNED_IN_WRITE,
            "responses": {"202": _json("ReindexStarted", "Réindexation lancée ; suivre /admin/index-status."),
                          **R401, **WRITE_ERRORS, "409": _json("Error", "Une réindexation est déjà en cours.")}}}),
        ("/api/v1/admin/index-status", {"get": {
            "tags": ["administration"], "summary": "Index et base : alias, nombres, file d'attente, réindexation",
            "security": SIGNED_IN,
            "responses": {"200": _json("IndexStatus", "L'état (le moteur injoignable y est signalé)."),
                          **R401, **R403, **READ_ERRORS}}}),
        ("/api/v1/admin/activation-codes", {"post": {
            "tags": ["administration"], "summary": "Émettre des codes d'activation (publipostage)",
            "security": SIGNED_IN_WRITE,
            "requestBody": _body(ActivationCodesRequest, required=False),
            "responses": {"201": _json("IssuedCodes", "Codes émis, affichés une seule fois."),
                          **R400, **R401, **WRITE_ERRORS}}}),
        ("/api/v1/admin/api-keys", {
            "get": {
                "tags": ["administration"], "summary": "Clés d'API",
                "security": SIGNED_IN,
                "responses": {"200": _json("ApiKeys", "Les clés (jamais leur secret)."), **R401, **R403, **READ_ERRORS}},
            "post": {
                "tags": ["administration"], "summary": "Créer une clé d'API",
                "security": SIGNED_IN_WRITE,
                "requestBody": _body(ApiKeyRequest),
                "responses": {"201": _json("NewApiKey", "La clé, affichée une seule fois."),
                              **R400, **R401, **WRITE_ERRORS}},
        }),
        ("/api/v1/admin/api-keys/{key_id}", {"delete": {
            "tags": ["administration"], "summary": "Révoquer une clé d'API",
            "security": SIGNED_IN_WRITE,
            "parameters": [key_id],
            "responses": {"200": _json("KeyRevoked", "Clé révoquée."), **R401, **R404, **WRITE_ERRORS}}}),
        ("/api/v1/admin/audit", {"get": {
            "tags": ["administration"], "summary": "Journal des actions de la cellule (les plus récentes d'abord)",
            "description": "Réindexations, clés d'API, codes d'activation, traitement des anomalies : qui, quand, "
                           "quoi. Jamais une clé ni un code en clair.",
            "security": SIGNED_IN,
            "parameters": [{"in": "query", "schema": AuditFiltersSchema}],
            "responses": {"200": _json("AuditPage", "Une page du journal."), **R400, **R401, **R403, **READ_ERRORS}}}),
    ]


# Endpoints documented elsewhere may add theirs here (path, operations).
EXTRA_PATHS: list[tuple[str, dict]] = []


def _schema_name(schema) -> str:
    """Component names: the class name without "Schema"; request schemas end in "Input"."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    return f"{name}Input" if cls.__module__ == requests.__name__ else name


def _lenient_boolean(self, field, ret, **kwargs) -> dict:
    """A request boolean (catalog.schemas._Bool) also takes 0/1 and "oui"/"non" words, as forms send them."""
    if not isinstance(field, requests._Bool) or ret.get("type") != "boolean":
        return {}
    del ret["type"]
    words = sorted(requests._TRUE_WORDS | requests._FALSE_WORDS)
    return {"oneOf": [{"type": "boolean"}, {"type": "integer", "enum": [0, 1]}, {"type": "string", "enum": words}]}


def _null_week_is_empty(self, field, ret, **kwargs) -> dict:
    """A week sent as null loads as an empty week (catalog.schemas._Week)."""
    return {"nullable": True} if isinstance(field, requests._Week) else {}


def build_spec() -> APISpec:
    plugin = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(
        title="ROR search — API de recherche de l'offre de santé",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[plugin],
        info={"description": "Recherche de l'offre de soins d'Île-de-France (ROR) : recherche, "
                             "suggestions, fiches, export, comptes des praticiens, signalements, "
                             "administration. Toutes les erreurs ont la forme "
                             "{\"error\": {\"code\", \"message\", \"field\"}}, message en français."},
        servers=[{"url": "/"}],
    )
    # Custom fields of the request schemas, as they travel.
    plugin.map_to_openapi_type(requests._Where, "string", None)     # INSEE code, dep:, cp:, eg:<id> or "lat,lon"
    plugin.map_to_openapi_type(requests._Week, "object", None)      # {"1".."7": "9h-12h" | [[540, 720]] | null}
    plugin.converter.add_attribute_function(_lenient_boolean)
    plugin.converter.add_attribute_function(_null_week_is_empty)
    for name, scheme in SECURITY_SCHEMES.items():
        spec.components.security_scheme(name, scheme)
    for name, schema in RESPONSE_SCHEMAS:
        spec.components.schema(name, schema=schema)
    for path, operations in [*_operations(), *EXTRA_PATHS]:
        spec.path(path=path, operations=operations)
    return spec


# Code lists that validators check against the nomenclatures (the marshmallow
# fields only say "string"): documented as enums and patterns, so that a reader
# (and the fuzzer's valid requests) know the accepted values.
WHERE_PATTERN = (r"^\s*([0-9][0-9AB][0-9]{3}|[eE][gG]:\S{1,64}|([dD][eE][pP]:[0-9]{2})|([cC][pP]:[0-9]{5})|"
                 r"[+-]?[0-9]{1,3}(\.[0-9]+)?\s*[,;]\s*[+-]?[0-9]{1,3}(\.[0-9]+)?)\s*$")
INSEE_PATTERN = r"^[0-9][0-9AB][0-9]{3}$"
ASSIGNEE_PATTERN = r"^\s*([0-9]{1,18}|[mM][eE]|[nN][oO][nN][eE])\s*$"


def _code_lists() -> dict[str, dict]:
    from catalog.communes import DEPARTMENTS
    from catalog.nomenclature import nomenclature

    nom = nomenclature()
    return {
        "category": {"enum": ["all", *nom.categories]},
        "aptitude": {"enum": list(nom.aptitudes)},
        "profession": {"enum": list(nom.professions)},
        "department": {"enum": list(DEPARTMENTS)},
        "age": {"enum": ["E", "A"]},
        "commune": {"pattern": INSEE_PATTERN},
        # In a sheet, blank items are dropped and codes are stripped.
        "home_visit_communes": {"pattern": r"^\s*([0-9][0-9AB][0-9]{3})?\s*$"},
        "aptitudes": {"enum": ["", *nom.aptitudes]},
        "theme": {"enum": list(nom.anomaly_themes)},
        "where": {"pattern": WHERE_PATTERN},
        "assignee": {"pattern": ASSIGNEE_PATTERN},
    }


def _describe_codes(document: dict) -> None:
    """Add the code lists to query parameters and request bodies, in place."""
    codes = _code_lists()

    def describe(name: str, schema: dict) -> None:
        if name not in codes:
            return
        target = schema.get("items", schema) if schema.get("type") == "array" else schema
        if target.get("type") == "string":
            target.update(codes[name])

    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    describe(parameter["name"], parameter["schema"])
                    if parameter["schema"].get("type") == "array":  # catalog.schemas._parse_query
                        parameter["schema"]["maxItems"] = requests.SEARCH_LIST_MAX
    for name in ("UnitSheetInput", "AnomalyReportInput"):
        for field, schema in document["components"]["schemas"][name]["properties"].items():
            describe(field, schema)


def document() -> dict:
    """The OpenAPI document, as served."""
    built = build_spec().to_dict()
    _describe_codes(built)
    return built


def spec_dict() -> dict:
    """Built once per app: the schemas do not change while it runs."""
    spec = current_app.extensions["ror"].get("openapi")
    if spec is None:
        spec = current_app.extensions["ror"]["openapi"] = document()
    return spec


@blueprint.get("/api/v1/openapi.json")
def openapi_json():
    return jsonify(spec_dict())


DOCS_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>API ROR search</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{{ url_for('static', filename='api-docs.css') }}">
</head><body><h1>API de ROR search</h1>
<p>Document OpenAPI : <a href="/api/v1/openapi.json"><code>/api/v1/openapi.json</code></a>.
Toutes les erreurs ont la forme <code>{"error": {"code", "message", "field"}}</code>, message en français.</p>
<p>Écritures : cookie de session (<code>GET /api/v1/session</code>) et son jeton dans l'en-tête
<code>X-CSRF-Token</code>. Autres applications : <code>Authorization: Bearer &lt;clé&gt;</code>, consultation seulement.</p>
{% for path, ops in spec.paths.items() %}{% for method, op in ops.items() %}
<div class="op"><h2><span class="method">{{ method|upper }}</span> <code>{{ path }}</code></h2>
<p>{{ op.summary }}</p>{% if op.parameters %}<ul>{% for p in op.parameters %}
<li><code>{{ p.name }}</code> ({{ p["in"] }}{% if p.required %}, obligatoire{% endif %})</li>{% endfor %}</ul>{% endif %}
</div>{% endfor %}{% endfor %}</body></html>"""


@blueprint.get("/api/docs")
def docs():
    return render_template_string(DOCS_PAGE, spec=spec_dict())

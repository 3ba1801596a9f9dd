"""The FHIR R4 face at /fhir: metadata, reads and searches. Thin: parse, build, call, shape.

Searches go through the one query builder (query_api.search.queries) and the units
index, as /api/v1/search does; the resources are shaped by query_api.fhir.resources.
Every refusal is an OperationOutcome (query_api.fhir.outcome), including those of the
app's shared hooks (API key refused or rate-limited, CSRF).
"""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, request
from opensearchpy.exceptions import ConnectionError as EngineConnectionError
from opensearchpy.exceptions import ConnectionTimeout, TransportError
from werkzeug.exceptions import HTTPException

from catalog import accounts, anomalies, repository
from catalog.ratelimit import Limit
from indexer.documents import unit_document
from indexer.engine import UNITS, alias_name
from query_api import context, security
from query_api.anomaly_notice import notify_cell
from query_api.api.search import current_clock
from query_api.api.sheets import unit_gone
from query_api.errors import ENGINE_DOWN_MESSAGE, STORE_DOWN_MESSAGE, ApiError, engine_cannot_serve, store_outage
from query_api.fhir import bundles, resources, tasks, terminology
from query_api.fhir import profiles as p
from query_api.fhir.capability import capability_statement
from query_api.fhir.outcome import FhirError, error_response, fhir_response
from query_api.fhir.params import FhirSearch, general_options, organization_requests, parse_search, read_options
from query_api.search.execute import FlatPage, msearch, run_search
from query_api.search.places import haversine_km
from query_api.search.queries import QueryError, organizations_page_body, sort_distance_km

log = logging.getLogger(__name__)

blueprint = Blueprint("fhir", __name__)

RESOURCE_TYPES = ("HealthcareService", "Location", "Organization", "Practitioner", "PractitionerRole", "Task",
                  "CodeSystem", "NamingSystem")
ESTIMATE_TOTAL_UP_TO = 10_000


def _base() -> str:
    """This service's FHIR base: under ROR_PUBLIC_URL when it is set (the address others reach
    us at, so that our system URLs stay the same behind a proxy), else the request's own host."""
    return (current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/") + "/fhir"


def _names() -> p.LocalNames:
    return p.LocalNames(_base())


def _not_found(resource_type: str, resource_id: str) -> FhirError:
    return FhirError(404, f"{resource_type}/{resource_id} : ressource introuvable.",
                     f"{resource_type}/{resource_id}: resource not found.")


def _gone(resource_type: str, resource_id: str, ended: repository.UnitEnded) -> FhirError:
    """FHIR's read of a deleted resource: 410 Gone with an OperationOutcome (an ended UO, its role)."""
    return FhirError(410, f"{resource_type}/{resource_id} : {unit_gone(ended).message}",
                     f"{resource_type}/{resource_id}: deleted on {ended.ended_at[:10]} (the unit stopped).")


@blueprint.before_request
def _negotiate():
    """JSON only: a client that accepts neither FHIR JSON nor JSON gets a 406, not a surprise."""
    if request.accept_mimetypes and not request.accept_mimetypes.best_match(ACCEPTED):
        raise FhirError(406, "Seul le format JSON est disponible (application/fhir+json ou application/json).",
                        "Only JSON is available (application/fhir+json or application/json).")


ACCEPTED = ["application/fhir+json", "application/json"]


# --- errors: every one as an OperationOutcome ------------------------------------------------

@blueprint.errorhandler(FhirError)
def _fhir_error(error: FhirError):
    return error_response(error)


@blueprint.errorhandler(ApiError)
def _api_error(error: ApiError):
    response = error_response(FhirError(error.status, error.message, _english(error.code), error.field))
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _english(code: str) -> str:
    """The shared errors' codes, read out in English (their French message stays first)."""
    return code.replace("_", " ").capitalize() + "."


@blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    status = error.code or 500
    response = error_response(FhirError(status, "Requête refusée.", error.name))
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


@blueprint.errorhandler(EngineConnectionError)
@blueprint.errorhandler(ConnectionTimeout)
def _engine_down(error):
    log.warning("search engine unreachable: %s", error)
    return error_response(FhirError(503, ENGINE_DOWN_MESSAGE, "Search engine unavailable, retry shortly."))


@blueprint.errorhandler(TransportError)
def _engine_error(error: TransportError):
    if engine_cannot_serve(error):
        return _engine_down(error)
    return _unexpected(error)


@blueprint.errorhandler(Exception)
def _unexpected(error: Exception):
    if store_outage(error):
        return error_response(FhirError(503, STORE_DOWN_MESSAGE, "Database unavailable, retry shortly."))
    log.exception("unexpected error in /fhir")
    return error_response(FhirError(500, "Une erreur inattendue s'est produite ; elle a été enregistrée.",
                                    "Unexpected error; it was logged."))


# --- metadata and reads ------------------------------------------------------------------------

@blueprint.get("/metadata")
def metadata():
    options = general_options(request.args)
    return fhir_response(capability_statement(_base(), context.now().date().isoformat()), pretty=options["pretty"])


def _read_resource(resource_type: str, resource_id: str) -> dict:
    with context.store().snapshot() as conn:
        try:
            if resource_type == "HealthcareService":
                repository.get_active_unit(conn, resource_id)
                record = repository.index_records(conn, [resource_id]).get(resource_id)
                if record is None:
                    raise repository.NotFound(resource_id)
                return resources.healthcare_service(unit_document(record), _names())
            if resource_type == "Location":
                eg = repository.get_establishment(conn, resource_id)
                return resources.location(eg, _created(conn, "EG", eg["id"]), _names())
            if resource_type == "Organization":
                try:
                    eg = repository.get_establishment(conn, resource_id)
                    return resources.organization_eg(eg, _created(conn, "EG", eg["id"]), _names())
                except repository.NotFound:
                    ej = repository.get_legal_entity(conn, resource_id)
                    return resources.organization_ej(ej, _created(conn, "EJ", ej["id"]), _names())
            if resource_type == "Practitioner":
                person = repository.get_practitioner(conn, resource_id)
                return resources.practitioner(person, _created(conn, "practitioner", person["rpps"]))
            parts = resources.practitioner_role_parts(resource_id)
            if parts is None:
                raise repository.NotFound(resource_id)
            rpps, unit_id = parts
            unit = repository.get_unit(conn, unit_id)
            if unit.get("owner_rpps") != rpps:
                raise repository.NotFound(resource_id)
            repository.get_active_unit(conn, unit_id)
            return resources.practitioner_role(repository.get_practitioner(conn, rpps), unit)
        except repository.UnitEnded as ended:
            raise _gone(resource_type, resource_id, ended) from None
        except repository.NotFound:
            raise _not_found(resource_type, resource_id) from None


def _created(conn, kind: str, key: str) -> str:
    return repository.earliest_known(conn, kind, [key])[key]


def _read(resource_type: str, resource_id: str):
    options = read_options(request.args)
    resource = _read_resource(resource_type, resource_id)
    elements = [e for v in request.args.getlist("_elements") for e in v.split(",") if e]
    if elements:
        resource = bundles.subset(resource, elements)
    return fhir_response(resource, pretty=options["pretty"])


for _type in ("HealthcareService", "Location", "Organization", "Practitioner", "PractitionerRole"):
    blueprint.add_url_rule(f"/{_type}/<resource_id>", f"read_{_type}",
                           lambda resource_id, _t=_type: _read(_t, resource_id), methods=["GET"])


# --- searches -------------------------------------------------------------------------------------

@blueprint.get("/HealthcareService")
def search_healthcare_services():
    return _search("HealthcareService")


@blueprint.get("/Location")
def search_locations():
    return _search("Location")


@blueprint.get("/Organization")
def search_organizations():
    return _search("Organization")


def _track_total(search: FhirSearch):
    return {"none": False, "estimate": ESTIMATE_TOTAL_UP_TO, "accurate": True}[search.total]


def _search(resource_type: str):
    search = parse_search(resource_type, request.args, _names())
    options = general_options(request.args)
    clock = current_clock()
    index = alias_name(context.settings(), UNITS)
    args = list(request.args.items(multi=True))
    base_url = request.base_url
    try:
        if resource_type == "HealthcareService":
            bundle = _search_units(search, clock, index, args, base_url)
        else:
            bundle = _search_establishments(search, clock, index, args, base_url)
    except QueryError as error:
        raise FhirError(400, error.message, "Invalid search.", error.field) from None
    return fhir_response(bundle, pretty=options["pretty"])


def flat_page(search: FhirSearch) -> FlatPage:
    """The page of units a HealthcareService search asks the engine for (one more than shown:
    whether a next page exists)."""
    direction, after = bundles.read_page_token(search.page) if search.page else (None, None)
    size = 0 if search.summary_count else search.count
    return FlatPage(size + 1 if size else 0, search_after=after, backwards=direction == "b",
                    track_total=True if search.summary_count else _track_total(search))


def _search_units(search: FhirSearch, clock, index: str, args, base_url: str) -> dict:
    req = search.request
    size = 0 if search.summary_count else search.count
    page = flat_page(search)
    raw = run_search(context.search(), index, req, clock, flat=page)
    hits = raw["hits"]["hits"]
    more = len(hits) > size
    hits = hits[:size]
    if page.backwards:
        hits.reverse()
    total = raw["hits"]["total"]["value"] if "total" in raw["hits"] and search.total != "none" else None
    links = {"self": bundles.link_url(base_url, args)}
    if hits:
        has_next = more if not page.backwards else True
        # A page read forwards from a token has one before it; one read backwards, if the engine found more.
        has_previous = more if page.backwards else page.search_after is not None
        if has_next:
            links["next"] = bundles.link_url(base_url, args, bundles.page_token("a", hits[-1]["sort"]))
        if has_previous:
            links["previous"] = bundles.link_url(base_url, args, bundles.page_token("b", hits[0]["sort"]))
    base = _base()
    entries = []
    docs = []
    for hit in hits:
        doc = hit["_source"]
        distance = round(sort_distance_km(hit["sort"][0]), 3) if req.origin else None
        resource = resources.healthcare_service(doc, _names(), distance)
        entries.append(bundles.match_entry(base, bundles.subset(resource, search.elements) if search.elements else resource))
        docs.append((doc, distance))
    entries += _included(search, docs, base)
    return bundles.searchset(entries, links, total)


def _included(search: FhirSearch, docs: list[tuple[dict, float | None]], base: str) -> list[dict]:
    """_include (the UOs' Locations and Organizations) and _revinclude (their PractitionerRoles),
    read from the store, each resource once."""
    if not docs or not (search.includes or search.revincludes):
        return []
    entries, seen = [], set()
    with context.store().snapshot() as conn:
        establishments = {}
        for doc, distance in docs:
            eg_id = doc["establishment"]["id"]
            if eg_id not in establishments:
                try:
                    establishments[eg_id] = (repository.get_establishment(conn, eg_id), distance)
                except repository.NotFound:
                    continue
        created = repository.earliest_known(conn, "EG", list(establishments))
        for eg, distance in establishments.values():
            if "HealthcareService:location" in search.includes:
                entries.append(bundles.include_entry(base, resources.location(eg, created[eg["id"]], _names(), distance),
                                                     distance))
            if "HealthcareService:organization" in search.includes:
                entries.append(bundles.include_entry(base, resources.organization_eg(eg, created[eg["id"]], _names())))
        if "PractitionerRole:service" in search.revincludes:
            for doc, _ in docs:
                try:
                    unit = repository.get_unit(conn, doc["id"])
                    if not unit.get("owner_rpps"):
                        continue
                    person = repository.get_practitioner(conn, unit["owner_rpps"])
                except repository.NotFound:
                    continue
                role = resources.practitioner_role(person, unit)
                if role["id"] not in seen:
                    seen.add(role["id"])
                    entries.append(bundles.include_entry(base, role))
    return entries


def _search_establishments(search: FhirSearch, clock, index: str, args, base_url: str) -> dict:
    """Locations (EGs) or Organizations (EGs and EJs) that have a matching UO, paged by id: a
    page of each kind in one msearch, merged here by id."""
    direction, after = bundles.read_page_token(search.page) if search.page else (None, None)
    if after is not None and (len(after) != 1 or not isinstance(after[0], str)):
        bundles.read_page_token("")   # a token of another kind of search: refused as any bad token
    size = max(search.count, 1)
    kinds = sorted(organization_requests(search).items(), reverse=True)   # EJ then EG: see kind_of
    answers = msearch(context.search(), index, [
        ({}, organizations_page_body(kind, kind_request, clock, size + 1, after[0] if after else None,
                                     descending=direction == "b")) for kind, kind_request in kinds])
    aggregations = {kind: answer["aggregations"] for (kind, _), answer in zip(kinds, answers, strict=True)}
    total = sum(a["total"]["value"] for a in aggregations.values()) if search.total != "none" else None
    kind_of = {}     # an id both kinds carry (never: EJ-…, EG-…) would be read as the EG, as a read does
    for kind, _ in kinds:
        kind_of.update((bucket["key"]["id"], kind) for bucket in aggregations[kind]["page"]["buckets"])
    ids = sorted(kind_of, reverse=direction == "b")
    more = len(ids) > size
    ids = ids[:size] if not search.summary_count and search.count else []
    if direction == "b":
        ids.reverse()
    links = {"self": bundles.link_url(base_url, args)}
    if ids:
        if (more if direction != "b" else True):
            links["next"] = bundles.link_url(base_url, args, bundles.page_token("a", [ids[-1]]))
        if direction == "a" or (direction == "b" and more):
            links["previous"] = bundles.link_url(base_url, args, bundles.page_token("b", [ids[0]]))
    base = _base()
    entries = []
    with context.store().snapshot() as conn:
        created = {kind: repository.earliest_known(conn, kind, [i for i in ids if kind_of[i] == kind]) for kind, _ in kinds}
        for found_id in ids:
            try:
                resource = _organization_or_location(conn, search, kind_of[found_id], found_id,
                                                     created[kind_of[found_id]][found_id])
            except (repository.NotFound, KeyError):
                continue    # gone from the store since the index saw it
            entries.append(bundles.match_entry(base, bundles.subset(resource, search.elements)
                                               if search.elements else resource))
    return bundles.searchset(entries, links, total)


def _organization_or_location(conn, search: FhirSearch, kind: str, found_id: str, created_at: str) -> dict:
    if kind == "EJ":
        return resources.organization_ej(repository.get_legal_entity(conn, found_id), created_at, _names())
    eg = repository.get_establishment(conn, found_id)
    if search.resource_type == "Organization":
        return resources.organization_eg(eg, created_at, _names())
    req = search.request
    distance = round(haversine_km(req.origin.lat, req.origin.lon, eg["lat"], eg["lon"]), 3) if req.origin else None
    return resources.location(eg, created_at, _names(), distance)


# --- anomaly reports (Task) ------------------------------------------------------------------------

# The same budget as POST /api/v1/anomalies for a person (one bucket: both faces count);
# an application reporting for many users gets more.
REPORTS_PER_ACCOUNT = Limit(hits=10, seconds=60 * 60)
REPORTS_PER_API_KEY = Limit(hits=200, seconds=60 * 60)
MSG_TOO_MANY_REPORTS = "Vous avez signalé beaucoup d'anomalies en peu de temps : réessayez dans une heure."
MSG_REPORT_SCOPE = ("Cette clé d'API ne permet pas de signaler des anomalies : demandez à la cellule de gestion "
                    "une clé avec le droit « report ».")
security.allow_api_key_write("fhir.create_task", "report")


def _reporter() -> tuple[dict | None, dict | None]:
    """(account, API key) of who reports or lists reports: a key needs the "report" scope."""
    api_key = security.current_api_key()
    if api_key is not None:
        if not security.api_key_has_scope(api_key, "report"):
            raise FhirError(403, MSG_REPORT_SCOPE, "This API key has no 'report' scope.")
        return None, api_key
    return security.require_account(details=True), None


def _visible_reports(conn, account: dict | None, api_key: dict | None) -> list[dict]:
    if api_key is not None:
        return anomalies.anomalies_of_api_key(conn, api_key["id"])
    if account["role"] == "admin":
        return anomalies.list_anomalies(conn, page=1, per_page=TASKS_LISTED_AT_MOST)[1]
    return anomalies.anomalies_of_reporter(conn, account["id"])


TASKS_LISTED_AT_MOST = 10_000


def _target(conn, resource_type: str, resource_id: str) -> tuple[str, str]:
    for sheet in tasks.FOCUS_TYPES[resource_type]:
        if anomalies.target_name(conn, sheet, resource_id) is not None:
            return sheet, resource_id
    raise FhirError(422, f"{resource_type}/{resource_id} : aucune fiche ne porte cet identifiant.",
                    f"{resource_type}/{resource_id}: no such sheet.", "Task.focus")


@blueprint.post("/Task")
def create_task():
    account, api_key = _reporter()
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or body.get("resourceType") != "Task":
        raise FhirError(400, "Le corps doit être une ressource Task en JSON (application/fhir+json).",
                        "The body must be a Task resource in JSON.", "Task")
    resource_type, resource_id = tasks.focus_of(body)
    if api_key is not None:
        security.limit_hit(f"anomaly-api-key:{api_key['id']}", REPORTS_PER_API_KEY, MSG_TOO_MANY_REPORTS)
    else:
        security.limit_hit(f"anomaly-account:{account['id']}", REPORTS_PER_ACCOUNT, MSG_TOO_MANY_REPORTS)
    with context.store().transaction() as conn:
        target_type, target_id = _target(conn, resource_type, resource_id)
        report = tasks.report_from_task(body, target_type, target_id)
        saved = anomalies.report_anomaly(conn, account["id"] if account else None, report, context.now(),
                                         api_key_id=api_key["id"] if api_key else None)
        admins = accounts.admin_accounts(conn)
    notify_cell(saved, admins, api_key_name=api_key["name"] if api_key else None)
    resource = tasks.task(saved, _names(), api_key["name"] if api_key else None)
    return fhir_response(resource, 201, headers={"Location": f"{_base()}/Task/{resource['id']}"})


@blueprint.get("/Task")
def search_tasks():
    account, api_key = _reporter()
    focus, statuses, count, page = tasks.parse_task_search(request.args)
    options = general_options(request.args)
    direction, after = bundles.read_page_token(page) if page else (None, None)
    if after is not None and (len(after) != 1 or not isinstance(after[0], int)):
        bundles.read_page_token("")   # a token of another kind of search: refused as any bad token
    with context.store().snapshot() as conn:
        found = [a for a in _visible_reports(conn, account, api_key) if tasks.matches(a, focus, statuses)]
    shown, has_next, has_previous = tasks.page_of(found, count, direction, after[0] if after else None)
    args = list(request.args.items(multi=True))
    links = {"self": bundles.link_url(request.base_url, args)}
    if shown and has_next:
        links["next"] = bundles.link_url(request.base_url, args, bundles.page_token("a", [shown[-1]["id"]]))
    if shown and has_previous:
        links["previous"] = bundles.link_url(request.base_url, args, bundles.page_token("b", [shown[0]["id"]]))
    label = api_key["name"] if api_key else None
    entries = [bundles.match_entry(_base(), tasks.task(a, _names(), label)) for a in shown]
    return fhir_response(bundles.searchset(entries, links, len(found)), pretty=options["pretty"])


@blueprint.get("/Task/<task_id>")
def read_task(task_id: str):
    account, api_key = _reporter()
    options = read_options(request.args)
    with context.store().snapshot() as conn:
        if account is not None and account["role"] == "admin":
            try:
                found = [anomalies.get_anomaly(conn, int(task_id))] if task_id.isascii() and task_id.isdigit() \
                    and len(task_id) <= 18 else []
            except anomalies.AnomalyNotFound:
                found = []
        else:
            found = [a for a in _visible_reports(conn, account, api_key) if str(a["id"]) == task_id]
    if not found:
        raise _not_found("Task", task_id)
    return fhir_response(tasks.task(found[0], _names(), api_key["name"] if api_key else None), pretty=options["pretty"])


# --- our own code systems and identifier systems: where their URLs lead ---------------------------

@blueprint.get("/CodeSystem/<system_id>")
def read_code_system(system_id: str):
    options = read_options(request.args)
    resource = terminology.code_system(_names(), system_id)
    if resource is None:
        raise _not_found("CodeSystem", system_id)
    return fhir_response(resource, pretty=options["pretty"])


@blueprint.get("/NamingSystem/<system_id>")
def read_naming_system(system_id: str):
    options = read_options(request.args)
    resource = terminology.naming_system(_names(), system_id, context.now().date().isoformat())
    if resource is None:
        raise _not_found("NamingSystem", system_id)
    return fhir_response(resource, pretty=options["pretty"])


# --- anything else under /fhir -------------------------------------------------------------------

@blueprint.route("/<path:anything>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unsupported(anything: str):
    resource_type = anything.split("/", 1)[0]
    if resource_type in RESOURCE_TYPES:
        raise FhirError(405, f"Opération non prise en charge sur {resource_type} (lecture et recherche seulement).",
                        f"Operation not supported on {resource_type} (read and search only).")
    raise FhirError(404, f"Type de ressource non pris en charge : « {resource_type} ».",
                    f"Unsupported resource type '{resource_type}'.")

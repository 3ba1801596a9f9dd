"""Search views: /search, /search.xlsx, /suggest. Thin: parse, build, call, shape."""
from __future__ import annotations

from flask import Blueprint, jsonify, request, send_file
from marshmallow import ValidationError

from catalog.communes import communes
from catalog.schedule import is_public_holiday, minute_of_week, PARIS
from catalog.schemas import SuggestParamsSchema, first_error, parse_search_params
from indexer.engine import SUGGEST, UNITS, alias_name
from query_api import context
from query_api.errors import ApiError
from query_api.export import MAX_EXPORT_ROWS, ExportTooLarge, export_filename, write_export
from query_api.queries import Clock, Origin, QueryError, SearchRequest, search_body, suggest_body
from query_api.results import search_response, suggestion
from query_api.travel import zone_of_department

blueprint = Blueprint("search", __name__)


def _invalid(err: ValidationError) -> ApiError:
    field, message = first_error(err)
    return ApiError(400, "invalid_parameter", message, field)


def current_clock() -> Clock:
    now = context.now()
    return Clock(minute_of_week=minute_of_week(now), holiday=is_public_holiday(now.astimezone(PARIS).date()))


def _origin(where: dict | None) -> Origin | None:
    if not where:
        return None
    kind = where["kind"]
    if kind == "commune":
        commune = communes()[where["insee"]]
        return Origin(commune.lat, commune.lon, commune.label, insee=commune.insee, zone=commune.zone)
    if kind == "point":
        return Origin(where["lat"], where["lon"], f"{where['lat']:.5f}, {where['lon']:.5f}")
    # An establishment: its place comes from the index, so a search never reads the store.
    result = context.search().search(
        index=alias_name(context.settings(), UNITS),
        body={"query": {"term": {"establishment.id": where["id"]}}, "size": 1,
              "_source": ["establishment", "location"]},
    )
    hits = result["hits"]["hits"]
    if not hits:
        raise ApiError(400, "invalid_parameter", f"Établissement inconnu : {where['id']}.", "where")
    doc = hits[0]["_source"]
    eg = doc["establishment"]
    return Origin(doc["location"]["lat"], doc["location"]["lon"], f"{eg['name']} – {eg['commune']}",
                  establishment_id=eg["id"], zone=zone_of_department(eg["department"]))


def search_request_from_args(args) -> SearchRequest:
    """Query-string parameters → a SearchRequest (400 on anything malformed)."""
    try:
        params = parse_search_params(args)
    except ValidationError as err:
        raise _invalid(err) from None
    return SearchRequest(
        origin=_origin(params.get("where")),
        what=params.get("what"),
        q=params.get("q") or None,
        category=params.get("category") or None,
        aptitudes=params.get("aptitude") or [],
        ages=params.get("age") or [],
        home_visit=params.get("home_visit"),
        open_now=bool(params.get("open_now")),
        departments=params.get("department") or [],
        communes=params.get("commune") or [],
        professions=params.get("profession") or [],
        radius_km=params.get("radius_km"),
        sort=params.get("sort"),
        page=params.get("page", 1),
        per_page=params.get("per_page", 20),
    )


def _build(fn, *args):
    try:
        return fn(*args)
    except QueryError as error:
        raise ApiError(400, "invalid_parameter", error.message, error.field) from None


@blueprint.get("/search")
def search():
    search_request = search_request_from_args(request.args)
    clock = current_clock()
    body = _build(search_body, search_request, clock)
    raw = context.search().search(index=alias_name(context.settings(), UNITS), body=body)
    return jsonify(search_response(raw, search_request, clock))


@blueprint.get("/search.xlsx")
def export():
    search_request = search_request_from_args(request.args)
    clock = current_clock()
    _build(search_body, search_request, clock)  # same validation as the search itself
    try:
        workbook, _ = write_export(context.search(), alias_name(context.settings(), UNITS), search_request, clock)
    except ExportTooLarge as error:
        raise ApiError(400, "export_too_large",
                       f"L'export est limité à {MAX_EXPORT_ROWS:,} lignes et cette recherche en compte "
                       f"{error.total:,}. Affinez la recherche (lieu, catégorie, aptitudes).".replace(",", " "),
                       None) from None
    return send_file(
        workbook,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=export_filename(context.now().astimezone(PARIS)),
    )


@blueprint.get("/suggest")
def suggest():
    try:
        params = SuggestParamsSchema().load(request.args.to_dict())
    except ValidationError as err:
        raise _invalid(err) from None
    body = _build(suggest_body, params["field"], params["q"], params.get("category"), params["size"])
    raw = context.search().search(index=alias_name(context.settings(), SUGGEST), body=body)
    return jsonify({"suggestions": [suggestion(hit) for hit in raw["hits"]["hits"]]})

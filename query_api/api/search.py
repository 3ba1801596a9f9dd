"""Search views: /search, /search.xlsx, /suggest. Thin: parse, build, call, shape."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from itertools import chain

from flask import jsonify, send_file
from marshmallow import ValidationError

from catalog.schedule import PARIS, is_public_holiday, minute_of_week
from catalog.store import iso
from indexer.engine import SUGGEST, UNITS, alias_name
from query_api import context
from query_api.api.operations import PUBLIC_READ, Blueprint
from query_api.api.schemas.query import SearchParamsSchema, SuggestParamsSchema, parse_search_params
from query_api.api.schemas.search import SearchResponse, Suggestions
from query_api.errors import ApiError, invalid_input
from query_api.search import places
from query_api.search.execute import first_counted, run_first_finding, search_whole
from query_api.search.export import ExportTooLarge, export_filename, write_export
from query_api.search.places import Place
from query_api.search.queries import Clock, Origin, QueryError, SearchRequest, search_body, suggest_body
from query_api.search.results import place_suggestion, search_response, suggestion
from query_api.search.travel import zone_of_department
from query_api.search.understanding import Understood, understand

blueprint = Blueprint("search", __name__, description="Recherche, suggestions, export. *Search, suggestions, export.*")


@blueprint.record_once
def _read_places_and_words(state) -> None:
    """Build the place and word indexes when the app is made (~0.7 s), not on its first search."""
    understand("Paris")


def current_clock() -> Clock:
    now = context.now()
    return Clock(minute_of_week=minute_of_week(now), holiday=is_public_holiday(now.astimezone(PARIS).date()))


def _place_origin(place: Place) -> Origin:
    """A commune, Paris as a whole or a postal code as the search's origin."""
    return Origin(place.lat, place.lon, place.label, insee=place.id if place.type == "commune" else None,
                  zone=place.zone, communes=place.communes, radius_km=place.radius_km)


def _origin(where: dict | None) -> Origin | None:
    if not where:
        return None
    kind = where["kind"]
    if kind == "commune":
        return _place_origin(places.commune_or_paris(where["insee"]))
    if kind == "postal_code":
        return _place_origin(places.postal_place(where["code"]))
    if kind == "point":
        return Origin(where["lat"], where["lon"], f"{where['lat']:.5f}, {where['lon']:.5f}")
    # An establishment: its place comes from the index, so a search never reads the store.
    # Whole or a 503: a shard missing could hold the establishment, and a 404 would be a lie.
    result = search_whole(context.search(), alias_name(context.settings(), UNITS),
                          {"query": {"term": {"establishment.id": where["id"]}}, "size": 1,
                           "_source": ["establishment", "location"]})
    hits = result["hits"]["hits"]
    if not hits:
        # Well formed but unknown, as a sheet of an unknown id: 404.
        raise ApiError(404, "not_found", f"Établissement inconnu : {where['id']}.", "where")
    doc = hits[0]["_source"]
    eg = doc["establishment"]
    return Origin(doc["location"]["lat"], doc["location"]["lon"], f"{eg['name']} – {eg['commune']}",
                  establishment_id=eg["id"], zone=zone_of_department(eg["department"]))


def _union(*lists) -> list:
    return list(dict.fromkeys(v for values in lists for v in values))


def _updated_since(days: int | None) -> list[tuple[str, str]]:
    """``updated_within_days`` as the builder's bound on the sheet's last update (the app's clock)."""
    if days is None:
        return []
    return [("gte", iso(context.now() - timedelta(days=days)))]


def _reading(params: dict, what: Understood | None, q: Understood | None) -> SearchRequest:
    """The request of one reading of the free text: recognised parts become the facets' filters."""
    where = params.get("where")
    read = [(name, u) for name, u in (("what", what), ("q", q)) if u is not None]
    parts = [(name, part) for name, u in read for part in u.parts]
    notes = [note for _, u in read for note in u.notes]
    departments = list(params.get("department") or [])
    origin = None
    phrase_place = next((part.place for _, part in parts if part.kind == "place"), None)
    if where and where["kind"] == "department":
        departments = _union(departments, [where["code"]])
    elif where:
        origin = _origin(where)
    if phrase_place and where:
        notes.append(f"« {phrase_place.label} » n'a pas été retenu : la recherche porte sur le lieu choisi dans « Où ? ».")
        parts = [(name, part) for name, part in parts if part.kind != "place"]
        phrase_place = None
    elif phrase_place and phrase_place.type == "department":
        departments = _union(departments, [phrase_place.id])
    elif phrase_place:
        origin = _place_origin(phrase_place)
    understood_parts = [part for _, part in parts]
    professions = _union(params.get("profession") or [], [p.values[0] for p in understood_parts if p.kind == "profession"])
    what_param = params.get("what")
    if what is not None:
        what_param = {"kind": "text", "text": what.text} if what.text else None
    merged = Understood(tuple(understood_parts), " ".join(u.text for _, u in read if u.text), tuple(notes))
    return SearchRequest(
        origin=origin,
        what=what_param,
        q=(q.text if q is not None else params.get("q")) or None,
        category=params.get("category") or None,
        aptitudes=_union(params.get("aptitude") or [], merged.aptitudes),
        ages=_union(params.get("age") or [], merged.patients),
        home_visit=params.get("home_visit") if params.get("home_visit") is not None else merged.home_visit,
        open_now=bool(params.get("open_now")) or merged.open_now,
        departments=departments,
        communes=params.get("commune") or [],
        professions=professions,
        radius_km=params.get("radius_km"),
        updated=_updated_since(params.get("updated_within_days")),
        # Distance needs a place: without one, the results come by relevance (the response's « sort » says so).
        sort=None if params.get("sort") == "distance" and origin is None else params.get("sort"),
        page=params.get("page", 1),
        per_page=params.get("per_page", 20),
        understood=merged.as_json() if read else None,
        understood_parts=parts,
    )


def search_request_from_args(args, clock: Clock | None = None) -> SearchRequest:
    """Query-string parameters (a MultiDict) → a SearchRequest (the API's 400 on anything malformed)."""
    try:
        params = parse_search_params(args)
    except ValidationError as err:
        raise invalid_input(err) from None
    return search_request_from_params(params, clock)


def readings(params: dict) -> tuple[SearchRequest, Iterator[SearchRequest]]:
    """Loaded search parameters → the first reading of their free text as a SearchRequest, and
    the other readings in order (none when the text reads one way only).

    Free text (``what`` as text, ``q``) is read by query_api.search.understanding; a text that
    could be read another way has other readings, each with a note that says so. They are
    built only when asked for: building one may look up a place.
    """
    what = params.get("what")
    what_read = understand(what["text"]) if what and what["kind"] == "text" else None
    q_read = understand(params["q"]) if params.get("q") else None
    others = [(alt, q_read) for alt in (what_read.alternatives if what_read else ())]
    others += [(what_read, alt) for alt in (q_read.alternatives if q_read else ())]
    return _reading(params, what_read, q_read), (_reading(params, w, q) for w, q in others)


def search_request_from_params(params: dict, clock: Clock | None = None) -> SearchRequest:
    """Loaded search parameters → a SearchRequest: the first reading of the free text that finds
    something, by a count (the first when none does), as the export takes it."""
    first, others = readings(params)
    second = next(others, None)
    if second is None:
        return first
    # The second reading is built to know there is one; the others only when the one before found nothing.
    return first_counted(context.search(), alias_name(context.settings(), UNITS), chain((first, second), others),
                         clock or current_clock()) or first


def answered_search(params: dict, clock: Clock) -> tuple[SearchRequest, dict]:
    """The search's reading of its free text and the engine's answer to it
    (query_api.search.execute.run_first_finding: the first reading searched in full, the others
    counted only when it finds nothing)."""
    first, others = readings(params)
    return _build(run_first_finding, context.search(), alias_name(context.settings(), UNITS), first, others, clock)


def answered_search_from_args(args, clock: Clock) -> tuple[SearchRequest, dict]:
    """``answered_search`` for query-string parameters (a MultiDict; the API's 400 on anything malformed)."""
    try:
        params = parse_search_params(args)
    except ValidationError as err:
        raise invalid_input(err) from None
    return answered_search(params, clock)


def _build(fn, *args):
    try:
        return fn(*args)
    except QueryError as error:
        raise ApiError(400, "invalid_parameter", error.message, error.field) from None


# Instances, not classes: given a class, webargs builds a schema (deep copies of its fields) on
# every request, 0.5-1 ms of the API's CPU per search (bench/README.md). load() keeps no state.
SEARCH_PARAMS = SearchParamsSchema()
SUGGEST_PARAMS = SuggestParamsSchema()

ENGINE_DOWN = {503: "Moteur de recherche indisponible : réessayer dans quelques instants. "
                    "*Search engine unavailable: try again in a moment.*"}
UNKNOWN_EG = {404: "Établissement de « where » inconnu. *Unknown establishment in « where ».*"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blueprint.get("/search")
@blueprint.declare(security=PUBLIC_READ, summary="Recherche groupée par établissement, avec facettes",
                   description="Les unités (UO) qui correspondent, groupées par établissement (EG), avec les "
                               "facettes et ce que le texte libre a permis de comprendre.\n\n*Matching units "
                               "grouped by establishment, with facets and what the free text was read as.*",
                   invalid=True, errors={**UNKNOWN_EG, **ENGINE_DOWN})
@blueprint.response(200, SearchResponse, description="Une page de résultats. *A page of results.*")
@blueprint.arguments(SEARCH_PARAMS, location="query")
def search(params: dict):
    clock = current_clock()
    search_request, raw = answered_search(params, clock)
    return jsonify(search_response(raw, search_request, clock))


@blueprint.get("/search.xlsx")
@blueprint.declare(security=PUBLIC_READ, summary="Export Excel de toutes les unités correspondantes",
                   description="Mêmes paramètres que /search ; toutes les unités, pas seulement une page.\n\n"
                               "*Same parameters as /search; every matching unit, not only a page.*",
                   invalid=True, errors={**UNKNOWN_EG, **ENGINE_DOWN})
@blueprint.response(200, {"type": "string", "format": "binary"}, content_type=XLSX,
                    description="Classeur Excel. *Excel workbook.*")
@blueprint.arguments(SEARCH_PARAMS, location="query")
def export(params: dict):
    clock = current_clock()
    search_request = search_request_from_params(params, clock)
    _build(search_body, search_request, clock)  # same validation as the search itself
    try:
        workbook, _ = write_export(context.search(), alias_name(context.settings(), UNITS), search_request, clock)
    except ExportTooLarge as error:
        raise ApiError(400, "export_too_large",
                       f"L'export est limité à {error.limit:,} lignes et cette recherche en compte "
                       f"{error.total:,}. Affinez la recherche (lieu, catégorie, aptitudes).".replace(",", " "),
                       None) from None
    return send_file(
        workbook,
        mimetype=XLSX,
        as_attachment=True,
        download_name=export_filename(context.now().astimezone(PARIS)),
    )


@blueprint.get("/suggest")
@blueprint.declare(security=PUBLIC_READ, summary="Suggestions dès 3 lettres (Où ? / Quoi ?)",
                   invalid=True, errors=ENGINE_DOWN)
@blueprint.response(200, Suggestions, description="Suggestions, les meilleures d'abord. *Best first.*")
@blueprint.arguments(SUGGEST_PARAMS, location="query")
def suggest(params: dict):
    try:
        body = suggest_body(params["field"], params["q"], params.get("category"), params["size"])
    except QueryError:
        # Three characters but no letter or digit (« ... »): nothing to suggest, not a mistake.
        return jsonify({"suggestions": []})
    raw = search_whole(context.search(), alias_name(context.settings(), SUGGEST), body)
    found = [suggestion(hit) for hit in raw["hits"]["hits"]]
    if params["field"] == "where":
        # What the text names as a place comes first (« Paris », « paris 13 », « 92 », a typo).
        resolved = places.resolve(params["q"])
        if resolved:
            highlighted = {(item["id"], item["label"]): item["label_html"] for item in found}
            named = [place_suggestion(p, highlighted.get((p.where, p.label)))
                     for p in (resolved.place, *resolved.alternatives)]
            ids = {item["id"] for item in named}
            found = (named + [item for item in found if item["id"] not in ids])[:params["size"]]
    return jsonify({"suggestions": found})

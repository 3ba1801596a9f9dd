"""Request parameters → OpenSearch query bodies. Pure functions, no I/O.

One builder for search, export and typeahead, so the three can never disagree on
what matches. Facets are multi-select: the hits are filtered by ``post_filter``
and each facet's aggregation applies every selection except its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from catalog.nomenclature import nomenclature
from query_api.search.highlight import highlight_request

# Boosts: the whole text as the engine reads it (stems, synonyms, multi-word synonyms such
# as « accident vasculaire cérébral » for « AVC ») beats word-by-word matching, and a
# whole word beats the prefix of a word being typed.
PHRASE_BOOST = 2.0
WORD_BOOST = 1.5
PREFIX_BOOST = 1.0
WHAT_FIELD_BOOST = 3.0   # a match on the offer itself beats one on a comment

DEFAULT_RADIUS_KM = {"paris": 3.0, "inner": 5.0, "outer": 10.0, None: 5.0}
INNER_HITS_SIZE = 20      # UOs shown per establishment when it is expanded
MAX_RESULT_WINDOW = 10_000
FACET_SIZES = {"aptitude": 100, "commune": 30, "department": 10, "category": 10, "profession": 20}
FACET_SHARD_SIZES = {"commune": 2000}   # more than Île-de-France's 1,285 communes and arrondissements
# HyperLogLog++ counts exactly (a set of hashes) below this threshold.
CARDINALITY_PRECISION = 40_000
# A search's count of establishments: exact up to the establishments its result list can page
# through (MAX_RESULT_WINDOW), within about 1 % past it, where the number is only shown. At
# CARDINALITY_PRECISION this count cost twice as much over a wide search (bench/README.md).
ESTABLISHMENT_COUNT_PRECISION = MAX_RESULT_WINDOW


class QueryError(ValueError):
    """A request that cannot be turned into a query; ``field`` names the parameter."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(frozen=True)
class Origin:
    lat: float
    lon: float
    label: str
    insee: str | None = None        # a commune origin also matches home visits there
    establishment_id: str | None = None
    zone: str | None = None         # 'paris' | 'inner' | 'outer'
    communes: tuple[str, ...] = ()  # home visits in any of these match too (Paris: its arrondissements)
    radius_km: float | None = None  # the place's own default radius (Paris as a whole: 6 km)

    @property
    def home_visit_communes(self) -> list[str]:
        return list(dict.fromkeys([self.insee, *self.communes] if self.insee else self.communes))


@dataclass(frozen=True)
class Clock:
    """When "now" is: the minute of the week in Paris and whether it is a public holiday."""

    minute_of_week: int
    holiday: bool


@dataclass(frozen=True)
class OfferMatch:
    """What a unit offers, one of: these aptitudes or these UO types (a FHIR specialty or
    characteristic code names either)."""

    aptitudes: tuple[str, ...] = ()
    uo_types: tuple[str, ...] = ()


@dataclass
class SearchRequest:
    origin: Origin | None = None
    what: dict | None = None            # {"kind": "aptitude"|"uo_type"|"profession"|"text", ...}
    q: str | None = None
    category: str | None = None
    aptitudes: list[str] = field(default_factory=list)
    ages: list[str] = field(default_factory=list)
    home_visit: bool | None = None
    open_now: bool = False
    departments: list[str] = field(default_factory=list)
    communes: list[str] = field(default_factory=list)
    professions: list[str] = field(default_factory=list)
    radius_km: float | None = None
    sort: str | None = None
    page: int = 1
    per_page: int = 20
    understood: dict | None = None      # what the free text was read as (query_api.search.understanding)
    understood_parts: list = field(default_factory=list)   # (parameter, Part) pairs behind it
    # Criteria of the FHIR face (query_api.fhir) that the JSON API does not ask for; every one
    # is a plain filter (criteria_filters), empty by default, so /api/v1's bodies do not change.
    unit_ids: list[str] = field(default_factory=list)
    establishment_ids: list[str] = field(default_factory=list)
    offers: list[OfferMatch] = field(default_factory=list)     # each must match (AND), values OR-ed
    age_min: list[tuple[str, int]] = field(default_factory=list)     # (gt|gte|lt|lte, years) on the lowest age
    age_max: list[tuple[str, int]] = field(default_factory=list)     # same on the highest age
    updated: list[tuple[str, str]] = field(default_factory=list)     # (gt|gte|lt|lte, ISO time) on updated_at
    intervention_communes: list[str] = field(default_factory=list)   # declares one of them for home visits
    unit_name: str | None = None                                     # the UO's name starts with these words
    establishment_name: str | None = None                            # the EG's name starts with this (any case)
    legal_entity_ids: list[str] = field(default_factory=list)        # the UO's EJ is one of these
    legal_entity_name: str | None = None                             # the EJ's name starts with this (any case)

    @property
    def effective_sort(self) -> str:
        return self.sort or ("distance" if self.origin else "relevance")

    @property
    def effective_radius_km(self) -> float:
        if self.radius_km is not None:
            return self.radius_km
        if self.origin and self.origin.radius_km is not None:
            return self.origin.radius_km
        return DEFAULT_RADIUS_KM[self.origin.zone if self.origin else None]

    @property
    def has_text(self) -> bool:
        return bool(self.q) or bool(self.what and self.what["kind"] == "text")


# --- clauses ------------------------------------------------------------------------

def _words(text: str) -> list[str]:
    """The typed words, split on white space only: the engine analyses each one."""
    return list(dict.fromkeys(w for w in text.split() if any(c.isalnum() for c in w)))


def text_clause(text: str, fields: tuple[str, ...], boost: float = 1.0) -> dict | None:
    """Every typed word must match one of ``fields`` as a word (stem, synonym) or as the
    prefix of a word (``<field>.prefix``, 3 letters or more); or the whole text does as a
    phrase the engine reads with its synonyms. Stop words count only when nothing else
    matches: a word the analyzer drops matches every document, but at least one word must
    really match.
    """
    words = _words(text)
    if not words:
        return None

    def any_field(query: str, *, zero_terms: str, word_boost: float, prefix_boost: float | None) -> list[dict]:
        clauses = []
        for name in fields:
            clauses.append({"match": {name: {"query": query, "operator": "and", "zero_terms_query": zero_terms,
                                             "boost": word_boost * boost}}})
            if prefix_boost is not None:
                clauses.append({"match": {f"{name}.prefix": {"query": query, "operator": "and",
                                                             "boost": prefix_boost * boost}}})
        return clauses

    each_word = {"bool": {"must": [
        {"bool": {"should": any_field(w, zero_terms="all", word_boost=WORD_BOOST, prefix_boost=PREFIX_BOOST),
                  "minimum_should_match": 1}}
        for w in words]}}
    whole = any_field(text, zero_terms="none", word_boost=PHRASE_BOOST, prefix_boost=None)
    some_word = [{"match": {name: {"query": text}}} for name in fields] + \
                [{"match": {f"{name}.prefix": {"query": text}}} for name in fields]
    return {"bool": {
        "should": [*whole, each_word],
        "minimum_should_match": 1,
        "filter": [{"bool": {"should": some_word, "minimum_should_match": 1}}],
    }}


def where_clause(request: SearchRequest) -> dict | None:
    """Near the origin, or (for a commune) declaring it among home-visit communes."""
    origin = request.origin
    if origin is None:
        return None
    if origin.establishment_id:
        return {"term": {"establishment.id": origin.establishment_id}}
    nearby = {"geo_distance": {"distance": f"{request.effective_radius_km}km",
                               "location": {"lat": origin.lat, "lon": origin.lon}}}
    if origin.home_visit_communes:
        visits = {"terms": {"home_visit_communes": origin.home_visit_communes}}
        return {"bool": {"should": [nearby, visits], "minimum_should_match": 1}}
    return nearby


def what_clause(what: dict | None) -> dict | None:
    if not what:
        return None
    kind = what["kind"]
    if kind == "aptitude":
        return {"term": {"aptitudes": what["code"]}}
    if kind == "uo_type":
        return {"term": {"uo_type": what["code"]}}
    if kind == "profession":
        return {"term": {"profession": what["code"]}}
    return text_clause(what["text"], ("what",), WHAT_FIELD_BOOST)


def open_now_clause(clock: Clock) -> dict:
    """Open at this minute of the typical week; on a public holiday only if declared."""
    clause = [{"term": {"week": clock.minute_of_week}}]
    if clock.holiday:
        clause.append({"term": {"open_on_holidays": True}})
    return {"bool": {"filter": clause}}


def facet_filters(request: SearchRequest, clock: Clock) -> dict[str, dict]:
    """One filter per facet with a selection (values of one facet are OR-ed)."""
    filters = {}
    if request.aptitudes:
        filters["aptitude"] = {"terms": {"aptitudes": request.aptitudes}}
    if request.ages:
        filters["age"] = {"terms": {"patients": request.ages}}
    if request.home_visit is not None:
        filters["home_visit"] = {"term": {"home_visit": request.home_visit}}
    if request.open_now:
        filters["open_now"] = open_now_clause(clock)
    if request.departments:
        filters["department"] = {"terms": {"establishment.department": request.departments}}
    if request.communes:
        filters["commune"] = {"terms": {"establishment.insee": request.communes}}
    if request.category:
        filters["category"] = {"term": {"category": request.category}}
    if request.professions:
        filters["profession"] = {"terms": {"profession": request.professions}}
    return filters


def _range(field_name: str, bounds: list[tuple[str, object]]) -> list[dict]:
    return [{"range": {field_name: {op: value}}} for op, value in bounds]


def criteria_filters(request: SearchRequest) -> list[dict]:
    """The FHIR face's criteria (ids, offer codes, age bounds, update time, intervention zone, names)."""
    filters: list[dict] = []
    if request.unit_ids:
        filters.append({"terms": {"id": request.unit_ids}})
    if request.establishment_ids:
        filters.append({"terms": {"establishment.id": request.establishment_ids}})
    for offer in request.offers:
        # An empty list of terms matches nothing: a code we do not know finds no unit.
        filters.append({"bool": {"should": [{"terms": {"aptitudes": list(offer.aptitudes)}},
                                            {"terms": {"uo_type": list(offer.uo_types)}}],
                                 "minimum_should_match": 1}})
    filters += _range("age_min", request.age_min) + _range("age_max", request.age_max)
    filters += _range("updated_at", request.updated)
    if request.intervention_communes:
        filters.append({"terms": {"home_visit_communes": request.intervention_communes}})
    if request.unit_name:
        filters.append({"match_phrase_prefix": {"name.text": request.unit_name}})
    if request.establishment_name:
        filters.append({"prefix": {"establishment.name": {"value": request.establishment_name,
                                                          "case_insensitive": True}}})
    if request.legal_entity_ids:
        filters.append({"terms": {"establishment.ej_id": request.legal_entity_ids}})
    if request.legal_entity_name:
        filters.append({"prefix": {"establishment.ej_name": {"value": request.legal_entity_name,
                                                             "case_insensitive": True}}})
    return filters


def base_query(request: SearchRequest) -> dict:
    """What the search asks for, before any facet selection."""
    must = [c for c in (what_clause(request.what),
                        text_clause(request.q, ("text",)) if request.q else None) if c]
    filters = [c for c in (where_clause(request), *criteria_filters(request)) if c]
    if not must and not filters:
        return {"match_all": {}}
    return {"bool": {"must": must or [{"match_all": {}}], "filter": filters}}


# Relevance (sort=relevance): how well a UO matches, then how near it is. Tiers of
# constant scores, so that what a UO offers outranks where a word happened to be:
#   each asked aptitude it has (« Quoi ? » or the facet)         ASKED_APTITUDE_BOOST  16
#   an asked aptitude in its name (« Balnéothérapie »)           APTITUDE_IN_NAME_BOOST 10
#   the free text found in its offer (name, type, aptitudes)     OFFER_TEXT_BOOST       4
#   the free text found elsewhere only (comments, names)         the text score x TEXT_SCORE_WEIGHT (~0.5)
# plus a nudge for offers most about an asked aptitude (few other aptitudes): the
# aptitude's label scored as text on the offer, x APTITUDE_LABEL_WEIGHT (~1-2).
# The distance decay then multiplies the sum by 1 (at the origin) down to
# DISTANCE_DECAY_FLOOR (far away). One step of a tier is worth more than that quarter
# of a score: a second asked aptitude 8 km away (32 x 0.75 = 24) still beats one
# aptitude and the text next door (16 + 4 + 2); the words in an offer (4 x 0.75 = 3)
# beat the same words in a comment (~0.5). Within a tier, nearer comes first.
ASKED_APTITUDE_BOOST = 16.0
APTITUDE_IN_NAME_BOOST = 10.0
OFFER_TEXT_BOOST = 4.0
TEXT_SCORE_WEIGHT = 0.05
APTITUDE_LABEL_WEIGHT = 0.02
DISTANCE_DECAY_FLOOR = 0.75
DISTANCE_DECAY = 0.5                 # the decaying share is halved at DISTANCE_DECAY_SCALE x the radius
DISTANCE_DECAY_SCALE = 0.5


def _asked_aptitudes(request: SearchRequest) -> list[str]:
    asked = [request.what["code"]] if request.what and request.what["kind"] == "aptitude" else []
    return asked + [code for code in request.aptitudes if code not in asked]


def _scored_query(request: SearchRequest) -> dict:
    query = base_query(request)
    if request.effective_sort != "relevance":
        return query
    nom = nomenclature()
    should: list[dict] = []
    for code in _asked_aptitudes(request):
        should.append({"constant_score": {"filter": {"term": {"aptitudes": code}}, "boost": ASKED_APTITUDE_BOOST}})
        if code not in nom.aptitudes:
            continue
        label = nom.aptitudes[code].label
        # « Rééducation vestibulaire (trouble de l'équilibre) » names a UO as « … rééducation vestibulaire … »
        # (name.text: the name analysed in French, so accents, case and plurals do not matter).
        short = label.split(" (")[0]
        should.append({"constant_score": {"filter": {"match_phrase": {"name.text": short}},
                                          "boost": APTITUDE_IN_NAME_BOOST}})
        label_text = what_clause({"kind": "text", "text": label})
        if label_text:
            should.append({"bool": {"must": [label_text], "boost": APTITUDE_LABEL_WEIGHT}})
    offer_text = what_clause({"kind": "text", "text": request.q}) if request.q else None
    if offer_text:
        should.append({"constant_score": {"filter": offer_text, "boost": OFFER_TEXT_BOOST}})
    # The filters and the words required stay in "must": the result set is the same in both sorts.
    scored = {"bool": {"must": [{"bool": {"must": [query], "boost": TEXT_SCORE_WEIGHT}}], "should": should}}
    if not request.origin or request.origin.establishment_id:
        return scored
    scale = max(request.effective_radius_km * DISTANCE_DECAY_SCALE, 1.0)
    decay = {"location": {"origin": {"lat": request.origin.lat, "lon": request.origin.lon},
                          "scale": f"{scale}km", "decay": DISTANCE_DECAY}}
    return {"function_score": {
        "query": scored,
        "functions": [{"gauss": decay, "weight": 1 - DISTANCE_DECAY_FLOOR}, {"weight": DISTANCE_DECAY_FLOOR}],
        "score_mode": "sum",
        "boost_mode": "multiply",
    }}


# The distance sort is in metres: only then (one point, arc, ascending, metres) does the engine sort
# with Lucene's own distance comparator, which skips the distance of every UO outside the current
# page's bounding box; in km it computes the distance of each matching UO (bench/README.md: the
# page of a Paris-suburb search, 87,043 UO, 81 -> 35 ms). Sort values are metres: sort_distance_km.
DISTANCE_SORT_UNIT = "m"


def sort_distance_km(value) -> float:
    """A distance sort value (metres) in km."""
    return float(value) / 1000


def sort_clause(request: SearchRequest) -> list:
    """Distance first (or score first), then a unique tie-breaker for stable paging."""
    sort: list = []
    geo = None
    if request.origin:
        geo = {"_geo_distance": {"location": {"lat": request.origin.lat, "lon": request.origin.lon},
                                 "order": "asc", "unit": DISTANCE_SORT_UNIT, "distance_type": "arc"}}
    if request.effective_sort == "distance":
        if geo is None:
            raise QueryError("Le tri par distance nécessite un lieu (« Où ? »).", "sort")
        sort.append(geo)
    else:
        sort.append({"_score": {"order": "desc"}})
        if geo:
            sort.append(geo)
    sort.append({"id": {"order": "asc"}})
    return sort


FACET_TERMS_FIELDS = {
    "aptitude": "aptitudes",
    "age": "patients",
    "home_visit": "home_visit",
    "department": "establishment.department",
    "commune": "establishment.insee",
    "category": "category",
    "profession": "profession",
}


def _facet_aggregations(request: SearchRequest, filters: dict[str, dict], clock: Clock, *,
                        open_now_apart: bool = False) -> dict:
    """Each facet counts over the search with every selection but its own (multi-select).

    A facet with no selection of its own counts over every selection, the set ``selected``
    already filters: it is a sub-aggregation of ``selected`` rather than a filter of its own
    over the same documents (each filter aggregation collects every matching document again).
    ``open_now_apart``: the open UOs (when « open now » is not selected) are counted by
    ``open_now_count_body`` instead of a filter aggregation (its docstring says why).
    ``facet_answers`` gives the answer back one shape whatever the grouping."""
    def others(name):
        rest = [f for key, f in filters.items() if key != name]
        return {"bool": {"filter": rest}} if rest else {"match_all": {}}

    aggs: dict = {}
    common: dict = {"establishments": {"cardinality": {"field": "establishment.key",
                                                       "precision_threshold": ESTABLISHMENT_COUNT_PRECISION}}}
    for name, field_name in FACET_TERMS_FIELDS.items():
        size = FACET_SIZES.get(name, 10)
        # shard_size: with several shards, each keeps its top shard_size terms; asking each for
        # every term keeps the counts of a top-30 out of 1,285 communes exact.
        values = {"terms": {"field": field_name, "size": size, "shard_size": FACET_SHARD_SIZES.get(name, size)}}
        if name in filters:
            aggs[f"facet_{name}"] = {"filter": others(name), "aggs": {"values": values}}
        else:
            common[f"facet_{name}"] = values
    if "open_now" in filters:
        # The open UOs among the search without its open-now selection are the search itself
        # (``selected``): only the total without that selection is counted here.
        aggs["facet_open_now"] = {"filter": others("open_now")}
    elif not open_now_apart:
        common["facet_open_now"] = {"filter": open_now_clause(clock)}
    every = list(filters.values())
    aggs["selected"] = {"filter": {"bool": {"filter": every}} if every else {"match_all": {}}, "aggs": common}
    return aggs


def facet_answers(aggregations: dict, open_count: int | None = None) -> dict:
    """The facets' answer in one shape, however ``_facet_aggregations`` grouped them:
    ``facet_<name>`` → ``{"doc_count", "values": {"buckets"}}`` (open now: ``{"doc_count", "open"}``)
    and ``selected`` → ``{"doc_count", "establishments"}``. ``open_count``: the answer of
    ``open_now_count_body``, when the open UOs were counted apart."""
    selected = aggregations["selected"]
    answers = {"selected": {"doc_count": selected["doc_count"], "establishments": selected["establishments"]}}
    for name in FACET_TERMS_FIELDS:
        key = f"facet_{name}"
        if key in aggregations:
            answers[key] = aggregations[key]
        else:
            answers[key] = {"doc_count": selected["doc_count"], "values": selected[key]}
    if "facet_open_now" in aggregations:
        # « open now » selected: its open UOs are the search's own.
        answers["facet_open_now"] = {"doc_count": aggregations["facet_open_now"]["doc_count"],
                                     "open": {"doc_count": selected["doc_count"]}}
    else:
        open_now = selected["facet_open_now"] if open_count is None else {"doc_count": open_count}
        answers["facet_open_now"] = {"doc_count": selected["doc_count"], "open": open_now}
    return answers


# What a result list reads of a document (query_api.search.results): of an establishment's hit, the
# establishment and where it is; of a unit, what its line shows. A page's answer is then a fifth of
# the whole documents' (week displays, labels, dates and search fields stay in the engine).
ESTABLISHMENT_SOURCE = ["establishment", "location"]
UNIT_SOURCE = ["id", "name", "uo_type", "uo_type_label", "owner_name", "aptitudes", "patients", "home_visit",
               "home_visit_communes", "open_on_holidays", "week", "establishment.id", "establishment.department", "phone"]


def search_body(request: SearchRequest, clock: Clock) -> dict:
    """The one query behind GET /api/v1/search: grouped by establishment, with facets."""
    start = (request.page - 1) * request.per_page
    if start + request.per_page > MAX_RESULT_WINDOW:
        raise QueryError(
            "Cette page est trop loin dans les résultats. Affinez la recherche ou exportez "
            "la liste complète au format Excel.", "page")
    filters = facet_filters(request, clock)
    body = {
        "query": _scored_query(request),
        "sort": sort_clause(request),
        "from": start,
        "size": request.per_page,
        "track_total_hits": True,
        "_source": ESTABLISHMENT_SOURCE,
        "collapse": {
            "field": "establishment.id",
            "inner_hits": {"name": "units", **_unit_hits(request, INNER_HITS_SIZE)},
        },
        "aggs": _facet_aggregations(request, filters, clock),
    }
    if filters:
        body["post_filter"] = {"bool": {"filter": list(filters.values())}}
    return body


# --- the search in parts (query_api.search.execute) ------------------------------------
# One API search is cheaper as three requests than as the one above (bench/README.md):
# the facets alone, at size 0, which the shard request cache keeps (the body holds no
# "now": the open-now clock is a fixed minute of the week), and the totals with them; the
# page of establishments without inner_hits; the units of that page in one follow-up query.


def facets_body(request: SearchRequest, clock: Clock) -> dict:
    """The facets and both totals of the search, and nothing that depends on the page or the
    sort: the same body for every page and either sort, so the request cache answers all of them.
    ``selected.doc_count`` is the number of matching UOs (the filter of every facet selection)."""
    filters = facet_filters(request, clock)
    return {"query": base_query(request), "size": 0, "track_total_hits": False,
            "aggs": _facet_aggregations(request, filters, clock, open_now_apart=True)}


def open_now_count_body(request: SearchRequest, clock: Clock) -> dict | None:
    """How many UOs of the search are open now, when « open now » is not selected (else None:
    the search's own total says it).

    Counted by a query rather than by a filter aggregation in ``facets_body``: the engine
    evaluates an aggregation's filter document by document from doc values, never from its
    query cache (decoding each UO's week ranges: ~0.35 µs a UO, 30 ms over a Paris search),
    where a query's filter on this minute of the week is cached once a few searches used it
    and then costs almost nothing (bench/README.md). The body holds no "now" but the minute:
    the request cache keeps it too."""
    if request.open_now:
        return None
    return {"query": {"bool": {"filter": [count_body(request, clock)["query"], open_now_clause(clock)]}},
            "size": 0, "track_total_hits": True}


def establishments_body(request: SearchRequest, clock: Clock) -> dict:
    """One page of establishments (each the collapse of its units), in the search's order."""
    full = search_body(request, clock)   # the same window check, sort and query
    return {
        "query": _with_facet_filters(_scored_query(request), request, clock),
        "sort": full["sort"],
        "from": full["from"],
        "size": full["size"],
        "track_total_hits": False,
        "_source": ESTABLISHMENT_SOURCE,
        "collapse": {"field": "establishment.id"},
    }


def establishment_units_body(request: SearchRequest, clock: Clock, establishment_ids: list[str], size: int) -> dict:
    """The matching units of these establishments, the first ``size`` in the search's order, and how
    many each establishment has: one plain search where ``inner_hits`` ran one query per establishment
    and ``top_hits`` one fetch per establishment. ``establishment_top_units_body`` completes an
    establishment this cut short."""
    return {
        "query": _units_of(request, clock, establishment_ids),
        **_unit_hits(request, size),
        "track_total_hits": False,
        "aggs": {"establishments": _page_establishments(establishment_ids)},
    }


def establishment_top_units_body(request: SearchRequest, clock: Clock, establishment_ids: list[str]) -> dict:
    """The first INNER_HITS_SIZE matching units of each of these establishments, in the search's order."""
    top = _unit_hits(request, INNER_HITS_SIZE)
    return {
        "query": _units_of(request, clock, establishment_ids),
        "size": 0,
        "track_total_hits": False,
        "aggs": {"establishments": {**_page_establishments(establishment_ids), "aggs": {"units": {"top_hits": top}}}},
    }


def _unit_hits(request: SearchRequest, size: int) -> dict:
    """The first ``size`` units in the search's order, with what a result line shows of them and the
    typed words in bold: the same for ``inner_hits``, a plain search and ``top_hits``."""
    hits = {"size": size, "sort": sort_clause(request), "_source": UNIT_SOURCE}
    highlight = _units_highlight(request)
    if highlight:
        hits["highlight"] = highlight
    return hits


def _page_establishments(establishment_ids: list[str]) -> dict:
    # "map": the few matching units are counted by their id. The default (global ordinals) sizes
    # its work by the index's hundreds of thousands of establishment ids: 4 ms of 4.7 at 1M UO.
    return {"terms": {"field": "establishment.id", "size": len(establishment_ids), "execution_hint": "map"}}


def _units_of(request: SearchRequest, clock: Clock, establishment_ids: list[str]) -> dict:
    query = _with_facet_filters(_scored_query(request), request, clock)
    return {"bool": {"must": [query], "filter": [{"terms": {"establishment.id": establishment_ids}}]}}


def _units_highlight(request: SearchRequest) -> dict | None:
    """The words of a text search in bold in the units' names and aptitudes (the "what" values)."""
    typed = " ".join(t for t in ((request.what or {}).get("text"), request.q) if t)
    query = text_clause(typed, ("what",)) if typed else None
    return highlight_request(("what",), query) if query else None


#: The name under which the engine says a hit is open now (its ``matched_queries``): the export's
#: « Ouvert maintenant » without reading each unit's week.
OPEN_NOW_QUERY = "open_now"


def _with_facet_filters(query: dict, request: SearchRequest, clock: Clock) -> dict:
    filters = facet_filters(request, clock)
    return {"bool": {"must": [query], "filter": list(filters.values())}} if filters else query


def count_body(request: SearchRequest, clock: Clock) -> dict:
    """How many UOs the search finds (no score, no grouping): for choosing among readings of a text."""
    return {"query": _with_facet_filters(base_query(request), request, clock)}


def export_body(request: SearchRequest, clock: Clock, page_size: int) -> dict:
    """Every matching UO (no grouping), sorted as the search, for point-in-time paging.

    A hit carries no ``_source``: its cells come from the ``row`` doc value
    (indexer/export_row.py), its distance from the sort, its department (for the travel time)
    from a doc value, and whether it is open now from the named query OPEN_NOW_QUERY, which a
    filter that every unit passes holds: it changes neither what matches nor the score."""
    named = {"bool": {"should": [{"bool": {"filter": [open_now_clause(clock)], "_name": OPEN_NOW_QUERY}},
                                 {"match_all": {}}]}}
    query = _with_facet_filters(_scored_query(request), request, clock)
    return {
        # The same score as the search: « Pertinence » exports in its order.
        "query": {"bool": {"must": [query], "filter": [named]}},
        "sort": sort_clause(request),
        "size": page_size,
        "track_total_hits": True,
        # Nothing of the stored fields, not even ``_id``: reading one unit's stored fields unpacks
        # the block it lies in (half of the paging's time for 100,000 units at random places).
        "_source": False,
        "stored_fields": "_none_",
        "docvalue_fields": ["row", "establishment.department"],
    }


def units_page_body(request: SearchRequest, clock: Clock, size: int, *, search_after: list | None = None,
                    backwards: bool = False, track_total: bool | int = True) -> dict:
    """A flat page of matching UOs (no grouping, no facets) in the search's order, paged with
    ``search_after`` so that paging goes past the 10,000 hits a ``from`` can reach (the FHIR
    face). ``backwards`` reads the page before ``search_after`` (every sort order reversed:
    the caller reverses the hits back)."""
    sort = sort_clause(request)
    if backwards:
        sort = [_reversed(clause) for clause in sort]
    body = {
        "query": _with_facet_filters(_scored_query(request), request, clock),
        "sort": sort,
        "size": size,
        "track_total_hits": track_total,
        "_source": {"excludes": ["what", "row"]},
    }
    if search_after is not None:
        body["search_after"] = search_after
    return body


def _reversed(clause: dict) -> dict:
    (name, spec), = clause.items()
    flipped = {"asc": "desc", "desc": "asc"}[spec["order"]]
    return {name: {**spec, "order": flipped}}


# The organizations a UO document names, by kind: the id each is paged on and the field its
# count is taken on (the EG's numeric key is cheaper to count than its keyword id).
ORGANIZATION_FIELDS = {"EG": ("establishment.id", "establishment.key"), "EJ": ("establishment.ej_id", "establishment.ej_id")}


def organizations_page_body(kind: str, request: SearchRequest, clock: Clock, size: int, after: str | None = None,
                            descending: bool = False) -> dict:
    """The EGs or the EJs (``kind``) that have a matching UO, by id, one page of a composite
    aggregation (``after``: the last id of the page before; before it when ``descending``), and
    how many there are in all. One body per kind (a composite aggregation must be at the top:
    under a filter aggregation the engine ignores the filter); the caller merges the kinds by id."""
    id_field, count_field = ORGANIZATION_FIELDS[kind]
    composite = {"size": size, "sources": [{"id": {"terms": {"field": id_field, "order": "desc" if descending else "asc"}}}]}
    if after is not None:
        composite["after"] = {"id": after}
    return {
        "query": _with_facet_filters(base_query(request), request, clock),
        "size": 0,
        "track_total_hits": False,
        "aggs": {
            "page": {"composite": composite},
            "total": {"cardinality": {"field": count_field, "precision_threshold": CARDINALITY_PRECISION}},
        },
    }


# --- typeahead ----------------------------------------------------------------------

SUGGEST_TYPES = {"what": ["aptitude", "uo_type", "profession"], "where": ["commune", "establishment"]}
LABEL_START_BOOST = 5.0


def suggest_body(field_name: str, text: str, category: str | None, size: int) -> dict:
    """Typeahead: every typed word as a prefix; labels that start with the text first, then weight."""
    matched = text_clause(text, ("label", "extra"))
    if matched is None:
        raise QueryError("Saisissez au moins 3 caractères.", "q")
    filters = [{"terms": {"type": SUGGEST_TYPES[field_name]}}]
    if field_name == "what":
        # Nothing to suggest that no UO carries; with a category, only what it offers.
        filters.append({"range": {"weight": {"gt": 0}}})
        if category:
            filters.append({"term": {"categories": category}})
    query = {
        "bool": {
            "must": [matched],
            "filter": filters,
            # label.start is the whole label folded by the engine (normalizer "folded").
            "should": [{"prefix": {"label.start": {"value": " ".join(text.split()), "boost": LABEL_START_BOOST}}}],
        }
    }
    return {
        "query": {"function_score": {
            "query": query,
            "functions": [{"field_value_factor": {"field": "weight", "modifier": "log2p", "missing": 0}}],
            "boost_mode": "multiply",
        }},
        "sort": [{"_score": {"order": "desc"}}, {"weight": {"order": "desc"}}, {"label.start": {"order": "asc"}}],
        "size": size,
        "highlight": highlight_request(("label",)),
    }

"""The engine requests behind one search: the only place that sends them, for the JSON API,
the web pages and FHIR alike.

A grouped search (GET /api/v1/search, /recherche) is answered in two round trips
(bench/README.md measured each step):

1. one ``msearch`` of the page of establishments (``collapse`` without ``inner_hits``, no
   aggregations, no exact total), the facets with both totals and the count of UOs open now
   (each size 0, ``request_cache``: the shard request cache answers them again until the next
   refresh);
2. the units of that page's establishments in one plain search (``page_units``), where
   ``inner_hits`` ran one query per establishment.

The answer is put back in the shape the single request (``search_body``) gives, so
``results.search_response`` reads either, and a test can hold them equal.

An answer is whole or it is an error: on a cluster that loses a node, a shard none of
whose copies answered must not give a page with units silently missing. The engine is
told so (``allow_partial_search_results=false``: it fails such a search with a 503, which
the client sends again to another node), and an answer that still counts a failed shard
raises here, as a 503 the API and the pages turn into « moteur indisponible ».
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from opensearchpy import OpenSearch
from opensearchpy.exceptions import TransportError

from query_api.search import queries
from query_api.search.queries import (
    Clock,
    QueryError,
    SearchRequest,
    count_body,
    establishment_top_units_body,
    establishment_units_body,
    establishments_body,
    facet_answers,
    facets_body,
    open_now_count_body,
    search_body,
    units_page_body,
)

#: How one grouped search is sent. "units-query" is what the API does; the other two are kept
#: for the bench, which measures what each step bought (bench/README.md), and for the test
#: that holds their answers equal.
PLANS = ("one-request", "facets-apart", "units-query")
DEFAULT_PLAN = "units-query"


@dataclass(frozen=True)
class FlatPage:
    """A page of units without grouping or facets (FHIR's HealthcareService search)."""

    size: int
    search_after: list | None = None
    backwards: bool = False
    track_total: bool | int = True


def run_search(client: OpenSearch, index: str, request: SearchRequest, clock: Clock, *,
               flat: FlatPage | None = None, plan: str = DEFAULT_PLAN) -> dict:
    """The engine's answer to ``request``: grouped by establishment with facets, or a ``flat`` page.
    Raises QueryError (a request that cannot be asked) before anything is sent."""
    if flat is not None:
        body = units_page_body(request, clock, flat.size, search_after=flat.search_after,
                               backwards=flat.backwards, track_total=flat.track_total)
        # A count alone (FHIR's _summary=count) is size 0: the request cache can keep it.
        return search_whole(client, index, body, request_cache=flat.size == 0)
    if plan == "one-request":
        answer = search_whole(client, index, search_body(request, clock))
        answer["aggregations"] = facet_answers(answer["aggregations"])
        return answer
    if plan not in PLANS:
        raise ValueError(f"unknown plan {plan!r}")
    groups = establishments_body(request, clock)
    if plan == "facets-apart":
        groups["collapse"] = search_body(request, clock)["collapse"]   # units still as inner_hits
    searches = [({}, groups), ({"request_cache": True}, facets_body(request, clock))]
    open_now = open_now_count_body(request, clock)
    if open_now is not None:
        searches.append(({"request_cache": True}, open_now))
    page, facets, *open_count = msearch(client, index, searches)
    hits = page["hits"]["hits"]
    if plan == "units-query" and hits:
        ids = [hit["_source"]["establishment"]["id"] for hit in hits]
        units, counts = page_units(client, index, request, clock, ids)
        for hit, eg_id in zip(hits, ids):
            hit["inner_hits"] = {"units": {"hits": {"total": {"value": counts[eg_id], "relation": "eq"},
                                                    "hits": units[eg_id]}}}
    aggregations = facet_answers(facets["aggregations"],
                                 open_count[0]["hits"]["total"]["value"] if open_count else None)
    return {"hits": {"total": {"value": aggregations["selected"]["doc_count"], "relation": "eq"}, "hits": hits},
            "aggregations": aggregations}


def run_first_finding(client: OpenSearch, index: str, first: SearchRequest, others: Iterable[SearchRequest],
                      clock: Clock, *, plan: str = DEFAULT_PLAN) -> tuple[SearchRequest, dict]:
    """The search of a free text that could be read several ways (query_api.api.search.readings):
    the first reading searched in full, its answer kept (nearly always it finds something, and
    costs no count beforehand); when it finds nothing, the other readings counted in turn and the
    first that finds something searched. (The reading taken, its answer.)"""
    answer = run_search(client, index, first, clock, plan=plan)
    if answer["hits"]["total"]["value"]:
        return first, answer
    chosen = first_counted(client, index, others, clock)
    if chosen is None:
        return first, answer
    return chosen, run_search(client, index, chosen, clock, plan=plan)


def first_counted(client: OpenSearch, index: str, requests: Iterable[SearchRequest], clock: Clock) -> SearchRequest | None:
    """The first of ``requests`` that matches some UO, each counted in turn; None when none does,
    or when one cannot be asked (QueryError: the reading before it stands)."""
    try:
        return next((request for request in requests if count(client, index, request, clock)), None)
    except QueryError:
        return None


def count(client: OpenSearch, index: str, request: SearchRequest, clock: Clock) -> int:
    """How many UOs match ``request``."""
    return whole(client.count(index=index, body=count_body(request, clock)))["count"]


#: Units fetched per establishment of the page in the first query: most establishments have one or
#: two matching units; one with more than its share is completed by a second query.
UNITS_PER_ESTABLISHMENT_GUESS = 4


def page_units(client: OpenSearch, index: str, request: SearchRequest, clock: Clock,
               ids: list[str]) -> tuple[dict[str, list], dict[str, int]]:
    """The first INNER_HITS_SIZE matching units of each establishment of a page, in the search's order,
    and how many each has. Usually one plain search; a second one for the establishments it cut short."""
    size = len(ids) * min(UNITS_PER_ESTABLISHMENT_GUESS, queries.INNER_HITS_SIZE)
    # Not worth the request cache's room: each page asks it once.
    answer = search_whole(client, index, establishment_units_body(request, clock, ids, size), request_cache=False)
    counts = {bucket["key"]: bucket["doc_count"] for bucket in answer["aggregations"]["establishments"]["buckets"]}
    units: dict[str, list] = {eg_id: [] for eg_id in ids}
    for hit in answer["hits"]["hits"]:
        shown = units[hit["_source"]["establishment"]["id"]]
        if len(shown) < queries.INNER_HITS_SIZE:
            shown.append(hit)
    short = [eg_id for eg_id in ids if len(units[eg_id]) < min(counts.get(eg_id, 0), queries.INNER_HITS_SIZE)]
    if short:
        top = search_whole(client, index, establishment_top_units_body(request, clock, short), request_cache=False)
        for bucket in top["aggregations"]["establishments"]["buckets"]:
            units[bucket["key"]] = bucket["units"]["hits"]["hits"]
    return units, {eg_id: counts.get(eg_id, 0) for eg_id in ids}


def search_whole(client: OpenSearch, index: str, body: dict, *, request_cache: bool | None = None) -> dict:
    """One search whose answer is whole (every shard answered) or raises (see the module's docstring)."""
    params = {"allow_partial_search_results": "false"}
    if request_cache is not None:
        params["request_cache"] = "true" if request_cache else "false"
    return whole(client.search(index=index, body=body, params=params))


def msearch(client: OpenSearch, index: str, searches: list[tuple[dict, dict]]) -> list[dict]:
    """Several searches in one round trip; an item the engine refused raises as ``client.search`` would."""
    lines: list[dict] = []
    for header, body in searches:
        lines += [{"index": index, "allow_partial_search_results": False, **header}, body]
    answers = client.msearch(body=lines)["responses"]
    for answer in answers:
        if "error" in answer:
            error = answer["error"]
            raise TransportError(answer.get("status", 500), error.get("type", "search_failed") if isinstance(error, dict)
                                 else str(error), answer)
    return [whole(answer) for answer in answers]


def whole(answer: dict) -> dict:
    """``answer`` if every shard answered; else a 503 (the page would lack the missing shards' units)."""
    shards = answer.get("_shards") or {}
    if shards.get("failed"):
        reasons = [failure.get("reason", {}).get("type", "?") for failure in shards.get("failures", ())]
        raise TransportError(503, "partial_search_results",
                             {"error": f"{shards['failed']} of {shards.get('total')} shards failed: {reasons}"})
    return answer

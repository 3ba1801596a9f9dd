"""The engine requests behind one search: the only place that sends them, for the JSON API,
the web pages and FHIR alike.

A grouped search (GET /api/v1/search, /recherche) is answered in two round trips
(bench/README.md measured each step):

1. one ``msearch`` of the facets with both totals (size 0, ``request_cache``: the shard
   request cache answers it again until the next refresh) and the page of establishments
   (``collapse`` without ``inner_hits``, no aggregations, no exact total);
2. the units of that page's establishments in one query (``top_hits`` per establishment),
   where ``inner_hits`` ran one query per establishment.

The answer is put back in the shape the single request (``search_body``) gives, so
``results.search_response`` reads either, and a test can hold them equal.
"""
from __future__ import annotations

from dataclasses import dataclass

from opensearchpy import OpenSearch
from opensearchpy.exceptions import TransportError

from query_api.search.queries import (
    Clock,
    SearchRequest,
    establishment_units_body,
    establishments_body,
    facets_body,
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
        return client.search(index=index, body=body, params={"request_cache": "true"} if flat.size == 0 else None)
    if plan == "one-request":
        return client.search(index=index, body=search_body(request, clock))
    if plan not in PLANS:
        raise ValueError(f"unknown plan {plan!r}")
    groups = establishments_body(request, clock)
    if plan == "facets-apart":
        groups["collapse"] = search_body(request, clock)["collapse"]   # units still as inner_hits
    facets, page = msearch(client, index, [({"request_cache": True}, facets_body(request, clock)), ({}, groups)])
    hits = page["hits"]["hits"]
    if plan == "units-query" and hits:
        ids = [hit["_source"]["establishment"]["id"] for hit in hits]
        # Not worth the request cache's room: each page asks it once.
        units = client.search(index=index, body=establishment_units_body(request, clock, ids),
                              params={"request_cache": "false"})
        found = {bucket["key"]: bucket for bucket in units["aggregations"]["establishments"]["buckets"]}
        for hit in hits:
            bucket = found[hit["_source"]["establishment"]["id"]]
            hit["inner_hits"] = {"units": {"hits": {"total": {"value": bucket["doc_count"], "relation": "eq"},
                                                    "hits": bucket["units"]["hits"]["hits"]}}}
    aggregations = facets["aggregations"]
    return {"hits": {"total": {"value": aggregations["selected"]["doc_count"], "relation": "eq"}, "hits": hits},
            "aggregations": aggregations}


def msearch(client: OpenSearch, index: str, searches: list[tuple[dict, dict]]) -> list[dict]:
    """Several searches in one round trip; an item the engine refused raises as ``client.search`` would."""
    lines: list[dict] = []
    for header, body in searches:
        lines += [{"index": index, **header}, body]
    answers = client.msearch(body=lines)["responses"]
    for answer in answers:
        if "error" in answer:
            error = answer["error"]
            raise TransportError(answer.get("status", 500), error.get("type", "search_failed") if isinstance(error, dict)
                                 else str(error), answer)
    return answers

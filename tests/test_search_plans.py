"""One search sent as three engine requests answers exactly as the single request did.

query_api.search.execute sends the facets apart (cached by the engine) and the units of
the page's establishments in a follow-up plain search instead of ``inner_hits`` (completed by
a ``top_hits`` query for the establishments it cut short). On the demo
data set, for searches of every kind (places, facets, both sorts, text, pages, an
establishment), the response of each plan must be the same: same establishments in the
same order, same units in the same order with the same distances and highlights, same
per-establishment unit counts, same facet counts, same totals.
"""
from __future__ import annotations

import pytest

from indexer.engine import UNITS, alias_name
from query_api import create_app
from query_api.api.search import current_clock, search_request_from_args
from query_api.search.execute import PLANS, run_search
from query_api.search.queries import facets_body
from query_api.search.results import search_response
from tests.world import fixed_clock

MONDAY_10H = "2026-11-30T10:00:00+01:00"

SEARCHES = [
    "where=78646",                                                       # Versailles, distance
    "where=75056",                                                       # Paris, wide
    "where=75056&page=3",
    "where=92012&aptitude=KINE_REEDUC_VESTIBULAIRE",
    "where=78646&age=A&home_visit=true",
    "where=75056&open_now=true&per_page=50",
    "where=92012&sort=relevance&what=vestib",            # scored, with highlights
    "q=cabinet+kin%C3%A9sith%C3%A9rapie+gare",                          # text without a place
    "q=kin%C3%A9+vestibulaire+enfant+Versailles",                        # understood phrase
    "department=93&category=LIBERAL&page=2&per_page=10",
    "where=48.8566,2.3522&radius_km=2&sort=relevance",
    "where=75056&commune=75115&commune=75116&profession=70",
    "where=78646&q=xylophone",                                           # nothing found
]


@pytest.fixture(scope="module")
def demo_app(demo_index):
    return create_app(demo_index, clock=fixed_clock(MONDAY_10H))


def _responses(app, query: str) -> dict[str, dict]:
    from query_api import context

    with app.test_request_context("/api/v1/search?" + query):
        from flask import request

        clock = current_clock()
        search_request = search_request_from_args(request.args, clock)
        index = alias_name(context.settings(), UNITS)
        return {plan: search_response(run_search(context.search(), index, search_request, clock, plan=plan),
                                      search_request, clock)
                for plan in PLANS}


@pytest.mark.parametrize("query", SEARCHES)
def test_every_plan_answers_as_the_single_request(demo_app, query):
    answers = _responses(demo_app, query)
    single = answers["one-request"]
    for plan, answer in answers.items():
        assert answer == single, f"{plan} differs from the single request for {query}"
    # And the API itself (which uses the default plan) serves that answer.
    served = demo_app.test_client().get("/api/v1/search?" + query)
    assert served.status_code == 200
    assert served.get_json() == demo_app.json.loads(demo_app.json.dumps(single))


def test_units_cut_per_establishment_are_the_same_first_ones(demo_app, monkeypatch):
    """No demo establishment has more than 20 matching units: with 1 unit shown per
    establishment, the cut (which units, how many in all) is compared too."""
    from query_api.search import queries

    monkeypatch.setattr(queries, "INNER_HITS_SIZE", 1)
    cut = 0
    for query in ("where=75056", "where=92012&sort=relevance&what=vestib", "department=93&page=2&per_page=10"):
        answers = _responses(demo_app, query)
        single = answers["one-request"]
        cut += sum(group["units_total"] > len(group["units"]) == 1 for group in single["results"])
        for plan, answer in answers.items():
            assert answer == single, f"{plan} differs from the single request for {query}"
    assert cut


def test_establishments_the_first_units_query_cut_short_are_completed(demo_app, monkeypatch):
    """With room for one unit per establishment in the follow-up search, every establishment with
    more than one unit is completed by the second query, and the answers stay the same."""
    from query_api.search import execute

    monkeypatch.setattr(execute, "UNITS_PER_ESTABLISHMENT_GUESS", 1)
    completed: list[list[str]] = []
    top_units = execute.establishment_top_units_body

    def counted(request, clock, ids):
        completed.append(ids)
        return top_units(request, clock, ids)

    monkeypatch.setattr(execute, "establishment_top_units_body", counted)
    for query in ("where=75056", "where=92012&sort=relevance&what=vestib"):
        answers = _responses(demo_app, query)
        single = answers["one-request"]
        assert answers["units-query"] == single, f"units-query differs from the single request for {query}"
    assert completed and all(completed)


def test_the_searches_compared_are_not_trivial(demo_app):
    """Paged results, several units per group, highlights, empty and wide results: the
    comparison above covers each, or it would prove little."""
    answers = [_responses(demo_app, query)["one-request"] for query in SEARCHES]
    groups = [group for answer in answers for group in answer["results"]]
    assert any(len(group["units"]) > 1 for group in groups)
    assert any(answer["page"] > 1 and answer["results"] for answer in answers)
    assert any("name_html" in unit or any("label_html" in a for a in unit["aptitudes"])
               for group in groups for unit in group["units"])
    assert any(answer["total_units"] == 0 for answer in answers)
    assert any(answer["total_units"] > 200 for answer in answers)


def test_facets_of_every_page_and_sort_come_from_the_request_cache(demo_app, search):
    """The facets' body is the same for every page and both sorts, and holds no "now":
    the engine's shard request cache answers it again."""
    from query_api import context

    with demo_app.app_context():
        index = alias_name(context.settings(), UNITS)
        search.indices.refresh(index=index)
        bodies = []
        for query in ("where=75056&page=1", "where=75056&page=2", "where=75056&sort=relevance&page=4"):
            with demo_app.test_request_context("/api/v1/search?" + query):
                from flask import request

                bodies.append(facets_body(search_request_from_args(request.args), current_clock()))
    assert bodies[0] == bodies[1] == bodies[2]

    def hits():
        stats = search.indices.stats(index=index, metric="request_cache")
        return sum(i["total"]["request_cache"]["hit_count"] for i in stats["indices"].values())

    before = hits()
    demo_app.test_client().get("/api/v1/search?where=75056&page=1")
    demo_app.test_client().get("/api/v1/search?where=75056&page=2")
    demo_app.test_client().get("/api/v1/search?where=75056&sort=relevance&page=4")
    assert hits() >= before + 2


@pytest.mark.parametrize("query", ["where=75056", "where=75056&open_now=true&aptitude=KINE_REEDUC_VESTIBULAIRE",
                                   "q=kin%C3%A9+Versailles"])
def test_open_now_counted_by_its_own_query_as_the_aggregation_counted_it_on_a_public_holiday_too(demo_index, query):
    """The open-now facet comes from a count query of its own (queries.open_now_count_body, cached by
    the engine) or, when « open now » is selected, from the search's total: the same counts as the
    filter aggregation of the single request, on an ordinary morning and on Christmas (only UOs
    declared open on public holidays count)."""
    counts = {}
    for when in (MONDAY_10H, "2026-12-25T10:00:00+01:00"):
        answers = _responses(create_app(demo_index, clock=fixed_clock(when)), query)
        assert answers["units-query"] == answers["one-request"]
        facet = {v["value"]: v["count"] for v in answers["units-query"]["facets"]["open_now"]}
        counts[when] = facet[True]
        assert facet[True] + facet[False] >= answers["units-query"]["total_units"]
    assert counts[MONDAY_10H] > counts["2026-12-25T10:00:00+01:00"]


def test_the_open_now_count_is_asked_only_when_open_now_is_not_selected():
    from query_api.search.queries import Clock, SearchRequest, open_now_count_body

    clock = Clock(minute_of_week=600, holiday=False)
    body = open_now_count_body(SearchRequest(), clock)
    assert body["size"] == 0 and body["track_total_hits"] is True
    assert {"term": {"week": 600}} in term_clauses(body)
    assert open_now_count_body(SearchRequest(open_now=True), clock) is None


def term_clauses(body: dict) -> list[dict]:
    """Every ``term`` clause of a body, however deep."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if set(node) == {"term"}:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(body)
    return found


@pytest.mark.parametrize("query", ["where=75056", "department=93&category=LIBERAL", "per_page=20"])
def test_the_count_of_establishments_is_exact_up_to_what_a_result_list_can_page_through(demo_app, query):
    """queries.ESTABLISHMENT_COUNT_PRECISION: the count a search shows is the number of distinct
    establishments of its matching UO (counted here one by one), as long as it is within
    MAX_RESULT_WINDOW."""
    from query_api import context
    from query_api.search.queries import MAX_RESULT_WINDOW, count_body

    with demo_app.test_request_context("/api/v1/search?" + query):
        from flask import request

        clock = current_clock()
        search_request = search_request_from_args(request.args, clock)
        index = alias_name(context.settings(), UNITS)
        shown = search_response(run_search(context.search(), index, search_request, clock), search_request, clock)
        body = {**count_body(search_request, clock), "size": 0,
                "aggs": {"egs": {"terms": {"field": "establishment.id", "size": MAX_RESULT_WINDOW + 1}}}}
        distinct = len(context.search().search(index=index, body=body)["aggregations"]["egs"]["buckets"])
    assert 100 < distinct <= MAX_RESULT_WINDOW
    assert shown["total_establishments"] == distinct

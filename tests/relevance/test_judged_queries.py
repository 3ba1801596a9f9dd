"""The relevance harness (#13 item 6): the judged phrases of judged.jsonl against the real engine.

Each phrase, as a GP, a nurse, a social worker or a patient types it, goes through
GET /api/v1/search on the shared demo data set (``demo_index``) with a fixed clock;
so does its structured reading, written by hand. At least 95 % must be read as
judged and give exactly the structured search's first page and totals, and no
phrase may find nothing when its structured reading finds something.
``python -m bench.relevance`` prints the same figures from the same functions.
"""
from __future__ import annotations

import dataclasses

import pytest

from bench import relevance
from catalog.communes import ARRONDISSEMENTS, DEPARTMENTS, communes
from catalog.nomenclature import lay_words, nomenclature
from query_api import create_app

MIN_JUDGED = 80
MAX_EMPTY_READINGS = 0.05       # judged readings finding nothing: the zero-result check needs results


@pytest.fixture(scope="module")
def judged() -> list[relevance.Judged]:
    return relevance.load_judged()


@pytest.fixture(scope="module")
def api(demo_index):
    return create_app(demo_index, clock=relevance.fixed_clock()).test_client()


@pytest.fixture(scope="module")
def outcomes(api, judged) -> list[relevance.Outcome]:
    return relevance.run(api, judged)


# --- the judged set ----------------------------------------------------------------------------

def test_the_judged_set_is_typed_by_every_kind_of_user(judged):
    assert len(judged) >= MIN_JUDGED
    assert {case.who for case in judged} == set(relevance.TYPISTS)
    assert sum(bool(case.what) for case in judged) >= 5          # « Quoi ? » with « Où ? », as the page sends them


def test_the_judged_readings_name_known_codes_and_every_group_of_aptitudes(judged):
    nom = nomenclature()
    aptitudes = [code for case in judged for code in case.expect.get("aptitude", [])]
    assert set(aptitudes) <= set(nom.aptitudes)
    assert {nom.aptitudes[code].group for code in aptitudes} == set(nom.aptitude_groups)
    assert all(set(case.expect.get("age", [])) <= {"E", "A"} for case in judged)
    for flag in ("home_visit", "open_now", "profession", "q"):
        assert any(case.expect.get(flag) for case in judged), flag


def test_the_judged_places_come_in_every_form(judged):
    wheres = [case.expect["where"] for case in judged if case.expect.get("where")]
    towns = communes()
    assert all(w in towns or w == "75056" or w[4:] in DEPARTMENTS or w.startswith("cp:") for w in wheres)
    assert "75056" in wheres and any(w in ARRONDISSEMENTS for w in wheres)
    assert any(w.startswith("dep:") for w in wheres) and any(w.startswith("cp:") for w in wheres)
    phrases = " ".join((case.q or case.what or "") + " " + (case.where_typed or "") for case in judged).lower()
    # Postal codes, one shared by several communes, one that is another commune's INSEE code.
    assert "91200" in phrases and "95000" in phrases and "75013" in phrases
    assert all(form in phrases for form in ("paris 13", "13e arrondissement", "st ", "boulogne b", "hauts-de-seine"))
    assert any(case.notes_include for case in judged)                 # typos are said


def test_the_judged_phrases_use_lay_words(judged):
    lay = lay_words()
    words = [w for group in lay["aptitudes"].values() for w in group] + lay["home_visit"] + lay["open_now"]
    phrases = " ".join(case.q or case.what or "" for case in judged).lower()
    used = {w for w in words if w.lower() in phrases}
    assert {"vertiges", "bronchiolite", "périnée", "drainage lymphatique", "avc", "sport", "se déplace",
            "vient à la maison", "ouvert maintenant"} <= used


# --- the figures --------------------------------------------------------------------------------

def test_judged_phrases_give_the_structured_search_s_first_page_and_total(outcomes):
    summary = relevance.summarize(outcomes)
    assert summary.queries >= MIN_JUDGED
    assert summary.success_rate >= relevance.SUCCESS_TARGET, relevance.report(summary, outcomes)


def test_no_phrase_finds_nothing_when_its_structured_reading_finds_something(outcomes):
    summary = relevance.summarize(outcomes)
    assert summary.zero_but_structured_has_results == 0, relevance.report(summary, outcomes)
    # The check means something only if the judged readings do find something.
    assert summary.structured_empty <= MAX_EMPTY_READINGS * summary.queries, relevance.report(summary, outcomes)


def test_precision_at_10_is_that_of_the_structured_result_set(outcomes):
    summary = relevance.summarize(outcomes)
    assert summary.precision_at_10 >= relevance.SUCCESS_TARGET, relevance.report(summary, outcomes)


# --- the harness catches a wrong reading -------------------------------------------------------

def _case(judged, phrase):
    return next(case for case in judged if case.q == phrase)


def test_a_reading_that_differs_from_the_judged_one_is_a_failure(api, judged):
    from query_api.web.pages import resolve_where

    def get(params):
        return api.get("/api/v1/search", query_string=params).get_json()

    case = _case(judged, "sport boulogne")
    assert relevance.judge(get, case, resolve_where).success
    # Judged as spine rehab instead of sport: the reading and the results differ.
    wrong = dataclasses.replace(case, expect={**case.expect, "aptitude": ["KINE_REEDUC_RACHIS"]})
    outcome = relevance.judge(get, wrong, resolve_where)
    assert not outcome.success
    assert any(d.startswith("aptitudes:") for d in outcome.differences)
    assert not outcome.same_page and outcome.precision_at_10 < 1
    # Judged in another commune.
    elsewhere = dataclasses.replace(case, expect={**case.expect, "where": "93048"})
    outcome = relevance.judge(get, elsewhere, resolve_where)
    assert not outcome.success and any(d.startswith("place:") for d in outcome.differences)
    assert relevance.summarize([outcome]).success_rate == 0


def test_a_phrase_finding_nothing_while_its_reading_finds_something_is_counted(api, judged):
    from query_api.web.pages import resolve_where

    def get(params):
        return api.get("/api/v1/search", query_string=params).get_json()

    case = _case(judged, "kiné Paris")
    nonsense = dataclasses.replace(case, q="kiné Paris zzzqx")     # a word that matches nothing
    outcome = relevance.judge(get, nonsense, resolve_where)
    assert outcome.zero_result and outcome.zero_but_structured_has_results
    assert any(d.startswith("text:") for d in outcome.differences)
    summary = relevance.summarize([outcome])
    assert summary.zero_result_rate == 1 and not summary.passed
    assert "zzzqx" in relevance.report(summary, [outcome])

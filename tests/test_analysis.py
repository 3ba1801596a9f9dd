"""French analysis in the engine (mappings/analysis.json), checked on the real node.

Documents and queries are analysed by OpenSearch's own analyzers (elision, folding,
light_french stems, synonym_graph at search time, edge_ngram prefixes); nothing is
pre-analysed in Python any more.
"""
from __future__ import annotations

import pytest

from indexer.analysis import apply_synonyms, synonym_rules
from indexer.engine import SUGGEST, UNITS, alias_name, index_settings, load_mapping
from ops import opensearch


@pytest.fixture(scope="module")
def analysis_index(settings, search):
    """An empty index with the units' settings and mappings, for _analyze and small searches."""
    name = f"{settings.index_prefix}-analysis"
    spec = load_mapping(UNITS)
    search.indices.create(index=name, body={"settings": index_settings(spec, settings, UNITS), "mappings": spec["mappings"]})
    yield name
    search.indices.delete(index=name, ignore_unavailable=True)


def analysed(search, index, analyzer, text):
    tokens = search.indices.analyze(index=index, body={"analyzer": analyzer, "text": text})["tokens"]
    return [t["token"] for t in tokens]


@pytest.mark.engine
def test_the_node_runs_the_analysis_modules(settings):
    assert opensearch.missing_modules(settings.opensearch_url) == []
    assert {"analysis-common", "mapper-extras", "lang-painless"} <= set(opensearch.node_modules(settings.opensearch_url))


@pytest.mark.parametrize(("one", "other"), [
    ("L’Équilibre", "equilibre"),              # elision (typographic apostrophe), accent, capital
    ("l'équilibre", "ÉQUILIBRE"),
    ("lymphœdèmes", "lymphoedeme"),            # ligature and plural
    ("Cæcum", "caecum"),
    ("Vertiges", "vertige"),
    ("orthèses", "Orthese"),
    ("rééducations", "Reeducation"),
])
def test_index_analysis_folds_elisions_ligatures_accents_capitals_and_plurals(search, analysis_index, one, other):
    assert analysed(search, analysis_index, "french_index", one) == analysed(search, analysis_index, "french_index", other)


def test_index_analysis_splits_hyphens_and_drops_stop_words(search, analysis_index):
    assert analysed(search, analysis_index, "french_index", "Rééducation post-AVC de la main") == \
        analysed(search, analysis_index, "french_index", "reeducation post avc main")
    assert len(analysed(search, analysis_index, "french_index", "post-AVC")) == 2
    assert analysed(search, analysis_index, "french_index", "de la des du") == []


def test_prefix_field_indexes_each_word_from_three_letters_folded(search, analysis_index):
    grams = analysed(search, analysis_index, "prefix_index", "Rééducation vestibulaire")
    assert {"ree", "reed", "reeducation", "ves", "vest", "vestibulaire"} <= set(grams)
    assert "re" not in grams   # below three letters a word is matched whole, never as a prefix
    assert analysed(search, analysis_index, "prefix_search", "RÉÉD") == ["reed"]
    assert analysed(search, analysis_index, "prefix_search", "l’équi") == ["equi"]


def test_synonyms_are_applied_at_search_time_only(search, analysis_index):
    assert "vestibulair" in analysed(search, analysis_index, "french_search", "vertiges")
    assert "vestibulair" not in analysed(search, analysis_index, "french_index", "vertiges")


@pytest.fixture(scope="module")
def synonym_docs(search, analysis_index):
    docs = {
        "avc": "Rééducation précoce suite d'AVC",
        "phrase": "Séquelles d'accident vasculaire cérébral",
        "vestibular": "Rééducation vestibulaire (trouble de l'équilibre)",
        "lymph": "Traitement des lymphœdèmes",
        "kine": "Kinésithérapie du sport",
    }
    for key, text in docs.items():
        search.index(index=analysis_index, id=key, body={"id": key, "what": [text]})
    search.indices.refresh(index=analysis_index)
    return docs


def matching(search, index, text):
    body = {"query": {"match": {"what": {"query": text, "operator": "and"}}}}
    return {hit["_id"] for hit in search.search(index=index, body=body)["hits"]["hits"]}


@pytest.mark.parametrize(("typed", "found"), [
    ("AVC", {"avc", "phrase"}),                                 # acronym → phrase
    ("accident vasculaire cérébral", {"avc", "phrase"}),        # phrase → acronym
    ("vertiges", {"vestibular"}),                               # a plural expands too
    ("équilibre", {"vestibular"}),
    ("drainage lymphatique", {"lymph"}),
    ("lymphoedème", {"lymph"}),
    ("kiné", {"kine"}),
    ("physiothérapie", {"kine"}),
])
def test_synonyms_match_in_both_directions(search, analysis_index, synonym_docs, typed, found):
    assert matching(search, analysis_index, typed) == found


def test_synonym_rules_come_from_the_project_file():
    rules = synonym_rules()
    assert "avc, accident vasculaire cérébral" in rules
    assert all("," in rule for rule in rules)


def test_apply_synonyms_leaves_an_index_already_up_to_date(search, analysis_index):
    assert apply_synonyms(search, [analysis_index]) == []


def test_apply_synonyms_puts_a_changed_list_on_a_live_index(search, analysis_index, synonym_docs):
    search.indices.close(index=analysis_index)
    search.indices.put_settings(index=analysis_index, body={"analysis": {"filter": {"french_synonyms": {
        "type": "synonym_graph", "synonyms": ["kiné, kinésithérapie"]}}}})
    search.indices.open(index=analysis_index, wait_for_active_shards=1)
    assert matching(search, analysis_index, "vertiges") == set()
    assert apply_synonyms(search, [analysis_index]) == [analysis_index]
    assert matching(search, analysis_index, "vertiges") == {"vestibular"}


# --- through the API: typeahead and highlighting ---------------------------------------------


@pytest.fixture
def api(app, indexed_offer):
    return app.test_client()


def suggestions(api, field, typed):
    response = api.get("/api/v1/suggest", query_string={"field": field, "q": typed})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["suggestions"]


@pytest.mark.parametrize("typed", ["ree", "rée", "RÉÉ", "reed"])
def test_typeahead_from_three_letters_with_accents_folded(api, typed):
    labels = [s["label"] for s in suggestions(api, "what", typed)]
    assert any(label.startswith("Rééducation") for label in labels)


def test_typeahead_shows_the_typed_prefixes_in_bold_as_written(api):
    found = {s["label"]: s["label_html"] for s in suggestions(api, "what", "reed vest")}
    assert found["Rééducation vestibulaire (trouble de l'équilibre)"] == \
        "<b>Rééd</b>ucation <b>vest</b>ibulaire (trouble de l&#39;équilibre)"


def test_typeahead_bolds_a_whole_word_found_through_its_stem(api):
    found = {s["label"]: s["label_html"] for s in suggestions(api, "what", "lymphoedeme")}
    assert found["Traitement des lymphœdèmes"] == "Traitement des <b>lymphœdèmes</b>"


def test_where_typeahead_highlight_is_escaped_and_bold(api):
    first = suggestions(api, "where", "vers")[0]
    assert first["label_html"] == "<b>Vers</b>ailles (78000)"


def test_results_show_the_searched_words_in_bold_in_names_and_aptitudes(api):
    response = api.get("/api/v1/search", query_string={"where": "78646", "what": "vestib"})
    units = [u for r in response.get_json()["results"] for u in r["units"]]
    assert units
    for unit in units:
        labels = {a["code"]: a.get("label_html") for a in unit["aptitudes"]}
        assert labels["KINE_REEDUC_VESTIBULAIRE"] == \
            "Rééducation <b>vestib</b>ulaire (trouble de l&#39;équilibre)"


def test_results_have_no_highlight_without_a_text(api):
    response = api.get("/api/v1/search", query_string={"where": "78646", "aptitude": "KINE_REEDUC_VESTIBULAIRE"})
    units = [u for r in response.get_json()["results"] for u in r["units"]]
    assert units and all("name_html" not in u for u in units)
    assert all("label_html" not in a for u in units for a in u["aptitudes"])


def test_live_indexes_take_their_settings_from_the_mapping_files(settings, search, indexed_offer):
    for kind in (UNITS, SUGGEST):
        index = next(iter(search.indices.get_alias(name=alias_name(settings, kind))))
        analysis = search.indices.get_settings(index=index)[index]["settings"]["index"]["analysis"]
        assert analysis["filter"]["french_synonyms"]["synonyms"] == synonym_rules()
        assert analysis["analyzer"]["french_search"]["filter"][-2:] == ["french_synonyms", "french_stop"]

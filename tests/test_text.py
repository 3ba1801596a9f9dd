"""French text analysis shared by the document builder and the query builder."""

import pytest

from indexer.text import (
    analyse,
    MIN_PREFIX_CHARS,
    STOPWORDS,
    QueryTerm,
    fold,
    index_fields,
    query_terms,
    stem,
    synonym_expansion,
    tokens,
)

# --- folding ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Rééducation vestibulaire (trouble de l’équilibre)", "reeducation vestibulaire trouble de equilibre"),
        ("Kinésithérapie du sport", "kinesitherapie du sport"),
        ("Saint-Germain-en-Laye", "saint germain en laye"),
        ("ÂGÉE, Noël, façade, où", "agee noel facade ou"),
    ],
)
def test_fold_removes_accents_case_and_punctuation(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Traitement des lymphœdèmes", "traitement des lymphoedemes"),
        ("ŒDÈME", "oedeme"),
        ("Cæcum", "caecum"),
        ("CÆCUM", "caecum"),
        ("Straße", "strasse"),
    ],
)
def test_fold_expands_ligatures(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("l’équilibre", "equilibre"),
        ("l'équilibre", "equilibre"),
        ("L‘Hôpital", "hopital"),
        ("Appareillage d'orthèse", "appareillage orthese"),
        ("qu'il", "il"),
        ("jusqu’à lorsqu'on puisqu'elle", "a on elle"),
        ("j'ai m'a n'est s'il t'es c'est", "ai a est il es est"),
        ("Saint-Jean-d'Angély", "saint jean angely"),
    ],
)
def test_fold_removes_french_elisions(text, folded):
    assert fold(text) == folded


def test_fold_keeps_an_apostrophe_inside_a_word_as_a_separator():
    assert fold("aujourd'hui") == "aujourd hui"


def test_fold_of_blank_or_punctuation_is_empty():
    assert fold("") == ""
    assert fold("  - / ( ) ’ ") == ""


def test_tokens_are_the_folded_words():
    assert tokens("Rééducation  de l'épaule, post-opératoire") == ["reeducation", "de", "epaule", "post", "operatoire"]


@pytest.mark.parametrize("typed", ["reed", "rééd", "REEDUC", "Rééducation"])
def test_typed_beginning_folds_to_prefix_of_reeducation(typed):
    first, second = tokens("Rééducation vestibulaire")
    assert first.startswith(fold(typed))
    assert second.startswith(fold("vest"))


@pytest.mark.parametrize("typed", ["lymphœ", "lymphoe", "LYMPHŒ"])
def test_ligature_typed_either_way_is_prefix_of_lymphoedemes(typed):
    assert fold("lymphœdèmes").startswith(fold(typed))


# --- stemming ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("lymphoedeme", "lymphoedemes"),
        ("orthese", "ortheses"),
        ("reeducation", "reeducations"),
        ("main", "mains"),
    ],
)
def test_singular_and_plural_stem_the_same(one, other):
    assert stem(one) == stem(other)


def test_stem_shortens_a_long_word():
    assert stem("reeducation") == "reeduc"


@pytest.mark.parametrize("token", ["a", "mk", "78000", "75"])
def test_short_tokens_and_numbers_are_not_stemmed(token):
    assert stem(token) == token


# --- synonyms ---------------------------------------------------------------


def test_phrase_expands_with_its_acronym():
    assert synonym_expansion(fold("Séquelles d'accident vasculaire cérébral")) == [
        "avc",
        "accident",
        "vasculaire",
        "cerebral",
    ]


def test_acronym_expands_with_its_phrase():
    assert synonym_expansion(fold("Rééducation post-AVC")) == [
        "avc",
        "accident",
        "vasculaire",
        "cerebral",
        "reeduc",
        "reeducation",
    ]


def test_kine_expands_with_kinesitherapie():
    assert synonym_expansion(fold("Cabinet de kiné")) == [
        "kine",
        "kinesitherapie",
        "kinesitherapeute",
        "masseur",
        "physiotherapie",
        "mk",
    ]


def test_synonym_with_elision_matches_folded_text():
    expansion = synonym_expansion(fold("Trouble de l’équilibre"))
    assert expansion == ["vertige", "vestibulaire", "equilibre", "trouble", "de"]


@pytest.mark.parametrize("text", ["lavcx", "avcx", "kines", "accident vasculaire", "sportive", "dossier"])
def test_no_expansion_on_partial_words_or_phrases(text):
    assert synonym_expansion(fold(text)) == []


# --- document fields --------------------------------------------------------


def test_index_fields_add_synonym_tokens_to_both_streams():
    fields = index_fields("Accident vasculaire cérébral")
    assert fields["folded"] == "accident vasculaire cerebral avc"
    assert "avc" in fields["stemmed"].split()

    fields = index_fields("AVC")
    assert fields["folded"] == "avc accident vasculaire cerebral"
    assert stem("vasculaire") in fields["stemmed"].split()


def test_index_fields_keep_stopwords_only_in_folded_stream():
    fields = index_fields("Rééducation de la main")
    assert fields["folded"].split()[:4] == ["reeducation", "de", "la", "main"]
    stemmed = fields["stemmed"].split()
    assert "de" not in stemmed and "la" not in stemmed
    assert stemmed[:2] == ["reeduc", "main"]


def test_index_fields_join_all_texts_in_order():
    fields = index_fields("Cabinet Dupont", "Versailles", "")
    assert fields["folded"] == "cabinet dupont versailles"


def test_index_fields_are_deterministic():
    texts = ("Kinésithérapie du sport", "Rééducation périnéale", "Lymphœdème")
    assert index_fields(*texts) == index_fields(*texts)


def test_index_fields_add_each_synonym_token_once():
    # Own words first, then the kiné group, then the sport group, minus words already there.
    fields = index_fields("kiné", "kinésithérapie du sport")
    assert fields["folded"] == (
        "kine kinesitherapie du sport kinesitherapeute masseur physiotherapie mk sportif"
    )


# --- query terms ------------------------------------------------------------


def test_query_terms_drop_stopwords():
    assert query_terms("rééducation de la main") == [
        QueryTerm(folded="reeducation", stem="reeduc", prefix=True),
        QueryTerm(folded="main", stem="main", prefix=True),
    ]


def test_query_of_only_stopwords_keeps_them():
    assert query_terms("de la") == [
        QueryTerm(folded="de", stem="de", prefix=False),
        QueryTerm(folded="la", stem="la", prefix=False),
    ]


def test_query_terms_are_deduplicated():
    assert [t.folded for t in query_terms("Main main MAIN")] == ["main"]


def test_every_word_of_three_chars_or_more_is_a_prefix():
    assert MIN_PREFIX_CHARS == 3
    terms = {t.folded: t.prefix for t in query_terms("rééd vest mk")}
    assert terms == {"reed": True, "vest": True, "mk": False}


def test_query_of_nothing_has_no_terms():
    assert query_terms("  ’ - ") == []


def test_stopwords_are_folded_words():
    assert {"de", "du", "des", "la", "le", "les", "et", "a", "au", "aux", "en", "un", "une"} <= STOPWORDS
    assert all(word == fold(word) for word in STOPWORDS)


@pytest.mark.parametrize("typed", ["drainage lymphatique", "œdème lymphatique", "lymphoedème"])
def test_the_lymphoedema_aptitude_is_found_by_what_physios_and_doctors_type(typed):
    # The label is plural ("lymphœdèmes"): synonyms match whole words, so the plural
    # must be in the group for it to expand at all.
    document_words = set(index_fields("Traitement des lymphœdèmes")["folded"].split())
    document_stems = set(index_fields("Traitement des lymphœdèmes")["stemmed"].split())
    for term in query_terms(typed):
        assert term.folded in document_words or term.stem in document_stems, term


@pytest.mark.parametrize("first, then", [
    (("Consultation kinésithérapie", "Rééducation vestibulaire"), ("Kiné des Tilleuls", "Rémi Vasseur", "Versailles")),
    (("Séquelles d'accident vasculaire cérébral",), ("Rééducation post-AVC", "Cabinet de kiné")),
    ((), ("Traitement des lymphœdèmes",)),
])
def test_a_shared_first_part_analysed_once_gives_the_same_fields(first, then):
    assert index_fields(*then, before=analyse(*first)) == index_fields(*first, *then)

"""Folding of typed text, used to recognise places and words of the domain in a phrase.

The indexes' own analysis (stems, synonyms, prefixes) is the engine's: tests/test_analysis.py.
"""

import pytest

from indexer.text import fold, tokens

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

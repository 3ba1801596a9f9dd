"""Folding of typed text, for recognising places and words of the domain in Python.

Indexing and search analysis (elisions, accents, stems, synonyms, prefixes) belong
to the engine (``mappings/analysis.json``): no document or query is analysed here.
What stays is what an analyzer cannot do: comparing a typed word with the names of
communes, aptitudes or patients to recognise them in a phrase (« enfant à domicile
Versailles »), which needs the same folding on both sides.
"""
from __future__ import annotations

import re
import unicodedata

from indexer.analysis import stop_words

# The engine's stop words (mappings/analysis.json): a phrase's filler words are the same for both.
STOPWORDS = stop_words()

_LIGATURES = str.maketrans(
    {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "’": "'", "‘": "'", "ʼ": "'"}
)
# An elided article or pronoun at the start of a word: "l'équilibre", "qu'il".
_ELISION = re.compile(r"(?<![a-z0-9])(?:jusqu|lorsqu|puisqu|qu|[ldjmnstc])'")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower case, no ligatures, accents or French elisions; words of [a-z0-9] joined by one space."""
    text = text.lower().translate(_LIGATURES)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _ELISION.sub("", text)
    return _NOT_ALNUM.sub(" ", text).strip()


def tokens(text: str) -> list[str]:
    """The folded words of ``text``."""
    return fold(text).split()

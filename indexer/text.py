"""French text analysis, done in Python because the engine cannot do it.

The OpenSearch distribution we run has no ``analysis-common`` module: no
asciifolding, elision, French stemmer or synonym filter. So the index uses only
the ``standard`` analyzer and this module does the real analysis. Its output is
space-joined tokens, which the standard analyzer merely splits on spaces.

The same functions serve the document builder (:func:`index_fields`) and the
query builder (:func:`query_terms`), so indexing and search can never drift
apart: "reed" and "rééd" both fold to a prefix of "Rééducation".

- ``folded`` stream: folded tokens, stopwords kept (a typed phrase still
  prefix-matches a label), plus synonym tokens.
- ``stemmed`` stream: Snowball French stems of the same tokens, stopwords dropped.

Synonyms are expanded on the document side only: a document that says
"accident vasculaire cérébral" also gets the tokens of "avc", and vice versa.
"""
from __future__ import annotations

import functools
import json
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import snowballstemmer

MIN_PREFIX_CHARS = 3

SYNONYMS_PATH = Path(__file__).resolve().parents[1] / "catalog/nomenclatures/synonyms.json"

STOPWORDS = frozenset(
    "a au aux avec c ce ces d dans de des du en et l la le les ou par pour sa se ses son sur un une".split()
)

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


_stemmer = snowballstemmer.stemmer("french")
_stemmer_lock = threading.Lock()  # a Snowball stemmer object keeps state between calls


@functools.lru_cache(maxsize=100_000)
def stem(token: str) -> str:
    """Snowball French stem of an already folded token; short tokens and numbers are kept as they are."""
    if len(token) <= 2 or token.isdigit():
        return token
    with _stemmer_lock:
        return _stemmer.stemWord(token)


Phrase = tuple[str, ...]


@functools.cache
def _synonyms() -> tuple[list[list[Phrase]], dict[str, list[tuple[Phrase, int]]]]:
    """The folded synonym groups, and each phrase with its group by first token; read once."""
    raw = json.loads(SYNONYMS_PATH.read_text(encoding="utf-8"))
    groups = [[p for p in (tuple(tokens(phrase)) for phrase in group) if p] for group in raw]
    by_first: dict[str, list[tuple[Phrase, int]]] = {}
    for index, group in enumerate(groups):
        for phrase in group:
            by_first.setdefault(phrase[0], []).append((phrase, index))
    return groups, by_first


def synonym_expansion(folded_text: str) -> list[str]:
    """Tokens of all phrases of each synonym group one of whose phrases occurs as whole words in the text."""
    groups, by_first = _synonyms()
    words = folded_text.split()
    matched = {
        group
        for start, word in enumerate(words)
        for phrase, group in by_first.get(word, ())
        if tuple(words[start : start + len(phrase)]) == phrase
    }
    expansion: dict[str, None] = {}
    for group in sorted(matched):
        for phrase in groups[group]:
            expansion.update(dict.fromkeys(phrase))
    return list(expansion)


@functools.lru_cache(maxsize=100_000)
def _analysed(text: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The folded words of one text, their stems (stopwords dropped) and its synonym tokens.

    Cached: a full reindex analyses the same labels, commune names and comments
    hundreds of thousands of times, and folding is most of a document's build time.
    """
    folded = fold(text)
    words = tuple(folded.split())
    return words, tuple(stem(w) for w in words if w not in STOPWORDS), tuple(synonym_expansion(folded))


Analysis = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
NOTHING: Analysis = ((), (), ())


def analyse(*texts: str, before: Analysis = NOTHING) -> Analysis:
    """The words, stems and synonym tokens (each once) of ``before`` then ``texts``, in order."""
    own, own_stems = list(before[0]), list(before[1])
    expansion = None   # most texts bring no synonym: no dict to build then
    for text in texts:
        words, stems, synonyms = _analysed(text)
        own.extend(words)
        own_stems.extend(stems)
        if synonyms:
            if expansion is None:
                expansion = dict.fromkeys(before[2])
            for token in synonyms:
                expansion[token] = None
    return tuple(own), tuple(own_stems), before[2] if expansion is None else tuple(expansion)


def index_fields(*texts: str, before: Analysis = NOTHING) -> dict[str, str]:
    """The ``folded`` and ``stemmed`` field values of a document made of ``texts``.

    ``before`` is the :func:`analyse` of texts that come first, so a part shared by many
    documents is analysed once: ``index_fields(*a, *b) == index_fields(*b, before=analyse(*a))``.
    Synonym tokens are added once, and only those the texts do not already contain,
    so a document's own words keep their weight.
    """
    words, stems, synonyms = analyse(*texts, before=before)
    if not synonyms:
        return {"folded": " ".join(words), "stemmed": " ".join(stems)}
    present = set(words)
    extra = [w for w in synonyms if w not in present]
    return {"folded": " ".join((*words, *extra)),
            "stemmed": " ".join((*stems, *(stem(w) for w in extra if w not in STOPWORDS)))}


@dataclass(frozen=True)
class QueryTerm:
    """One word of a query: match ``folded`` (as a prefix if ``prefix``) or ``stem``."""

    folded: str
    stem: str
    prefix: bool


def query_terms(text: str) -> list[QueryTerm]:
    """The distinct words of a query, stopwords dropped unless the query has nothing else.

    Every word of at least MIN_PREFIX_CHARS may be a prefix ("rééd vest" finds
    "Rééducation vestibulaire"); shorter words match whole words only.
    """
    words = tokens(text)
    content = [w for w in words if w not in STOPWORDS] or words
    return [QueryTerm(w, stem(w), len(w) >= MIN_PREFIX_CHARS) for w in dict.fromkeys(content)]

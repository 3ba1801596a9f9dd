"""Typo tolerance on a small vocabulary (place names, recognised words). Pure, no I/O.

One edit from 5 letters, two from 9, as the search engine's ``fuzziness: AUTO``
would allow; a transposition counts as one edit. Lookup goes through the deletion
neighbourhood of each word (SymSpell), so it costs a few dictionary probes, not a
comparison with every word of the vocabulary.
"""
from __future__ import annotations

from functools import lru_cache

ONE_EDIT_FROM = 5
TWO_EDITS_FROM = 9


def allowed_edits(word: str) -> int:
    """How many edits a typed word may carry and still be recognised."""
    if word.isdigit() or len(word) < ONE_EDIT_FROM:
        return 0
    return 2 if len(word) >= TWO_EDITS_FROM else 1


@lru_cache(maxsize=65_536)
def distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Levenshtein plus adjacent transpositions)."""
    if a == b:
        return 0
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def within(typed: str, wanted: str) -> bool:
    """Whether ``wanted`` is the typed word, or within the typed word's allowed edits."""
    if typed == wanted:
        return True
    edits = allowed_edits(typed)
    return bool(edits) and abs(len(typed) - len(wanted)) <= edits and distance(typed, wanted) <= edits


def _deletions(word: str, edits: int) -> set[str]:
    """The word with up to ``edits`` letters deleted (never down to one letter)."""
    found = {word}
    layer = {word}
    for _ in range(edits):
        layer = {w[:i] + w[i + 1:] for w in layer if len(w) > 2 for i in range(len(w))}
        found |= layer
    return found


class Vocabulary:
    """Words that may be typed with a typo; ``closest`` gives the word meant."""

    def __init__(self, words):
        self.words = frozenset(words)
        self._by_deletion: dict[str, set[str]] = {}
        for word in self.words:
            for key in _deletions(word, 2 if len(word) >= TWO_EDITS_FROM - 2 else 1):
                self._by_deletion.setdefault(key, set()).add(word)

        self.closest = lru_cache(maxsize=16_384)(self._closest)

    def _closest(self, typed: str) -> str | None:
        """The vocabulary word within the typed word's allowed edits (nearest, then shortest), or None."""
        if typed in self.words:
            return typed
        edits = allowed_edits(typed)
        if not edits:
            return None
        candidates = set()
        for key in _deletions(typed, edits):
            candidates |= self._by_deletion.get(key, set())
        scored = sorted((distance(typed, word), len(word), word) for word in candidates)
        if scored and scored[0][0] <= edits:
            return scored[0][2]
        return None

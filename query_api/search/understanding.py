"""Free text → the filters it names, and the words left as text. Pure, no I/O.

« kiné vestibulaire enfant à domicile Versailles » names a place (Versailles), an
aptitude (vestibular rehab), the patients (children) and home visits: they become
the filters the facets set, so a phrase finds exactly what the same facets find.
Words are recognised over folded words (accents and case do not matter), the
longest phrase first, with typo tolerance (one edit from 5 letters, two from 9);
stopwords and filler (« je cherche », « rééducation », « près de chez moi ») are
dropped, the rest is text. Asked for children only, an aptitude with a paediatric
twin is that twin. What a phrase could also mean is kept as
:attr:`Understood.alternatives`, in order, for the search to pick the reading that
has results.

The words: aptitude labels, catalog/nomenclatures/synonyms.json and
catalog/nomenclatures/lay_words.json (lay words, patients, home visits, open
now, professions, filler, paediatric twins).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from catalog.labels import PATIENT_LABELS
from catalog.nomenclature import NOMENCLATURES_DIR, lay_words, nomenclature
from indexer.text import STOPWORDS
from query_api.search import places
from query_api.search.fuzzy import Vocabulary, within

HOME_VISIT_LABEL = "À domicile"
OPEN_NOW_LABEL = "Ouvert maintenant"

Phrase = tuple[str, ...]
_AGE_OR_COUNT = re.compile(r"[0-9]{1,3}")      # « enfant de 8 ans »: not text that would match nothing


@dataclass(frozen=True)
class Meaning:
    kind: str                   # 'aptitude' | 'patients' | 'home_visit' | 'open_now' | 'profession' | 'filler'
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Part:
    """One recognised piece of the text: what it means and which typed words said it."""

    kind: str                   # a Meaning kind, or 'place'
    values: tuple[str, ...]
    label: str
    typed: str
    tokens: tuple[int, ...]     # indexes of the typed (whitespace-separated) tokens it covers
    place: places.Place | None = None


@dataclass(frozen=True)
class Understood:
    parts: tuple[Part, ...] = ()
    text: str = ""
    notes: tuple[str, ...] = ()
    alternatives: tuple[Understood, ...] = field(default=(), compare=False)

    def of(self, kind: str) -> list[Part]:
        return [p for p in self.parts if p.kind == kind]

    @property
    def place(self) -> places.Place | None:
        found = self.of("place")
        return found[0].place if found else None

    @property
    def aptitudes(self) -> list[str]:
        return list(dict.fromkeys(code for p in self.of("aptitude") for code in p.values))

    @property
    def patients(self) -> list[str]:
        return list(dict.fromkeys(code for p in self.of("patients") for code in p.values))

    @property
    def home_visit(self) -> bool | None:
        return True if self.of("home_visit") else None

    @property
    def open_now(self) -> bool:
        return bool(self.of("open_now"))

    @property
    def profession(self) -> str | None:
        found = self.of("profession")
        return found[0].values[0] if found else None

    def as_json(self) -> dict:
        place = self.place
        return {
            "place": place.as_json() if place else None,
            "aptitudes": self.aptitudes,
            "patients": self.patients,
            "home_visit": self.home_visit,
            "open_now": self.open_now,
            "profession": self.profession,
            "text": self.text,
            "notes": list(self.notes),
        }


# --- the vocabulary ---------------------------------------------------------------------

def words_of(text: str) -> list[str]:
    return places.place_words(text)


@dataclass(frozen=True)
class _Vocabulary:
    meanings: dict[Phrase, Meaning]
    by_first: dict[str, tuple[Phrase, ...]]
    first_words: Vocabulary
    dropped: frozenset[str]


def _label_phrases(label: str) -> list[Phrase]:
    """« Rééducation vestibulaire (trouble de l'équilibre) » → the label, without and in brackets;
    « Rééducation abdominale préopératoire et post opératoire » → also what comes before « et »."""
    phrases = [tuple(words_of(label))]
    if "(" in label:
        before, _, inside = label.partition("(")
        phrases += [tuple(words_of(before)), tuple(words_of(inside.rstrip(")")))]
    if " et " in label:
        phrases.append(tuple(words_of(label.partition(" et ")[0])))
    return [p for p in phrases if p]


@lru_cache(maxsize=1)
def _vocabulary() -> _Vocabulary:
    nom = nomenclature()
    lay = lay_words()
    synonym_groups = [[tuple(words_of(p)) for p in group]
                      for group in json.loads((NOMENCLATURES_DIR / "synonyms.json").read_text(encoding="utf-8"))]
    aptitude_codes: dict[Phrase, dict[str, None]] = {}

    def add_aptitude(phrase: Phrase, code: str) -> None:
        if phrase:
            aptitude_codes.setdefault(phrase, {})[code] = None

    for code, aptitude in nom.aptitudes.items():
        if code == "KINE_INTERV_DOMICILE":
            continue        # home visits are the home_visit filter, one fact
        for phrase in _label_phrases(aptitude.label):
            add_aptitude(phrase, code)
    for code, phrases in lay["aptitudes"].items():
        for text in phrases:
            phrase = tuple(words_of(text))
            add_aptitude(phrase, code)
            for group in synonym_groups:          # a synonym of a lay word names the same aptitude
                if phrase in group:
                    for other in group:
                        add_aptitude(other, code)

    meanings: dict[Phrase, Meaning] = {p: Meaning("aptitude", tuple(codes)) for p, codes in aptitude_codes.items()}
    for code, profession in nom.professions.items():
        for text in (profession["label"], profession.get("label_plural", "")):
            if text:
                meanings[tuple(words_of(text))] = Meaning("profession", (code,))
    for code, phrases in lay["professions"].items():
        for text in phrases:
            meanings[tuple(words_of(text))] = Meaning("profession", (code,))
    for code, phrases in lay["patients"].items():
        for text in phrases:
            meanings[tuple(words_of(text))] = Meaning("patients", (code,))
    for text in lay["home_visit"]:
        meanings[tuple(words_of(text))] = Meaning("home_visit")
    for text in lay["open_now"]:
        meanings[tuple(words_of(text))] = Meaning("open_now")
    # Filler: a word is dropped wherever it stands; several words (« près de chez moi ») are
    # a phrase read like the others, so that « chez moi » in it is no home visit.
    filler = [tuple(words_of(text)) for text in lay["filler"]]
    dropped = frozenset(STOPWORDS) | {words[0] for words in filler if len(words) == 1}
    meanings.update({words: Meaning("filler") for words in filler if len(words) > 1})
    meanings = {p: m for p, m in meanings.items() if p and p not in {(w,) for w in dropped}}
    by_first: dict[str, list[Phrase]] = {}
    for phrase in meanings:
        by_first.setdefault(phrase[0], []).append(phrase)
    return _Vocabulary(meanings, {k: tuple(v) for k, v in by_first.items()},
                       Vocabulary(w for w in by_first if not w.isdigit()), dropped)


# --- reading ----------------------------------------------------------------------------

def _phrase_at(words: list[str], i: int) -> tuple[Phrase, int, bool] | None:
    """The longest known phrase starting at word i: (phrase, end, exact)."""
    vocabulary = _vocabulary()
    first = words[i]
    starts = [first] if first in vocabulary.by_first else []
    corrected = False
    if not starts:
        near = vocabulary.first_words.closest(first)
        if near:
            starts, corrected = [near], True
    best = None
    for phrase in (p for s in starts for p in vocabulary.by_first[s]):
        if i + len(phrase) > len(words):
            continue
        exact = not corrected
        for k in range(1, len(phrase)):
            typed, wanted = words[i + k], phrase[k]
            if typed == wanted:
                continue
            if not within(typed, wanted):
                break
            exact = False
        else:
            candidate = (len(phrase), exact)
            if best is None or candidate > (len(best[0]), best[2]):
                best = (phrase, i + len(phrase), exact)
    return best


def _tokens(text: str) -> tuple[list[str], list[str], list[int]]:
    """The typed tokens, the words read from them, and each word's token."""
    typed = text.split()
    words, origin = [], []
    for index, token in enumerate(typed):
        for word in words_of(token):
            words.append(word)
            origin.append(index)
    return typed, words, origin


def _describe(meaning: Meaning) -> str:
    nom = nomenclature()
    if meaning.kind == "aptitude":
        labels = [nom.aptitudes[c].label for c in meaning.values]
        return labels[0] if len(labels) == 1 else " ou ".join(labels)
    if meaning.kind == "patients":
        return PATIENT_LABELS[meaning.values[0]]
    if meaning.kind == "home_visit":
        return HOME_VISIT_LABEL
    if meaning.kind == "open_now":
        return OPEN_NOW_LABEL
    if meaning.kind == "profession":
        return nom.professions[meaning.values[0]]["label"]
    return ""


def understand(text: str | None) -> Understood:
    """What a free text asks for (see the module's docstring)."""
    if not text or not text.strip():
        return Understood()
    typed, words, origin = _tokens(text)
    vocabulary = _vocabulary()

    def span_tokens(start, end):
        return tuple(dict.fromkeys(origin[start:end]))

    def typed_text(start, end):
        return " ".join(typed[t] for t in span_tokens(start, end))

    parts: list[Part] = []
    notes: list[str] = []
    kept: list[int] = []             # indexes of words left as text
    ambiguous_places: list[tuple[Part, places.Resolution]] = []
    i = 0
    while i < len(words):
        phrase = _phrase_at(words, i)
        place = places.match_at(words, i)
        if place and place[1] == i + 1 and words[i] in vocabulary.dropped:
            place = None        # « pour ma mère » is not Méré: a filler word is no place by itself
        # The longer reading wins; on a tie an exact known word beats a place, a place beats a typo.
        phrase_rank = (phrase[1], 2 if phrase[2] else 0) if phrase else (0, -1)
        place_rank = (place[1], 1 if place and not place[0].corrected else -1) if place else (0, -1)
        if place and place_rank > phrase_rank:
            resolution, end = place
            first_place = next((p for p in parts if p.kind == "place"), None)
            if first_place:
                notes.append(f"« {typed_text(i, end)} » n'a pas été retenu : un seul lieu est pris en compte "
                             f"({first_place.label}).")
                i = end
                continue
            part = Part("place", (resolution.place.id,), resolution.place.label, typed_text(i, end),
                        span_tokens(i, end), resolution.place)
            parts.append(part)
            said = f"« {' '.join(words[i:end])} »"      # the notes quote folded words: quote what was typed
            notes.extend(note.replace(said, f"« {typed_text(i, end)} »") for note in resolution.notes)
            if resolution.corrected or resolution.alternatives:
                ambiguous_places.append((part, resolution))
            i = end
            continue
        if phrase:
            found, end, exact = phrase
            meaning = vocabulary.meanings[found]
            if meaning.kind == "filler":
                i = end
                continue
            label = _describe(meaning)
            parts.append(Part(meaning.kind, meaning.values, label, typed_text(i, end), span_tokens(i, end)))
            if not exact:
                notes.append(f"« {typed_text(i, end)} » : compris comme « {label} ».")
            i = end
            continue
        if words[i] not in vocabulary.dropped and not _AGE_OR_COUNT.fullmatch(words[i]):
            kept.append(i)
        i += 1

    # Children only: an aptitude with a paediatric twin is that twin (« kiné respiratoire bébé »
    # is paediatric pneumology, not any pneumology unit that also takes children).
    if {c for p in parts if p.kind == "patients" for c in p.values} == {"E"}:
        parts = [_for_children(p) if p.kind == "aptitude" else p for p in parts]
    # « kiné » with kiné aptitudes names the profession the search is already about:
    # a filter on it would only drop the hospital units that carry those aptitudes.
    nom = nomenclature()
    aptitude_codes = {c for p in parts if p.kind == "aptitude" for c in p.values}
    if aptitude_codes:
        parts = [p for p in parts if not (p.kind == "profession" and p.values[0] == "70"
                                          and all(c in nom.aptitudes for c in aptitude_codes))]
    # Typed tokens whose words were all left as text (punctuation-only tokens go).
    kept_tokens = list(dict.fromkeys(origin[i] for i in kept))
    covered = {t for p in parts for t in p.tokens}
    leftover = " ".join(typed[t] for t in kept_tokens if t not in covered)
    understood = Understood(tuple(parts), leftover, tuple(dict.fromkeys(notes)))

    # Other readings, for the search to try in this order when this one finds nothing.
    alternatives = []
    for part, resolution in ambiguous_places:
        for other in resolution.alternatives:
            swapped = Part("place", (other.id,), other.label, part.typed, part.tokens, other)
            alternatives.append(replace(understood, parts=tuple(swapped if p is part else p for p in understood.parts),
                                        notes=(f"« {part.typed} » : lu comme {other.label}, car la lecture "
                                               f"{part.label} ne donnait aucun résultat.",)))
        if resolution.corrected:
            alternatives.append(_as_text(understood, [part], f"« {part.typed} » : cherché comme texte, car la "
                                                             f"lecture {part.label} ne donnait aucun résultat."))
    named = understood.of("aptitude")
    if named:
        typed_words = " ; ".join(f"« {p.typed} »" for p in named)
        alternatives.append(_as_text(understood, named, f"{typed_words} : cherché comme texte, car aucune unité "
                                                        "n'a l'aptitude correspondante dans cette recherche."))
    return replace(understood, alternatives=tuple(alternatives))


def _for_children(part: Part) -> Part:
    """An aptitude part with each code replaced by its paediatric twin (lay_words.json ``for_children``)."""
    twins = lay_words()["for_children"]
    codes = tuple(dict.fromkeys(twins.get(code, code) for code in part.values))
    if codes == part.values:
        return part
    return replace(part, values=codes, label=_describe(Meaning("aptitude", codes)))


def _as_text(understood: Understood, parts: list[Part], note: str) -> Understood:
    """The same reading with ``parts`` searched as text rather than as filters."""
    text = " ".join(x for x in (understood.text, *(p.typed for p in parts)) if x)
    return replace(understood, parts=tuple(p for p in understood.parts if p not in parts), text=text, notes=(note,))


def without(text: str, part: Part) -> str:
    """The text with the tokens of one recognised part removed (a chip's « × »)."""
    return " ".join(token for index, token in enumerate(text.split()) if index not in part.tokens)

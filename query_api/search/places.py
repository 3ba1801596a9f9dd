"""Places as people type them → a commune, Paris, a postal code or a department. Pure, no I/O.

Over the Île-de-France communes reference: names with or without hyphens, accents
and case folded, « St » / « Saint », a leading article optional (« Chesnay »),
multi-word prefixes (« boulogne b »), typos (one edit from 5 letters, two from 9);
« Paris » as a whole city (75056) and its arrondissements as « Paris 13 »,
« Paris 13e », « 13e arrondissement » or 75013; a postal code (a code shared by
several communes is all of them); a department by name or number. Five digits
typed by a person are a postal code first: the other reading is named in a note.

:func:`resolve` reads a whole text (the « Où ? » box); :func:`match_at` reads a
place starting at one word of a phrase (used by query_api.search.understanding).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from catalog.communes import ARRONDISSEMENTS, DEPARTMENTS, PARIS_CENTRE, PARIS_INSEE, communes
from indexer.text import fold
from query_api.search.fuzzy import Vocabulary, within

PARIS_RADIUS_KM = 6.0                  # from the centre, every arrondissement is within ~6 km
SHARED_POSTAL_MARGIN_KM = 3.0          # around the farthest commune of a shared postal code
GENERIC_FIRST_WORD = 4                 # words starting this many names (« saint ») are no place alone

_WORD_FORMS = {"st": "saint", "ste": "sainte", "s": "sur", "ss": "sous"}
_DROPPED = frozenset({"d", "l"})       # « Val d Oise », « l Hay » typed without the apostrophe
_ARTICLES = frozenset({"le", "la", "les"})
_ORDINAL_RE = re.compile(r"([0-9]{1,2})(?:e|er|eme|ieme|em|ere|eme)?")
_ORDINAL_SUFFIX_RE = re.compile(r"([0-9]{1,2})(?:e|er|eme|ieme|em|ere)")
_ARRONDISSEMENT_WORDS = frozenset({"arrondissement", "arrondissements", "arr", "arrt", "arrdt", "ardt"})
_FIVE_DIGITS = re.compile(r"[0-9]{5}")
_LABEL_RE = re.compile(r"(?P<name>.+?)\s*\((?P<code>[0-9]{2}|[0-9]{5})\)\s*")


@dataclass(frozen=True)
class Place:
    type: str                   # 'commune' | 'postal_code' | 'department'
    id: str                     # INSEE code (75056 for Paris), postal code or department number
    label: str
    where: str                  # the API's ``where``: INSEE code, ``cp:<code>`` or ``dep:<code>``
    lat: float | None = None
    lon: float | None = None
    communes: tuple[str, ...] = ()     # INSEE codes it covers (home visits there count)
    radius_km: float | None = None     # its own default radius; None: the zone's
    zone: str | None = None
    department: str | None = None
    population: int = 0

    def as_json(self) -> dict:
        return {"type": self.type, "id": self.id, "label": self.label}


@dataclass(frozen=True)
class Resolution:
    place: Place
    alternatives: tuple[Place, ...] = ()
    notes: tuple[str, ...] = ()
    corrected: bool = False            # read through a typo or a prefix


@dataclass(frozen=True)
class Match:
    """A place read in a phrase: words ``start``–``end`` (exclusive)."""

    resolution: Resolution
    start: int
    end: int


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def place_words(text: str) -> list[str]:
    """Folded words, « st » read as « saint », stray « d » / « l » dropped."""
    return [_WORD_FORMS.get(w, w) for w in fold(text).split() if w not in _DROPPED]


# --- the places ------------------------------------------------------------------------

def _commune_place(insee: str) -> Place:
    c = communes()[insee]
    return Place("commune", c.insee, c.label, c.insee, c.lat, c.lon, (c.insee,), None, c.zone, c.department,
                 c.population)


@lru_cache(maxsize=1)
def paris() -> Place:
    towns = communes()
    return Place("commune", PARIS_INSEE, "Paris", PARIS_INSEE, *PARIS_CENTRE, communes=ARRONDISSEMENTS,
                 radius_km=PARIS_RADIUS_KM, zone="paris", department="75",
                 population=sum(towns[a].population for a in ARRONDISSEMENTS))


@lru_cache(maxsize=16)
def department(code: str) -> Place:
    population = sum(c.population for c in communes().values() if c.department == code)
    return Place("department", code, f"{DEPARTMENTS[code]} ({code})", f"dep:{code}", department=code,
                 population=population)


@lru_cache(maxsize=2048)
def commune_or_paris(insee: str) -> Place | None:
    """The place of an INSEE code (75056 is Paris as a whole), None if unknown."""
    if insee == PARIS_INSEE:
        return paris()
    return _commune_place(insee) if insee in communes() else None


@lru_cache(maxsize=512)
def postal_place(code: str) -> Place | None:
    """A postal code: its commune, or every commune sharing it (centre weighted by population)."""
    found = _indexes().postal.get(code)
    if not found:
        return None
    if len(found) == 1:
        return commune_or_paris(found[0])
    towns = [communes()[insee] for insee in found]
    total = sum(max(t.population, 1) for t in towns)
    lat = sum(t.lat * max(t.population, 1) for t in towns) / total
    lon = sum(t.lon * max(t.population, 1) for t in towns) / total
    reach = max(haversine_km(lat, lon, t.lat, t.lon) for t in towns)
    names = ", ".join(t.name for t in towns[:3]) + ("…" if len(towns) > 3 else "")
    return Place("postal_code", code, f"{code} ({len(towns)} communes : {names})", f"cp:{code}", round(lat, 5),
                 round(lon, 5), tuple(found), round(reach + SHARED_POSTAL_MARGIN_KM, 1), towns[0].zone,
                 towns[0].department, total)


def by_where(where: str) -> Place | None:
    """The place of an API ``where`` value (INSEE, ``cp:``, ``dep:``), None if it is none."""
    where = where.strip().lower()
    if where.startswith("dep:"):
        return department(where[4:]) if where[4:] in DEPARTMENTS else None
    if where.startswith("cp:"):
        return postal_place(where[3:])
    return commune_or_paris(where)


@dataclass(frozen=True)
class _Indexes:
    names: dict[tuple[str, ...], tuple[Place, ...]]       # full name words → places, most populous first
    by_first: dict[str, tuple[tuple[str, ...], ...]]      # first word → names starting with it
    postal: dict[str, tuple[str, ...]]                    # postal code → INSEE codes, most populous first
    first_words: Vocabulary
    words: Vocabulary


@lru_cache(maxsize=1)
def _indexes() -> _Indexes:
    towns = sorted(communes().values(), key=lambda c: -c.population)
    names: dict[tuple[str, ...], list[Place]] = {}
    postal: dict[str, list[str]] = {}

    def add(words, place):
        if words and place not in names.setdefault(tuple(words), []):
            names[tuple(words)].append(place)

    for town in towns:
        place = _commune_place(town.insee)
        words = place_words(town.name)
        add(words, place)
        if words[0] in _ARTICLES and len(words) > 1:
            add(words[1:], place)
        for code in town.postal_codes:
            postal.setdefault(code, []).append(town.insee)
    add(["paris"], paris())
    for code, name in DEPARTMENTS.items():
        if code != "75":        # « Paris » is the city
            add(place_words(name), department(code))
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for words in names:
        by_first.setdefault(words[0], []).append(words)
    return _Indexes(
        names={k: tuple(v) for k, v in names.items()},
        by_first={k: tuple(v) for k, v in by_first.items()},
        postal={k: tuple(v) for k, v in postal.items()},
        first_words=Vocabulary(by_first),
        words=Vocabulary({w for words in names for w in words}),
    )


# --- reading ---------------------------------------------------------------------------

def _arrondissement(number: str) -> Place | None:
    n = int(number)
    return commune_or_paris(f"751{n:02d}") if 1 <= n <= 20 else None


def _numbers_at(words: list[str], i: int) -> tuple[Resolution, int] | None:
    """Postal / INSEE codes, department numbers and Paris arrondissements starting at word i."""
    word = words[i]
    following = words[i + 1] if i + 1 < len(words) else None
    if word == "paris" and following:
        ordinal = _ORDINAL_RE.fullmatch(following)
        if ordinal and _arrondissement(ordinal.group(1)):
            end = i + 2
            if end < len(words) and words[end] in _ARRONDISSEMENT_WORDS:
                end += 1
            return Resolution(_arrondissement(ordinal.group(1))), end
    ordinal = _ORDINAL_SUFFIX_RE.fullmatch(word) or (_ORDINAL_RE.fullmatch(word) if following in _ARRONDISSEMENT_WORDS else None)
    if ordinal and following in _ARRONDISSEMENT_WORDS and _arrondissement(ordinal.group(1)):
        end = i + 2
        if end < len(words) and words[end] == "paris":
            end += 1
        return Resolution(_arrondissement(ordinal.group(1))), end
    if _FIVE_DIGITS.fullmatch(word):
        return _five_digits(word), i + 1
    if word in DEPARTMENTS:
        return Resolution(department(word)), i + 1
    return None


def _five_digits(code: str) -> Resolution | None:
    """Typed by a person, five digits are a postal code first, else an INSEE code."""
    by_postal = postal_place(code) or (paris() if code == "75000" else None)
    by_insee = commune_or_paris(code)
    if by_postal and by_insee and by_insee.id not in by_postal.communes:
        return Resolution(by_postal, (by_insee,), (
            f"« {code} » est lu comme un code postal : {by_postal.label}. C'est aussi le code INSEE "
            f"de {by_insee.label}.",))
    if by_postal:
        return Resolution(by_postal)
    if by_insee:
        return Resolution(by_insee, notes=(f"« {code} » n'est pas un code postal d'Île-de-France : "
                                           f"il est lu comme le code INSEE de {by_insee.label}.",))
    return None


def _names_at(words: list[str], i: int, whole: bool) -> tuple[Resolution, int] | None:
    """The longest name starting at word i: exact words first, then typos, then prefixes."""
    index = _indexes()
    first = words[i]
    firsts = [first] if first in index.by_first else []
    corrected_first = None
    if not firsts:
        corrected_first = index.first_words.closest(first)
        if corrected_first:
            firsts = [corrected_first]
    best: tuple[int, int, tuple[str, ...]] | None = None     # (end, exactness, name)
    partial: list[tuple[str, ...]] = []
    for name in (n for f in firsts for n in index.by_first[f]):
        end, exact = i, 0 if corrected_first else 1
        for k, wanted in enumerate(name):
            if end >= len(words):
                break
            typed = words[end]
            if k == 0 or typed == wanted:
                end += 1
                continue
            if within(typed, wanted):
                end, exact = end + 1, 0
                continue
            break
        matched = end - i
        if matched == len(name):
            candidate = (end, exact, name)
            if best is None or (candidate[0], candidate[1]) > (best[0], best[1]):
                best = candidate
        elif matched >= 1 or whole:
            # A prefix: full words, then the start of the next one (« boulogne b »); an
            # article alone is no start of a name (« la gare » is not La Garenne-Colombes).
            nxt = words[end] if end < len(words) else None
            named = any(w not in _ARTICLES for w in name[:matched])
            if nxt and name[matched].startswith(nxt) and named:
                partial.append((end + 1, name))
            elif matched >= 1 and (whole or _names_starting(index, name[:matched]) < GENERIC_FIRST_WORD):
                partial.append((end, name))
    if best and (not partial or best[0] >= max(e for e, _ in partial)):
        end, exact, name = best
        places = index.names[name]
        return _chosen(words[i:end], places, corrected=not exact), end
    if not partial and whole and len(words) - i == 1 and len(first) >= 3:
        # The start of one word, in the « Où ? » box only (« versa »).
        partial = [(i + 1, n) for f, names in index.by_first.items() if f.startswith(first) for n in names]
    if partial:
        end = max(e for e, _ in partial)
        places = sorted({p for e, n in partial if e == end for p in index.names[n]}, key=lambda p: -p.population)
        return _chosen(words[i:end], tuple(places), corrected=True), end
    return None


def _names_starting(index: _Indexes, words: tuple[str, ...]) -> int:
    """How many names start with these words: « saint » starts a hundred, « saint maur » one."""
    return sum(1 for name in index.by_first.get(words[0], ()) if name[:len(words)] == words)


def _chosen(typed: list[str], places: tuple[Place, ...], corrected: bool) -> Resolution:
    place, others = places[0], places[1:]
    notes = []
    if corrected:
        notes.append(f"« {' '.join(typed)} » : compris comme {place.label}.")
    if others:
        names = ", ".join(p.label for p in others[:3]) + ("…" if len(others) > 3 else "")
        notes.append(f"« {' '.join(typed)} » : {place.label} a été choisi (autres lieux de ce nom : {names}).")
    return Resolution(place, tuple(others), tuple(notes), corrected)


def match_at(words: list[str], i: int, whole: bool = False) -> tuple[Resolution, int] | None:
    """A place starting at ``words[i]`` (words of :func:`place_words`) and the index after it."""
    found = _numbers_at(words, i)
    if found and found[0] is not None:
        return found
    return _names_at(words, i, whole)


def find_in_words(words: list[str]) -> Match | None:
    """The first place named in a phrase (the longest one starting at that word)."""
    for i in range(len(words)):
        found = match_at(words, i)
        if found:
            return Match(found[0], i, found[1])
    return None


def resolve(text: str) -> Resolution | None:
    """What a person typed in « Où ? » as a place, if the whole text names one."""
    text = text.strip()
    label = _LABEL_RE.fullmatch(text)          # « Versailles (78000) », « Hauts-de-Seine (92) »
    if label:
        found = resolve(label.group("name"))
        code = label.group("code")
        if found:
            for place in (found.place, *found.alternatives):
                towns = communes()
                if place.id == code or (place.id in towns and code in towns[place.id].postal_codes):
                    return Resolution(place)
            return found
    words = place_words(text)
    if not words:
        return None
    found = match_at(words, 0, whole=True)
    if found and found[1] == len(words):
        said = f"« {' '.join(words)} »"      # the notes quote folded words: quote what was typed
        return replace(found[0], notes=tuple(n.replace(said, f"« {text} »") for n in found[0].notes))
    return None

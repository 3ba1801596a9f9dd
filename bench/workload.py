"""The fixed, deterministic request mix: which searches, suggestions and exports are timed.

Every list is fixed; the i-th request of a kind takes the i-th commune / aptitude /
text of its list (modulo its length), so two runs send the same requests in the
same order and the engine's caches cannot make a figure trivial (128 communes,
12 aptitudes, 10-12 texts or phrases: hundreds of distinct requests per kind).
"""
from __future__ import annotations

from urllib.parse import urlencode

from catalog.communes import communes

# The aptitudes physiotherapists tick most (catalog.demo.PHYSIO_APTITUDES), most common first.
APTITUDES = (
    "KINE_REEDUC_RACHIS", "KINE_REEDUC_ORTHO_MEMBRE_INF", "KINE_SPORT", "KINE_REEDUC_ORTHO_MEMBRE_SUP",
    "KINE_REEDUC_PERSONNE_AGEE", "KINE_REEDUC_PNEUMO", "KINE_REEDUC_PELVI_FEMME", "KINE_REEDUC_VESTIBULAIRE",
    "KINE_REEDUC_PNEUMO_PEDIATRIQUE", "KINE_BILAN_RACHIS", "KINE_REEDUC_NEURO", "KINE_LYMPHOEDEMES",
)
# "What" typed as text, ranked by relevance.
WHAT_TEXTS = (
    "rééducation vestibulaire", "kinésithérapie du sport", "lymphoedème", "rééducation du rachis",
    "kiné respiratoire", "rééducation périnéale", "personne âgée", "rééducation de la main",
    "ostéopathie", "rééducation neurologique",
)
# Three-word free text over the whole directory (no place).
FREE_TEXTS = (
    "rééducation vestibulaire Versailles", "kinésithérapie sport Boulogne", "drainage lymphatique Paris",
    "rééducation rachis Créteil", "kiné respiratoire enfants", "rééducation périnéale Nanterre",
    "balnéothérapie centre rééducation", "cabinet kinésithérapie gare", "rééducation main Argenteuil",
    "soins palliatifs domicile",
)
# A doctor's or a patient's whole phrase in the one box: need, patients, home visits, hours and
# place read from the words (query_api.search.understanding), then searched.
PHRASES = (
    "kiné vestibulaire enfant à domicile Paris", "vertiges Boulogne-Billancourt",
    "troubles de l'équilibre personne âgée Créteil", "kiné bronchiolite bébé Montreuil",
    "rééducation périnée Nanterre", "kiné AVC à domicile Saint-Denis", "mal de dos ouvert maintenant Versailles",
    "prothèse de genou rééducation Antony", "kiné épaule ouvert le samedi Courbevoie",
    "drainage lymphatique à domicile Vincennes", "kiné du sport Levallois", "lombalgie kiné Colombes",
)
SUGGEST_WHAT = ("vest", "rééd", "kiné", "resp", "lymp", "spor", "pédi", "osté", "drain", "balné", "rachi", "périn")
SUGGEST_WHERE = ("vers", "boul", "sain", "mont", "vill", "pari", "nant", "ivry", "crét", "arge", "mass", "fonten")

SEARCH_KINDS = (
    "commune+aptitude",
    "+2 facets",
    "+open now",
    "relevance sort",
    "where only",
    "free text (3 words)",
    "phrase (understood)",
)


def bench_communes(count: int = 128) -> list[str]:
    """Half the most populous communes (most offers), half spread over the rest by INSEE code."""
    by_population = sorted(communes().values(), key=lambda c: (-c.population, c.insee))
    big = [c.insee for c in by_population[: count // 2]]
    rest = sorted(c.insee for c in by_population[count // 2:])
    step = max(1, len(rest) // (count - len(big)))
    spread = rest[::step][: count - len(big)]
    mixed = []
    for pair in zip(big, spread):
        mixed.extend(pair)
    return mixed


def search_params(kind: str, i: int, places: list[str]) -> list[tuple[str, str]]:
    """The query-string parameters of the i-th search of this kind."""
    where = places[i % len(places)]
    aptitude = APTITUDES[i % len(APTITUDES)]
    if kind == "commune+aptitude":
        return [("where", where), ("what", aptitude)]
    if kind == "+2 facets":
        return [("where", where), ("what", aptitude), ("age", "A"), ("home_visit", "true")]
    if kind == "+open now":
        return [("where", where), ("what", aptitude), ("open_now", "true")]
    if kind == "relevance sort":
        return [("where", where), ("what", WHAT_TEXTS[i % len(WHAT_TEXTS)]), ("sort", "relevance")]
    if kind == "where only":
        return [("where", where)]
    if kind == "free text (3 words)":
        return [("q", FREE_TEXTS[i % len(FREE_TEXTS)])]
    if kind == "phrase (understood)":
        return [("q", PHRASES[i % len(PHRASES)])]
    raise ValueError(kind)


FHIR_RADIUS_KM = 5


def near_aptitude_paths(i: int, places: list[str]) -> tuple[str, str]:
    """The same criteria through both faces: around a commune's centre (no home visits: FHIR
    « near » is about the place), one aptitude, first page of 20. (JSON path, FHIR path.)"""
    commune = communes()[places[i % len(places)]]
    aptitude = APTITUDES[i % len(APTITUDES)]
    json_path = "/api/v1/search?" + urlencode([("where", f"{commune.lat},{commune.lon}"),
                                                ("radius_km", str(FHIR_RADIUS_KM)), ("aptitude", aptitude)])
    fhir_path = "/fhir/HealthcareService?" + urlencode([
        ("location.near", f"{commune.lat}|{commune.lon}|{FHIR_RADIUS_KM}|km"), ("characteristic", aptitude),
        ("_count", "20")])
    return json_path, fhir_path


def suggest_params(box: str, i: int) -> list[tuple[str, str]]:
    texts = SUGGEST_WHAT if box == "what" else SUGGEST_WHERE
    return [("field", box), ("q", texts[i % len(texts)])]


def export_candidates() -> list[list[tuple[str, str]]]:
    """Searches whose result sets span 1,000 to 200,000 UO at 1M; the closest to a target is exported."""
    candidates: list[list[tuple[str, str]]] = [[]]
    for department in ("75", "77", "78", "91", "92", "93", "94", "95"):
        base = [("department", department)]
        candidates.append(base)
        candidates.append(base + [("age", "E")])
        candidates.append(base + [("home_visit", "true")])
        for aptitude in APTITUDES[:4]:
            candidates.append(base + [("aptitude", aptitude)])
    return candidates


def query_string(params: list[tuple[str, str]]) -> str:
    return urlencode(params)

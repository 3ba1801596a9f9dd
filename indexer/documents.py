"""Catalog records → UO documents and suggestion documents. Pure functions, no I/O."""
from __future__ import annotations

import functools
import hashlib
from collections import Counter
from dataclasses import dataclass, field

import orjson

from catalog.communes import ARRONDISSEMENTS, PARIS_CENTRE, PARIS_INSEE, communes
from catalog.nomenclature import lay_words, nomenclature
from catalog.schedule import CLOSED_TEXT, format_week, week_intervals
from indexer.export_row import encode_row, export_row

CHILD_AGE_LIMIT = 18  # under 18 = "E" (enfants), as the national ROR derives it


def patients(age_min: int | None, age_max: int | None) -> list[str]:
    """E and/or A from an age range; unknown range → [] (the field is hidden)."""
    if age_min is None and age_max is None:
        return []
    low = 0 if age_min is None else age_min
    high = 120 if age_max is None else age_max
    flags = []
    if low < CHILD_AGE_LIMIT:
        flags.append("E")
    if high >= CHILD_AGE_LIMIT:
        flags.append("A")
    return flags


def establishment_key(eg_id: str) -> int:
    """A signed 64-bit hash of an EG id, indexed beside it for counting and grouping.

    Counting distinct EGs among 200,000 hits on the keyword id means one term-dictionary
    lookup per EG; on a number it is a hash of the value (a where-only search at 1M UOs
    went from 45 to 41 ms at p50). Collisions are negligible: ~1M EGs among 2^64 keys.
    """
    return int.from_bytes(hashlib.blake2b(eg_id.encode(), digest_size=8).digest(), "big", signed=True)


@dataclass(frozen=True)
class _Offer:
    """What a unit offers: the same for every unit with its name, type, profession and aptitudes."""

    uo_type_label: str
    aptitude_codes: list[str]
    aptitude_groups: list[str]
    aptitude_labels: list[str]
    what: list[str]


@functools.lru_cache(maxsize=16_384)
def _offer(name: str, uo_type: str, profession: str | None, aptitude_codes: tuple[str, ...]) -> _Offer:
    """Cached: a million units carry a few thousand distinct offers. The lists are shared
    between documents, which are serialized, never modified."""
    nom = nomenclature()
    aptitudes = [nom.aptitudes[code] for code in aptitude_codes if code in nom.aptitudes]
    uo_type_label = nom.uo_types.get(uo_type, {}).get("label", uo_type)
    profession_label = nom.professions.get(profession or "", {}).get("label", "")
    labels = [a.label for a in aptitudes]
    return _Offer(
        uo_type_label=uo_type_label,
        aptitude_codes=[a.code for a in aptitudes],
        aptitude_groups=sorted({a.group for a in aptitudes}),
        aptitude_labels=labels,
        # The texts the engine analyses as the offer itself ("what"); each stays a value of
        # its own so that a highlight names the very label that matched.
        what=[text for text in dict.fromkeys((name, uo_type_label, profession_label, *labels)) if text],
    )


@functools.lru_cache(maxsize=8192)
def _week_fields(week_json: str) -> tuple[list[dict], dict[str, str], str]:
    """The indexed intervals, the display of each day and the open days as one line
    (« lundi 9h-12h ; jeudi 14h-18h », the export's) of a typical week stored as JSON text.

    Cached by that text because typical weeks repeat across thousands of units (a full
    reindex would otherwise spend a sixth of its time formatting "9h-12h30"). The
    returned values are shared between documents: documents are serialized, never modified.
    """
    week = {int(day): [tuple(slot) for slot in slots] for day, slots in orjson.loads(week_json).items()}
    days = format_week(week)
    line = " ; ".join(f"{day} {text}" for day, text in days if text != CLOSED_TEXT)
    return week_intervals(week), dict(days), line


def unit_document(record: dict) -> dict:
    """The indexed view of one UO (from ``repository.iter_index_records`` / ``index_records``):
    everything a result list and its facets need."""
    eg = record["establishment"]
    commune = communes().get(eg["insee"])
    offer = _offer(record["name"], record["uo_type"], record["profession"], tuple(record["aptitudes"]))
    intervals, week_display, week_line = _week_fields(record["week_json"])
    document = {
        "id": record["id"],
        "name": record["name"],
        "uo_type": record["uo_type"],
        "uo_type_label": offer.uo_type_label,
        "profession": record["profession"],
        "category": eg["category"],
        "aptitudes": offer.aptitude_codes,
        "aptitude_groups": offer.aptitude_groups,
        "aptitude_labels": offer.aptitude_labels,
        "generalist": not offer.aptitude_codes,
        # "text" (every word of the unit) is gathered by the engine: copy_to in mappings/units.json.
        "what": offer.what,
        "comments": record["comments"] or None,
        "owner_name": record.get("owner_name"),
        "establishment": {
            "id": eg["id"],
            "key": establishment_key(eg["id"]),
            "name": eg["name"],
            "address": eg.get("address") or "",
            "postal_code": eg.get("postal_code") or "",
            "commune": commune.name if commune else "",
            "insee": eg["insee"],
            "department": commune.department if commune else eg["insee"][:2],
            "ej_id": eg.get("ej_id"),
            "ej_name": eg.get("ej_name"),
        },
        "location": {"lat": eg["lat"], "lon": eg["lon"]},
        "age_min": record.get("age_min"),
        "age_max": record.get("age_max"),
        "patients": patients(record.get("age_min"), record.get("age_max")),
        "home_visit": bool(record.get("home_visit")),
        "home_visit_communes": list(record.get("home_visit_communes") or []) if record.get("home_visit") else [],
        "week": intervals,
        "open_on_holidays": bool(record.get("open_on_holidays")),
        "week_display": week_display,
        "phone": record.get("phone"),
        "revision": record["revision"],
        "updated_at": record["updated_at"],
        # When the UO entered the store (FHIR's ror-meta-creation-date); shown, never searched.
        "created_at": record["created_at"],
    }
    document["row"] = encode_row(export_row(document, week_line))
    return document


@dataclass
class SuggestionCounts:
    """How many UOs carry each aptitude / UO type / profession / EG, per category."""

    aptitudes: Counter = field(default_factory=Counter)
    uo_types: Counter = field(default_factory=Counter)
    professions: Counter = field(default_factory=Counter)
    categories: dict = field(default_factory=dict)   # (kind, code) -> set of categories
    establishments: dict = field(default_factory=dict)  # eg id -> (name, commune label, units)

    def add(self, doc: dict) -> None:
        category = doc["category"]
        keys = [("aptitude", a) for a in doc["aptitudes"]] + [("uo_type", doc["uo_type"])]
        if doc["profession"]:
            keys.append(("profession", doc["profession"]))
        for kind, code in keys:
            {"aptitude": self.aptitudes, "uo_type": self.uo_types, "profession": self.professions}[kind][code] += 1
            self.categories.setdefault((kind, code), set()).add(category)
        eg = doc["establishment"]
        name, where, units = self.establishments.get(eg["id"], (eg["name"], f"{eg['commune']} ({eg['postal_code']})", 0))
        self.establishments[eg["id"]] = (name, where, units + 1)


def _suggestion(kind: str, code: str, label: str, weight: int, *, categories=(), extra_text: str = "", **more) -> dict:
    return {
        "type": kind,
        "code": code,
        "label": label,
        "extra": extra_text or None,   # matched too, never shown: postal codes, plurals
        "weight": weight,
        "categories": sorted(categories),
        **more,
    }


def suggestion_documents(counts: SuggestionCounts) -> list[dict]:
    """The typeahead's documents: nomenclature entries, communes and establishments."""
    nom = nomenclature()
    docs = []
    lay = lay_words()["aptitudes"]
    for code, aptitude in nom.aptitudes.items():
        docs.append(_suggestion("aptitude", code, aptitude.label, counts.aptitudes[code],
                                categories=counts.categories.get(("aptitude", code), ()), group=aptitude.group_label,
                                extra_text=" ".join(lay.get(code, ()))))
    for code, uo_type in nom.uo_types.items():
        docs.append(_suggestion("uo_type", code, uo_type["label"], counts.uo_types[code],
                                categories=counts.categories.get(("uo_type", code), ())))
    for code, profession in nom.professions.items():
        docs.append(_suggestion("profession", code, profession["label"], counts.professions[code],
                                categories=counts.categories.get(("profession", code), ()),
                                extra_text=profession.get("label_plural", "")))
    towns = communes()
    for commune in towns.values():
        extra = " ".join(commune.postal_codes)
        if commune.insee in ARRONDISSEMENTS:     # « paris 13 », « 13eme arrondissement »
            number = int(commune.insee[-2:])
            extra += f" {number} {number}eme {number}ieme"
        docs.append(_suggestion("commune", commune.insee, commune.label, commune.population,
                                extra_text=extra, department=commune.department,
                                lat=commune.lat, lon=commune.lon))
    # Paris as a whole, above its arrondissements (its weight is their population).
    docs.append(_suggestion("commune", PARIS_INSEE, "Paris", sum(towns[a].population for a in ARRONDISSEMENTS),
                            extra_text="75000 arrondissements", department="75", lat=PARIS_CENTRE[0],
                            lon=PARIS_CENTRE[1]))
    for eg_id, (name, where, units) in counts.establishments.items():
        docs.append(_suggestion("establishment", eg_id, name, units, detail=where))
    return docs

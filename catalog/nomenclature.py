"""The nomenclatures (aptitudes, UO types, categories, professions, themes), read once from data files."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

NOMENCLATURES_DIR = Path(__file__).resolve().parent / "nomenclatures"


def _load(name: str):
    return json.loads((NOMENCLATURES_DIR / f"{name}.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Aptitude:
    code: str
    label: str
    group: str
    group_label: str
    national: dict | None = field(default=None, compare=False)   # {"system": "JDV_J16"|"JDV_J17", "code": ...} when a national code exists


@dataclass(frozen=True)
class Nomenclature:
    aptitudes: dict[str, Aptitude]           # by code, in the guide's order
    aptitude_groups: dict[str, str]          # group code -> label, in order
    uo_types: dict[str, dict]
    categories: dict[str, dict]
    professions: dict[str, dict]
    anomaly_themes: dict[str, dict]

    def aptitude_label(self, code: str) -> str:
        return self.aptitudes[code].label


@lru_cache(maxsize=1)
def nomenclature() -> Nomenclature:
    """The whole nomenclature; the files are data, this is their only reader."""
    raw = _load("aptitudes")
    aptitudes: dict[str, Aptitude] = {}
    groups: dict[str, str] = {}
    for group in raw["groups"]:
        groups[group["code"]] = group["label"]
        for item in group["aptitudes"]:
            aptitudes[item["code"]] = Aptitude(item["code"], item["label"], group["code"], group["label"],
                                              item.get("national"))
    return Nomenclature(
        aptitudes=aptitudes,
        aptitude_groups=groups,
        uo_types={t["code"]: t for t in _load("uo_types")},
        categories={c["code"]: c for c in _load("categories")},
        professions={p["code"]: p for p in _load("professions")},
        anomaly_themes={t["code"]: t for t in _load("anomaly_themes")},
    )


@lru_cache(maxsize=1)
def lay_words() -> dict:
    """Words people use for aptitudes, patients, home visits, open now and professions (lay_words.json)."""
    return _load("lay_words")

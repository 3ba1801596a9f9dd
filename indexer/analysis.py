"""The engine's French text analysis: the settings every index is created with, and synonyms.

The analyzers themselves are declared in ``mappings/analysis.json``; this module adds
the synonym rules from ``catalog/nomenclatures/synonyms.json`` (one group of
equivalent words or phrases per rule) and puts a changed list on the live indexes.
Synonyms are applied at search time only, so a change needs no reindex.
"""
from __future__ import annotations

import json
from pathlib import Path

from opensearchpy import OpenSearch

MAPPINGS_DIR = Path(__file__).resolve().parents[1] / "mappings"
SYNONYMS_PATH = Path(__file__).resolve().parents[1] / "catalog/nomenclatures/synonyms.json"
SYNONYM_FILTER = "french_synonyms"


def synonym_rules(path: Path = SYNONYMS_PATH) -> list[str]:
    """Solr-format rules (« avc, accident vasculaire cérébral »), one per group of the file."""
    groups = json.loads(path.read_text(encoding="utf-8"))
    rules = []
    for group in groups:
        phrases = [" ".join(p.replace(",", " ").replace("=>", " ").split()) for p in group]
        phrases = [p for p in dict.fromkeys(phrases) if p]
        if len(phrases) > 1:
            rules.append(", ".join(phrases))
    return rules


def _declared() -> dict:
    return json.loads((MAPPINGS_DIR / "analysis.json").read_text(encoding="utf-8"))


def stop_words() -> frozenset[str]:
    """The French stop words the analyzers drop, for Python that reads a phrase the same way."""
    return frozenset(_declared()["filter"]["french_stop"]["stopwords"])


def analysis_settings() -> dict:
    """``index.analysis`` of every index: mappings/analysis.json with the synonym rules."""
    analysis = _declared()
    analysis.pop("_comment", None)
    analysis["filter"][SYNONYM_FILTER]["synonyms"] = synonym_rules()
    return analysis


def apply_synonyms(client: OpenSearch, indices: list[str]) -> list[str]:
    """Put the current synonym rules on existing indexes; returns those changed.

    Analysis settings can only change on a closed index: each index is closed,
    updated and reopened, which makes it unavailable for a second or two (searches
    answer 503 meanwhile). A reindex (`./ror reindex`) does the same with no pause.
    """
    rules = synonym_rules()
    changed = []
    for index in indices:
        current = client.indices.get_settings(index=index, name=f"index.analysis.filter.{SYNONYM_FILTER}.synonyms")
        present = current.get(index, {}).get("settings", {}).get("index", {}).get("analysis", {}) \
            .get("filter", {}).get(SYNONYM_FILTER, {}).get("synonyms")
        if present == rules:
            continue
        client.indices.close(index=index)
        try:
            client.indices.put_settings(index=index, body={"analysis": {"filter": {SYNONYM_FILTER: {
                "type": "synonym_graph", "synonyms": rules}}}})
        finally:
            client.indices.open(index=index, wait_for_active_shards=1)
        changed.append(index)
    return changed

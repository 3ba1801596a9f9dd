"""What an administrator must be told: the outbox lags, the mapping is behind, the engine is not green.

A pure function of the status (indexer/status.py) and the clock, shared by the console,
``ror status``, /api/v1/health and /metrics. Each warning has an English ``code`` for
programs and a French ``message`` for people.
"""
from __future__ import annotations

from datetime import datetime

from config import Settings


def outbox_age_seconds(state: dict, now: datetime) -> float:
    """How long the oldest pending change has waited (0 when the outbox is empty)."""
    oldest = state["outbox"]["oldest"]
    return max(0.0, (now - datetime.fromisoformat(oldest)).total_seconds()) if oldest else 0.0


def warnings(state: dict, settings: Settings, now: datetime) -> list[dict]:
    found = []
    age = outbox_age_seconds(state, now)
    if age > settings.outbox_alert_seconds:
        found.append({"code": "outbox_late", "level": "warning", "message": (
            f"{state['outbox']['depth']} modification(s) attendent d'être appliquées à l'index, la plus ancienne "
            f"depuis {age:.0f} s (seuil : {settings.outbox_alert_seconds} s). La synchronisation est-elle arrêtée ?")})
    engine = state["index"]
    if not engine.get("reachable"):
        found.append({"code": "engine_unreachable", "level": "error",
                      "message": "Le moteur de recherche est injoignable."})
        return found
    if engine.get("health") in ("yellow", "red"):
        found.append({"code": f"engine_{engine['health']}", "level": "error" if engine["health"] == "red" else "warning",
                      "message": "Le moteur de recherche est en état rouge : des données sont inaccessibles."
                      if engine["health"] == "red" else
                      "Le moteur de recherche est en état jaune : des copies de données (réplicas) manquent."})
    if not engine.get("indexes"):
        found.append({"code": "no_index", "level": "error",
                      "message": "Aucun index de recherche : lancez une réindexation complète."})
    elif not engine.get("mapping_current"):
        found.append({"code": "mapping_behind", "level": "warning", "message": (
            f"L'index a été construit avec une version antérieure du mapping (version actuelle : "
            f"{engine.get('mapping_version')}) : lancez une réindexation complète.")})
    return found

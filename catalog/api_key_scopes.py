"""What an API key may do beyond reading the directory: its scopes (``api_keys.scopes``, migration 0005).

The one list of scopes: the CLI, key creation and every check read it here.

A key reads the search and the sheets; a scope opens one more thing to it. Scopes are
stored space-separated in the key's row, granted by an operator (``ror api-key create
--scope metrics``) and written to the audit trail like the key itself.
"""
from __future__ import annotations

from datetime import datetime

from catalog import audit
from catalog.sql import StoreConnection

SCOPES = {
    "report": "signalement d'anomalies (POST /fhir/Task)",
    "metrics": "lecture des métriques Prometheus (/metrics)",
}


def scopes_of(api_key: dict) -> set[str]:
    return set((api_key.get("scopes") or "").split())


def has_scope(api_key: dict | None, scope: str) -> bool:
    return api_key is not None and scope in scopes_of(api_key)


def grant(conn: StoreConnection, key_id: int, scope: str, actor: str, now: datetime) -> None:
    """Add ``scope`` to the key, in the caller's transaction; ValueError for an unknown scope."""
    if scope not in SCOPES:
        raise ValueError(f"Droit inconnu : « {scope} » (droits possibles : {', '.join(SCOPES)}).")
    row = conn.execute("SELECT scopes FROM api_keys WHERE id = ?", (key_id,)).fetchone()
    current = set((row["scopes"] or "").split()) if row else set()
    if row is None or scope in current:
        return
    conn.execute("UPDATE api_keys SET scopes = ? WHERE id = ?", (" ".join(sorted(current | {scope})), key_id))
    audit.record(conn, actor, "api_key", str(key_id), "scope", now, new=scope)

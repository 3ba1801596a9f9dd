"""The management cell's actions in the store's one audit trail (``audit_log``).

Sheet changes have been audited field by field from the start (``repository._audit``:
who, when, which field of which EG or UO, old → new). The cell's actions go to the
same table in the same shape, the action in ``field``:

==================  ================  ============  ==========================================
target_type         target_id         field         old → new
==================  ================  ============  ==========================================
``index``           the search alias  ``reindex``   → "demandée", then "terminée : …" / "échec : …"
``api_key``         the key's id      ``created``   → the key's name and prefix (never the key)
                                      ``revoked``   the name → None
``activation_code`` the RPPS number   ``issued``    → the code's expiry (never the code)
``anomaly``         the report's id   ``status``,   old → new (catalog/anomalies.py)
                                      ``note``,
                                      ``assignee_id``
==================  ================  ============  ==========================================

``actor`` is ``account:<id>`` for a signed-in member of the cell, ``cli`` for an
operator's ``./ror`` command. Rows are written in the transaction of the action
they describe, so there is no action without its row.
"""
from __future__ import annotations

import re
from datetime import datetime

from catalog.sql import Row, StoreConnection
from catalog.store import iso

ACTOR_CLI = "cli"
#: What the cell's journal lists, with its French names.
ADMIN_TARGETS = {
    "index": "Index de recherche",
    "api_key": "Clé d'API",
    "activation_code": "Code d'activation",
    "anomaly": "Anomalie",
}


def account_actor(account_id: int) -> str:
    return f"account:{account_id}"


def record(conn: StoreConnection, actor: str, target_type: str, target_id: str, action: str,
           now: datetime, *, old: str | None = None, new: str | None = None) -> None:
    """One administrative action, in the caller's transaction."""
    record_many(conn, actor, target_type, [(target_id, action, old, new)], now)


def record_many(conn: StoreConnection, actor: str, target_type: str,
                actions: list[tuple[str, str, str | None, str | None]], now: datetime) -> None:
    """Several actions of one kind at once: (target_id, action, old, new) each."""
    stamp = iso(now)
    conn.executemany(
        "INSERT INTO audit_log (at, actor, target_type, target_id, field, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(stamp, actor, target_type, str(target_id), action, old, new) for target_id, action, old, new in actions],
    )


REINDEX_REQUESTED = "demandée"
REINDEX_FAILED = "échec : "
_REINDEX_DONE = re.compile(r"terminée : (?P<documents>\d+) UO dans (?P<index>\S+) en ")


def reindex_outcome(documents: int, index: str, seconds: float) -> str:
    """How a finished full reindex is written (the cell's button and ``./ror reindex`` alike)."""
    return f"terminée : {documents} UO dans {index} en {seconds:.1f} s"


def reindex_failure(reason: str) -> str:
    return f"{REINDEX_FAILED}{reason}"


def reindex_history(conn: StoreConnection, limit: int = 10) -> list[dict]:
    """The last finished reindexes, newest first, read from the audit trail.

    Reindexes run one at a time (the lease of catalog/reindex_runs.py), so in the trail each
    outcome follows its own « demandée »: who asked and when come from that row, the result
    and the end from the outcome. A request with no outcome is the one running now (or, in a
    trail written before abandoned runs were recorded, one that was followed by another).
    """
    rows = conn.execute(
        """SELECT l.*, a.display_name AS actor_name, a.email AS actor_email
           FROM audit_log l LEFT JOIN accounts a ON l.actor = 'account:' || a.id
           WHERE l.target_type = 'index' AND l.field = 'reindex' ORDER BY l.id DESC LIMIT ?""",
        (2 * limit + 1,),
    ).fetchall()
    finished, outcome = [], None
    for row in rows:                      # newest first: an outcome, then its request
        if row["new_value"] != REINDEX_REQUESTED:
            outcome = row
            continue
        if outcome is not None:
            finished.append(_reindex_entry(row, outcome))
        outcome = None
    return finished[:limit]


def _reindex_entry(request: Row, outcome: Row) -> dict:
    started, ended = datetime.fromisoformat(request["at"]), datetime.fromisoformat(outcome["at"])
    result = outcome["new_value"] or ""
    done = _REINDEX_DONE.match(result)
    entry = {
        "status": "succeeded" if done else "failed",
        "actor": request["actor"],
        "actor_name": _entry(request)["actor"]["name"],
        "started_at": request["at"],
        "finished_at": outcome["at"],
        "seconds": round(max(0.0, (ended - started).total_seconds()), 1),
    }
    if done:
        entry.update(documents=int(done["documents"]), index=done["index"])
    else:
        entry["error"] = result.removeprefix(REINDEX_FAILED)
    return entry


def admin_actions(conn: StoreConnection, *, target_type: str | None = None, actor: str | None = None,
                  page: int = 1, per_page: int = 50) -> tuple[int, list[dict]]:
    """The cell's journal, newest first: (total, one page of rows with the actor's name)."""
    kinds = [target_type] if target_type else list(ADMIN_TARGETS)
    where = f"l.target_type IN ({', '.join('?' for _ in kinds)})"
    params: list = list(kinds)
    if actor:
        where += " AND l.actor = ?"
        params.append(actor)
    total = conn.execute(f"SELECT COUNT(*) FROM audit_log l WHERE {where}", params).fetchone()[0]
    rows = conn.execute(
        f"{_WITH_ACTOR} WHERE {where} ORDER BY l.id DESC LIMIT ? OFFSET ?",
        (*params, per_page, (page - 1) * per_page),
    ).fetchall()
    return total, [_entry(row) for row in rows]


def trail(conn: StoreConnection, target_type: str, target_id: str) -> list[dict]:
    """Everything done to one target, oldest first (rows of one action share ``at`` and ``actor``)."""
    rows = conn.execute(f"{_WITH_ACTOR} WHERE l.target_type = ? AND l.target_id = ? ORDER BY l.id",
                        (target_type, str(target_id))).fetchall()
    return [_entry(row) for row in rows]


_WITH_ACTOR = """SELECT l.*, a.display_name AS actor_name, a.email AS actor_email
FROM audit_log l LEFT JOIN accounts a ON l.actor = 'account:' || a.id"""


def _entry(row: Row) -> dict:
    kind, _, ident = row["actor"].partition(":")
    if kind == "account" and ident.isdigit():
        actor = {"kind": "account", "id": int(ident), "name": row["actor_name"] or row["actor_email"] or f"compte n° {ident}",
                 "email": row["actor_email"]}
    else:
        actor = {"kind": row["actor"], "id": None, "name": "Commande ror (serveur)" if row["actor"] == ACTOR_CLI else row["actor"],
                 "email": None}
    return {
        "id": row["id"],
        "at": row["at"],
        "actor": actor,
        "target_type": row["target_type"],
        "target_label": ADMIN_TARGETS.get(row["target_type"], row["target_type"]),
        "target_id": row["target_id"],
        "action": row["field"],
        "old_value": row["old_value"],
        "new_value": row["new_value"],
    }

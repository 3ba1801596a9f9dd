"""Anomaly reports on EJ, EG and UO sheets, and how the management cell handles them.

Life of a report: new → in_progress → resolved | rejected; a report can also be
decided straight from new, sent back from in_progress to new, and a closed one
reopened (→ in_progress). Every change is written to the audit log.
"""
from __future__ import annotations

from datetime import datetime

from catalog import audit
from catalog.labels import person_name, unit_label
from catalog.nomenclature import nomenclature
from catalog.sql import Row, StoreConnection
from catalog.store import MAX_ROWID, iso

STATUS_LABELS = {"new": "Nouvelle", "in_progress": "En cours", "resolved": "Résolue", "rejected": "Rejetée"}
#: The states that close a report: the reporter is told, and a note is required (catalog/schemas.py).
CLOSED = frozenset({"resolved", "rejected"})
TARGET_LABELS = {"EJ": "entité juridique", "EG": "entité géographique", "UO": "unité opérationnelle"}
TRANSITIONS = {
    "new": frozenset({"in_progress", "resolved", "rejected"}),
    "in_progress": frozenset({"resolved", "rejected", "new"}),
    "resolved": frozenset({"in_progress"}),
    "rejected": frozenset({"in_progress"}),
}
_TARGET_TABLES = {"EJ": "legal_entities", "EG": "establishments", "UO": "units"}


class AnomalyNotFound(LookupError):
    pass


class InvalidTransition(Exception):
    def __init__(self, current: str, wanted: str):
        super().__init__(f"{current} -> {wanted}")
        self.current, self.wanted = current, wanted

    @property
    def message(self) -> str:
        allowed = " ou ".join(f"« {STATUS_LABELS[s]} »" for s in sorted(TRANSITIONS[self.current]))
        return (f"Une anomalie « {STATUS_LABELS[self.current]} » ne peut pas passer à "
                f"« {STATUS_LABELS[self.wanted]} » ; elle peut passer à {allowed}.")


class UnknownAssignee(Exception):
    """The assignee is not an active member of the management cell."""


def target_name(conn: StoreConnection, target_type: str, target_id: str) -> str | None:
    """The name of the EJ, EG or UO, or None when there is no such sheet."""
    row = conn.execute(f"SELECT name FROM {_TARGET_TABLES[target_type]} WHERE id = ?", (target_id,)).fetchone()
    return row["name"] if row else None


_SELECT = """
SELECT a.*, r.display_name AS reporter_name, r.email AS reporter_email,
       s.display_name AS assignee_name,
       COALESCE(j.name, e.name, u.name) AS target_name,
       p.first_name AS target_owner_first_name, p.last_name AS target_owner_last_name
FROM anomalies a
LEFT JOIN accounts r ON r.id = a.reporter_id
LEFT JOIN accounts s ON s.id = a.assignee_id
LEFT JOIN legal_entities j ON a.target_type = 'EJ' AND j.id = a.target_id
LEFT JOIN establishments e ON a.target_type = 'EG' AND e.id = a.target_id
LEFT JOIN units u ON a.target_type = 'UO' AND u.id = a.target_id
LEFT JOIN practitioners p ON p.rpps = u.owner_rpps
"""


def _target_label(row: Row) -> str:
    """What the cell and the e-mails call the sheet: a UO with its owner's name (a group practice's
    UO share their name), the sheet's id when it is gone."""
    if row["target_name"] is None:
        return row["target_id"]
    owner = person_name(row["target_owner_first_name"], row["target_owner_last_name"])
    return unit_label(row["target_name"], owner) if row["target_type"] == "UO" else row["target_name"]


def _anomaly(row: Row) -> dict:
    theme = nomenclature().anomaly_themes.get(row["theme"]) if row["theme"] else None
    return {
        "id": row["id"],
        "target": {"type": row["target_type"], "id": row["target_id"], "name": row["target_name"],
                   "label": _target_label(row), "type_label": TARGET_LABELS[row["target_type"]]},
        "field": row["field"],
        "theme": {"code": row["theme"], "label": theme["label"]} if theme else None,
        "message": row["message"],
        "status": row["status"],
        "status_label": STATUS_LABELS[row["status"]],
        "note": row["note"],
        "reporter": {"id": row["reporter_id"], "name": row["reporter_name"], "email": row["reporter_email"]}
        if row["reporter_id"] else None,
        "assignee": {"id": row["assignee_id"], "name": row["assignee_name"]} if row["assignee_id"] else None,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def for_practitioner(anomaly: dict) -> dict:
    """A report as the practitioner concerned sees it: without who reported it."""
    return {k: v for k, v in anomaly.items() if k not in ("reporter", "assignee")}


def get_anomaly(conn: StoreConnection, anomaly_id: int) -> dict:
    if not 0 <= anomaly_id <= MAX_ROWID:  # an id from a URL; SQLite would overflow
        raise AnomalyNotFound(anomaly_id)
    row = conn.execute(_SELECT + " WHERE a.id = ?", (anomaly_id,)).fetchone()
    if row is None:
        raise AnomalyNotFound(anomaly_id)
    return _anomaly(row)


def report_anomaly(conn: StoreConnection, reporter_id: int | None, report: dict, now: datetime,
                   *, api_key_id: int | None = None) -> dict:
    """A new report (validated by AnomalyReportSchema; the target must exist), by an account or,
    for an application's report (FHIR Task), by an API key with the "report" scope."""
    stamp = iso(now)
    cursor = conn.execute(
        """INSERT INTO anomalies (target_type, target_id, field, theme, message, status, reporter_id,
                                  reporter_api_key_id, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 'new', ?, ?, ?, ?) RETURNING id""",
        (report["target_type"], report["target_id"], report.get("field"), report.get("theme"),
         report["message"], reporter_id, api_key_id, stamp, stamp),
    )
    return get_anomaly(conn, cursor.scalar())


def list_anomalies(
    conn: StoreConnection,
    *,
    status: str | None = None,
    target_type: str | None = None,
    theme: str | None = None,
    assignee: int | str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[int, list[dict]]:
    """The queue, oldest first; ``assignee`` is an account id or "none" (unassigned)."""
    where, params = [], []
    for column, value in (("a.status", status), ("a.target_type", target_type), ("a.theme", theme)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if assignee == "none":
        where.append("a.assignee_id IS NULL")
    elif assignee is not None:
        where.append("a.assignee_id = ?")
        params.append(assignee)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    total = conn.execute("SELECT COUNT(*) FROM anomalies a" + clause, params).fetchone()[0]
    rows = conn.execute(
        _SELECT + clause + " ORDER BY a.created_at, a.id LIMIT ? OFFSET ?",
        (*params, per_page, (page - 1) * per_page),
    ).fetchall()
    return total, [_anomaly(r) for r in rows]


def update_anomaly(conn: StoreConnection, anomaly_id: int, changes: dict, *, actor_id: int, now: datetime) -> dict:
    """Apply an admin's change (AnomalyUpdateSchema): status transition, note, assignee.

    Taking a report in hand (→ in_progress) with nobody assigned assigns it to the actor.
    """
    current = get_anomaly(conn, anomaly_id)
    updates: dict = {}
    wanted = changes.get("status")
    if wanted and wanted != current["status"]:
        if wanted not in TRANSITIONS[current["status"]]:
            raise InvalidTransition(current["status"], wanted)
        updates["status"] = wanted
    if "note" in changes and (changes["note"] or "") != current["note"]:
        updates["note"] = changes["note"] or ""
    current_assignee = current["assignee"]["id"] if current["assignee"] else None
    if "assignee_id" in changes:
        assignee = changes["assignee_id"]
        if assignee is not None and not _is_admin(conn, assignee):
            raise UnknownAssignee(assignee)
        if assignee != current_assignee:
            updates["assignee_id"] = assignee
    elif updates.get("status") == "in_progress" and current_assignee is None:
        updates["assignee_id"] = actor_id
    if not updates:
        return current
    stamp = iso(now)
    assignments = ", ".join(f"{column} = ?" for column in updates)
    conn.execute(f"UPDATE anomalies SET {assignments}, updated_at = ? WHERE id = ?", (*updates.values(), stamp, anomaly_id))
    old = {"status": current["status"], "note": current["note"], "assignee_id": current_assignee}
    conn.executemany(
        "INSERT INTO audit_log (at, actor, target_type, target_id, field, old_value, new_value) VALUES (?, ?, 'anomaly', ?, ?, ?, ?)",
        [(stamp, f"account:{actor_id}", str(anomaly_id), column, _text(old[column]), _text(value))
         for column, value in updates.items()],
    )
    return get_anomaly(conn, anomaly_id)


def _text(value) -> str | None:
    return None if value is None else str(value)


def _is_admin(conn: StoreConnection, account_id: int) -> bool:
    row = conn.execute("SELECT 1 FROM accounts WHERE id = ? AND role = 'admin' AND status = 'active'", (account_id,)).fetchone()
    return row is not None


def anomalies_of_owner(conn: StoreConnection, rpps: str) -> list[dict]:
    """Reports on the practitioner's UOs, or on the EG and EJ of those UOs, newest first."""
    rows = conn.execute(
        _SELECT + """
        WHERE (a.target_type = 'UO' AND a.target_id IN (SELECT id FROM units WHERE owner_rpps = :rpps))
           OR (a.target_type = 'EG' AND a.target_id IN (SELECT eg_id FROM units WHERE owner_rpps = :rpps))
           OR (a.target_type = 'EJ' AND a.target_id IN (
                 SELECT g.ej_id FROM establishments g JOIN units x ON x.eg_id = g.id WHERE x.owner_rpps = :rpps))
        ORDER BY a.created_at DESC, a.id DESC""",
        {"rpps": rpps},
    ).fetchall()
    return [_anomaly(r) for r in rows]


def anomalies_of_unit(conn: StoreConnection, unit_id: str) -> list[dict]:
    """Reports on one UO, its EG and its EJ, newest first."""
    rows = conn.execute(
        _SELECT + """
        WHERE (a.target_type = 'UO' AND a.target_id = :unit)
           OR (a.target_type = 'EG' AND a.target_id = (SELECT eg_id FROM units WHERE id = :unit))
           OR (a.target_type = 'EJ' AND a.target_id = (
                 SELECT g.ej_id FROM establishments g JOIN units x ON x.eg_id = g.id WHERE x.id = :unit))
        ORDER BY a.created_at DESC, a.id DESC""",
        {"unit": unit_id},
    ).fetchall()
    return [_anomaly(r) for r in rows]


def anomalies_of_reporter(conn: StoreConnection, account_id: int) -> list[dict]:
    rows = conn.execute(_SELECT + " WHERE a.reporter_id = ? ORDER BY a.created_at DESC, a.id DESC", (account_id,))
    return [_anomaly(r) for r in rows]


def anomalies_of_api_key(conn: StoreConnection, api_key_id: int) -> list[dict]:
    """The reports an application filed with its API key (FHIR Task), newest first."""
    rows = conn.execute(_SELECT + " WHERE a.reporter_api_key_id = ? ORDER BY a.created_at DESC, a.id DESC",
                        (api_key_id,))
    return [_anomaly(r) for r in rows]


def history(conn: StoreConnection, anomaly: dict) -> list[dict]:
    """The report's states, oldest first: filed, then each change of status with who made it,
    when, and the cell's note — read from the audit trail, where every change is written.

    A change shows the note written with it; a closing change (resolved, rejected) shows the
    note in force after it even when unchanged, since that note is the decision's reason.
    """
    reporter = anomaly.get("reporter") or {}
    changes = [{"at": anomaly["created_at"], "actor": reporter.get("name") or reporter.get("email"),
                "status": "new", "status_label": STATUS_LABELS["new"], "previous": None, "note": None}]
    note, last_action = "", None
    for entry in audit.trail(conn, "anomaly", str(anomaly["id"])):
        action = (entry["at"], entry["actor"]["kind"], entry["actor"]["id"])
        if entry["action"] == "status" and entry["new_value"] in STATUS_LABELS:
            changes.append({"at": entry["at"], "actor": entry["actor"]["name"], "status": entry["new_value"],
                            "status_label": STATUS_LABELS[entry["new_value"]],
                            "previous": STATUS_LABELS.get(entry["old_value"] or ""),
                            "note": (note or None) if entry["new_value"] in CLOSED else None})
            last_action = action
        elif entry["action"] == "note":
            note = entry["new_value"] or ""
            if action == last_action:   # written with the status change just before it
                changes[-1]["note"] = note or None
    return changes


def history_for_reporter(changes: list[dict]) -> list[dict]:
    """The history as the reporter sees it: which member of the cell acted is the cell's business."""
    return [{**change, "actor": None} for change in changes]

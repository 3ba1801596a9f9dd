"""The « Répertoire » read from the store: a commune's establishments, the legal entities, one EJ.

Every listing is one page read through an index of migration 0006 (``establishments_commune``,
``legal_entities_kind_name``) or ``establishments_ej``, with per-row counts of the page's rows
only, so a page costs the same at 1M UO as at 1,000. The region-wide counts (departments,
communes) are the engine's aggregations (query_api/search/directory.py). An ended UO
(``units.ended_at``) is neither counted nor listed, as the engine no longer holds it.
"""
from __future__ import annotations

from catalog.labels import person_name
from catalog.repository import NotFound
from catalog.sql import StoreConnection

#: Legal entities are listed one kind at a time: organisations (hospital groups, companies)
#: are a few thousand, practitioners' own EJ hundreds of thousands.
EJ_KINDS = {"organisation": "Établissements et groupes", "practitioner": "Professionnels libéraux"}


def establishments_in_commune(conn: StoreConnection, insee: str, *, page: int, per_page: int) -> tuple[int, list[dict]]:
    """(how many EG, one page of them by name with their number of UO and their EJ)."""
    total = conn.execute("SELECT COUNT(*) FROM establishments WHERE insee = ?", (insee,)).fetchone()[0]
    rows = conn.execute(
        """SELECT e.id, e.name, e.category, e.address, e.postal_code, e.ej_id, j.name AS ej_name,
                  (SELECT COUNT(*) FROM units u WHERE u.eg_id = e.id AND u.ended_at IS NULL) AS units
           FROM establishments e JOIN legal_entities j ON j.id = e.ej_id
           WHERE e.insee = ? ORDER BY e.name, e.id LIMIT ? OFFSET ?""",
        (insee, per_page, (page - 1) * per_page),
    ).fetchall()
    return total, [dict(row) for row in rows]


def _initial_range(initial: str | None) -> tuple[str, list]:
    """A name-prefix condition that the (kind, name) index serves: « B » is B ≤ name < C."""
    if not initial:
        return "", []
    return " AND name >= ? AND name < ?", [initial, chr(ord(initial) + 1)]


def legal_entities(conn: StoreConnection, kind: str, *, initial: str | None = None,
                   page: int, per_page: int) -> tuple[int, list[dict]]:
    """(how many EJ of this kind [starting with ``initial``], one page by name with their EG and UO counts)."""
    condition, params = _initial_range(initial)
    total = conn.execute(f"SELECT COUNT(*) FROM legal_entities WHERE kind = ?{condition}", (kind, *params)).fetchone()[0]
    rows = conn.execute(
        f"""SELECT id, name, kind, finess, siren, postal_code, insee,
                   (SELECT COUNT(*) FROM establishments e WHERE e.ej_id = j.id) AS establishments,
                   (SELECT COUNT(*) FROM units u JOIN establishments e ON u.eg_id = e.id
                    WHERE e.ej_id = j.id AND u.ended_at IS NULL) AS units
            FROM legal_entities j WHERE kind = ?{condition} ORDER BY name, id LIMIT ? OFFSET ?""",
        (kind, *params, per_page, (page - 1) * per_page),
    ).fetchall()
    return total, [dict(row) for row in rows]


def legal_entity(conn: StoreConnection, ej_id: str) -> dict:
    """One EJ with its identifiers and address; NotFound when there is none."""
    row = conn.execute(
        "SELECT id, name, kind, finess, siren, address, postal_code, insee, updated_at FROM legal_entities WHERE id = ?",
        (ej_id,),
    ).fetchone()
    if row is None:
        raise NotFound(ej_id)
    return dict(row)


def establishments_of_legal_entity(conn: StoreConnection, ej_id: str, *, page: int,
                                   per_page: int) -> tuple[int, list[dict]]:
    """(how many EG the EJ has, one page of them by name, each with its UO (id, name, type, owner's name) by name
    then owner)."""
    total = conn.execute("SELECT COUNT(*) FROM establishments WHERE ej_id = ?", (ej_id,)).fetchone()[0]
    rows = [dict(row) for row in conn.execute(
        """SELECT id, name, category, address, postal_code, insee FROM establishments
           WHERE ej_id = ? ORDER BY name, id LIMIT ? OFFSET ?""",
        (ej_id, per_page, (page - 1) * per_page),
    )]
    for eg in rows:
        eg["units"] = [
            {"id": u["id"], "name": u["name"], "uo_type": u["uo_type"], "owner_name": person_name(u["first_name"], u["last_name"])}
            for u in conn.execute(
                """SELECT u.id, u.name, u.uo_type, p.first_name, p.last_name
                   FROM units u LEFT JOIN practitioners p ON p.rpps = u.owner_rpps
                   WHERE u.eg_id = ? AND u.ended_at IS NULL ORDER BY u.name, p.last_name IS NULL, p.last_name, p.first_name, u.id""",
                (eg["id"],))]
    return total, rows
